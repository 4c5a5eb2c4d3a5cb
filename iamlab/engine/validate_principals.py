"""Policy validation, part 3: the Principal and NotPrincipal elements, and Access Analyzer's
advice about what an Allow statement grants (iam:PassRole, service-linked roles, NotAction,
NotResource). See `validate_elements.py` for the severity rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .model import PolicyKind, Severity, pointer
from .validate_elements import (
    ORGS,
    SYNTAX,
    ActionScope,
    Findings,
    ResourceScope,
    aws,
    has_wildcard,
    show,
    strings,
)

NO_PRINCIPAL_KINDS = frozenset({PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION})
_ACCOUNT = re.compile(r"[0-9]{12}")
_PARTITION = r"aws(?:-cn|-us-gov)?"
_NAME = r"[\w+=,.@-]+"
_AWS_PRINCIPAL = re.compile(
    rf"arn:{_PARTITION}:(?:iam::[0-9]{{12}}:(?:root|user/(?:{_NAME}/)*{_NAME}|"
    rf"role/(?:{_NAME}/)*{_NAME}|federated-user/{_NAME})|"
    rf"sts::[0-9]{{12}}:(?:assumed-role/{_NAME}/{_NAME}|federated-user/{_NAME}))"
)
_UNIQUE_ID = re.compile(r"(AIDA|AROA)[A-Z0-9]{12,}")
_SERVICE_PRINCIPAL = re.compile(r"[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)")
_FEDERATED = re.compile(
    rf"cognito-identity\.amazonaws\.com|www\.amazon\.com|graph\.facebook\.com|"
    rf"accounts\.google\.com|arn:{_PARTITION}:iam::[0-9]{{12}}:(?:saml-provider/{_NAME}|"
    r"oidc-provider/\S+)"
)
_CANONICAL_USER = re.compile(r"[0-9a-fA-F]{64}")

# --- Principal / NotPrincipal ------------------------------------------------------------------


def check_principal(f: Findings, st: Mapping, path: str, effect: str | None) -> None:
    present = [name for name in ("Principal", "NotPrincipal") if name in st]
    kind = f.kind
    if kind in NO_PRINCIPAL_KINDS:
        for name in present:
            f.error(
                "UNSUPPORTED_PRINCIPAL",
                "Policy document should not specify a principal.",
                path + pointer(name),
                at_key=True,
            )
        return
    if kind == PolicyKind.SCP:
        for name in present:
            detail = (
                "SCPs don't support Principal or NotPrincipal; use aws:PrincipalArn conditions."
            )
            f.error(
                "SCP_SYNTAX_ERROR_PRINCIPAL", aws(ORGS, detail), path + pointer(name), at_key=True
            )
        return
    if kind == PolicyKind.RCP:
        _rcp_principal(f, st, path)
        return
    if kind == PolicyKind.TRUST and "NotPrincipal" in st:
        f.error(
            "INVALID_POLICY_ELEMENT",
            "Has prohibited field NotPrincipal",
            path + "/NotPrincipal",
            at_key=True,
        )
    if "Principal" not in st and (kind == PolicyKind.TRUST or "NotPrincipal" not in st):
        f.error("MISSING_PRINCIPAL", "Missing required field Principal", path)
    for name in present:
        _principal_value(f, st[name], path + pointer(name), name)
    if "NotPrincipal" in st and effect == "Allow":
        detail = "Allow with NotPrincipal can grant access to everyone else, anonymous users "
        detail += "included. Name the principals in Principal instead."
        f.add(
            Severity.SECURITY_WARNING,
            "ALLOW_WITH_NOT_PRINCIPAL",
            detail,
            path + "/NotPrincipal",
            at_key=True,
        )


def _rcp_principal(f: Findings, st: Mapping, path: str) -> None:
    if "NotPrincipal" in st:
        detail = "RCPs don't support NotPrincipal."
        f.error(
            "RCP_SYNTAX_ERROR_NOT_PRINCIPAL", aws(ORGS, detail), path + "/NotPrincipal", at_key=True
        )
    if st.get("Principal") != "*":
        detail = 'RCP statements need "Principal": "*"; narrow them with conditions instead.'
        where = path + "/Principal" if "Principal" in st else path
        f.error("RCP_SYNTAX_ERROR_PRINCIPAL", aws(ORGS, detail), where)


def _principal_value(f: Findings, value: Any, path: str, name: str) -> None:
    if value == "*":
        return
    if isinstance(value, str):
        detail = 'Use "*" or an object such as {"AWS": "123456789012"}.'
        f.error(
            "INVALID_PRINCIPAL_FORMAT",
            f"Invalid principal in policy: {show(value)}. {detail}",
            path,
        )
        return
    if not isinstance(value, Mapping):
        detail = f'{name} must be "*" or an object; found {show(value)}.'
        f.error("DATA_TYPE_MISMATCH", aws(SYNTAX, detail), path)
        return
    if not value:
        if f.kind == PolicyKind.TRUST:
            f.error("MISSING_PRINCIPAL", "Missing required field Principal", path)
        else:
            f.suggestion(
                "EMPTY_OBJECT_PRINCIPAL",
                "This statement names no principals, so it does nothing.",
                path,
            )
    for key, inner in value.items():
        key_path = path + pointer(str(key))
        checker = _PRINCIPAL_CHECKS.get(key)
        if checker is None:
            detail = "Principal keys are AWS, Service, Federated and CanonicalUser."
            f.error(
                "INVALID_PRINCIPAL_KEY",
                f"Invalid principal in policy: {show(key)}. {detail}",
                key_path,
                at_key=True,
            )
            continue
        entries = strings(f, inner, key_path, f"{name}.{key}")
        if entries is None:
            continue
        if isinstance(inner, list | tuple) and not inner:
            f.suggestion(
                "EMPTY_ARRAY_PRINCIPAL",
                "This statement names no principals, so it does nothing.",
                key_path,
            )
        for text, item_path in entries:
            checker(f, key, text, item_path)


def _bad_principal(f: Findings, key: str, text: str, path: str, detail: str) -> None:
    code = "UNSUPPORTED_WILDCARD_IN_PRINCIPAL" if has_wildcard(text) else "INVALID_PRINCIPAL"
    f.error(code, f"Invalid principal in policy: {json.dumps(key)}:{show(text)}. {detail}", path)


def _aws_principal(f: Findings, key: str, text: str, path: str) -> None:
    if text == "*" or _ACCOUNT.fullmatch(text) or _AWS_PRINCIPAL.fullmatch(text):
        return
    unique = _UNIQUE_ID.fullmatch(text)
    if unique:
        code = "INVALID_USER_REFERENCE" if unique.group(1) == "AIDA" else "INVALID_ROLE_REFERENCE"
        f.warning(code, "This is a unique ID; name the principal by its ARN instead.", path)
        return
    detail = 'Use an account ID, "*", or the ARN of a root user, user, role, role session or '
    detail += 'federated user; wildcards are only allowed as "*" on its own.'
    _bad_principal(f, key, text, path, detail)


def _service_principal(f: Findings, key: str, text: str, path: str) -> None:
    if not _SERVICE_PRINCIPAL.fullmatch(text):
        _bad_principal(f, key, text, path, "A service principal looks like ec2.amazonaws.com.")


def _federated_principal(f: Findings, key: str, text: str, path: str) -> None:
    if not _FEDERATED.fullmatch(text):
        detail = (
            "Use a SAML or OIDC provider ARN, or cognito-identity.amazonaws.com, www.amazon.com, "
        )
        detail += "graph.facebook.com or accounts.google.com."
        _bad_principal(f, key, text, path, detail)


def _canonical_principal(f: Findings, key: str, text: str, path: str) -> None:
    if not _CANONICAL_USER.fullmatch(text):
        _bad_principal(f, key, text, path, "A canonical user ID is 64 hexadecimal characters.")


_PRINCIPAL_CHECKS = {
    "AWS": _aws_principal,
    "Service": _service_principal,
    "Federated": _federated_principal,
    "CanonicalUser": _canonical_principal,
}


# --- advice: iam:PassRole, service-linked roles, NotAction / NotResource with Allow -----------

_PASS_ROLE_CODES = {
    (False, "explicit"): "WITH_STAR_IN_RESOURCE",
    (False, "wildcard"): "WITH_STAR_IN_ACTION_AND_RESOURCE",
    (False, "not_action"): "WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
    (True, "explicit"): "WITH_NOT_RESOURCE",
    (True, "wildcard"): "WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
    (True, "not_action"): "WITH_NOT_ACTION_AND_NOT_RESOURCE",
}


def check_advice(
    f: Findings,
    effect: str | None,
    actions: ActionScope | None,
    resources: ResourceScope | None,
    condition_keys: set[str],
) -> None:
    """Access Analyzer's warnings about what an Allow statement grants."""
    if effect != "Allow" or actions is None or resources is None:
        return
    if f.kind == PolicyKind.IDENTITY:
        targets = (
            ("iam:PassRole", "PASS_ROLE", Severity.SECURITY_WARNING, "pass any role to a service"),
            (
                "iam:CreateServiceLinkedRole",
                "CREATE_SLR",
                Severity.WARNING,
                "create service-linked roles",
            ),
        )
        for action, prefix, severity, what in targets:
            how = actions.covers(action)
            if how is None or not (resources.negated or resources.star_for_roles()):
                continue
            if (
                prefix == "PASS_ROLE"
                and not resources.negated
                and "iam:passedtoservice" in condition_keys
            ):
                continue
            code = f"{prefix}_{_PASS_ROLE_CODES[(resources.negated, how)]}"
            detail = f"This statement allows {action} on every role, so it can {what}. "
            detail += "List the role ARNs in Resource instead"
            detail += (
                " or add the iam:PassedToService condition key." if prefix == "PASS_ROLE" else "."
            )
            f.add(severity, code, detail, actions.path)
    if f.kind in (PolicyKind.IDENTITY, PolicyKind.RESOURCE):
        if actions.negated:
            detail = (
                "Allow with NotAction allows every action not listed, including new ones AWS adds. "
            )
            detail += "List the actions to allow in Action instead."
            f.warning("ALLOW_WITH_NOT_ACTION", detail, actions.path, at_key=True)
        if resources.negated:
            detail = (
                "Allow with NotResource allows every resource not listed, even ones made later."
            )
            f.warning("ALLOW_WITH_NOT_RESOURCE", detail, resources.path, at_key=True)
