"""Scenario YAML → one account's IAM: policies, groups, roles, instance profiles, users, the
root user, MFA devices, identity providers and STS sessions."""

from __future__ import annotations

import re

from ..identifiers import (
    GROUP_PREFIX,
    INSTANCE_PROFILE_PREFIX,
    POLICY_PREFIX,
    ROLE_PREFIX,
    USER_PREFIX,
    new_unique_id,
)
from ..models import (
    GroupMembership,
    IamGroup,
    IamUser,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Role,
)
from . import load_credentials
from .context import AccountState, Context
from .yamlio import Entry

SECTIONS = [
    "policies",
    "groups",
    "roles",
    "instance_profiles",
    "users",
    "mfa_devices",
    "identity_providers",
    "sessions",
]
PERMISSION_KEYS = ["policies", "inline_policies", "boundary"]
POLICY_KEYS = [
    "id",
    "path",
    "description",
    "created",
    "tags",
    "document",
    "versions",
    "default",
    "last_version",
]
GROUP_KEYS = ["id", "path", "created", "policies", "inline_policies"]
ROLE_KEYS = [
    "id",
    "path",
    "created",
    "description",
    "max_session_duration",
    "tags",
    "trust_policy",
    "last_used",
    *PERMISSION_KEYS,
]
PROFILE_KEYS = ["id", "path", "created", "role", "tags"]
USER_KEYS = [
    "id",
    "path",
    "created",
    "tags",
    "groups",
    "password",
    "mfa_devices",
    "access_keys",
    *PERMISSION_KEYS,
]
_VERSION_RE = re.compile(r"v([1-9][0-9]*)")


def account_iam(ctx: Context, state: AccountState, fields: dict[str, Entry]) -> None:
    for section, load in [
        ("policies", _policy),
        ("groups", _group),
        ("roles", _role),
        ("instance_profiles", _instance_profile),
        ("users", _user),
    ]:
        if section in fields:
            for name, entry in (
                ctx.reader.mapping(fields[section].value, fields[section].path) or {}
            ).items():
                load(ctx, state, name, entry)
    if "root" in fields:
        load_credentials.root(ctx, state, fields["root"])
    if "mfa_devices" in fields:
        load_credentials.mfa_devices(ctx, state, fields["mfa_devices"], user=None, root=False)
    if "identity_providers" in fields:
        for name, entry in (
            ctx.reader.mapping(
                fields["identity_providers"].value, fields["identity_providers"].path
            )
            or {}
        ).items():
            load_credentials.identity_provider(ctx, state, name, entry)
    if "sessions" in fields:
        entry = fields["sessions"]
        for node, path in ctx.reader.sequence(entry.value, entry.path) or []:
            load_credentials.session(ctx, state, Entry(entry.key, node, path))


def _policy(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=POLICY_KEYS)
    ctx.name(entry.key, name, entry.path, "policy")
    if fields is None or not ctx.claim_name(state.policies, name, entry.key, entry.path, "policy"):
        return
    created = ctx.time(fields, "created", ctx.now)
    policy = ctx.builder.add(
        ManagedPolicy(
            account=state.account,
            policy_id=ctx.unique_id(
                fields, "id", "policy id", lambda: new_unique_id(POLICY_PREFIX)
            ),
            name=name,
            path=ctx.path(fields),
            description=ctx.text(fields, "description"),
            created=created,
            tags=ctx.tags(fields),
        )
    )
    state.policies[name.lower()] = policy
    if ("document" in fields) == ("versions" in fields):
        ctx.fail(entry.value, entry.path, "give a policy either 'document' or 'versions'")
        return
    if "document" in fields:
        ctx.builder.add(
            PolicyVersion(
                policy=policy,
                version_id="v1",
                is_default=True,
                document=ctx.document(fields, "document", required=True),
                created=created,
            )
        )
        if "default" in fields:
            ctx.fail(fields["default"].key, fields["default"].path, "'default' needs 'versions'")
        policy.version_counter = 1
    else:
        versions = _versions(ctx, policy, fields)
        if "created" not in fields and versions:
            # Without a date of its own, a policy is as old as its oldest version.
            policy.created = min(v.created for v in versions if v.created)
    if "last_version" in fields:
        last = ctx.reader.integer(
            fields["last_version"].value,
            fields["last_version"].path,
            minimum=policy.version_counter,
        )
        policy.version_counter = last or policy.version_counter


def _versions(ctx: Context, policy: ManagedPolicy, fields: dict[str, Entry]) -> list[PolicyVersion]:
    entry = fields["versions"]
    versions = ctx.reader.mapping(entry.value, entry.path) or {}
    if not versions or len(versions) > 5:
        ctx.fail(entry.value, entry.path, "a managed policy has 1 to 5 versions")
    default = ctx.text(fields, "default", next(reversed(versions), ""))
    if default not in versions and versions:
        ctx.fail(fields["default"].value, fields["default"].path, f"no version {default!r}")
    numbers = [0]
    built: list[PolicyVersion] = []
    for version_id, version_entry in versions.items():
        match = _VERSION_RE.fullmatch(version_id)
        if not match:
            ctx.fail(
                version_entry.key,
                version_entry.path,
                f"{version_id!r} is not a version id (v1, v2, …)",
            )
            continue
        numbers.append(int(match.group(1)))
        if version_entry.value.tag == "tag:yaml.org,2002:map" and _has_document_key(version_entry):
            version_fields = ctx.reader.mapping(
                version_entry.value,
                version_entry.path,
                allowed=["document", "created"],
                required=["document"],
            )
        else:
            version_fields = {"document": version_entry}
        if version_fields is None:
            continue
        version = PolicyVersion(
            policy=policy,
            version_id=version_id,
            is_default=version_id == default,
            document=ctx.document(version_fields, "document", required=True),
            created=ctx.time(version_fields, "created", policy.created),
        )
        built.append(ctx.builder.add(version))
    policy.version_counter = max(numbers) or 1
    return built


def _has_document_key(entry: Entry) -> bool:
    return any(getattr(k, "value", None) == "document" for k, _ in entry.value.value)


def _permissions(ctx: Context, state: AccountState, fields: dict[str, Entry], **owner) -> None:
    """`policies` (attached), `inline_policies` and `boundary` of a user, group or role."""
    if "policies" in fields:
        entry = fields["policies"]
        seen: set[str] = set()
        for ref, node, path in ctx.reader.text_list(entry.value, entry.path, empty=False):
            resolved = ctx.policy_ref(state, ref, node, path)
            if resolved is None:
                continue
            policy, aws_arn = resolved
            identity = aws_arn or f"customer:{policy.name.lower()}"
            if identity in seen:
                ctx.fail(node, path, f"policy {ref!r} is attached twice")
                continue
            seen.add(identity)
            ctx.builder.add(PolicyAttachment(policy=policy, aws_policy_arn=aws_arn, **owner))
    if "inline_policies" in fields:
        entry = fields["inline_policies"]
        for name, policy_entry in (ctx.reader.mapping(entry.value, entry.path) or {}).items():
            ctx.name(policy_entry.key, name, policy_entry.path, "policy")
            document = ctx.reader.document(policy_entry.value, policy_entry.path)
            if document is not None:
                ctx.builder.add(InlinePolicy(name=name, document=document, **owner))
    if "boundary" in fields:
        entry = fields["boundary"]
        ref = ctx.reader.text(entry.value, entry.path, empty=False)
        resolved = ctx.policy_ref(state, ref, entry.value, entry.path) if ref else None
        if resolved is not None:
            principal = next(iter(owner.values()))
            principal.boundary_policy, principal.boundary_aws_arn = resolved


def _group(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=GROUP_KEYS)
    ctx.name(entry.key, name, entry.path, "group")
    if fields is None or not ctx.claim_name(state.groups, name, entry.key, entry.path, "group"):
        return
    group = ctx.builder.add(
        IamGroup(
            account=state.account,
            group_id=ctx.unique_id(fields, "id", "group id", lambda: new_unique_id(GROUP_PREFIX)),
            name=name,
            path=ctx.path(fields),
            created=ctx.time(fields, "created", ctx.now),
        )
    )
    state.groups[name.lower()] = group
    _permissions(ctx, state, fields, group=group)


def _role(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(
        entry.value, entry.path, allowed=ROLE_KEYS, required=["trust_policy"]
    )
    ctx.name(entry.key, name, entry.path, "role")
    if fields is None or not ctx.claim_name(state.roles, name, entry.key, entry.path, "role"):
        return
    role = ctx.builder.add(
        Role(
            account=state.account,
            role_id=ctx.unique_id(fields, "id", "role id", lambda: new_unique_id(ROLE_PREFIX)),
            name=name,
            path=ctx.path(fields),
            created=ctx.time(fields, "created", ctx.now),
            description=ctx.text(fields, "description"),
            tags=ctx.tags(fields),
            trust_policy=ctx.document(fields, "trust_policy", required=True),
        )
    )
    if "max_session_duration" in fields:
        e = fields["max_session_duration"]
        seconds = ctx.reader.integer(e.value, e.path, minimum=3600)
        if seconds is not None and seconds > 43200:
            ctx.fail(e.value, e.path, "at most 43200 seconds (12 hours)")
        role.max_session_duration = seconds or 3600
    if "last_used" in fields:
        role.last_used, role.last_used_region, _ = load_credentials.last_used(
            ctx, fields["last_used"], service=False
        )
    state.roles[name.lower()] = role
    _permissions(ctx, state, fields, role=role)


def _instance_profile(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=PROFILE_KEYS)
    ctx.name(entry.key, name, entry.path, "instance profile")
    if fields is None or not ctx.claim_name(
        state.profiles, name, entry.key, entry.path, "instance profile"
    ):
        return
    role = None
    if "role" in fields:
        e = fields["role"]
        role_name = ctx.reader.text(e.value, e.path, empty=False)
        if role_name:
            role = ctx.lookup(
                state.roles, role_name, e.value, e.path, "role", state.account.account_id
            )
    state.profiles[name.lower()] = ctx.builder.add(
        InstanceProfile(
            account=state.account,
            instance_profile_id=ctx.unique_id(
                fields, "id", "instance profile id", lambda: new_unique_id(INSTANCE_PROFILE_PREFIX)
            ),
            name=name,
            path=ctx.path(fields),
            created=ctx.time(fields, "created", ctx.now),
            role=role,
            tags=ctx.tags(fields),
        )
    )


def _user(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=USER_KEYS)
    ctx.name(entry.key, name, entry.path, "user")
    if fields is None or not ctx.claim_name(state.users, name, entry.key, entry.path, "user"):
        return
    user = ctx.builder.add(
        IamUser(
            account=state.account,
            user_id=ctx.unique_id(fields, "id", "user id", lambda: new_unique_id(USER_PREFIX)),
            name=name,
            path=ctx.path(fields),
            created=ctx.time(fields, "created", ctx.now),
            tags=ctx.tags(fields),
        )
    )
    state.users[name.lower()] = user
    if "groups" in fields:
        e = fields["groups"]
        seen: set[str] = set()
        for group_name, node, path in ctx.reader.text_list(e.value, e.path, empty=False):
            group = ctx.lookup(
                state.groups, group_name, node, path, "group", state.account.account_id
            )
            if group is not None and group_name.lower() in seen:
                ctx.fail(node, path, f"{name} is in group {group_name!r} twice")
            elif group is not None:
                seen.add(group_name.lower())
                ctx.builder.add(GroupMembership(group=group, user=user))
    if "password" in fields:
        load_credentials.password(ctx, user, fields["password"])
    _permissions(ctx, state, fields, user=user)
    if "mfa_devices" in fields:
        load_credentials.mfa_devices(ctx, state, fields["mfa_devices"], user=user, root=False)
    if "access_keys" in fields:
        load_credentials.access_keys(ctx, state, fields["access_keys"], user=user)
