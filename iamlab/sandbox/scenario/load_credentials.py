"""Scenario YAML → credentials and federation: console passwords, MFA devices, access keys,
the root user, identity providers and STS sessions."""

from __future__ import annotations

import re
from datetime import timedelta

from ..identifiers import ACCESS_KEY_ID_RE, new_access_key_id
from ..models import AccessKey, IamUser, IdentityProvider, MfaDevice, StsSession, hash_secret
from .context import AccountState, Context
from .yamlio import BOOL, Entry

PASSWORD_KEYS = ["enabled", "created", "last_changed", "last_used", "reset_required"]
MFA_KEYS = ["path", "created", "enabled", "tags"]
KEY_KEYS = ["id", "status", "created", "last_used", "secret", "secret_sha256"]
ROOT_KEYS = ["email", "password_last_used", "mfa_devices", "access_keys"]
IDP_KEYS = ["type", "metadata", "client_ids", "thumbprints", "created", "tags"]
SESSION_KEYS = [
    "kind",
    "role",
    "user",
    "name",
    "access_key_id",
    "secret",
    "secret_sha256",
    "created",
    "expires",
    "source_identity",
    "caller",
    "tags",
    "transitive_tag_keys",
    "policy",
    "policy_arns",
    "context",
    "identity_provider",
]
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def last_used(ctx: Context, entry: Entry, *, service: bool):  # noqa: ANN202
    """`last_used: TIME` or `{date: TIME, region: R[, service: S]}` → (time, region, service)."""
    if entry.value.tag != "tag:yaml.org,2002:map":
        return ctx.reader.time(entry.value, entry.path, ctx.now), "", ""
    allowed = ["date", "region", "service"] if service else ["date", "region"]
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=allowed, required=["date"]) or {}
    return ctx.time(fields, "date", None), ctx.text(fields, "region"), ctx.text(fields, "service")


def password(ctx: Context, user: IamUser, entry: Entry) -> None:
    node = entry.value
    if node.tag == BOOL:
        if ctx.reader.boolean(node, entry.path):
            user.password_created = user.password_last_changed = user.created
        return
    fields = ctx.reader.mapping(node, entry.path, allowed=PASSWORD_KEYS)
    if fields is None:
        return
    user.password_last_used = ctx.optional_time(fields, "last_used")
    if not ctx.flag(fields, "enabled", True):
        for key in ("created", "last_changed", "reset_required"):
            if key in fields:
                ctx.fail(fields[key].key, fields[key].path, f"'{key}' needs an enabled password")
        return
    user.password_created = ctx.time(fields, "created", user.created)
    user.password_last_changed = ctx.time(fields, "last_changed", user.password_created)
    user.password_reset_required = ctx.flag(fields, "reset_required", False)


def mfa_devices(
    ctx: Context, state: AccountState, entry: Entry, *, user: IamUser | None, root: bool
) -> None:
    assigned = user is not None or root
    for name, device_entry in (ctx.reader.mapping(entry.value, entry.path) or {}).items():
        fields = ctx.reader.mapping(device_entry.value, device_entry.path, allowed=MFA_KEYS)
        if fields is None:
            continue
        if name.lower() in state.mfa_names:
            ctx.fail(device_entry.key, device_entry.path, f"MFA device {name!r} already exists")
            continue
        state.mfa_names.add(name.lower())
        created = ctx.time(fields, "created", ctx.now)
        enabled = ctx.time(fields, "enabled", created) if assigned else None
        if not assigned and "enabled" in fields:
            ctx.fail(
                fields["enabled"].key,
                fields["enabled"].path,
                "an unassigned device is not enabled; list it under its user instead",
            )
        ctx.builder.add(
            MfaDevice(
                account=state.account,
                name=name,
                path=ctx.path(fields),
                user=user,
                assigned_to_root=root,
                created=created,
                enabled=enabled,
                tags=ctx.tags(fields),
            )
        )


def access_keys(ctx: Context, state: AccountState, entry: Entry, *, user: IamUser | None) -> None:
    items = ctx.reader.sequence(entry.value, entry.path) or []
    if len(items) > 2:
        ctx.fail(entry.value, entry.path, "at most two access keys each (AWS's limit)")
    for node, path in items:
        fields = ctx.reader.mapping(node, path, allowed=KEY_KEYS)
        if fields is None:
            continue
        key = ctx.builder.add(
            AccessKey(
                account=state.account,
                user=user,
                access_key_id=ctx.unique_id(
                    fields,
                    "id",
                    "access key id",
                    new_access_key_id,
                    pattern=re.compile(r"AKIA[A-Z0-9]{12,124}"),
                ),
                status=ctx.text(fields, "status", "Active", choices=["Active", "Inactive"]),
                created=ctx.time(fields, "created", ctx.now),
                secret_hash=_secret_hash(ctx, fields),
            )
        )
        if "last_used" in fields:
            key.last_used, key.last_used_region, key.last_used_service = last_used(
                ctx, fields["last_used"], service=True
            )


def _secret_hash(ctx: Context, fields: dict[str, Entry]) -> str:
    if "secret" in fields and "secret_sha256" in fields:
        ctx.fail(
            fields["secret"].key,
            fields["secret"].path,
            "give 'secret' or 'secret_sha256', not both",
        )
    if "secret" in fields:
        secret = ctx.text(fields, "secret", empty=False)
        return hash_secret(secret) if secret else ""
    return ctx.text(fields, "secret_sha256", pattern=_SHA256_RE, expected="a SHA-256 in hex")


def root(ctx: Context, state: AccountState, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=ROOT_KEYS)
    if fields is None:
        return
    state.account.root_email = ctx.text(fields, "email")
    state.account.root_password_last_used = ctx.optional_time(fields, "password_last_used")
    if "mfa_devices" in fields:
        mfa_devices(ctx, state, fields["mfa_devices"], user=None, root=True)
    if "access_keys" in fields:
        access_keys(ctx, state, fields["access_keys"], user=None)


def identity_provider(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=IDP_KEYS, required=["type"])
    if fields is None:
        return
    kind = ctx.text(fields, "type", "SAML", choices=["SAML", "OIDC"])
    name = name.removeprefix("https://")
    if name in state.idps:
        ctx.fail(entry.key, entry.path, f"identity provider {name!r} already exists")
        return
    client_ids = (
        [
            v
            for v, _, _ in ctx.reader.text_list(
                fields["client_ids"].value, fields["client_ids"].path
            )
        ]
        if "client_ids" in fields
        else []
    )
    thumbprints = (
        [
            v
            for v, _, _ in ctx.reader.text_list(
                fields["thumbprints"].value, fields["thumbprints"].path
            )
        ]
        if "thumbprints" in fields
        else []
    )
    state.idps[name] = ctx.builder.add(
        IdentityProvider(
            account=state.account,
            type=kind,
            name=name,
            saml_metadata=ctx.text(fields, "metadata"),
            client_ids=client_ids,
            thumbprints=thumbprints,
            created=ctx.time(fields, "created", ctx.now),
            tags=ctx.tags(fields),
        )
    )


def session(ctx: Context, state: AccountState, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=SESSION_KEYS)
    if fields is None:
        return
    account_id = state.account.account_id
    role = user = None
    if ("role" in fields) == ("user" in fields):
        ctx.fail(entry.value, entry.path, "a session is of a 'role' or (GetSessionToken) a 'user'")
    elif "role" in fields:
        e = fields["role"]
        role = ctx.lookup(
            state.roles, ctx.text(fields, "role"), e.value, e.path, "role", account_id
        )
    else:
        e = fields["user"]
        user = ctx.lookup(
            state.users, ctx.text(fields, "user"), e.value, e.path, "user", account_id
        )
    default_kind = StsSession.Kind.ASSUME_ROLE if "role" in fields else "GetSessionToken"
    kind = ctx.text(fields, "kind", default_kind, choices=StsSession.Kind.values)
    idp = None
    if "identity_provider" in fields:
        e = fields["identity_provider"]
        idp = state.idps.get(ctx.text(fields, "identity_provider"))
        if idp is None:
            ctx.fail(e.value, e.path, "no such identity provider in this account")
    created = ctx.time(fields, "created", ctx.now)
    session = StsSession(
        account=state.account,
        kind=kind,
        role=role,
        user=user,
        identity_provider=idp,
        session_name=ctx.text(
            fields,
            "name",
            pattern=re.compile(r"[\w+=,.@-]{2,64}"),
            expected="a session name",
            max_length=64,
        ),
        source_identity=ctx.text(fields, "source_identity"),
        caller_arn=ctx.text(fields, "caller"),
        tags=ctx.tags(fields),
        policy=ctx.document(fields, "policy"),
        access_key_id=ctx.unique_id(
            fields,
            "access_key_id",
            "access key id",
            lambda: new_access_key_id(temporary=True),
            pattern=ACCESS_KEY_ID_RE,
        ),
        secret_hash=_secret_hash(ctx, fields),
        created=created,
        expires=ctx.time(fields, "expires", created + timedelta(hours=1) if created else None),
    )
    if role is not None and not session.session_name:
        ctx.fail(entry.value, entry.path, "a role session needs a 'name'")
    for key in ("transitive_tag_keys", "policy_arns"):
        if key in fields:
            values = ctx.reader.text_list(fields[key].value, fields[key].path)
            setattr(session, key, [v for v, _, _ in values])
    if "context" in fields:
        ok, value = ctx.reader.value(fields["context"].value, fields["context"].path)
        if ok and not isinstance(value, dict):
            ctx.fail(fields["context"].value, fields["context"].path, "expected a mapping")
        session.context = value if ok and isinstance(value, dict) else {}
    ctx.builder.add(session)
