"""Policy validation: every problem with a policy document, at once, never an exception.

    validate_policy(document, kind=PolicyKind.IDENTITY, *, max_length=None) -> list[Problem]

`document` is JSON text (problems then carry line and column) or an already-parsed mapping.
`kind` decides which elements a statement may have and the default size quota; `max_length`
overrides that quota (an inline user policy is 2,048, a role's inline policies 10,240...).

Severity follows one rule: ERROR means AWS refuses to store the document, and the message
starts with AWS's own words ("Syntax errors in policy.", "Policy document should not specify a
principal.", "Cannot exceed quota for PolicySize: 6144"); what AWS accepts but IAM Access
Analyzer flags is a SECURITY_WARNING, WARNING or SUGGESTION with Access Analyzer's issue code
(MISSING_VERSION, PASS_ROLE_WITH_STAR_IN_RESOURCE, REDUNDANT_ACTION...). Codes that Access
Analyzer has no name for are iamlab's own: JSON_SYNTAX, DUPLICATE_KEY, INVALID_ACTION_FORMAT,
INVALID_TRUST_ACTION, INVALID_CHARACTERS, ALLOW_WITH_NOT_ACTION, ALLOW_WITH_NOT_RESOURCE,
CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS, LEADING_WHITESPACE, INVALID_POLICY_KIND, INTERNAL_ERROR,
TOO_MANY_PROBLEMS (the list stops at `MAX_PROBLEMS`).

The checks live in `validate_elements` (Action, Resource), `validate_principals` (Principal,
the Allow advice) and `validate_conditions` (Condition); this module does the document, the
statements, the rules of each policy kind, size and characters, and places each problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .jsontext import KEY_SUFFIX, MAX_DEPTH, compact_length, line_column, parse_json_text
from .model import PolicyKind, Problem, Severity, pointer
from .validate_conditions import check_condition
from .validate_elements import (
    IAM_KINDS,
    LEGACY,
    ORGS,
    SYNTAX,
    Findings,
    aws,
    check_actions,
    check_resources,
    show,
)
from .validate_principals import check_advice, check_principal

VERSIONS = ("2012-10-17", "2008-10-17")
TOP_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)

#: Default size quotas in characters (IAM and STS quotas; AWS Organizations quotas).
DEFAULT_MAX_LENGTH: dict[PolicyKind, int] = {
    PolicyKind.IDENTITY: 6144,  # customer managed policy
    PolicyKind.BOUNDARY: 6144,  # a boundary is a managed policy
    PolicyKind.TRUST: 2048,  # role trust policy (default quota)
    PolicyKind.SESSION: 2048,
    PolicyKind.SCP: 5120,
    PolicyKind.RCP: 5120,
}

_SID = re.compile(r"[0-9A-Za-z]*")
_BAD_CHARACTER = re.compile(r"[^\t\n\r\x20-\xff]")
_SORT_LAST = 1 << 30
MAX_PROBLEMS = 500


def validate_policy(
    document: str | Mapping,
    kind: PolicyKind | str = PolicyKind.IDENTITY,
    *,
    max_length: int | None = None,
) -> list[Problem]:
    """Every problem with the document (see the module docstring); never raises."""
    try:
        return _validate(document, kind, max_length)
    except Exception as exc:  # noqa: BLE001 - validation reports, it never fails
        message = f"The validator could not check this document ({type(exc).__name__})."
        return [Problem(Severity.ERROR, "INTERNAL_ERROR", message)]


def _kind(kind: Any) -> PolicyKind | None:
    if isinstance(kind, PolicyKind):
        return kind
    if isinstance(kind, str):
        for candidate in PolicyKind:
            if kind.strip().lower() in (candidate.value, candidate.name.lower()):
                return candidate
    return None


def _validate(document: Any, kind: Any, max_length: Any) -> list[Problem]:
    policy_kind = _kind(kind)
    if policy_kind is None:
        kinds = ", ".join(k.value for k in PolicyKind)
        message = f"Unknown policy kind {show(kind)}: use one of {kinds}."
        return [Problem(Severity.ERROR, "INVALID_POLICY_KIND", message)]
    if isinstance(document, bytes | bytearray):
        document = bytes(document).decode("utf-8", errors="replace")
    text = document if isinstance(document, str) else None
    positions: dict[str, tuple[int, int]] = {}
    parsed: list[Problem] = []
    if text is not None:
        value, positions, parsed = parse_json_text(text)
        if value is None and any(p.severity == Severity.ERROR for p in parsed):
            return parsed
    else:
        value = document
    f = Findings(policy_kind)
    if text is None and not _shallow_enough(f, value):
        return _place(f, positions, text, parsed)
    _check_text(f, text, value, max_length, positions)
    _check_document(f, value)
    return _place(f, positions, text, parsed)


def _shallow_enough(f: Findings, value: Any) -> bool:
    """A mapping given directly must not nest deeper than text may. Each container is visited
    once, so shared or self-containing ones cannot make this loop."""
    stack = [(value, 1)]
    seen: set[int] = set()
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, Mapping | list | tuple) or id(item) in seen:
            continue
        if depth > MAX_DEPTH:
            detail = f"The document nests deeper than {MAX_DEPTH} levels."
            f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), "")
            return False
        seen.add(id(item))
        children = item.values() if isinstance(item, Mapping) else item
        stack.extend((child, depth + 1) for child in children)
    return True


# --- size, characters ---------------------------------------------------------------------------


def _serialized(value: Any) -> str | None:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        return None


def _check_text(
    f: Findings, text: str | None, value: Any, max_length: Any, positions: dict
) -> None:
    body = text if text is not None else _serialized(value)
    if body is None:
        return
    if f.kind in IAM_KINDS:
        if text is not None and text[:1].isspace():
            detail = "JSON strings must not have leading spaces: start the document with {."
            f.error("LEADING_WHITESPACE", aws(LEGACY, detail), "", place=(1, 1))
        bad = _BAD_CHARACTER.search(body)
        if bad:
            field = "policy" if f.kind == PolicyKind.SESSION else "policyDocument"
            message = (
                f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: "
                "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
            )
            detail = f"Character U+{ord(bad.group()):04X} is outside the characters AWS accepts."
            path, place = "", None
            if text is not None:
                place = line_column(text, bad.start())
                path = _enclosing(positions, place)
            f.error("INVALID_CHARACTERS", aws(message, detail), path, place=place)
    limit = DEFAULT_MAX_LENGTH.get(f.kind)
    if isinstance(max_length, int) and not isinstance(max_length, bool) and max_length > 0:
        limit = max_length
    if limit is None:
        return
    organizations = f.kind in (PolicyKind.SCP, PolicyKind.RCP)
    size = len(body) if organizations else compact_length(body)
    if size <= limit:
        return
    counted = "white space included" if organizations else "not counting white space"
    detail = f"This document has {size:,} characters, {counted}; the quota is {limit:,}."
    if f.kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY):
        code, message = (
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            f"Cannot exceed quota for PolicySize: {limit}",
        )
    elif f.kind == PolicyKind.TRUST:
        code, message = (
            "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA",
            f"Cannot exceed quota for ACLSizePerRole: {limit}",
        )
    elif f.kind == PolicyKind.SESSION:
        code = "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA"
        message = "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
        message += f"Member must have length less than or equal to {limit}"
    elif organizations:
        code = f"POLICY_SIZE_EXCEEDS_{f.kind.name}_QUOTA"
        message = f"The policy is larger than the maximum size for {f.kind.name}s"
    else:
        code, message = "POLICY_SIZE_EXCEEDS_QUOTA", "The policy is larger than the maximum size"
    f.error(code, aws(message, detail), "")


# --- the document and its statements ------------------------------------------------------------


def _check_document(f: Findings, value: Any) -> None:
    if not isinstance(value, Mapping):
        detail = f"A policy document is a JSON object; found {show(value)}."
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), "")
        return
    for key in value:
        if key not in TOP_ELEMENTS:
            detail = f"{show(key)} is not a policy element: use Version, Id and Statement."
            f.error(
                "INVALID_POLICY_ELEMENT",
                aws(SYNTAX, detail + _spelled(key, TOP_ELEMENTS)),
                pointer(str(key)),
                at_key=True,
            )
    _check_version(f, value)
    if "Id" in value and not isinstance(value["Id"], str):
        f.error(
            "DATA_TYPE_MISMATCH",
            aws(SYNTAX, f"Id must be a string; found {show(value['Id'])}."),
            "/Id",
        )
    if "Statement" not in value:
        f.error("MISSING_STATEMENT", aws(SYNTAX, "Add a Statement element to the policy."), "")
        return
    raw = value["Statement"]
    if isinstance(raw, Mapping):
        statements = [("/Statement", raw)]
    elif isinstance(raw, list | tuple):
        statements = [(f"/Statement/{i}", st) for i, st in enumerate(raw)]
        if not statements:
            f.error(
                "MISSING_STATEMENT",
                aws(SYNTAX, "Statement is empty: add a statement."),
                "/Statement",
            )
    else:
        detail = f"Statement must be an object or an array of objects; found {show(raw)}."
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), "/Statement")
        return
    for path, statement in statements:
        _check_statement(f, path, statement)
    _check_sids(f, statements)
    _check_redundant_statements(f, statements)


def _spelled(key: Any, names: tuple[str, ...]) -> str:
    if isinstance(key, str):
        for name in names:
            if name.lower() == key.lower().strip():
                return f" Element names are case-sensitive: write {name}."
    return ""


def _check_version(f: Findings, value: Mapping) -> None:
    organizations = f.kind in (PolicyKind.SCP, PolicyKind.RCP)
    if "Version" not in value:
        f.variables_enabled = False
        if organizations:
            detail = f'Every {f.kind.name} needs "Version": "2012-10-17".'
            f.error("MISSING_VERSION", aws(ORGS, detail), "")
        else:
            detail = 'Add "Version": "2012-10-17": without it, policy variables such as '
            detail += "${aws:username} are plain text. It also helps you debug permissions."
            f.warning("MISSING_VERSION", detail, "")
        return
    version = value["Version"]
    f.variables_enabled = version == "2012-10-17"
    if not isinstance(version, str):
        detail = f'Version must be the string "2012-10-17"; found {show(version)}.'
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), "/Version")
    elif version not in VERSIONS:
        detail = f'Version must be "2012-10-17" (or the old "2008-10-17"); found {show(version)}.'
        f.error("INVALID_VERSION", aws(SYNTAX, detail), "/Version")
    elif organizations and version != "2012-10-17":
        detail = f'{f.kind.name}s need "Version": "2012-10-17".'
        f.error("INVALID_VERSION", aws(ORGS, detail), "/Version")


def _check_statement(f: Findings, path: str, st: Any) -> None:
    if not isinstance(st, Mapping):
        detail = f"Each statement must be a JSON object; found {show(st)}."
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), path)
        return
    for key in st:
        if key not in STATEMENT_ELEMENTS:
            detail = f"{show(key)} is not a statement element." + _spelled(key, STATEMENT_ELEMENTS)
            f.error(
                "INVALID_POLICY_ELEMENT", aws(SYNTAX, detail), path + pointer(str(key)), at_key=True
            )
    for one, other in (
        ("Action", "NotAction"),
        ("Resource", "NotResource"),
        ("Principal", "NotPrincipal"),
    ):
        if one in st and other in st:
            detail = f"A statement can't have both {one} and {other}."
            f.error(
                "UNSUPPORTED_ELEMENT_COMBINATION",
                aws(SYNTAX, detail),
                path + "/" + other,
                at_key=True,
            )
    _check_sid(f, path, st)
    effect = _check_effect(f, path, st)
    actions = check_actions(f, st, path)
    resources = check_resources(f, st, path)
    check_principal(f, st, path, effect)
    keys = check_condition(f, st, path, effect, actions)
    check_advice(f, effect, actions, resources, keys)
    if f.kind == PolicyKind.RCP:
        _check_rcp_statement(f, path, st, effect)


def _check_sid(f: Findings, path: str, st: Mapping) -> None:
    if "Sid" not in st:
        return
    sid = st["Sid"]
    if not isinstance(sid, str):
        f.error(
            "DATA_TYPE_MISMATCH",
            aws(SYNTAX, f"Sid must be a string; found {show(sid)}."),
            path + "/Sid",
        )
    elif sid == "":
        f.suggestion(
            "EMPTY_SID_VALUE",
            "The Sid is empty: give the statement a name or remove Sid.",
            path + "/Sid",
        )
    elif f.kind in IAM_KINDS and not _SID.fullmatch(sid):
        message = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies "
        message += "the regular expression [0-9A-Za-z]*"
        f.error("UNSUPPORTED_SID", message, path + "/Sid")


def _check_effect(f: Findings, path: str, st: Mapping) -> str | None:
    if "Effect" not in st:
        detail = 'Every statement needs "Effect": "Allow" or "Effect": "Deny".'
        f.error("MISSING_EFFECT", aws(SYNTAX, detail), path)
        return None
    effect = st["Effect"]
    where = path + "/Effect"
    if not isinstance(effect, str):
        f.error(
            "DATA_TYPE_MISMATCH",
            aws(SYNTAX, f'Effect must be "Allow" or "Deny"; found {show(effect)}.'),
            where,
        )
    elif effect in ("Allow", "Deny"):
        return effect
    elif effect.lower() in ("allow", "deny"):
        detail = f'Effect is case-sensitive: write "{effect.capitalize()}", not {show(effect)}.'
        f.error("INVALID_EFFECT", aws(LEGACY, detail), where)
    else:
        f.error(
            "INVALID_EFFECT",
            aws(SYNTAX, f'Effect must be "Allow" or "Deny"; found {show(effect)}.'),
            where,
        )
    return None


def _check_rcp_statement(f: Findings, path: str, st: Mapping, effect: str | None) -> None:
    if "NotAction" in st:
        detail = "RCPs don't support NotAction: list the actions in Action."
        f.error("RCP_SYNTAX_ERROR_NOT_ACTION", aws(ORGS, detail), path + "/NotAction", at_key=True)
    full_access = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    plain = {k: v for k, v in st.items() if k != "Sid"}
    if effect == "Allow" and plain != full_access:
        detail = 'RCP statements must use "Effect": "Deny" (only the AWS-managed '
        detail += "RCPFullAWSAccess policy allows)."
        f.error("RCP_SYNTAX_ERROR_ALLOW", aws(ORGS, detail), path + "/Effect")


def _check_sids(f: Findings, statements: list[tuple[str, Any]]) -> None:
    seen: set[str] = set()
    for path, st in statements:
        sid = st.get("Sid") if isinstance(st, Mapping) else None
        if not isinstance(sid, str) or not sid:
            continue
        if sid in seen:
            if f.kind == PolicyKind.RESOURCE:
                detail = f"Another statement already uses the Sid {show(sid)}: make them unique."
                f.warning("UNIQUE_SIDS_RECOMMENDED", detail, path + "/Sid")
            else:
                message = "Statement IDs (SID) in a single policy must be unique."
                f.error("UNIQUE_SIDS_REQUIRED", message, path + "/Sid")
        seen.add(sid)


def _check_redundant_statements(f: Findings, statements: list[tuple[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for path, st in statements:
        if not isinstance(st, Mapping):
            continue
        canonical = _serialized_sorted({k: v for k, v in st.items() if k != "Sid"})
        if canonical is None:
            continue
        if canonical in seen:
            detail = f"This statement grants the same as {seen[canonical]}: remove one of them."
            f.suggestion("REDUNDANT_STATEMENT", detail, path)
        else:
            seen[canonical] = path


def _serialized_sorted(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return None


# --- where each problem is ---------------------------------------------------------------------


def _place(
    f: Findings,
    positions: dict[str, tuple[int, int]],
    text: str | None,
    parsed: list[Problem],
) -> list[Problem]:
    """Problems with line and column (from the nearest recorded position), in document order."""
    problems = list(parsed)
    seen = {(p.severity, p.code, p.message, p.path) for p in problems}
    for severity, code, message, path, at_key, place in f.items:
        if place is None and text is not None:
            place = _position(positions, path, at_key)
        marker = (severity, code, message, path)
        if marker in seen:
            continue
        seen.add(marker)
        line, column = place if place else (None, None)
        problems.append(Problem(severity, code, message, path, line, column))
    if text is not None:
        problems.sort(key=lambda p: (p.line or _SORT_LAST, p.column or 0))
    if len(problems) > MAX_PROBLEMS:
        shown = problems[:MAX_PROBLEMS]
        first_error = next((p for p in problems if p.severity == Severity.ERROR), None)
        if first_error is not None and first_error not in shown:
            shown[-1] = first_error  # a caller deciding by "any ERROR" must still see one
        message = f"{len(problems) - len(shown):,} more problems are not shown; fix these first."
        problems = [*shown, Problem(Severity.SUGGESTION, "TOO_MANY_PROBLEMS", message)]
    return problems


def _position(positions: dict[str, tuple[int, int]], path: str, at_key: bool) -> tuple | None:
    if at_key and path + KEY_SUFFIX in positions:
        return positions[path + KEY_SUFFIX]
    while True:
        if path in positions:
            return positions[path]
        if not path:
            return (1, 1)
        path = path[: path.rfind("/")]


def _enclosing(positions: dict[str, tuple[int, int]], place: tuple[int, int]) -> str:
    """The pointer of the last value that starts at or before place (document order)."""
    found = ""
    for pointer_text, where in positions.items():
        if where > place:
            break
        if not pointer_text.endswith(KEY_SUFFIX):
            found = pointer_text
    return found
