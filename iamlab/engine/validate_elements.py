"""Policy validation, part 2: shared helpers, and the Action and Resource elements.
`validate.py` drives the checks; `validate_principals.py` and `validate_conditions.py` do the
Principal and Condition elements.

Severity follows one rule everywhere: ERROR means AWS refuses to store the document (its
message starts with AWS's own words); everything AWS accepts is at most a SECURITY_WARNING,
WARNING or SUGGESTION, with IAM Access Analyzer's issue code where Access Analyzer has one.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .model import PolicyKind, Severity, pointer

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"
ORGS = "The provided policy document does not meet the requirements of the specified policy type."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."

IAM_KINDS = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.TRUST, PolicyKind.SESSION}
)

#: The actions a role trust policy may name (IAM: "AssumeRole policy may only specify STS
#: AssumeRole actions"), lowercased.
TRUST_ACTIONS = (
    "assumerole",
    "assumerolewithsaml",
    "assumerolewithwebidentity",
    "tagsession",
    "setsourceidentity",
    "setcontext",
)

TRUST_ACTION_MESSAGE = (
    "AssumeRole policy may only specify STS AssumeRole actions. Trust policies allow "
    "sts:AssumeRole, sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity, sts:TagSession, "
    "sts:SetSourceIdentity and sts:SetContext."
)

_VENDOR = re.compile(r"[A-Za-z0-9.-]+")
_ACCOUNT = re.compile(r"[0-9]{12}")
_STAR_ROLE = re.compile(r"arn:[^:]*:(?:iam|\*):[^:]*:[^:]*:(?:\*|role/?\*|role\*)")
_MAX_REDUNDANCY_ITEMS = 200


def aws(message: str, detail: str = "") -> str:
    """AWS's message, then what exactly is wrong."""
    if not detail:
        return message
    return f"{message}{' ' if message.endswith('.') else '. '}{detail}"


def show(value: Any, limit: int = 80) -> str:
    """A value as JSON for a message: quoted, escaped, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=True, default=str)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 4] + '..."'


def did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" Did you mean {close[0]}?" if close else ""


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


@dataclass
class Findings:
    """What the checks found, in discovery order, as
    (severity, code, message, path, at_key, place): `at_key` points at the member's key rather
    than its value; `place` is an exact (line, column) when the check knows it."""

    kind: PolicyKind
    variables_enabled: bool = True
    items: list[tuple] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        path: str,
        *,
        at_key: bool = False,
        place: tuple[int, int] | None = None,
    ) -> None:
        self.items.append((severity, code, message, path, at_key, place))

    def error(self, code: str, message: str, path: str, **where: Any) -> None:
        self.add(Severity.ERROR, code, message, path, **where)

    def warning(self, code: str, message: str, path: str, **where: Any) -> None:
        self.add(Severity.WARNING, code, message, path, **where)

    def suggestion(self, code: str, message: str, path: str, **where: Any) -> None:
        self.add(Severity.SUGGESTION, code, message, path, **where)


def strings(f: Findings, value: Any, path: str, name: str) -> list[tuple[str, str]] | None:
    """A string-or-array-of-strings element as (text, path) pairs; wrong types are reported."""
    if isinstance(value, str):
        return [(value, path)]
    if isinstance(value, list | tuple):
        found = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                found.append((item, f"{path}/{index}"))
            else:
                detail = f"Each entry of {name} must be a string; found {show(item)}."
                f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), f"{path}/{index}")
        return found
    detail = f"{name} must be a string or an array of strings; found {show(value)}."
    f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), path)
    return None


def check_variables(f: Findings, text: str, path: str) -> None:
    """Policy variables in a Resource or condition value: version and syntax."""
    if "${" not in text:
        return
    if not f.variables_enabled:
        detail = 'Policy variables need "Version": "2012-10-17"; here ${...} is literal text.'
        f.warning("VARIABLE_UNSUPPORTED_IN_VERSION", detail, path)
        return
    start = text.find("${")
    while start >= 0:
        end = text.find("}", start)
        if end < 0:
            f.warning("MISSING_BRACE_IN_VARIABLE", "The policy variable has no closing }.", path)
            return
        inner = text[start + 2 : end]
        name, comma, default = inner.partition(",")
        if not inner.strip():
            f.warning("EMPTY_VARIABLE", "Empty policy variable ${}: name a key inside it.", path)
        elif name != name.strip() or " " in name:
            f.warning("UNSUPPORTED_SPACE_IN_VARIABLE", "Variable names can't contain spaces.", path)
        elif comma and not re.fullmatch(r"\s*'[^']*'\s*", default):
            detail = "A variable's default value goes in single quotes: ${aws:username, 'none'}."
            f.warning("MISSING_QUOTE_IN_VARIABLE", detail, path)
        start = text.find("${", end)


# --- Action / NotAction ------------------------------------------------------------------------


@dataclass
class ActionScope:
    """What a statement's Action or NotAction names, for the checks that depend on it."""

    negated: bool
    path: str
    entries: list[tuple[str, str]]
    everything: bool = False  # "*" (or a wildcard in the service part) is among them
    known: list[tuple[str, str]] = field(default_factory=list)  # (service, Action) matched

    def covers(self, action: str) -> str | None:
        """How the statement reaches an action: "explicit", "wildcard", "not_action" or None."""
        low = action.lower()
        matches = [text for text, _ in self.entries if catalog.glob_match(text.lower(), low)]
        if self.negated:
            return None if matches else "not_action"
        if any(text.lower() == low for text in matches):
            return "explicit"
        return "wildcard" if matches else None


def check_actions(f: Findings, st: Mapping, path: str) -> ActionScope | None:
    name = "Action" if "Action" in st else "NotAction" if "NotAction" in st else None
    if name is None:
        f.error("MISSING_ACTION", "Policy statement must contain actions.", path)
        return None
    element = path + pointer(name)
    raw = st[name]
    entries = strings(f, raw, element, name)
    if entries is None:
        return None
    if isinstance(raw, list | tuple) and not raw:
        if f.kind == PolicyKind.RESOURCE:
            detail = "This statement names no actions, so it does nothing."
            f.suggestion("EMPTY_ARRAY_ACTION", detail, element)
        else:
            f.error("MISSING_ACTION", "Policy statement must contain actions.", element)
    scope = ActionScope(negated=name == "NotAction", path=element, entries=entries)
    for text, item_path in entries:
        _check_action(f, scope, text, item_path)
    if len(entries) <= _MAX_REDUNDANCY_ITEMS:
        _redundant_actions(f, scope)
    return scope


def _check_action(f: Findings, scope: ActionScope, text: str, path: str) -> None:
    if text == "*":
        scope.everything = True
        if f.kind == PolicyKind.TRUST and not scope.negated:
            f.error("INVALID_TRUST_ACTION", TRUST_ACTION_MESSAGE, path)
        return
    parts = text.split(":")
    if len(parts) == 1:
        f.error("INVALID_ACTION_FORMAT", aws(NO_VENDOR, f"Found {show(text)}."), path)
        return
    if len(parts) > 2:
        f.error("INVALID_ACTION_FORMAT", "Actions/Condition can contain only one colon.", path)
        return
    vendor, action = parts
    if not _VENDOR.fullmatch(vendor):
        f.error("INVALID_ACTION_FORMAT", f"Vendor {vendor} is not valid", path)
        return
    if "${" in text:
        detail = "Policy variables work only in Resource and Condition values; here it is text."
        f.warning("VARIABLE_UNSUPPORTED_IN_ELEMENT", detail, path)
    if not catalog.service_exists(vendor):
        detail = f"The service {vendor} in {text} does not exist."
        f.warning(
            "INVALID_SERVICE_IN_ACTION", detail + did_you_mean(vendor, catalog.services()), path
        )
    else:
        matched = catalog.actions_matching(text)
        if not matched:
            if has_wildcard(action):
                message = f"No action matches {text}."
            else:
                names = [f"{vendor.lower()}:{n}" for n in catalog.action_names(vendor)]
                message = f"The action {text} does not exist." + did_you_mean(text, names)
            f.warning("INVALID_ACTION", message, path)
        scope.known += [tuple(m.split(":", 1)) for m in matched]
    _kind_rules_for_action(f, scope, vendor, action, path)


def _kind_rules_for_action(f: Findings, scope: ActionScope, vendor: str, action: str, path: str):
    if f.kind == PolicyKind.TRUST and not scope.negated:
        allowed = vendor.lower() == "sts" and any(
            catalog.glob_match(action.lower(), name) for name in TRUST_ACTIONS
        )
        if not allowed:
            f.error("INVALID_TRUST_ACTION", TRUST_ACTION_MESSAGE, path)
    if f.kind == PolicyKind.RCP and not catalog.rcp_supported(vendor):
        supported = ", ".join(catalog.rcp_supported_services())
        detail = f"RCPs apply only to actions of these services: {supported}. Found {vendor}."
        f.error("RCP_SYNTAX_ERROR_ACTION", aws(ORGS, detail), path)


def _expansion(text: str) -> frozenset[str] | None:
    """The known actions an entry stands for (lowercased); None for "*", every action."""
    if text == "*":
        return None
    if has_wildcard(text.partition(":")[0]):
        return frozenset()  # IAM refuses these; nothing to compare
    return frozenset(m.lower() for m in catalog.actions_matching(text))


def _redundant_actions(f: Findings, scope: ActionScope) -> None:
    sets = [(text, path, _expansion(text)) for text, path in scope.entries]
    for i, (text, path, mine) in enumerate(sets):
        if mine is not None and not mine:
            continue  # unknown or unusable entries are reported elsewhere
        for j, (other, _, theirs) in enumerate(sets):
            if i == j or (theirs is not None and (mine is None or not theirs)):
                continue
            same = mine == theirs
            if (theirs is None or mine <= theirs) and (not same or j < i):
                detail = f"{text} is redundant: {other} already covers it. Remove {text}."
                f.suggestion("REDUNDANT_ACTION", detail, path)
                break


# --- Resource / NotResource --------------------------------------------------------------------


@dataclass
class ResourceScope:
    negated: bool
    path: str
    entries: list[tuple[str, str]]

    def star_for_roles(self) -> bool:
        return any(text == "*" or _STAR_ROLE.fullmatch(text) for text, _ in self.entries)


def check_resources(f: Findings, st: Mapping, path: str) -> ResourceScope | None:
    if f.kind == PolicyKind.TRUST:
        for name in ("Resource", "NotResource"):
            if name in st:
                f.error(
                    "INVALID_POLICY_ELEMENT",
                    f"Has prohibited field {name}",
                    path + pointer(name),
                    at_key=True,
                )
        return None
    name = "Resource" if "Resource" in st else "NotResource" if "NotResource" in st else None
    if name is None:
        f.error("MISSING_RESOURCE", "Policy statement must contain resources.", path)
        return None
    element = path + pointer(name)
    raw = st[name]
    entries = strings(f, raw, element, name)
    if entries is None:
        return None
    if isinstance(raw, list | tuple) and not raw:
        if f.kind == PolicyKind.RESOURCE:
            detail = "This statement names no resources, so it does nothing."
            f.suggestion("EMPTY_ARRAY_RESOURCE", detail, element)
        else:
            f.error("MISSING_RESOURCE", "Policy statement must contain resources.", element)
    for text, item_path in entries:
        check_variables(f, text, item_path)
        _check_resource(f, text, item_path)
    if len(entries) <= _MAX_REDUNDANCY_ITEMS:
        _redundant_resources(f, entries)
    return ResourceScope(negated=name == "NotResource", path=element, entries=entries)


def _check_resource(f: Findings, text: str, path: str) -> None:
    if text == "*":
        return
    fields = text.split(":", 5)
    if len(fields) < 2 or fields[0] != "arn":
        f.error("INVALID_ARN_PREFIX", f'Resource {text} must be in ARN format or "*".', path)
        return
    partition = fields[1]
    if partition != "aws" and not (
        has_wildcard(partition) and catalog.glob_match(partition, "aws")
    ):
        f.error(
            "INVALID_PARTITION",
            f'Partition "{partition}" is not valid for resource "{text}".',
            path,
        )
        return
    if len(fields) < 3:
        f.error(
            "MISSING_ARN_FIELD",
            "Resource vendor must be fully qualified and cannot contain regexes.",
            path,
        )
        return
    if fields[2] == "" or len(fields) < 6:
        detail = "A resource ARN has six parts: arn:partition:service:region:account:resource."
        f.error("MISSING_ARN_FIELD", aws(LEGACY, detail), path)
        return
    service, region, account, resource = fields[2], fields[3], fields[4], fields[5]
    if has_wildcard(service):
        detail = "Avoid wildcards in the service part of an ARN: they can match other services."
        f.suggestion("WILDCARD_IN_SERVICE_NAME", detail, path)
        return
    if service != service.lower():
        f.warning(
            "INVALID_ARN_SERVICE_CASE", "Write the service in a resource ARN in lowercase.", path
        )
    low = service.lower()
    if low == "iam":
        _check_iam_resource(f, text, region, resource, path)
    elif not catalog.service_exists(low):
        f.warning("INVALID_SERVICE", f"The service {service} in {text} does not exist.", path)
        return
    else:
        _check_arn_fields(f, text, low, region, account, resource, path)
    literal_account = account and not has_wildcard(account) and "${" not in account
    if literal_account and not _ACCOUNT.fullmatch(account) and account != "aws":
        detail = f"The account in {text} is not valid: an account ID has 12 digits."
        f.warning("INVALID_ARN_ACCOUNT", detail, path)


def _check_iam_resource(f: Findings, text: str, region: str, resource: str, path: str) -> None:
    if region:
        message = f"IAM resource {text} cannot contain region information."
        f.error("ARN_REGION_NOT_ALLOWED", message, path)
        return
    head, slash, _ = resource.partition("/")
    prefixes = _iam_resource_prefixes()
    if has_wildcard(head) or (slash and head in prefixes):
        return
    listed = ", ".join(p + "/" for p in sorted(prefixes))
    message = f'IAM resource path must either be "*" or start with {listed}.'
    f.error("INVALID_ARN_RESOURCE", message, path)


def _iam_resource_prefixes() -> set[str]:
    found = set()
    for template in catalog.arn_templates("iam"):
        resource = template.split(":", 5)[-1]
        if "/" in resource:
            found.add(resource.split("/", 1)[0])
    return found or {"user", "role", "group", "policy"}


def _check_arn_fields(f, text, service, region, account, resource, path) -> None:
    templates = [t.split(":", 5) for t in catalog.arn_templates(service)]
    templates = [t for t in templates if len(t) == 6]
    if not templates:
        return
    fits = [t for t in templates if catalog.glob_match(_placeholders_to_star(t[5]), resource)]
    candidates = fits or templates
    if region and not has_wildcard(region) and "${" not in region:
        if all(t[3] == "" for t in candidates):
            if service == "s3":
                f.error(
                    "ARN_REGION_NOT_ALLOWED",
                    f"Resource {text} can not contain region information.",
                    path,
                )
            else:
                detail = f"{service} resource ARNs have no Region: leave that part empty in {text}."
                f.warning("ARN_REGION_NOT_ALLOWED", detail, path)
    elif not region and all(t[3] != "" for t in candidates):
        f.warning("MISSING_ARN_REGION", f"Add a Region (or *) to the resource ARN {text}.", path)
    if account and not has_wildcard(account) and all(t[4] == "" for t in candidates):
        detail = f"{service} resource ARNs have no account ID: leave that part empty in {text}."
        f.warning("ARN_ACCOUNT_NOT_ALLOWED", detail, path)


def _placeholders_to_star(template: str) -> str:
    return re.sub(r"\$\{[^}]*\}", "*", template)


def _redundant_resources(f: Findings, entries: list[tuple[str, str]]) -> None:
    usable = [(t, p) for t, p in entries if (t == "*" or t.startswith("arn:")) and "${" not in t]
    for i, (text, path) in enumerate(usable):
        for j, (other, _) in enumerate(usable):
            if i == j or (other == text and j > i):
                continue
            if catalog.glob_match(other, text):
                detail = f"{text} is redundant: {other} already covers it. Review the wildcards."
                f.suggestion("REDUNDANT_RESOURCE", detail, path)
                break
