"""A sandbox → scenario YAML. The text reloads to the same sandbox and exports again identically.

Every id and time is written (times as absolute UTC timestamps); values equal to what loading
would assume anyway (path "/", status Active, region us-east-1, …) are left out. A constant
number of queries: one per table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .. import managed_catalog
from ..models import (
    DEFAULT_REGION,
    FULL_AWS_ACCESS,
    RCP_FULL_AWS_ACCESS,
    AccessKey,
    Account,
    ActivityEvent,
    Bucket,
    BucketObject,
    Ec2Instance,
    GroupMembership,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    KmsKey,
    LambdaFunction,
    ManagedPolicy,
    MfaDevice,
    Organization,
    OrganizationalUnit,
    OrganizationPolicy,
    OrganizationPolicyAttachment,
    PolicyAttachment,
    PolicyVersion,
    Role,
    Sandbox,
    SqsQueue,
    StsSession,
)
from ..timefmt import format_duration
from . import dump_resources as res
from .load import FORMAT_VERSION
from .yamlio import Flow, dump
from .yamlio import doc as _doc
from .yamlio import put as _put
from .yamlio import timestamp as _t

_SHORT_TYPE = {OrganizationPolicy.Type.SCP: "SCP", OrganizationPolicy.Type.RCP: "RCP"}


def export_scenario(sandbox: Sandbox) -> str:
    return dump(_Export(sandbox).scenario())


def _head(entity_id: str, row: Any) -> dict[str, Any]:
    """How a user, group, role or instance profile starts: its id, its path (unless "/"), when
    it was created."""
    out: dict[str, Any] = {"id": entity_id}
    _put(out, "path", row.path, unless="/")
    out["created"] = _t(row.created)
    return out


def _by(rows: Iterable, attribute: str) -> dict[Any, list]:
    grouped: dict[Any, list] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, attribute)].append(row)
    return grouped


class _Export:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        rows = {
            model: list(model.objects.filter(sandbox=sandbox).order_by("pk"))
            for model in (
                Account,
                ManagedPolicy,
                PolicyVersion,
                IamGroup,
                InstanceProfile,
                GroupMembership,
                InlinePolicy,
                MfaDevice,
                IdentityProvider,
                Bucket,
                BucketObject,
                SqsQueue,
                KmsKey,
            )
        }
        self.accounts = rows[Account]
        accounts = {a.pk: a for a in self.accounts}
        self.policies = _by(rows[ManagedPolicy], "account_id")
        self.policy_by_pk = {p.pk: p for p in rows[ManagedPolicy]}
        for policy in rows[ManagedPolicy]:
            policy.account = accounts[policy.account_id]
        self.versions = _by(rows[PolicyVersion], "policy_id")
        self.groups = _by(rows[IamGroup], "account_id")
        self.group_by_pk = {g.pk: g for g in rows[IamGroup]}
        roles = list(Role.objects.filter(sandbox=sandbox).order_by("pk"))
        self.roles = _by(roles, "account_id")
        self.role_by_pk = {r.pk: r for r in roles}
        self.profiles = _by(rows[InstanceProfile], "account_id")
        self.profile_by_pk = {p.pk: p for p in rows[InstanceProfile]}
        self.users = _by(IamUser.objects.filter(sandbox=sandbox).order_by("pk"), "account_id")
        self.memberships = _by(rows[GroupMembership], "user_id")
        inline = rows[InlinePolicy]
        attachments = list(PolicyAttachment.objects.filter(sandbox=sandbox).order_by("pk"))
        self.inline = {k: _by(inline, k + "_id") for k in ("user", "group", "role")}
        self.attached = {k: _by(attachments, k + "_id") for k in ("user", "group", "role")}
        keys = list(AccessKey.objects.filter(sandbox=sandbox).order_by("pk"))
        self.keys = _by(keys, "user_id")
        self.root_keys = _by([k for k in keys if k.user_id is None], "account_id")
        devices = rows[MfaDevice]
        self.devices = _by([d for d in devices if d.user_id], "user_id")
        self.root_devices = _by([d for d in devices if d.assigned_to_root], "account_id")
        self.free_devices = _by(
            [d for d in devices if not d.user_id and not d.assigned_to_root], "account_id"
        )
        self.idps = _by(rows[IdentityProvider], "account_id")
        self.idp_by_pk = {i.pk: i for i in rows[IdentityProvider]}
        self.sessions = _by(StsSession.objects.filter(sandbox=sandbox).order_by("pk"), "account_id")
        self.buckets = _by(rows[Bucket], "account_id")
        self.objects = _by(rows[BucketObject], "bucket_id")
        self.functions = _by(
            LambdaFunction.objects.filter(sandbox=sandbox).order_by("pk"), "account_id"
        )
        self.queues = _by(rows[SqsQueue], "account_id")
        self.kms_keys = _by(rows[KmsKey], "account_id")
        self.instances = _by(
            Ec2Instance.objects.filter(sandbox=sandbox).order_by("pk"), "account_id"
        )
        self.users_by_pk = {u.pk: u for us in self.users.values() for u in us}

    def scenario(self) -> dict[str, Any]:
        sandbox = self.sandbox
        out: dict[str, Any] = {"format": FORMAT_VERSION}
        _put(out, "description", sandbox.description)
        _put(out, "lesson", sandbox.lesson)
        if sandbox.clock_frozen_at is not None:
            out["clock"] = {"now": _t(sandbox.clock_frozen_at)}
        elif sandbox.clock_offset:
            out["clock"] = {"offset": format_duration(sandbox.clock_offset)}
        _put(out, "accounts", {a.account_id: self.account(a) for a in self.accounts})
        organization = Organization.objects.filter(sandbox=sandbox).first()
        if organization is not None:
            out["organization"] = self.organization(organization)
        events = ActivityEvent.objects.filter(sandbox=sandbox).order_by("time", "pk")
        _put(out, "activity", [self.event(e) for e in events])
        return out

    # -- accounts and IAM --------------------------------------------------------------------

    def account(self, account: Account) -> dict[str, Any]:
        pk = account.pk
        out: dict[str, Any] = {}
        _put(out, "alias", account.alias)
        _put(out, "name", account.name)
        out["created"] = _t(account.created)
        if account.password_policy is not None:
            out["password_policy"] = account.password_policy
        root: dict[str, Any] = {}
        _put(root, "email", account.root_email)
        if account.root_password_last_used:
            root["password_last_used"] = _t(account.root_password_last_used)
        _put(root, "mfa_devices", self.mfa(self.root_devices[pk], assigned=True))
        _put(root, "access_keys", [self.access_key(k) for k in self.root_keys[pk]])
        _put(out, "root", root)
        names = {p.name.lower() for p in self.policies[pk]}
        _put(out, "policies", {p.name: self.policy(p) for p in self.policies[pk]})
        _put(out, "groups", {g.name: self.group(g, names) for g in self.groups[pk]})
        _put(out, "roles", {r.name: self.role(r, names) for r in self.roles[pk]})
        _put(out, "instance_profiles", {p.name: self.profile(p) for p in self.profiles[pk]})
        _put(out, "users", {u.name: self.user(u, names) for u in self.users[pk]})
        _put(out, "mfa_devices", self.mfa(self.free_devices[pk], assigned=False))
        _put(out, "identity_providers", {i.name: self.idp(i) for i in self.idps[pk]})
        _put(out, "sessions", [self.session(s) for s in self.sessions[pk]])
        roles = {r.pk: r.name for r in self.role_by_pk.values()}
        profiles = {p.pk: p.name for p in self.profile_by_pk.values()}
        buckets = {b.name: res.bucket(b, self.objects[b.pk]) for b in self.buckets[pk]}
        _put(out, "buckets", buckets)
        _put(out, "functions", res.regional(self.functions[pk], lambda f: res.function(f, roles)))
        _put(out, "queues", res.regional(self.queues[pk], res.queue))
        _put(out, "kms_keys", dict(res.kms_key(k) for k in self.kms_keys[pk]))
        instances = {i.instance_id: res.instance(i, profiles) for i in self.instances[pk]}
        _put(out, "instances", instances)
        return out

    def policy(self, policy: ManagedPolicy) -> dict[str, Any]:
        out: dict[str, Any] = {"id": policy.policy_id}
        _put(out, "path", policy.path, unless="/")
        _put(out, "description", policy.description)
        out["created"] = _t(policy.created)
        _put(out, "tags", policy.tags)
        versions = sorted(self.versions[policy.pk], key=lambda v: int(v.version_id[1:] or 0))
        only = versions[0] if len(versions) == 1 else None
        if (
            only is not None
            and only.version_id == "v1"
            and only.is_default
            and only.created == policy.created
            and policy.version_counter == 1
        ):
            out["document"] = _doc(only.document)
            return out
        out["versions"] = {
            v.version_id: {"document": _doc(v.document), "created": _t(v.created)} for v in versions
        }
        default = next((v.version_id for v in versions if v.is_default), None)
        _put(out, "default", default)
        highest = max((int(v.version_id[1:]) for v in versions), default=1)
        if policy.version_counter > highest:
            out["last_version"] = policy.version_counter
        return out

    def policy_ref(self, policy_pk: int | None, aws_arn: str, names: set[str]) -> str:
        if policy_pk is not None:
            return self.policy_by_pk[policy_pk].name
        name = managed_catalog.policy_name_from_arn(aws_arn)
        entry = managed_catalog.aws_managed_policy(name)
        if entry is not None and entry["arn"] == aws_arn and name.lower() not in names:
            return name
        return aws_arn

    def permissions(self, kind: str, principal: Any, names: set[str], out: dict) -> None:
        attached = self.attached[kind][principal.pk]
        refs = [self.policy_ref(a.policy_id, a.aws_policy_arn, names) for a in attached]
        _put(out, "policies", Flow(refs) if refs else None)
        inline = self.inline[kind][principal.pk]
        _put(out, "inline_policies", {p.name: _doc(p.document) for p in inline})
        if kind != "group" and (principal.boundary_policy_id or principal.boundary_aws_arn):
            out["boundary"] = self.policy_ref(
                principal.boundary_policy_id, principal.boundary_aws_arn, names
            )

    def group(self, group: IamGroup, names: set[str]) -> dict[str, Any]:
        out = _head(group.group_id, group)
        self.permissions("group", group, names, out)
        return out

    def role(self, role: Role, names: set[str]) -> dict[str, Any]:
        out = _head(role.role_id, role)
        _put(out, "description", role.description)
        _put(out, "max_session_duration", role.max_session_duration, unless=3600)
        _put(out, "tags", role.tags)
        out["trust_policy"] = _doc(role.trust_policy)
        self.permissions("role", role, names, out)
        if role.last_used:
            used = _t(role.last_used)
            out["last_used"] = (
                {"date": used, "region": role.last_used_region} if role.last_used_region else used
            )
        return out

    def profile(self, profile: InstanceProfile) -> dict[str, Any]:
        out = _head(profile.instance_profile_id, profile)
        if profile.role_id:
            out["role"] = self.role_by_pk[profile.role_id].name
        _put(out, "tags", profile.tags)
        return out

    def user(self, user: IamUser, names: set[str]) -> dict[str, Any]:
        out = _head(user.user_id, user)
        _put(out, "tags", user.tags)
        groups = [self.group_by_pk[m.group_id].name for m in self.memberships[user.pk]]
        _put(out, "groups", Flow(groups) if groups else None)
        password: dict[str, Any] = {}
        if user.password_created is not None:
            password["created"] = _t(user.password_created)
            if user.password_last_changed and user.password_last_changed != user.password_created:
                password["last_changed"] = _t(user.password_last_changed)
        elif user.password_last_used is not None:
            password["enabled"] = False
        if user.password_last_used is not None:
            password["last_used"] = _t(user.password_last_used)
        if user.password_created is not None and user.password_reset_required:
            password["reset_required"] = True
        _put(out, "password", password)
        self.permissions("user", user, names, out)
        _put(out, "mfa_devices", self.mfa(self.devices[user.pk], assigned=True))
        _put(out, "access_keys", [self.access_key(k) for k in self.keys[user.pk]])
        return out

    def mfa(self, devices: list[MfaDevice], *, assigned: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for device in devices:
            entry: dict[str, Any] = {}
            _put(entry, "path", device.path, unless="/")
            entry["created"] = _t(device.created)
            if assigned and device.enabled and device.enabled != device.created:
                entry["enabled"] = _t(device.enabled)
            _put(entry, "tags", device.tags)
            out[device.name] = entry
        return out

    def access_key(self, key: AccessKey) -> dict[str, Any]:
        out: dict[str, Any] = {"id": key.access_key_id}
        _put(out, "status", key.status, unless=AccessKey.Status.ACTIVE)
        out["created"] = _t(key.created)
        if key.last_used:
            used = _t(key.last_used)
            if key.last_used_region or key.last_used_service:
                detail = {"date": used}
                _put(detail, "region", key.last_used_region)
                _put(detail, "service", key.last_used_service)
                out["last_used"] = detail
            else:
                out["last_used"] = used
        _put(out, "secret_sha256", key.secret_hash)
        return out

    def idp(self, idp: IdentityProvider) -> dict[str, Any]:
        out: dict[str, Any] = {"type": idp.type}
        _put(out, "metadata", idp.saml_metadata)
        _put(out, "client_ids", Flow(idp.client_ids) if idp.client_ids else None)
        _put(out, "thumbprints", Flow(idp.thumbprints) if idp.thumbprints else None)
        out["created"] = _t(idp.created)
        _put(out, "tags", idp.tags)
        return out

    def session(self, session: StsSession) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if session.role_id:
            out["role"] = self.role_by_pk[session.role_id].name
            default_kind = StsSession.Kind.ASSUME_ROLE
        else:
            out["user"] = self.users_by_pk[session.user_id].name
            default_kind = StsSession.Kind.GET_SESSION_TOKEN
        _put(out, "kind", session.kind, unless=default_kind)
        _put(out, "name", session.session_name)
        out["access_key_id"] = session.access_key_id
        _put(out, "secret_sha256", session.secret_hash)
        out["created"] = _t(session.created)
        out["expires"] = _t(session.expires)
        _put(out, "source_identity", session.source_identity)
        _put(out, "caller", session.caller_arn)
        _put(out, "tags", session.tags)
        _put(out, "transitive_tag_keys", Flow(session.transitive_tag_keys) or None)
        _put(out, "policy", _doc(session.policy) if session.policy else None)
        _put(out, "policy_arns", Flow(session.policy_arns) or None)
        _put(out, "context", session.context)
        if session.identity_provider_id:
            out["identity_provider"] = self.idp_by_pk[session.identity_provider_id].name
        return out

    # -- organization and activity -----------------------------------------------------------

    def organization(self, org: Organization) -> dict[str, Any]:
        accounts = {a.pk: a.account_id for a in self.accounts}
        policies = list(OrganizationPolicy.objects.filter(organization=org).order_by("pk"))
        units = list(OrganizationalUnit.objects.filter(organization=org).order_by("pk"))
        attachments = list(
            OrganizationPolicyAttachment.objects.filter(sandbox=self.sandbox)
            .select_related("policy")
            .order_by("pk")
        )
        out: dict[str, Any] = {"id": org.org_id, "root_id": org.root_id}
        if org.management_account_id:
            out["management_account"] = accounts[org.management_account_id]
        out["created"] = _t(org.created)
        _put(
            out,
            "policies",
            {
                p.name: {
                    "type": _SHORT_TYPE[p.type],
                    "id": p.policy_id,
                    **({"description": p.description} if p.description else {}),
                    "document": _doc(p.document),
                }
                for p in policies
                if not p.aws_managed
            },
        )
        by_target: dict[tuple[str, int | None], list] = defaultdict(list)
        for a in attachments:
            if a.ou_id:
                target = ("ou", a.ou_id)
            else:
                target = ("account", a.account_id) if a.account_id else ("root", None)
            by_target[target].append(a.policy)
        children = _by(units, "parent_id")
        placed = _by([a for a in self.accounts if a.organization_id == org.pk], "parent_ou_id")

        def node(ou_id: int | None) -> dict[str, Any]:
            result: dict[str, Any] = {}
            self._org_policies(result, by_target[("ou", ou_id) if ou_id else ("root", None)])
            members = {}
            for account in placed[ou_id]:
                entry: dict[str, Any] = {}
                self._org_policies(entry, by_target[("account", account.pk)])
                members[account.account_id] = entry
            _put(result, "accounts", members)
            _put(result, "units", {u.name: {"id": u.ou_id, **node(u.pk)} for u in children[ou_id]})
            return result

        out["root"] = node(None)
        return out

    @staticmethod
    def _org_policies(out: dict[str, Any], policies: list[OrganizationPolicy]) -> None:
        for key, kind, default in (
            ("scps", OrganizationPolicy.Type.SCP, FULL_AWS_ACCESS),
            ("rcps", OrganizationPolicy.Type.RCP, RCP_FULL_AWS_ACCESS),
        ):
            names = [p.name for p in policies if p.type == kind]
            if kind == OrganizationPolicy.Type.RCP:
                # RCPFullAWSAccess is always attached; list only the others.
                names = [n for n in names if n != RCP_FULL_AWS_ACCESS]
                if names:
                    out[key] = Flow(names)
            elif names != [default]:
                out[key] = Flow(names)

    def event(self, event: ActivityEvent) -> dict[str, Any]:
        out: dict[str, Any] = {"time": _t(event.time)}
        _put(out, "account", event.account_id)
        _put(out, "principal", event.principal_arn)
        _put(out, "principal_type", event.principal_type)
        _put(out, "access_key_id", event.access_key_id)
        out["action"] = event.action
        _put(out, "resource", event.resource)
        out["decision"] = event.decision
        _put(out, "reason", event.reason)
        _put(out, "error_code", event.error_code)
        _put(out, "source_ip", event.source_ip)
        _put(out, "region", event.region, unless=DEFAULT_REGION)
        _put(out, "params", event.request_params)
        return out
