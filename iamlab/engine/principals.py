"""Who is calling, and whether a policy's Principal or NotPrincipal names them.

A request principal is classified once per evaluation (`Caller`). A policy names principals in
four ways that AWS treats differently in a resource-based policy; `Match` orders them from the
most to the least specific.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from .model import EngineInputError

_ACCOUNT_ID = re.compile(r"^\d{12}$")


class Match(IntEnum):
    """How a Principal element names the caller."""

    NONE = 0
    ACCOUNT = 1  # the caller's account (its root ARN or bare id): IAM in that account decides
    ROLE = 2  # the role behind the caller's role session
    DIRECT = 3  # the caller itself (user, role session, federated user, service, or "*")


class CallerKind:
    USER = "user"
    ROLE = "role"
    SESSION = "assumed-role"
    FEDERATED_USER = "federated-user"
    ROOT = "root"
    SERVICE = "service"  # lambda.amazonaws.com and the like
    FEDERATED = "federated"  # a SAML/OIDC provider or web identity provider
    ANONYMOUS = "anonymous"

    # Callers whose permissions come from IAM identity-based policies.
    IAM = frozenset({USER, ROLE, SESSION, FEDERATED_USER, ROOT})


@dataclass(frozen=True, slots=True)
class Caller:
    arn: str
    kind: str
    account: str | None
    name: str = ""  # user name, role name (for sessions too), or federated user name
    session: str = ""

    @property
    def role_arn(self) -> str:
        """The role behind a session, without a path (a session ARN does not carry it)."""
        return f"arn:aws:iam::{self.account}:role/{self.name}"

    @property
    def is_iam(self) -> bool:
        return self.kind in CallerKind.IAM

    def describe(self) -> str:
        return {
            CallerKind.USER: f"the IAM user {self.name}",
            CallerKind.ROLE: f"the IAM role {self.name}",
            CallerKind.SESSION: f"the session {self.session} of role {self.name}",
            CallerKind.FEDERATED_USER: f"the federated user {self.name}",
            CallerKind.ROOT: f"the root user of account {self.account}",
            CallerKind.SERVICE: f"the AWS service {self.arn}",
            CallerKind.FEDERATED: f"users federated through {self.arn}",
            CallerKind.ANONYMOUS: "an anonymous caller",
        }.get(self.kind, self.arn)


_CLASSIFIED: dict[str, Caller] = {}
_CLASSIFIED_MAX = 4096


def classify(principal: str) -> Caller:
    """Classify a request principal; raises EngineInputError for one AWS could not have sent.

    Remembered by principal (a `Caller` is immutable): a batch asks about the same few hundred
    principals again and again.
    """
    if type(principal) is str:
        caller = _CLASSIFIED.get(principal)
        if caller is None:
            caller = _classify(principal)
            if len(_CLASSIFIED) >= _CLASSIFIED_MAX:
                _CLASSIFIED.clear()
            _CLASSIFIED[principal] = caller
        return caller
    return _classify(principal)


def _classify(principal: str) -> Caller:
    if not isinstance(principal, str) or not principal:
        raise EngineInputError("the principal must be a non-empty string", "/request/principal")
    if principal in ("*", "anonymous"):
        return Caller(principal, CallerKind.ANONYMOUS, None)
    if len(principal) in (12, 13) and _ACCOUNT_ID.match(principal):
        return Caller(f"arn:aws:iam::{principal}:root", CallerKind.ROOT, principal)
    if not principal.startswith("arn:"):
        if (
            "." in principal
            and principal.endswith(".amazonaws.com")
            and not principal.startswith("cognito-identity.")
        ):
            return Caller(principal, CallerKind.SERVICE, None)
        return Caller(principal, CallerKind.FEDERATED, None)
    parts = principal.split(":", 5)
    if len(parts) != 6:
        raise EngineInputError(f"{principal!r} is not a valid ARN", "/request/principal")
    _, _partition, service, _region, account, resource = parts
    if service == "iam":
        if resource == "root":
            return Caller(principal, CallerKind.ROOT, account)
        kind, _, rest = resource.partition("/")
        name = rest.rsplit("/", 1)[-1]
        if kind == "user" and name:
            return Caller(principal, CallerKind.USER, account, name)
        if kind == "role" and name:
            return Caller(principal, CallerKind.ROLE, account, name)
        if kind in ("saml-provider", "oidc-provider"):
            return Caller(principal, CallerKind.FEDERATED, account)
    elif service == "sts":
        kind, _, rest = resource.partition("/")
        if kind == "assumed-role":
            role, _, session = rest.partition("/")
            if role and session:
                return Caller(principal, CallerKind.SESSION, account, role, session)
        elif kind == "federated-user" and rest:
            return Caller(principal, CallerKind.FEDERATED_USER, account, rest)
    raise EngineInputError(
        f"{principal!r} is not a principal AWS recognises (a user, role, role session, "
        "federated user, account root, service principal or identity provider)",
        "/request/principal",
    )


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A compiled Principal or NotPrincipal element."""

    everyone: bool
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical: tuple[str, ...] = ()

    @classmethod
    def compile(cls, element: Any, path: str) -> PrincipalSpec:
        if element == "*":
            return cls(everyone=True)
        if not isinstance(element, dict) or not element:
            raise EngineInputError(
                'a principal must be "*" or an object such as {"AWS": "..."}', path
            )
        aws: list[str] = []
        service: list[str] = []
        federated: list[str] = []
        canonical: list[str] = []
        for key, value in element.items():
            target = {
                "AWS": aws,
                "Service": service,
                "Federated": federated,
                "CanonicalUser": canonical,
            }.get(key)
            if target is None:
                raise EngineInputError(
                    f"unknown principal type {key!r} (use AWS, Service, Federated or "
                    "CanonicalUser)",
                    f"{path}/{key}",
                )
            if not (isinstance(value, str) or isinstance(value, list) and value):
                raise EngineInputError(
                    "a principal value must be a string or a non-empty list of strings",
                    f"{path}/{key}",
                )
            if isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise EngineInputError("principal values must be strings", f"{path}/{key}")
            target.extend(_as_list(value))
        return cls(
            everyone="*" in aws,
            aws=tuple(aws),
            service=tuple(s.lower() for s in service),
            federated=tuple(federated),
            canonical=tuple(canonical),
        )

    def match(self, caller: Caller) -> tuple[Match, str]:
        """The most specific way this element names the caller, and the value that did."""
        if self.everyone:
            return Match.DIRECT, "*"
        if caller.kind == CallerKind.SERVICE:
            low = caller.arn.lower()
            for s in self.service:
                if s == low:
                    return Match.DIRECT, s
            return Match.NONE, ""
        if caller.kind == CallerKind.FEDERATED:
            for f in self.federated:
                if f == caller.arn:
                    return Match.DIRECT, f
            return Match.NONE, ""
        if caller.kind == CallerKind.ANONYMOUS:
            return Match.NONE, ""
        best, by = Match.NONE, ""
        for value in self.aws:
            found = _match_aws_value(value, caller)
            if found > best:
                best, by = found, value
                if best is Match.DIRECT:
                    break
        return best, by

    def excludes(self, caller: Caller) -> bool:
        """For NotPrincipal: does the element list every identity AWS checks for this caller?

        AWS checks the caller's account first, then (for a role session) the role, then the
        caller; a caller is left out of a NotPrincipal statement only when the account and the
        caller (or, for a session, its role) are all listed.
        """
        if self.everyone:
            return True
        if caller.kind in (CallerKind.SERVICE, CallerKind.FEDERATED):
            return self.match(caller)[0] is Match.DIRECT
        if caller.kind == CallerKind.ANONYMOUS:
            return False
        levels = {_match_aws_value(v, caller) for v in self.aws}
        if Match.ACCOUNT not in levels:
            return False
        if caller.kind == CallerKind.ROOT:
            return True
        return Match.DIRECT in levels or Match.ROLE in levels

    def values(self) -> list[str]:
        if self.everyone and not self.aws:
            return ["*"]
        return [*self.aws, *self.service, *self.federated, *self.canonical]


def _match_aws_value(value: str, caller: Caller) -> Match:
    if value == "*":
        return Match.DIRECT
    if len(value) in (12, 13) and _ACCOUNT_ID.match(value):  # (13: "$" allows a final newline)
        return Match.ACCOUNT if value == caller.account else Match.NONE
    if value == caller.arn:
        return Match.ACCOUNT if caller.kind == CallerKind.ROOT else Match.DIRECT
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[4] != caller.account:
        return Match.NONE
    service, resource = parts[2], parts[5]
    if service == "iam" and resource == "root":
        return Match.ACCOUNT
    if (
        caller.kind == CallerKind.SESSION
        and service == "iam"
        and resource.startswith("role/")
        and resource.rsplit("/", 1)[-1] == caller.name
    ):
        # Role names are unique in an account whatever their path; a session ARN drops the path.
        return Match.ROLE
    return Match.NONE
