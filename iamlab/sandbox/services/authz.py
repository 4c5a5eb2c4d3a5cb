"""`authorize`: would AWS allow this call? Every policy AWS would apply, gathered from the
database in a constant number of queries, and the request context AWS would set.

Policies gathered:
- identity: the user's inline and attached policies and every group's; or the role's;
- the permissions boundary of the user or role;
- the session policy (inline `Policy` and `PolicyArns`) of a role session;
- SCPs along the caller's account's path (root → OUs → account), RCPs along the resource
  account's path (the engine treats RCPFullAWSAccess as always present: only others are passed);
- the resource's policy, found from the resource ARN: S3 bucket policy (bucket and objects),
  role trust policy (sts:AssumeRole*, sts:TagSession, sts:SetSourceIdentity), KMS key policy,
  SQS queue policy, Lambda function policy.

Documents compile once per (text, name), so repeated authorizations do not recompile.
`authorizer(sandbox, principal)` gathers once and evaluates many requests by one principal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from functools import lru_cache
from typing import Any

from django.db.models.functions import Lower

from iamlab.engine import Context, Decision, Evaluation, Policy, Request, compile_policy, evaluate

from .. import managed_catalog, selectors
from ..models import (
    Account,
    Bucket,
    KmsKey,
    LambdaFunction,
    Organization,
    PolicyVersion,
    Role,
    Sandbox,
    SqsQueue,
)
from . import principals
from .principals import Caller

_TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


@dataclass(slots=True)
class Authorization:
    """The engine's answer for one call, with what was gathered to reach it."""

    evaluation: Evaluation
    caller: Caller
    action: str
    resource: str
    resource_account: str
    context: dict[str, Any]
    policies: dict[str, list[str]] = field(default_factory=dict)

    @property
    def decision(self) -> Decision:
        return self.evaluation.decision

    @property
    def allowed(self) -> bool:
        return self.evaluation.decision is Decision.ALLOWED

    @property
    def message(self) -> str:
        return self.evaluation.message

    @property
    def reason(self) -> str:
        return self.evaluation.reason

    def to_dict(self, *, trace: bool = True) -> dict[str, Any]:
        out = self.evaluation.to_dict(trace=trace)
        out.update(
            principal=self.caller.arn,
            action=self.action,
            resource=self.resource,
            resourceAccount=self.resource_account,
            context=self.context,
            policies=self.policies,
        )
        return out


# ---------------------------------------------------------------------------------- compiling
@lru_cache(maxsize=16384)
def compiled(text: str, name: str | None = None) -> Policy | None:
    """A stored document, compiled once. None for text the engine cannot use (the services
    never store such text; a hand-edited database might)."""
    try:
        document = json.loads(text)
        return compile_policy(document, name=name)
    except Exception:  # noqa: BLE001 - unusable stored text is skipped, not fatal
        return None


@lru_cache(maxsize=1024)
def _aws_managed(arn: str) -> Policy | None:
    entry = managed_catalog.aws_managed_policy(arn)
    if entry is None:
        return None
    return compile_policy(entry["document"], name=entry["name"])


def _add(out: list[Policy], labels: list[str], policy: Policy | None, label: str) -> None:
    if policy is not None:
        out.append(policy)
        labels.append(label)


# ---------------------------------------------------------------------------- identity side
def _identity(caller: Caller, labels: dict[str, list[str]]) -> tuple[list[Policy], Policy | None]:
    """Identity policies and boundary of a user or role, gathered by `selectors` (the one place
    that does): 2 queries, 3 with a customer managed boundary."""
    owner = caller.user if caller.kind == principals.USER else caller.role
    if owner is None:  # root: identity policies do not apply
        return [], None
    out: list[Policy] = []
    names = labels.setdefault("identity", [])
    seen: set[str] = set()
    for source in selectors.identity_policies(owner):
        if source.kind == "inline":
            label = f"{source.group}/{source.name}" if source.group else source.name
            _add(out, names, compiled(source.document, label), f"inline:{label}")
            continue
        if source.arn in seen:  # attached to the user and to one of its groups: applies once
            continue
        seen.add(source.arn)
        if source.kind == "aws-managed":
            _add(out, names, _aws_managed(source.arn), f"aws-managed:{source.arn}")
        elif source.document:
            _add(out, names, compiled(source.document, source.name), f"managed:{source.name}")
    boundary = None
    found = selectors.permissions_boundary(owner)
    if found is not None:
        if found.kind == "aws-managed":
            boundary = _aws_managed(found.arn)
        elif found.document:
            boundary = compiled(found.document, found.name)
    if boundary is not None:
        labels["boundary"] = [owner.boundary_arn]
    return out, boundary


def _session_policy(caller: Caller, labels: dict[str, list[str]]) -> Policy | None:
    """The inline session policy and managed session policies, as one policy (AWS applies their
    intersection with the identity side; together they are the session's policy)."""
    session = caller.session
    if session is None or not (session.policy or session.policy_arns):
        return None
    statements: list[Any] = []
    names: list[str] = []
    if session.policy:
        statements.extend(_statements(session.policy))
        names.append("inline session policy")
    customer = [a for a in session.policy_arns if not managed_catalog.is_aws_managed_arn(a)]
    for arn in session.policy_arns:
        if managed_catalog.is_aws_managed_arn(arn):
            entry = managed_catalog.aws_managed_policy(arn)
            if entry:
                statements.extend(_as_list(entry["document"].get("Statement")))
                names.append(arn)
    if customer:
        wanted = {a.rsplit("/", 1)[-1].lower(): a for a in customer}
        for name, document in PolicyVersion.objects.filter(
            sandbox_id=caller.sandbox.pk,
            is_default=True,
            policy__account__account_id__in={a.split(":")[4] for a in customer},
            policy__name__in=[a.rsplit("/", 1)[-1] for a in customer],
        ).values_list("policy__name", "document"):
            if name.lower() in wanted:
                statements.extend(_statements(document))
                names.append(wanted[name.lower()])
    labels["session"] = names
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
    return compiled(text, "session policy") or compiled(
        json.dumps({"Version": "2012-10-17", "Statement": []}), "session policy"
    )


def _statements(text: str) -> list[Any]:
    try:
        return _as_list(json.loads(text).get("Statement"))
    except (ValueError, AttributeError):
        return []


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


# ----------------------------------------------------------------------------------- resource
_EMPTY = compile_policy({"Version": "2012-10-17", "Statement": []}, name="no trust policy")


@dataclass(slots=True)
class _Resource:
    account_id: str
    account: Account | None = None
    policy: Policy | None = None
    policy_label: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    found: bool = True


_ACCOUNT_COLUMNS = (
    "account_id",
    "account__account_id",
    "account__organization_id",
    "account__parent_ou_id",
    "account__organization__org_id",
    "account__organization__root_id",
    "account__organization__management_account_id",
)


def _rows(model: type, **lookup: object):  # noqa: ANN202 - a PreparedQuery
    """A prepared lookup of `model` by sandbox and `lookup`: (policy, tags, name, account...)."""
    fields = list(lookup)

    def build(sandbox_id: int, *values: str):  # noqa: ANN202 - a queryset
        query = model.objects.filter(
            sandbox_id=sandbox_id, **dict(zip(fields, values, strict=True))
        )
        return query.order_by("pk").values_list(*_RESOURCE_COLUMNS[model], *_ACCOUNT_COLUMNS)[:1]

    return selectors.PreparedQuery(build, int, *(str for _ in fields))


_RESOURCE_COLUMNS = {
    Bucket: ("policy", "tags", "name"),
    Role: ("trust_policy", "tags", "name"),
    KmsKey: ("policy", "tags", "key_id"),
    SqsQueue: ("policy", "tags", "name"),
    LambdaFunction: ("policy", "tags", "name"),
}
_BUCKET = _rows(Bucket, name="")
_KEY = _rows(KmsKey, account__account_id="", region="", key_id="")
_QUEUE = _rows(SqsQueue, account__account_id="", region="", name="")
_FUNCTION = _rows(LambdaFunction, account__account_id="", region="", name="")
_ROLE = selectors.PreparedQuery(
    lambda sandbox_id, account_id, lower_name: (
        Role.objects.filter(sandbox_id=sandbox_id, account__account_id=account_id)
        .alias(lower_name=Lower("name"))
        .filter(lower_name=lower_name)
        .order_by("pk")
        .values_list(*_RESOURCE_COLUMNS[Role], *_ACCOUNT_COLUMNS)[:1]
    ),
    int,
    str,
    str,
)
_ACCOUNT = selectors.PreparedQuery(
    lambda sandbox_id, account_id: (
        Account.objects.filter(sandbox_id=sandbox_id, account_id=account_id)
        .order_by("pk")
        .values_list(
            "pk",
            "account_id",
            "organization_id",
            "parent_ou_id",
            "organization__org_id",
            "organization__root_id",
            "organization__management_account_id",
        )[:1]
    ),
    int,
    str,
)


def _account(caller: Caller, row: tuple) -> Account:
    """The account whose columns `row` holds (the caller's own object when it is the caller's):
    only what authorization reads - its id, organization and OU."""
    pk, account_id, org_pk, parent_ou, org_id, root_id, management = row
    if caller.account is not None and caller.account.pk == pk:
        return caller.account
    account = Account(
        pk=pk,
        sandbox_id=caller.sandbox.pk,
        account_id=account_id,
        organization_id=org_pk,
        parent_ou_id=parent_ou,
    )
    if org_pk is not None:
        account.organization = Organization(
            pk=org_pk,
            sandbox_id=caller.sandbox.pk,
            org_id=org_id,
            root_id=root_id,
            management_account_id=management,
        )
    return account


def _tags(value: object) -> dict[str, str]:
    if isinstance(value, str):  # JSON as text, as SQLite answers it
        value = json.loads(value) if value else {}
    return value if isinstance(value, dict) else {}


def _resource(sandbox: Sandbox, action: str, arn: str, caller: Caller) -> _Resource:
    """The resource's account, policy and tags, from its ARN: at most one query (a prepared
    one: the ORM builds it once)."""
    parts = arn.split(":", 5)
    if arn == "*" or len(parts) != 6:
        return _Resource(caller.account_id, caller.account)
    _, _, service, region, account_id, rest = parts
    if account_id == "aws":
        # AWS managed policies belong to no account: the caller's own policies decide.
        return _Resource(caller.account_id, caller.account)
    sid = sandbox.pk
    if service == "s3":
        name = rest.split("/", 1)[0]
        rows = _BUCKET.rows(sid, name)
        if not rows:
            return _Resource(account_id or caller.account_id, found=False)
        policy, tags, _, *account = rows[0]
        found = _account(caller, tuple(account))
        return _Resource(
            found.account_id,
            found,
            compiled(policy, f"bucket policy of {name}") if policy else None,
            "bucket policy",
            _tags(tags),
        )
    if service == "iam" and rest.startswith("role/"):
        name = rest.rsplit("/", 1)[-1]
        rows = _ROLE.rows(sid, account_id, name.lower())
        if not rows:
            # Nothing trusts anyone: AssumeRole on a missing role is denied as AWS denies it.
            empty = _EMPTY if action.lower() in _TRUST_ACTIONS else None
            return _Resource(account_id, policy=empty, policy_label="trust policy", found=False)
        trust, tags, role_name, *account = rows[0]
        policy = None
        if action.lower() in _TRUST_ACTIONS:
            policy = compiled(trust, f"trust policy of {role_name}")
        return _Resource(
            account_id, _account(caller, tuple(account)), policy, "trust policy", _tags(tags)
        )
    query, key, label = None, "", ""
    if service == "kms" and rest.startswith("key/"):
        query, key, label = _KEY, rest[4:], "key policy"
    elif service == "sqs":
        query, key, label = _QUEUE, rest, "queue policy"
    elif service == "lambda" and rest.startswith("function:"):
        query, key, label = _FUNCTION, rest.split(":")[1], "function policy"
    if query is not None:
        rows = query.rows(sid, account_id, region, key)
        if not rows:
            return _Resource(account_id, found=False)
        text, tags, _, *account = rows[0]
        policy = compiled(text, f"{label} of {arn}") if text else None
        return _Resource(account_id, _account(caller, tuple(account)), policy, label, _tags(tags))
    if not account_id or account_id == caller.account_id:
        return _Resource(caller.account_id, caller.account)
    rows = _ACCOUNT.rows(sid, account_id)
    return _Resource(account_id, _account(caller, rows[0]) if rows else None)


# ------------------------------------------------------------------------------- organization
@dataclass(slots=True)
class _Org:
    scps: list[list[Policy]] | None = None
    rcps: list[list[Policy]] | None = None
    principal_paths: list[str] = field(default_factory=list)
    resource_paths: list[str] = field(default_factory=list)


def _org(caller: Caller, resource: _Resource, labels: dict[str, list[str]]) -> _Org:
    """SCPs for the caller's account and RCPs for the resource's, gathered by `selectors`: 2
    queries when in an organization, none otherwise. The management account gets none (SCPs
    and RCPs do not restrict it); AWS managed RCPs are left to the engine, which treats
    RCPFullAWSAccess as always attached."""
    out = _Org()
    accounts = [a for a in (caller.account, resource.account) if a and a.organization_id]
    if not accounts:
        return out
    org = accounts[0].organization
    members = list({a.pk: a for a in accounts if a.organization_id == org.pk}.values())
    levels = selectors.organization_levels(org, members)

    def compile_levels(sources: list[list[selectors.PolicySource]], *, skip_aws: bool):
        result, names = [], []
        for level in sources:
            compiled_level = []
            for source in level:
                if skip_aws and source.aws_managed:
                    continue
                policy = compiled(source.document, source.name) if source.document else None
                if policy is not None:
                    compiled_level.append(policy)
                    names.append(source.name)
            result.append(compiled_level)
        return result, names

    if caller.account.organization_id == org.pk:
        mine = levels[caller.account.pk]
        if mine.scps:
            out.scps, labels["scps"] = compile_levels(mine.scps, skip_aws=False)
        out.principal_paths = [mine.path]
    if resource.account is not None and resource.account.organization_id == org.pk:
        theirs = levels[resource.account.pk]
        if theirs.rcps:
            out.rcps, labels["rcps"] = compile_levels(theirs.rcps, skip_aws=True)
        out.resource_paths = [theirs.path]
    return out


# ------------------------------------------------------------------------------------ context
def _iso(moment) -> str:  # noqa: ANN001 - a datetime
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_context(
    caller: Caller, resource_account: Account | None, resource_tags: Mapping[str, str], org: _Org
) -> dict[str, Any]:
    """The keys AWS sets on every request from this caller to this resource."""
    now = caller.sandbox.now()
    ctx: dict[str, Any] = {
        "aws:CurrentTime": _iso(now),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SourceIp": caller.source_ip,
        "aws:RequestedRegion": caller.region,
        "aws:SecureTransport": "true",
        "aws:ViaAWSService": "false",
        "aws:PrincipalIsAWSService": "false",
    }
    if caller.kind == principals.FEDERATED:
        # An identity provider's request: its claims come from the caller (saml:*, oidc keys).
        return ctx
    ctx.update(
        {
            "aws:PrincipalArn": caller.principal_arn,
            "aws:PrincipalAccount": caller.account_id,
            "aws:PrincipalType": caller.aws_principal_type,
            "aws:userid": caller.user_id,
        }
    )
    if caller.kind == principals.USER and caller.user is not None:
        ctx["aws:username"] = caller.user.name
    tags: dict[str, str] = {}
    if caller.user is not None:
        tags.update(caller.user.tags or {})
    elif caller.role is not None:
        tags.update(caller.role.tags or {})
    session = caller.session
    if session is not None and session.pk is not None:
        lowered = {k.lower(): k for k in tags}
        for key, value in (session.tags or {}).items():
            tags.pop(lowered.get(key.lower(), key), None)
            tags[key] = value
        ctx["aws:TokenIssueTime"] = _iso(session.created)
        if session.source_identity:
            ctx["aws:SourceIdentity"] = session.source_identity
        for key, value in (session.context or {}).items():
            if ":" in key:
                ctx[key] = value
    for key, value in tags.items():
        ctx[f"aws:PrincipalTag/{key}"] = value
    mfa = caller.mfa_present()
    if mfa is not None:
        ctx["aws:MultiFactorAuthPresent"] = "true" if mfa else "false"
    if caller.mfa_authenticated_at is not None:
        age = max(0, int((now - caller.mfa_authenticated_at).total_seconds()))
        ctx["aws:MultiFactorAuthAge"] = str(age)
    if caller.account.organization_id:
        ctx["aws:PrincipalOrgID"] = caller.account.organization.org_id
        if org.principal_paths:
            ctx["aws:PrincipalOrgPaths"] = org.principal_paths
    if resource_account is not None:
        ctx["aws:ResourceAccount"] = resource_account.account_id
        if resource_account.organization_id:
            ctx["aws:ResourceOrgID"] = resource_account.organization.org_id
            if org.resource_paths:
                ctx["aws:ResourceOrgPaths"] = org.resource_paths
    for key, value in (resource_tags or {}).items():
        ctx[f"aws:ResourceTag/{key}"] = value
    return ctx


# ---------------------------------------------------------------------------------- authorize
@dataclass(slots=True)
class _Target:
    """What one resource contributes to every request on it: found once per authorizer."""

    found: _Resource
    org: _Org
    labels: dict[str, list[str]]
    context: dict[str, Any]
    engine_context: Context


class Authorizer:
    """`authorize` for one principal and many requests: "gather once, evaluate many".

    The principal's identity policies, boundary and session policy are gathered when the
    authorizer is made; each resource's policy, account, organization policies and request
    context once, on its first request (a role's trust policy counts as a second resource: AWS
    reads it only for the sts:AssumeRole* family). Every later request is the engine's work
    only, so asking about hundreds of actions costs the queries of one `authorize` per resource.

    A snapshot: what the sandbox holds when a piece is first gathered. Make a new authorizer
    after changing the sandbox.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        principal: str | Caller | None = None,
        *,
        caller: Caller | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        if caller is None:
            caller = principal if isinstance(principal, Caller) else None
        if caller is None:
            caller = principals.as_principal(sandbox, str(principal))
        self.sandbox = sandbox
        self.caller = caller
        self._context = dict(context or {})
        self._labels: dict[str, list[str]] = {}
        self._identity, self._boundary = _identity(caller, self._labels)
        self._session = _session_policy(caller, self._labels)
        self._targets: dict[tuple[str, bool], _Target] = {}

    def _target(self, action: str, resource: str) -> _Target:
        trust = action.lower() in _TRUST_ACTIONS
        key = (resource, trust)
        target = self._targets.get(key)
        if target is None:
            labels = {name: list(values) for name, values in self._labels.items()}
            found = _resource(self.sandbox, action, resource, self.caller)
            org = _org(self.caller, found, labels)
            ctx = request_context(self.caller, found.account, found.tags, org)
            ctx.update(self._context)
            target = _Target(found, org, labels, ctx, Context(ctx))
            self._targets[key] = target
        return target

    def _evaluate(
        self,
        target: _Target,
        action: str,
        resource: str,
        ctx: Context,
        resource_policy: Policy | None,
        *,
        explain: bool,
    ) -> Evaluation:
        request = Request(
            principal=self.caller.arn,
            action=action,
            resource=resource,
            resource_account=target.found.account_id,
            context=ctx,
        )
        return evaluate(
            request,
            identity_policies=self._identity,
            permission_boundary=self._boundary,
            session_policy=self._session,
            resource_policy=resource_policy,
            scps=target.org.scps,
            rcps=target.org.rcps,
            explain=explain,
        )

    def documents(self, action: str, resource: str = "*") -> dict[str, tuple[str, str, Any]]:
        """The policies a request on `resource` is evaluated against, by their JSON pointer in
        the engine's request (as decisive statements and traces name them):
        {"/identityPolicies/0": (name, kind, document), "/resourcePolicy": ..., ...}."""
        target = self._target(action, resource)
        out: dict[str, tuple[str, str, Any]] = {}
        for i, policy in enumerate(self._identity):
            out[f"/identityPolicies/{i}"] = (policy.name or "", "identity", policy.document)
        if self._boundary is not None:
            boundary = self._boundary
            out["/permissionBoundary"] = (boundary.name or "", "boundary", boundary.document)
        if self._session is not None:
            out["/sessionPolicy"] = (self._session.name or "", "session", self._session.document)
        if target.found.policy is not None:
            found = target.found
            out["/resourcePolicy"] = (found.policy_label, "resource", found.policy.document)
        for name, levels in (("scps", target.org.scps), ("rcps", target.org.rcps)):
            for level, policies in enumerate(levels or []):
                for i, policy in enumerate(policies):
                    out[f"/{name}/{level}/{i}"] = (policy.name or "", name[:-1], policy.document)
        return out

    def allowed(self, action: str, resource: str = "*") -> bool:
        """Whether AWS would allow the request: the fast path, no explanation built."""
        target = self._target(action, resource)
        evaluation = self._evaluate(
            target,
            action,
            resource,
            target.engine_context,
            target.found.policy,
            explain=False,
        )
        return evaluation.decision is Decision.ALLOWED

    def __call__(
        self,
        action: str,
        resource: str = "*",
        *,
        context: Mapping[str, Any] | None = None,
        explain: bool = True,
        resource_policy: Policy | None | object = ...,
    ) -> Authorization:
        """The decision on one request, as `authorize` gives it. `context` adds or overrides
        request-context keys for this request only."""
        target = self._target(action, resource)
        policy = target.found.policy if resource_policy is ... else resource_policy
        ctx = dict(target.context)
        if context:
            ctx.update(context)
        engine_context = Context(ctx) if context else target.engine_context
        evaluation = self._evaluate(
            target,
            action,
            resource,
            engine_context,
            policy,  # type: ignore[arg-type]
            explain=explain,
        )
        labels = {name: list(values) for name, values in target.labels.items()}
        if policy is not None:
            labels["resource"] = [target.found.policy_label]
        return Authorization(
            evaluation, self.caller, action, resource, target.found.account_id, ctx, labels
        )


def authorizer(
    sandbox: Sandbox,
    principal: str | Caller | None = None,
    *,
    caller: Caller | None = None,
    context: Mapping[str, Any] | None = None,
) -> Authorizer:
    """An `Authorizer` for `principal` (an ARN, or a Caller): call it with (action, resource)
    as many times as needed; `context` applies to every request."""
    return Authorizer(sandbox, principal, caller=caller, context=context)


def authorize(
    sandbox: Sandbox,
    principal: str | Caller | None,
    action: str,
    resource: str = "*",
    *,
    context: Mapping[str, Any] | None = None,
    caller: Caller | None = None,
    explain: bool = True,
    resource_policy: Policy | None | object = ...,
) -> Authorization:
    """Decide `action` on `resource` by `principal` (an ARN, or a Caller) as AWS would.

    `context` adds or overrides request-context keys (e.g. sts:ExternalId, aws:RequestTag/x,
    s3:prefix). `resource_policy` replaces the stored one (KMS's lockout check asks about a
    key policy before it is saved). The number of queries does not depend on the sandbox's size.
    For many requests by one principal, `authorizer` gathers the policies once.
    """
    one = Authorizer(sandbox, principal, caller=caller)
    return one(action, resource, context=context, explain=explain, resource_policy=resource_policy)
