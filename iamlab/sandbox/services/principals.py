"""Who makes a call: `Caller`, and the ways to get one.

    as_root(sandbox, account_id=None)              # the account's root user
    as_user(sandbox, "alice", account_id=None)     # an IAM user (long-term credentials)
    as_principal(sandbox, arn)                     # user, root, role session or role, by ARN
    from_access_key(sandbox, "AKIA…"/"ASIA…")      # whoever owns the credentials

A caller made from a name carries long-term credentials (an access key, not a console session):
AWS then leaves `aws:MultiFactorAuthPresent` out of the request context unless `mfa=True`.
Temporary credentials (ASIA…) expire by the sandbox's clock, not real time.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, replace
from datetime import datetime

from ..models import (
    DEFAULT_REGION,
    AccessKey,
    Account,
    IamUser,
    Role,
    Sandbox,
    StsSession,
    named,
)
from ..models import hash_secret as _hash
from .errors import (
    ExpiredToken,
    InvalidClientTokenId,
    NoSuchEntity,
    SignatureDoesNotMatch,
    ValidationError,
)

# TEST-NET-3 (RFC 5737): an address that stands for "somewhere on the internet".
DEFAULT_SOURCE_IP = "203.0.113.10"

ROOT = "root"
USER = "user"
ROLE = "role"
SESSION = "assumed-role"
FEDERATED = "federated"  # an identity provider calling AssumeRoleWithSAML/WithWebIdentity

_CLOUDTRAIL_TYPES = {
    ROOT: "Root",
    USER: "IAMUser",
    ROLE: "AssumedRole",
    SESSION: "AssumedRole",
    FEDERATED: "WebIdentityUser",
}
_PRINCIPAL_TYPES = {
    ROOT: "Account",
    USER: "User",
    ROLE: "AssumedRole",
    SESSION: "AssumedRole",
    FEDERATED: "WebIdentityUser",
}


@dataclass(slots=True)
class Caller:
    """The principal behind a call and how it called (credentials, MFA, source IP, region).

    `account` is the caller's account (a role session's: the role's). `session` is the STS
    session whose credentials are used (AssumeRole* or GetSessionToken), if any.
    """

    sandbox: Sandbox
    account: Account
    arn: str
    kind: str
    user: IamUser | None = None
    role: Role | None = None
    session: StsSession | None = None
    access_key: AccessKey | None = None
    identity_provider_arn: str = ""
    mfa_authenticated_at: datetime | None = None
    source_ip: str = DEFAULT_SOURCE_IP
    region: str = DEFAULT_REGION

    def with_(self, **changes: object) -> Caller:
        """A copy with some fields changed: `caller.with_(region="eu-west-1")`."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def account_id(self) -> str:
        return self.account.account_id

    @property
    def access_key_id(self) -> str:
        if self.session is not None:
            return self.session.access_key_id
        return self.access_key.access_key_id if self.access_key else ""

    @property
    def is_root(self) -> bool:
        return self.kind == ROOT

    @property
    def is_role_session(self) -> bool:
        return self.kind in (SESSION, ROLE)

    @property
    def principal_type(self) -> str:
        """CloudTrail's userIdentity.type."""
        return _CLOUDTRAIL_TYPES.get(self.kind, "Unknown")

    @property
    def aws_principal_type(self) -> str:
        """The value of aws:PrincipalType."""
        return _PRINCIPAL_TYPES.get(self.kind, "Unknown")

    @property
    def user_id(self) -> str:
        """aws:userid: the account id (root), AIDA… (user), AROA…:SESSION (role session)."""
        if self.kind == ROOT:
            return self.account_id
        if self.kind == USER and self.user is not None:
            return self.user.user_id
        if self.role is not None:
            name = self.session.session_name if self.session is not None else self.role.name
            return f"{self.role.role_id}:{name}"
        return self.arn

    @property
    def principal_arn(self) -> str:
        """aws:PrincipalArn: for a role session, the role's ARN (with its path)."""
        if self.role is not None:
            return self.role.arn
        return self.arn

    @property
    def session_name(self) -> str:
        return self.session.session_name if self.session is not None else ""

    def mfa_present(self) -> bool | None:
        """aws:MultiFactorAuthPresent: None when AWS leaves the key out (long-term keys)."""
        if self.mfa_authenticated_at is not None:
            return True
        if self.session is not None or self.kind in (SESSION, ROLE):
            return False
        return None


def _default_account(sandbox: Sandbox, account_id: str | None) -> Account:
    accounts = Account.objects.filter(sandbox=sandbox)
    if account_id is not None:
        accounts = accounts.filter(account_id=account_id)
    found = list(accounts.select_related("organization").order_by("id")[:2])
    if not found:
        raise NoSuchEntity(f"The account {account_id or ''} cannot be found.".replace("  ", " "))
    if account_id is None and len(found) > 1:
        # The first account is the one a single-account lesson means.
        return found[0]
    return found[0]


def as_root(
    sandbox: Sandbox, account_id: str | None = None, *, mfa: bool = False, **how: object
) -> Caller:
    """The root user of `account_id` (default: the sandbox's first account)."""
    account = _default_account(sandbox, account_id)
    return Caller(
        sandbox,
        account,
        account.root_arn,
        ROOT,
        mfa_authenticated_at=sandbox.now() if mfa else None,
        **how,  # type: ignore[arg-type]
    )


_USER_RELATED = ("account__organization", "boundary_policy__account")
_ROLE_RELATED = ("account__organization", "boundary_policy__account")


def as_user(
    sandbox: Sandbox,
    name: str,
    account_id: str | None = None,
    *,
    path: str | None = None,
    mfa: bool = False,
    **how: object,
) -> Caller:
    """The IAM user `name` (in `account_id`, or wherever the name is unique)."""
    users = named(IamUser.objects.filter(sandbox=sandbox), name).select_related(*_USER_RELATED)
    if account_id is not None:
        users = users.filter(account__account_id=account_id)
    if path is not None:
        users = users.filter(path=path)
    found = list(users[:2])
    if not found:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    if len(found) > 1:
        raise ValidationError(f"User {name} exists in several accounts: give the account id.")
    user = found[0]
    return Caller(
        sandbox,
        user.account,
        user.arn,
        USER,
        user=user,
        mfa_authenticated_at=sandbox.now() if mfa else None,
        **how,  # type: ignore[arg-type]
    )


_ARN_RE = re.compile(r"^arn:aws:(iam|sts)::(\d{12}):(.+)$")


def as_principal(sandbox: Sandbox, arn: str, *, mfa: bool = False, **how: object) -> Caller:
    """A caller from its ARN: a user, the root (ARN or bare account id), a role session
    (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or a role.

    For a role session the newest unexpired stored session of that name is used (its session
    policy, tags and MFA); without one, the caller is the role's session with no extras.
    """
    if re.fullmatch(r"\d{12}", arn):
        return as_root(sandbox, arn, mfa=mfa, **how)
    match = _ARN_RE.match(arn)
    if not match:
        raise ValidationError(f"{arn!r} is not the ARN of a user, role, role session or root.")
    service, account_id, resource = match.groups()
    if service == "iam" and resource == "root":
        return as_root(sandbox, account_id, mfa=mfa, **how)
    kind, _, rest = resource.partition("/")
    if service == "iam" and kind == "user" and rest:
        path, _, name = ("/" + rest).rpartition("/")
        return as_user(sandbox, name, account_id, path=path + "/", mfa=mfa, **how)
    if service == "iam" and kind == "role" and rest:
        path, _, name = ("/" + rest).rpartition("/")
        role = _role(sandbox, account_id, name, path + "/")
        return Caller(
            sandbox,
            role.account,
            role.arn,
            ROLE,
            role=role,
            mfa_authenticated_at=sandbox.now() if mfa else None,
            **how,  # type: ignore[arg-type]
        )
    if service == "sts" and kind == "assumed-role" and "/" in rest:
        role_name, _, session_name = rest.partition("/")
        role = _role(sandbox, account_id, role_name, None)
        session = (
            StsSession.objects.filter(
                sandbox=sandbox, role=role, session_name=session_name, expires__gt=sandbox.now()
            )
            .order_by("-created")
            .first()
        )
        if session is None:
            session = StsSession(
                sandbox=sandbox,
                account=role.account,
                role=role,
                session_name=session_name,
                created=sandbox.now(),
                expires=sandbox.now(),
            )
        session.role = role
        return _session_caller(sandbox, session, how, mfa=mfa)
    raise ValidationError(f"{arn!r} is not the ARN of a user, role, role session or root.")


def _role(sandbox: Sandbox, account_id: str, name: str, path: str | None) -> Role:
    roles = named(
        Role.objects.filter(sandbox=sandbox, account__account_id=account_id), name
    ).select_related(*_ROLE_RELATED)
    if path is not None:
        roles = roles.filter(path=path)
    role = roles.first()
    if role is None:
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    return role


def _session_caller(
    sandbox: Sandbox, session: StsSession, how: dict, *, mfa: bool = False
) -> Caller:
    mfa_at = (
        session.created
        if session.context.get("aws:MultiFactorAuthPresent")
        in (
            True,
            "true",
        )
        else None
    )
    if mfa and mfa_at is None:
        mfa_at = sandbox.now()
    if session.role_id:
        role = session.role
        return Caller(
            sandbox,
            role.account,
            session.arn if session.session_name else role.arn,
            SESSION,
            role=role,
            session=session,
            mfa_authenticated_at=mfa_at,
            **how,
        )
    if session.user_id:
        user = session.user
        return Caller(
            sandbox,
            user.account,
            user.arn,
            USER,
            user=user,
            session=session,
            mfa_authenticated_at=mfa_at,
            **how,
        )
    # GetSessionToken of the root user.
    return Caller(
        sandbox,
        session.account,
        session.account.root_arn,
        ROOT,
        session=session,
        mfa_authenticated_at=mfa_at,
        **how,
    )


def from_access_key(
    sandbox: Sandbox,
    access_key_id: str,
    *,
    secret_access_key: str | None = None,
    session_token: str | None = None,
    **how: object,
) -> Caller:
    """Whoever owns the credentials. Long-term keys (AKIA…) must be Active; temporary ones
    (ASIA…) must not have expired by the sandbox's clock (ExpiredToken). The secret (and the
    session token) are checked when given.
    """
    if access_key_id.startswith("ASIA"):
        session = (
            StsSession.objects.filter(sandbox=sandbox, access_key_id=access_key_id)
            .select_related(
                "account__organization",
                *(f"role__{r}" for r in _ROLE_RELATED),
                *(f"user__{r}" for r in _USER_RELATED),
            )
            .first()
        )
        if session is None:
            raise InvalidClientTokenId()
        _check_secret(session.secret_hash, secret_access_key)
        if (
            session_token is not None
            and session.token_hash
            and not hmac.compare_digest(session.token_hash, _hash(session_token))
        ):
            raise InvalidClientTokenId()
        if session.expired(sandbox.now()):
            raise ExpiredToken()
        return _session_caller(sandbox, session, how)
    key = (
        AccessKey.objects.filter(sandbox=sandbox, access_key_id=access_key_id)
        .select_related("account__organization", *(f"user__{r}" for r in _USER_RELATED))
        .first()
    )
    if key is None or key.status != AccessKey.Status.ACTIVE:
        raise InvalidClientTokenId()
    _check_secret(key.secret_hash, secret_access_key)
    if key.user_id is None:
        return Caller(
            sandbox,
            key.account,
            key.account.root_arn,
            ROOT,
            access_key=key,
            **how,  # type: ignore[arg-type]
        )
    user = key.user
    return Caller(
        sandbox,
        user.account,
        user.arn,
        USER,
        user=user,
        access_key=key,
        **how,  # type: ignore[arg-type]
    )


def _check_secret(stored_hash: str, secret: str | None) -> None:
    if secret is not None and stored_hash and not hmac.compare_digest(stored_hash, _hash(secret)):
        raise SignatureDoesNotMatch()
