"""Policy validation, part 4: the Condition element.

Operators, and how date values parse, come from `conditions.py`, the evaluator's own tables, so
the validator and the evaluator agree on what exists. Condition keys come from `catalog`.
See `validate_elements.py` for the severity rule.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from . import catalog, conditions
from .model import Severity, pointer
from .validate_elements import (
    LEGACY,
    NO_VENDOR,
    SYNTAX,
    ActionScope,
    Findings,
    aws,
    check_variables,
    did_you_mean,
    show,
)

# Which operator families suit a key of each data type (Null suits every key).
_FAMILIES_FOR_TYPE = {
    "String": {"string", "arn"},
    "ARN": {"arn", "string"},
    "Bool": {"bool"},
    "Numeric": {"numeric"},
    "Date": {"date"},
    "IPAddress": {"ip"},
    "Binary": {"binary"},
}
_FAMILY_WORDS = {
    "string": "String",
    "arn": "ARN",
    "bool": "Bool",
    "numeric": "Numeric",
    "date": "Date",
    "ip": "IpAddress",
    "binary": "BinaryEquals",
}
_EPOCH = re.compile(r"[+-]?\d+(?:\.\d+)?")
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_TAG_PREFIXES = ("aws:resourcetag/", "aws:requesttag/", "aws:principaltag/")
_EMPTY_CODES = {
    "ForAllValues": "EMPTY_ARRAY_CONDITION_FORALLVALUES",
    "ForAnyValue": "EMPTY_ARRAY_CONDITION_FORANYVALUE",
}
_ORDERED = ("LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
_MAX_ACTIONS = 2000
# Addresses that never reach AWS from the internet, so aws:SourceIp never holds them: RFC 1918,
# loopback and link-local, and their IPv6 counterparts (unique local, loopback, link-local).
_PRIVATE = tuple(
    ipaddress.ip_network(block)
    for block in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "::1/128",
        "fe80::/10",
    )
)


def check_condition(
    f: Findings, st: Mapping, path: str, effect: str | None, actions: ActionScope | None
) -> set[str]:
    """Check the statement's Condition element; return the condition keys it uses, lowercased."""
    if "Condition" not in st:
        return set()
    block = st["Condition"]
    where = path + "/Condition"
    if not isinstance(block, Mapping):
        detail = f"Condition must be an object of condition operators; found {show(block)}."
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), where)
        return set()
    if not block:
        detail = "This Condition block is empty, so it has no effect. Remove it or add conditions."
        f.suggestion("EMPTY_OBJECT_CONDITION", detail, where)
    used: set[str] = set()
    for operator, body in block.items():
        text = str(operator)
        _check_operator(f, text, body, where + pointer(text), effect, actions, used)
    if (
        effect == "Allow"
        and "aws:vpcsourceip" in used
        and not used & {"aws:sourcevpc", "aws:sourcevpce"}
    ):
        detail = "aws:VpcSourceIp alone matches that address in any VPC. Add aws:SourceVpc "
        detail += "(or aws:SourceVpce) to the same condition block."
        f.add(Severity.SECURITY_WARNING, "MISSING_PAIRED_CONDITION_KEYS", detail, where)
    return used


def _check_operator(f, text, body, path, effect, actions, used) -> None:
    parsed = conditions.parse_operator(text)
    if parsed is None:
        _unknown_operator(f, text, path)
        return
    if not isinstance(body, Mapping):
        detail = f"{text} must map condition keys to values; found {show(body)}."
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), path)
        return
    if not body:
        f.suggestion("EMPTY_OBJECT_CONDITION", f"{text} names no condition keys.", path)
    spelled: dict[str, str] = {}
    for raw_key, raw_value in body.items():
        key = str(raw_key)
        key_path = path + pointer(key)
        low = key.lower()
        if spelled.get(low, key) != key:
            detail = f"{key} and {spelled[low]} are the same key (key names ignore case); keep one."
            f.warning("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", detail, key_path, at_key=True)
        spelled.setdefault(low, key)
        used.add(low)
        info = _check_key(f, key, key_path, parsed, effect, actions)
        values = _values(f, raw_value, key_path)
        if values is None:
            continue
        if not values and isinstance(raw_value, list | tuple) and not raw_value:
            code = _EMPTY_CODES.get(parsed.set_operator or "")
            code = code or (
                "EMPTY_ARRAY_CONDITION_IFEXISTS" if parsed.if_exists else "EMPTY_ARRAY_CONDITION"
            )
            f.suggestion(
                code, f"{key} has no values, so this condition does not do what it says.", key_path
            )
            continue
        if values:
            _check_values(f, parsed, key, info, values, key_path)


def _unknown_operator(f: Findings, text: str, path: str) -> None:
    qualifier, colon, rest = text.partition(":")
    base = rest if colon and qualifier in ("ForAllValues", "ForAnyValue") else text
    if base == "NullIfExists":
        detail = "Null can't take IfExists: Null itself tests whether the key is present."
        f.error("NULL_WITH_IF_EXISTS", aws(SYNTAX, detail), path, at_key=True)
    elif base == "Null":
        detail = "Avoid Null with ForAllValues or ForAnyValue: use Null on its own."
        f.suggestion("NULL_WITH_QUALIFIER", detail, path, at_key=True)
    else:
        hint = conditions.suggest_operator(text)
        detail = f"{show(text)} is not a condition operator." + (
            f" Did you mean {hint}?" if hint else ""
        )
        f.error("INVALID_CONDITION_OPERATOR", aws(SYNTAX, detail), path, at_key=True)


def _check_key(f, key: str, path: str, parsed, effect, actions) -> dict | None:
    if ":" not in key:
        f.error(
            "INVALID_CONDITION_KEY_FORMAT", aws(NO_VENDOR, f"Found {show(key)}."), path, at_key=True
        )
        return None
    low = key.lower()
    if low in catalog.DEPRECATED_GLOBAL_KEYS:
        detail = f"{key} is deprecated: use {catalog.DEPRECATED_GLOBAL_KEYS[low]} instead."
        f.warning("DEPRECATED_GLOBAL_CONDITION_KEY", detail, path, at_key=True)
        return None
    if low in _TAG_PREFIXES:
        detail = f"{key} needs a tag key after the slash, as in {key}project."
        f.warning("MISSING_TAG_KEY_IN_CONDITION", detail, path, at_key=True)
        return None
    info = catalog.condition_key_info(key)
    if info is None:
        _unknown_key(f, key, low, path)
        return None
    operator = parsed.operator
    if operator.family != "null":
        families = (
            {"date", "numeric"} if low == "aws:epochtime" else _FAMILIES_FOR_TYPE.get(info["type"])
        )
        if families and operator.family not in families:
            words = " or ".join(sorted(_FAMILY_WORDS[x] for x in families))
            detail = (
                f"{key} holds {info['type']} values: use a {words} operator, not {operator.name}."
            )
            f.warning("TYPE_MISMATCH", detail, path, at_key=True)
        if info["multivalued"] and parsed.set_operator is None:
            detail = f"{key} can hold several values: use ForAllValues: or ForAnyValue: with it."
            f.warning("MISSING_QUALIFIER", detail, path, at_key=True)
        elif not info["multivalued"] and parsed.set_operator == "ForAllValues":
            detail = f"ForAllValues with the single-valued key {key} is also true when the request "
            detail += "lacks the key, which can be overly permissive. Remove ForAllValues:."
            code = "FORALLVALUES_WITH_SINGLE_VALUED_KEY"
            f.add(Severity.SECURITY_WARNING, code, detail, path, at_key=True)
    _check_applicability(f, key, info, path, effect, actions)
    return info


def _unknown_key(f: Findings, key: str, low: str, path: str) -> None:
    prefix = low.partition(":")[0]
    if "." in prefix or "/" in prefix:
        return  # an identity provider's claims (token.actions.githubusercontent.com:sub...)
    if prefix == "aws":
        names = [g["key"] for g in catalog.global_condition_keys()]
        detail = f"The condition key {key} does not exist." + did_you_mean(key, names)
        f.warning("INVALID_GLOBAL_CONDITION_KEY", detail, path, at_key=True)
    elif catalog.condition_key_prefix_known(prefix):
        detail = f"The condition key {key} does not exist in the service {prefix}."
        f.warning("INVALID_SERVICE_CONDITION_KEY", detail, path, at_key=True)
    else:
        detail = f"The service {prefix} in the condition key {key} does not exist."
        f.warning("INVALID_SERVICE", detail, path, at_key=True)


def _check_applicability(f, key: str, info: dict, path: str, effect, actions) -> None:
    """Keys that the statement's actions never carry in their request context."""
    if actions is None or actions.everything or not actions.known:
        return
    tag = catalog.is_tag_condition_key(key)
    if info["global"] and not tag:
        return
    if actions.negated:
        if tag and effect in ("Allow", "Deny"):
            what = "allows only" if effect == "Allow" else "denies only"
            detail = f"With NotAction, this statement {what} actions that support {key}; "
            detail += "list the actions in Action instead."
            if effect == "Allow":
                code = "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
                f.suggestion(code, detail, path, at_key=True)
            else:
                code = "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
                f.add(Severity.SECURITY_WARNING, code, detail, path, at_key=True)
        return
    by_service: dict[str, list[str]] = {}
    for service, action in actions.known[:_MAX_ACTIONS]:
        by_service.setdefault(service, []).append(action)
    supported = {
        service: catalog.condition_key_applies_to_any(key.lower(), service, tuple(names))
        for service, names in by_service.items()
    }
    lacking = sorted(service for service, ok in supported.items() if not ok)
    if not lacking:
        return
    if tag and effect in ("Allow", "Deny"):
        verb = "allows" if effect == "Allow" else "denies"
        detail = f"Actions of {', '.join(lacking)} don't support {key}, so this statement never "
        detail += f"{verb} them. Move them to a statement without this key."
        if effect == "Allow":
            code = "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
            f.suggestion(code, detail, path, at_key=True)
        else:
            code = "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"
            f.add(Severity.SECURITY_WARNING, code, detail, path, at_key=True)
    elif not tag and not any(supported.values()):
        detail = f"None of this statement's actions supports {key}, so requests for them never "
        detail += "carry it and this condition never matches (an ...IfExists one always does)."
        f.warning("CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS", detail, path, at_key=True)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | bool | int | float)


def _values(f: Findings, raw: Any, path: str) -> list[tuple[Any, str]] | None:
    if _scalar(raw):
        return [(raw, path)]
    if not isinstance(raw, list | tuple):
        detail = f"A condition key takes a value or an array of values; found {show(raw)}."
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), path)
        return None
    found = []
    for index, item in enumerate(raw):
        if _scalar(item):
            found.append((item, f"{path}/{index}"))
        else:
            detail = f"Condition values are strings, numbers or booleans; found {show(item)}."
            f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), f"{path}/{index}")
    kinds = {"bool" if isinstance(v, bool) else type(v).__name__ for v, _ in found}
    if len(kinds - {"int", "float"}) + bool(kinds & {"int", "float"}) > 1:
        detail = "These values mix JSON types (strings, numbers, booleans); use one type."
        f.warning("INVALID_CONDITION_DATA_TYPE", detail, path)
    return found


def _check_values(f, parsed, key: str, info: dict | None, values, path: str) -> None:
    operator = parsed.operator
    family = operator.family
    for value, value_path in values:
        if isinstance(value, str) and "${" in value and family != "date":
            if operator.variables:
                check_variables(f, value, value_path)
            else:
                detail = (
                    f"Policy variables don't work with {operator.name}: ${{...}} is literal here."
                )
                f.warning("INVALID_VARIABLE_FOR_OPERATOR", detail, value_path)
    if family in ("bool", "null"):
        for value, value_path in values:
            if not (
                isinstance(value, bool)
                or (isinstance(value, str) and value.lower() in ("true", "false"))
            ):
                detail = f"{operator.name} takes true or false; found {show(value)}."
                f.warning("TYPE_MISMATCH_BOOLEAN", detail, value_path)
        if family == "bool" and len(values) > 1:
            detail = f"{key} takes one Boolean value; with several the match may surprise you."
            f.warning("INVALID_CONDITION_MULTIPLE_BOOLEAN", detail, path)
    elif family == "numeric":
        _check_numbers(f, parsed, key, values, path)
    elif family == "date":
        for value, value_path in values:
            _check_date(f, value, value_path)
    elif family == "ip":
        _check_ips(f, operator, key, values, path)
    elif family == "binary":
        for value, value_path in values:
            if not isinstance(value, str) or not _is_base64(value):
                detail = f"BinaryEquals takes base64-encoded text; found {show(value)}."
                f.warning("TYPE_MISMATCH_STRING", detail, value_path)
    elif family == "string" and not operator.wildcards:
        like = "StringNotLike" if operator.negated else "StringLike"
        for value, value_path in values:
            if isinstance(value, str) and any(c in _VARIABLE.sub("", value) for c in "*?"):
                detail = f"{operator.name} compares * and ? literally. Use {like} for wildcards."
                f.warning("WILDCARD_WITHOUT_LIKE_OPERATOR", detail, value_path)


def _check_numbers(f, parsed, key: str, values, path: str) -> None:
    good = 0
    for value, value_path in values:
        text = value if isinstance(value, str) else None if isinstance(value, bool) else str(value)
        if text is None or conditions.parse_number(text) is None:
            detail = f"{parsed.operator.name} takes a number; found {show(value)}."
            f.warning("TYPE_MISMATCH_NUMBER", detail, value_path)
        else:
            good += 1
    name = parsed.operator.name
    if good > 1 and parsed.set_operator is None and name.endswith(_ORDERED):
        detail = f"Several values for {key} under {name} are redundant: keep only the widest one."
        f.suggestion("REDUNDANT_CONDITION_VALUE_NUM", detail, path)


def _check_date(f: Findings, value: Any, path: str) -> None:
    advice = "write dates as YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ."
    if isinstance(value, bool):
        f.error("TYPE_MISMATCH_DATE", aws(LEGACY, f"{show(value)} is not a date: {advice}"), path)
    elif not isinstance(value, str):
        f.warning(
            "INVALID_DATE_VALUE", f"Epoch times may not resolve as you expect; {advice}", path
        )
    elif conditions.parse_date(value) is None:
        if "${" in value:
            detail = "Policy variables can't be used with date operators."
            f.error("INVALID_VARIABLE_FOR_OPERATOR", aws(LEGACY, detail), path)
        else:
            f.error(
                "TYPE_MISMATCH_DATE", aws(LEGACY, f"{show(value)} is not a date: {advice}"), path
            )
    elif _EPOCH.fullmatch(value):
        f.warning(
            "INVALID_DATE_VALUE", f"Epoch times may not resolve as you expect; {advice}", path
        )


def _check_ips(f: Findings, operator, key: str, values, path: str) -> None:
    networks = []
    for value, value_path in values:
        network = None
        if isinstance(value, str):
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                network = None
        if network is None:
            detail = f"{show(value)} is not an IP address or a CIDR range such as 203.0.113.0/24."
            f.warning("TYPE_MISMATCH_IP_RANGE", detail, value_path)
            continue
        networks.append(network)
        if "/" in value and not _strict_network(value):
            detail = f"The bits after the /{network.prefixlen} mask are ignored: write {network}."
            f.suggestion("IMPROVE_IP_RANGE", detail, value_path)
    if key.lower() != "aws:sourceip" or not networks:
        return
    private = [any(_within(n, block) for block in _PRIVATE) for n in networks]
    suffix = "NOT_IP_ADDRESS" if operator.negated else "IP_ADDRESS"
    explain = "aws:SourceIp only ever holds public addresses; use aws:VpcSourceIp inside a VPC."
    if all(private):
        f.warning(
            f"PRIVATE_{suffix}", f"Only private ranges here, which never match. {explain}", path
        )
    elif any(private):
        f.suggestion(
            f"PRIVATE_{suffix}_SUBSET", f"The private ranges here never match. {explain}", path
        )


def _within(network, block) -> bool:
    return network.version == block.version and network.subnet_of(block)


def _strict_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text)
    except ValueError:
        return False
    return True


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
