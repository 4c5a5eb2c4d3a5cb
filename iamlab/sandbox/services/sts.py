"""STS: AssumeRole, AssumeRoleWithSAML, AssumeRoleWithWebIdentity, GetCallerIdentity,
GetSessionToken. Temporary credentials (ASIA…) expire by the sandbox's clock; their secret and
session token are shown once, in the response, and only their hashes are kept.

The identity-provider calls take the provider's proof in a simple sandbox form:
- SAMLAssertion: JSON (or base64 of it) {"Issuer", "Subject", "SubjectType", "Audience",
  "NotOnOrAfter", "Attributes": {"https://aws.amazon.com/SAML/Attributes/Role":
  ["ROLE_ARN,PROVIDER_ARN"], ".../RoleSessionName": "name", ".../SessionDuration": "3600",
  ".../PrincipalTag:KEY": "value"}};
- WebIdentityToken: a JWT whose payload holds the claims {"iss", "sub", "aud", "exp", "iat", …}
  (the signature is not checked), or the claims as JSON text.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from iamlab.engine import PolicyKind, Severity, validate_policy

from .. import managed_catalog
from ..identifiers import new_access_key_id, new_secret_access_key, new_session_token
from ..models import IdentityProvider, MfaDevice, Role, Sandbox, StsSession, hash_secret, named
from . import calls, mfa, principals
from .errors import (
    AccessDenied,
    ExpiredTokenException,
    InvalidIdentityToken,
    MalformedPolicyDocumentSts,
    PackedPolicyTooLarge,
    ValidationError,
)
from .params import Check
from .principals import Caller

NAME_PATTERN = r"[\w+=,.@-]*"
EXTERNAL_ID_PATTERN = r"[\w+=,.@:\/-]*"
SERIAL_PATTERN = r"[\w+=/:,.@-]*"
POLICY_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
MIN_DURATION = 900
MAX_ROLE_DURATION = 43200
CHAINED_MAX = 3600
SESSION_TOKEN_MAX = 129600
ROOT_SESSION_MAX = 3600
#: The sandbox's stand-in for STS's packed (compressed) form of session policies and tags.
PACKED_ALLOWANCE = 2048

MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
SAML_ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
SAML_SESSION_NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SAML_DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
SAML_TAG = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"


# ------------------------------------------------------------------------------- operations
def get_caller_identity(caller: Caller) -> dict[str, Any]:
    """Who am I? Always allowed (no permission is needed)."""
    calls.authorized_call(caller, "sts:GetCallerIdentity")
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}


def assume_role(
    caller: Caller,
    *,
    RoleArn: str,
    RoleSessionName: str,
    DurationSeconds: int | None = None,
    ExternalId: str | None = None,
    SerialNumber: str | None = None,
    TokenCode: str | None = None,
    Policy: str | None = None,
    PolicyArns: list | None = None,
    Tags: list | None = None,
    TransitiveTagKeys: list | None = None,
    SourceIdentity: str | None = None,
) -> dict[str, Any]:
    params = _params(locals())
    with calls.operation(caller, "sts:AssumeRole", params=params) as op:
        op.resource = RoleArn if isinstance(RoleArn, str) else ""
        check = Check()
        _check_role_arn(check, RoleArn)
        _check_session_name(check, RoleSessionName)
        check.string(ExternalId, "externalId", min_len=2, max_len=1224, pattern=EXTERNAL_ID_PATTERN)
        _check_mfa_params(check, SerialNumber, TokenCode)
        check.string(SourceIdentity, "sourceIdentity", min_len=2, max_len=64, pattern=NAME_PATTERN)
        tags = _tags(check, Tags)
        transitive = [
            str(k) for k in check.count(TransitiveTagKeys, "transitiveTagKeys", maximum=50)
        ]
        session_policy, policy_arns = _checked_session_policy(check, Policy, PolicyArns)
        if caller.is_root:
            op.deny(AccessDenied("Roles may not be assumed by root accounts."))
        if SerialNumber is not None or TokenCode is not None:
            caller = _with_mfa(op, caller, SerialNumber, TokenCode)
            op.caller = caller
        inherited = _transitive_tags(caller)
        context: dict[str, Any] = {"sts:RoleSessionName": RoleSessionName}
        if ExternalId is not None:
            context["sts:ExternalId"] = ExternalId
        if SourceIdentity is not None:
            context["sts:SourceIdentity"] = SourceIdentity
        all_tags = {**inherited, **tags}
        if tags or transitive:
            context.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
            context["aws:TagKeys"] = list(tags)
            context["sts:TransitiveTagKeys"] = transitive
        op.authorize(RoleArn, context=context)
        if tags or transitive:
            op.authorize(RoleArn, context=context, action="sts:TagSession")
        if SourceIdentity is not None:
            op.authorize(RoleArn, context=context, action="sts:SetSourceIdentity")
        role = _role_by_arn(caller.sandbox, RoleArn)
        chained = caller.is_role_session and caller.session is not None
        duration = _duration(DurationSeconds, role, chained=chained)
        _check_packed(session_policy, policy_arns, all_tags)
        session_context = {}
        if caller.mfa_authenticated_at is not None:
            session_context["aws:MultiFactorAuthPresent"] = "true"
        if caller.session is not None and caller.session.source_identity and not SourceIdentity:
            SourceIdentity = caller.session.source_identity  # source identity persists
        return _issue(
            caller,
            role,
            kind=StsSession.Kind.ASSUME_ROLE,
            session_name=RoleSessionName,
            duration=duration,
            policy=session_policy,
            policy_arns=policy_arns,
            tags=all_tags,
            transitive=[*_inherited_keys(caller), *transitive],
            source_identity=SourceIdentity or "",
            context=session_context,
        )


def assume_role_with_saml(
    sandbox: Sandbox,
    *,
    RoleArn: str,
    PrincipalArn: str,
    SAMLAssertion: str,
    PolicyArns: list | None = None,
    Policy: str | None = None,
    DurationSeconds: int | None = None,
) -> dict[str, Any]:
    """The caller is the SAML provider: the role's trust policy must name it (Federated)."""
    check = Check()
    _check_role_arn(check, RoleArn)
    check.string(PrincipalArn, "principalArn", min_len=20, max_len=2048, required=True)
    check.string(SAMLAssertion, "sAMLAssertion", min_len=4, max_len=100000, required=True)
    session_policy, policy_arns = _checked_session_policy(check, Policy, PolicyArns)
    provider = _provider(sandbox, PrincipalArn, IdentityProvider.Type.SAML)
    caller = _federated_caller(sandbox, provider, PrincipalArn)
    denied = AccessDenied("Not authorized to perform sts:AssumeRoleWithSAML")
    with calls.operation(caller, "sts:AssumeRoleWithSAML", params=_params(locals())) as op:
        op.resource = RoleArn
        assertion = _saml(SAMLAssertion)
        if provider is None:
            op.deny(InvalidIdentityToken(f"The SAML provider {PrincipalArn} does not exist."))
        expiry = _time(assertion.get("NotOnOrAfter"))
        if expiry is not None and expiry <= sandbox.now():
            op.deny(ExpiredTokenException("The SAML assertion has expired."))
        attributes = assertion.get("Attributes") or {}
        pairs = {
            tuple(p.strip() for p in str(v).split(",")) for v in _as_list(attributes.get(SAML_ROLE))
        }
        if (RoleArn, PrincipalArn) not in pairs and (PrincipalArn, RoleArn) not in pairs:
            op.deny(denied)
        session_name = str(_first(attributes.get(SAML_SESSION_NAME)) or "")
        check = Check()
        _check_session_name(check, session_name)
        if check.problems:
            op.deny(InvalidIdentityToken("The SAML assertion's RoleSessionName is not valid."))
        subject = str(assertion.get("Subject", ""))
        issuer = str(assertion.get("Issuer", ""))
        audience = str(assertion.get("Audience", SAML_AUDIENCE))
        context = {
            "saml:aud": audience,
            "saml:sub": subject,
            "saml:sub_type": str(assertion.get("SubjectType", "persistent")),
            "saml:iss": issuer,
            "saml:doc": f"{provider.account.account_id}/{provider.name}",
            "sts:RoleSessionName": session_name,
        }
        tags = {
            k.removeprefix(SAML_TAG): str(_first(v))
            for k, v in attributes.items()
            if k.startswith(SAML_TAG)
        }
        context.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
        op.deny_error = lambda _message: denied  # AWS says no more than this
        op.authorize(RoleArn, context=context)
        if tags:
            op.authorize(RoleArn, context=context, action="sts:TagSession")
        role = _role_by_arn(sandbox, RoleArn)
        requested = DurationSeconds
        if requested is None and _first(attributes.get(SAML_DURATION)):
            requested = min(int(_first(attributes.get(SAML_DURATION))), role.max_session_duration)
        duration = _duration(requested, role, chained=False)
        _check_packed(session_policy, policy_arns, tags)
        response = _issue_federated(
            caller,
            role,
            provider,
            kind=StsSession.Kind.ASSUME_ROLE_WITH_SAML,
            session_name=session_name,
            duration=duration,
            policy=session_policy,
            policy_arns=policy_arns,
            tags=tags,
            subject=("saml:sub", subject),
        )
        response.update(
            Subject=subject,
            SubjectType=context["saml:sub_type"],
            Issuer=issuer,
            Audience=audience,
            NameQualifier=base64.b64encode(
                hash_secret(f"{issuer}{provider.account.account_id}/{provider.name}").encode()
            ).decode()[:28],
        )
        return response


def assume_role_with_web_identity(
    sandbox: Sandbox,
    *,
    RoleArn: str,
    RoleSessionName: str,
    WebIdentityToken: str,
    ProviderId: str | None = None,
    PolicyArns: list | None = None,
    Policy: str | None = None,
    DurationSeconds: int | None = None,
) -> dict[str, Any]:
    """The caller is the OIDC provider named by the token's `iss`, in the role's account."""
    check = Check()
    _check_role_arn(check, RoleArn)
    _check_session_name(check, RoleSessionName)
    check.string(WebIdentityToken, "webIdentityToken", min_len=4, max_len=20000, required=True)
    session_policy, policy_arns = _checked_session_policy(check, Policy, PolicyArns)
    claims = _jwt_claims(WebIdentityToken)
    issuer = str(claims.get("iss", ""))
    host = issuer.removeprefix("https://").rstrip("/")
    account_id = RoleArn.split(":")[4] if RoleArn.count(":") >= 5 else ""
    provider_arn = f"arn:aws:iam::{account_id}:oidc-provider/{host}"
    provider = _provider(sandbox, provider_arn, IdentityProvider.Type.OIDC)
    if provider is None:
        raise InvalidIdentityToken(f"No OpenIDConnect provider found in your account for {issuer}")
    caller = _federated_caller(sandbox, provider, provider_arn)
    denied = AccessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
    with calls.operation(caller, "sts:AssumeRoleWithWebIdentity", params=_params(locals())) as op:
        op.resource = RoleArn
        audiences = [str(a) for a in _as_list(claims.get("aud"))]
        if not set(audiences) & set(provider.client_ids or []):
            op.deny(InvalidIdentityToken("Incorrect token audience"))
        now = sandbox.now()
        expires = claims.get("exp")
        if isinstance(expires, int | float) and expires <= now.timestamp():
            op.deny(
                ExpiredTokenException(
                    f"Token expired: current date/time {int(now.timestamp())} must be before "
                    f"the expiration date/time{int(expires)}"
                )
            )
        subject = str(claims.get("sub", ""))
        context: dict[str, Any] = {
            f"{host}:aud": audiences[0] if len(audiences) == 1 else audiences,
            f"{host}:sub": subject,
            "sts:RoleSessionName": RoleSessionName,
        }
        if "amr" in claims:
            context[f"{host}:amr"] = [str(a) for a in _as_list(claims["amr"])]
        for key, value in claims.items():
            if key not in ("iss", "sub", "aud", "exp", "iat", "amr") and isinstance(
                value, str | int | bool
            ):
                context[f"{host}:{key}"] = value
        op.deny_error = lambda _message: denied
        op.authorize(RoleArn, context=context)
        role = _role_by_arn(sandbox, RoleArn)
        duration = _duration(DurationSeconds, role, chained=False)
        _check_packed(session_policy, policy_arns, {})
        response = _issue_federated(
            caller,
            role,
            provider,
            kind=StsSession.Kind.ASSUME_ROLE_WITH_WEB_IDENTITY,
            session_name=RoleSessionName,
            duration=duration,
            policy=session_policy,
            policy_arns=policy_arns,
            tags={},
            subject=(f"{host}:sub", subject),
        )
        response.update(
            SubjectFromWebIdentityToken=subject,
            Audience=audiences[0] if audiences else "",
            Provider=issuer,
        )
        return response


def get_session_token(
    caller: Caller,
    *,
    DurationSeconds: int | None = None,
    SerialNumber: str | None = None,
    TokenCode: str | None = None,
) -> dict[str, Any]:
    """Temporary credentials for a user (or the root user), with MFA when a code is given."""
    with calls.operation(caller, "sts:GetSessionToken", params=_params(locals())) as op:
        op.no_permission_needed = True
        check = Check()
        check.integer(
            DurationSeconds, "durationSeconds", minimum=MIN_DURATION, maximum=SESSION_TOKEN_MAX
        )
        _check_mfa_params(check, SerialNumber, TokenCode)
        check.done()
        if caller.session is not None:
            op.deny(AccessDenied("Cannot call GetSessionToken with session credentials"))
        if SerialNumber is not None or TokenCode is not None:
            caller = _with_mfa(op, caller, SerialNumber, TokenCode)
        duration = DurationSeconds or 43200
        if caller.is_root:
            duration = min(duration, ROOT_SESSION_MAX)
        now = caller.sandbox.now()
        secret, token = new_secret_access_key(), new_session_token()
        session = StsSession.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            kind=StsSession.Kind.GET_SESSION_TOKEN,
            user=caller.user,
            caller_arn=caller.arn,
            context={"aws:MultiFactorAuthPresent": "true"}
            if caller.mfa_authenticated_at is not None
            else {},
            access_key_id=new_access_key_id(temporary=True),
            secret_hash=hash_secret(secret),
            token_hash=hash_secret(token),
            created=now,
            expires=now + timedelta(seconds=duration),
        )
        return {"Credentials": _credentials(session, secret, token)}


# ---------------------------------------------------------------------------------- helpers
def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k[:1].isupper() and v is not None}


def _tags(check: Check, tags: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, tag in enumerate(check.count(tags, "tags", maximum=50), start=1):
        key = tag.get("Key") if isinstance(tag, dict) else None
        value = tag.get("Value") if isinstance(tag, dict) else None
        key_ok = check.string(key, f"tags.{i}.member.key", max_len=128, required=True)
        value_ok = check.string(
            value, f"tags.{i}.member.value", min_len=0, max_len=256, required=True
        )
        if not (key_ok and value_ok):
            continue
        if key.lower() in {k.lower() for k in out}:
            raise ValidationError(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        out[key] = value
    return out


def _check_role_arn(check: Check, value: Any) -> None:
    check.string(value, "roleArn", min_len=20, max_len=2048, required=True)


def _check_session_name(check: Check, value: Any) -> None:
    check.string(
        value, "roleSessionName", min_len=2, max_len=64, pattern=NAME_PATTERN, required=True
    )


def _check_mfa_params(check: Check, serial_number: Any, token_code: Any) -> None:
    check.string(serial_number, "serialNumber", min_len=9, max_len=256, pattern=SERIAL_PATTERN)
    check.string(token_code, "tokenCode", min_len=6, max_len=6, pattern=r"[\d]*")


def _checked_session_policy(check: Check, policy: Any, policy_arns: Any) -> tuple[str, list[str]]:
    """The last parameters an Assume* call checks: Policy and PolicyArns. Raises every problem
    found so far (ValidationError), then a session policy that is not valid JSON policy."""
    session_policy, arns = _session_policy_params(check, policy, policy_arns)
    check.done()
    _validate_session_policy(session_policy)
    return session_policy, arns


def _session_policy_params(check: Check, policy: Any, policy_arns: Any) -> tuple[str, list[str]]:
    check.string(policy, "policy", min_len=1, max_len=2048, pattern=POLICY_PATTERN)
    arns: list[str] = []
    for i, item in enumerate(check.count(policy_arns, "policyArns", maximum=10), start=1):
        arn = item.get("arn") if isinstance(item, dict) else item
        if check.string(arn, f"policyArns.{i}.member.arn", min_len=20, max_len=2048, required=True):
            arns.append(arn)
    return policy or "", arns


def _validate_session_policy(text: str) -> None:
    if not text:
        return
    try:
        json.loads(text)
    except ValueError:
        raise MalformedPolicyDocumentSts("The policy is not in the valid JSON format.") from None
    problems = [
        p for p in validate_policy(text, PolicyKind.SESSION) if p.severity is Severity.ERROR
    ]
    if problems:
        raise MalformedPolicyDocumentSts(problems[0].message)


def _with_mfa(op: calls.Operation, caller: Caller, serial: str | None, code: str | None) -> Caller:
    """The caller authenticated with its MFA device, or AccessDenied as AWS answers."""
    if not serial or not code:
        op.deny(AccessDenied(MFA_FAILED))
    parts = serial.split(":", 5)
    device = None
    if len(parts) == 6 and parts[5].startswith("mfa/"):
        name = parts[5].rsplit("/", 1)[-1]
        device = (
            MfaDevice.objects.filter(
                sandbox=caller.sandbox, account__account_id=parts[4], name=name
            )
            .select_related("account", "sandbox")
            .first()
        )
    owner_ok = device is not None and (
        (caller.user is not None and device.user_id == caller.user.pk)
        or (caller.is_root and device.assigned_to_root)
    )
    now = caller.sandbox.now()
    if not owner_ok or device.serial_number != serial or not mfa.verify(device, code, now):
        op.deny(AccessDenied(MFA_FAILED))
    return caller.with_(mfa_authenticated_at=now)


def _transitive_tags(caller: Caller) -> dict[str, str]:
    session = caller.session
    if session is None or not session.transitive_tag_keys:
        return {}
    keys = {k.lower() for k in session.transitive_tag_keys}
    return {k: v for k, v in (session.tags or {}).items() if k.lower() in keys}


def _inherited_keys(caller: Caller) -> list[str]:
    return list(caller.session.transitive_tag_keys) if caller.session is not None else []


def _role_by_arn(sandbox: Sandbox, arn: str) -> Role:
    """The role an authorized call names (authorization already denied a missing one)."""
    parts = arn.split(":", 5)
    name = parts[5].rsplit("/", 1)[-1] if len(parts) == 6 else ""
    role = (
        named(
            Role.objects.filter(
                sandbox=sandbox, account__account_id=parts[4] if len(parts) == 6 else ""
            ),
            name,
        )
        .select_related("account")
        .first()
    )
    if role is None:  # pragma: no cover - authorization denies a missing role first
        raise AccessDenied(f"Not authorized to perform sts:AssumeRole on resource: {arn}")
    return role


def _duration(requested: int | None, role: Role, *, chained: bool) -> int:
    check = Check()
    check.integer(requested, "durationSeconds", minimum=MIN_DURATION, maximum=MAX_ROLE_DURATION)
    check.done()
    if requested is None:
        return min(3600, role.max_session_duration)
    if chained and requested > CHAINED_MAX:
        raise ValidationError(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
            "by role chaining."
        )
    if requested > role.max_session_duration:
        raise ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    return requested


def _check_packed(policy: str, policy_arns: list[str], tags: dict[str, str]) -> int:
    """STS packs session policies and tags into the token; too much fails the call."""
    size = len(_minified(policy)) + sum(len(a) for a in policy_arns)
    size += sum(len(k) + len(v) for k, v in tags.items())
    percent = math.ceil(size * 100 / PACKED_ALLOWANCE)
    if percent > 100:
        raise PackedPolicyTooLarge(
            f"Packed policy consumes {percent}% of allotted space, please use smaller policy."
        )
    return percent


def _minified(text: str) -> str:
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), separators=(",", ":"))
    except ValueError:
        return text


def _issue_federated(
    caller: Caller,
    role: Role,
    provider: IdentityProvider,
    *,
    kind: str,
    session_name: str,
    duration: int,
    policy: str,
    policy_arns: list[str],
    tags: dict[str, str],
    subject: tuple[str, str],
) -> dict[str, Any]:
    """A session for a SAML or OIDC federated user: no transitive tags or source identity; the
    session keeps the provider and the subject (the `saml:sub` or `HOST:sub` key and value)."""
    key, value = subject
    return _issue(
        caller,
        role,
        kind=kind,
        session_name=session_name,
        duration=duration,
        policy=policy,
        policy_arns=policy_arns,
        tags=tags,
        transitive=[],
        source_identity="",
        context={"aws:FederatedProvider": provider.arn, key: value},
        provider=provider,
    )


def _issue(
    caller: Caller,
    role: Role,
    *,
    kind: str,
    session_name: str,
    duration: int,
    policy: str,
    policy_arns: list[str],
    tags: dict[str, str],
    transitive: list[str],
    source_identity: str,
    context: dict[str, Any],
    provider: IdentityProvider | None = None,
) -> dict[str, Any]:
    now = caller.sandbox.now()
    secret, token = new_secret_access_key(), new_session_token()
    session = StsSession.objects.create(
        sandbox=caller.sandbox,
        account=role.account,
        kind=kind,
        role=role,
        identity_provider=provider,
        session_name=session_name,
        source_identity=source_identity,
        caller_arn=caller.arn,
        tags=tags,
        transitive_tag_keys=transitive,
        policy=policy,
        policy_arns=policy_arns,
        context=context,
        access_key_id=new_access_key_id(temporary=True),
        secret_hash=hash_secret(secret),
        token_hash=hash_secret(token),
        created=now,
        expires=now + timedelta(seconds=duration),
    )
    Role.objects.filter(pk=role.pk).update(last_used=now, last_used_region=caller.region)
    response: dict[str, Any] = {
        "Credentials": _credentials(session, secret, token),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.role_id}:{session_name}",
            "Arn": f"arn:aws:sts::{role.account.account_id}:assumed-role/{role.name}/"
            f"{session_name}",
        },
        "PackedPolicySize": _check_packed(policy, policy_arns, tags),
    }
    if source_identity:
        response["SourceIdentity"] = source_identity
    return response


def _credentials(session: StsSession, secret: str, token: str) -> dict[str, Any]:
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": secret,
        "SessionToken": token,
        "Expiration": session.expires,
    }


def _provider(sandbox: Sandbox, arn: str, kind: str) -> IdentityProvider | None:
    parts = arn.split(":", 5)
    if len(parts) != 6 or "/" not in parts[5]:
        return None
    name = parts[5].split("/", 1)[1]
    return (
        IdentityProvider.objects.filter(
            sandbox=sandbox, account__account_id=parts[4], type=kind, name=name
        )
        .select_related("account__organization")
        .first()
    )


def _federated_caller(sandbox: Sandbox, provider: IdentityProvider | None, arn: str) -> Caller:
    account = provider.account if provider is not None else principals.as_root(sandbox).account
    return Caller(sandbox, account, arn, principals.FEDERATED, identity_provider_arn=arn)


def _saml(text: str) -> dict[str, Any]:
    raw = text.strip()
    if not raw.startswith("{"):
        try:
            raw = base64.b64decode(raw + "=" * (-len(raw) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            raise InvalidIdentityToken("Invalid SAML assertion") from None
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidIdentityToken("Invalid SAML assertion") from None
    if not isinstance(data, dict):
        raise InvalidIdentityToken("Invalid SAML assertion")
    return data


def _jwt_claims(token: str) -> dict[str, Any]:
    text = token.strip()
    if not text.startswith("{"):
        pieces = text.split(".")
        if len(pieces) < 2:
            raise InvalidIdentityToken()
        payload = pieces[1]
        try:
            text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            raise InvalidIdentityToken() from None
    try:
        claims = json.loads(text)
    except ValueError:
        raise InvalidIdentityToken() from None
    if not isinstance(claims, dict) or not claims.get("iss"):
        raise InvalidIdentityToken()
    return claims


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _first(value: Any) -> Any:
    values = _as_list(value)
    return values[0] if values else None


__all__ = [
    "assume_role",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "get_caller_identity",
    "get_session_token",
    "managed_catalog",
]
