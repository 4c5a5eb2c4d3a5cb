"""The one place that gathers the policies that apply to a principal, in a number of queries
that does not grow with the sandbox. `services.authz.authorize` compiles what these return;
the web app and the lessons read them to show where a permission comes from.

- `identity_policies(user_or_role)`: the principal's inline and attached managed policies, and
  for a user its groups' too: 2 queries, however many groups and policies.
- `permissions_boundary(user_or_role)`: 0 queries (none, AWS managed, or a customer managed one
  whose policy is already loaded) or 1 (its default version's document).
- `organization_policies(account)`: the SCPs and RCPs that apply, level by level from the root
  to the account: 3 queries, however deep the OU tree (0 outside an organization).
- `organization_levels(organization, accounts)`: the same for several accounts of one
  organization at once (authorization needs the caller's and the resource's): 2 queries.

The management account is not restricted by SCPs or RCPs (AWS Organizations User Guide): it
gets no levels. AWS managed policies come from the catalog (`managed_catalog`), in memory: no
query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery

from . import managed_catalog
from .documents import canonical_json
from .models import (
    Account,
    GroupMembership,
    IamUser,
    InlinePolicy,
    Organization,
    OrganizationalUnit,
    OrganizationPolicy,
    OrganizationPolicyAttachment,
    PolicyAttachment,
    PolicyVersion,
    Role,
    iam_arn,
)


@dataclass(frozen=True, slots=True)
class PolicySource:
    """One policy that applies, and where it comes from.

    `kind` is "inline", "managed" (customer managed), "aws-managed", "scp" or "rcp"; `arn` is the
    managed policy's ARN ("" for inline policies); `owner` is the ARN of the user, group or role
    it is attached to or embedded in (for SCPs and RCPs: ""; their `arn` is the policy id).
    `document` is the JSON text, or None for an AWS managed policy the catalog does not know.
    `group` is the name of the group it comes through ("" when it is the principal's own).
    `aws_managed` marks an AWS managed SCP or RCP (FullAWSAccess, RCPFullAWSAccess).
    """

    kind: str
    name: str
    arn: str
    owner: str
    document: str | None
    group: str = ""
    aws_managed: bool = False


class PreparedQuery:
    """A query the ORM builds once per database (its SQL kept), then run with new arguments:
    authorization runs the same few queries for every call, and building them is most of their
    cost. `build(*args)` makes the queryset from placeholder arguments; each argument is an int
    (a primary key) or a str compared as given (pass `name.lower()` where the query compares
    `Lower(name)`). `rows(*args)` answers the query's rows as tuples."""

    def __init__(self, build: Callable[..., QuerySet], *kinds: type) -> None:
        self.build = build
        self.kinds = kinds or (int,)
        self.prepared: dict[str, tuple[str, list[tuple[bool, object]]]] = {}

    def _marks(self) -> list[object]:
        # Values no row has, one per argument, found again in the compiled query's parameters.
        return [
            -7_340_033 - i if kind is int else f"iamlab-argument-{i}-7f3a9c"
            for i, kind in enumerate(self.kinds)
        ]

    def rows(self, *args: object) -> list[tuple]:
        key = f"{connection.vendor}:{connection.alias}"
        prepared = self.prepared.get(key)
        if prepared is None:
            marks = self._marks()
            sql, params = self.build(*marks).query.sql_with_params()
            slots: list[tuple[bool, object]] = []
            for param in params:
                hit = [i for i, m in enumerate(marks) if type(param) is type(m) and param == m]
                slots.append((True, hit[0]) if hit else (False, param))
            prepared = self.prepared[key] = (sql, slots)
        sql, slots = prepared
        values = [args[v] if is_arg else v for is_arg, v in slots]  # type: ignore[index]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()


@lru_cache(maxsize=512)
def aws_managed_text(arn: str) -> str | None:
    """An AWS managed policy's document as canonical JSON text (computed once per ARN)."""
    entry = managed_catalog.aws_managed_policy(arn)
    return canonical_json(entry["document"]) if entry is not None else None


def _aws_managed(arn: str, owner: str, group: str = "") -> PolicySource:
    name = managed_catalog.policy_name_from_arn(arn)
    return PolicySource("aws-managed", name, arn, owner, aws_managed_text(arn), group)


def _principal_arn(principal: IamUser | Role) -> str:
    kind = "user" if isinstance(principal, IamUser) else "role"
    return iam_arn(principal.account.account_id, kind, principal.path, principal.name)


def _default_document() -> Subquery:
    return Subquery(
        PolicyVersion.objects.filter(policy_id=OuterRef("policy_id"), is_default=True).values(
            "document"
        )[:1]
    )


_INLINE_COLUMNS = ("name", "document", "group__name", "group__path")
_ATTACHED_COLUMNS = (
    "aws_policy_arn",
    "policy_id",
    "policy__name",
    "policy__path",
    "default_document",
    "group__name",
    "group__path",
)


def _user_owns(user_id: int) -> Q:
    groups = GroupMembership.objects.filter(user_id=user_id).values("group_id")
    return Q(user_id=user_id) | Q(group_id__in=Subquery(groups))


_USER_INLINE = PreparedQuery(
    lambda user_id: (
        InlinePolicy.objects.filter(_user_owns(user_id))
        .order_by("pk")
        .values_list(*_INLINE_COLUMNS)
    )
)
_ROLE_INLINE = PreparedQuery(
    lambda role_id: (
        InlinePolicy.objects.filter(role_id=role_id).order_by("pk").values_list(*_INLINE_COLUMNS)
    )
)
_USER_ATTACHED = PreparedQuery(
    lambda user_id: (
        PolicyAttachment.objects.filter(_user_owns(user_id))
        .order_by("pk")
        .annotate(default_document=_default_document())
        .values_list(*_ATTACHED_COLUMNS)
    )
)
_ROLE_ATTACHED = PreparedQuery(
    lambda role_id: (
        PolicyAttachment.objects.filter(role_id=role_id)
        .order_by("pk")
        .annotate(default_document=_default_document())
        .values_list(*_ATTACHED_COLUMNS)
    )
)


def identity_policies(principal: IamUser | Role) -> list[PolicySource]:
    """Inline and attached policies of a user (with its groups') or a role: 2 queries, and only
    the columns they need. Inline policies first, then attached ones, each in creation order."""
    account_id = principal.account.account_id
    own_arn = _principal_arn(principal)
    is_user = isinstance(principal, IamUser)

    def owner(group_name: str | None, group_path: str | None) -> str:
        if group_name is None:
            return own_arn
        return iam_arn(account_id, "group", group_path or "/", group_name)

    out: list[PolicySource] = []
    inline = (_USER_INLINE if is_user else _ROLE_INLINE).rows(principal.pk)
    for name, document, group_name, group_path in inline:
        who = owner(group_name, group_path)
        out.append(PolicySource("inline", name, "", who, document, group_name or ""))
    attached = (_USER_ATTACHED if is_user else _ROLE_ATTACHED).rows(principal.pk)
    for aws_arn, policy_id, name, path, document, group_name, group_path in attached:
        who = owner(group_name, group_path)
        if policy_id is None:
            out.append(_aws_managed(aws_arn, who, group_name or ""))
        else:
            arn = iam_arn(account_id, "policy", path, name)
            out.append(PolicySource("managed", name, arn, who, document, group_name or ""))
    return out


_BOUNDARY = PreparedQuery(
    lambda policy_id: (
        PolicyVersion.objects.filter(policy_id=policy_id, is_default=True)
        .order_by("pk")
        .values_list("document", "policy__name", "policy__path")[:1]
    )
)


def permissions_boundary(principal: IamUser | Role) -> PolicySource | None:
    """The principal's permissions boundary, or None: at most 1 query."""
    owner = _principal_arn(principal)
    if principal.boundary_aws_arn:
        return _aws_managed(principal.boundary_aws_arn, owner)
    if principal.boundary_policy_id is None:
        return None
    rows = _BOUNDARY.rows(principal.boundary_policy_id)
    if not rows:
        return None
    document, name, path = rows[0]
    arn = iam_arn(principal.account.account_id, "policy", path, name)
    return PolicySource("managed", name, arn, owner, document)


@dataclass(frozen=True, slots=True)
class OrganizationPolicies:
    """SCPs and RCPs by level, root first, then each OU down to the account, then the account
    (the shape `iamlab.engine.evaluate(scps=..., rcps=...)` takes). Empty lists: the account is
    not in an organization, or is its management account, which SCPs and RCPs do not restrict.
    `path` is the account's aws:PrincipalOrgPaths / aws:ResourceOrgPaths value
    (o-…/r-…/ou-…/), "" outside an organization.
    """

    scps: list[list[PolicySource]]
    rcps: list[list[PolicySource]]
    path: str = ""


def organization_policies(account: Account) -> OrganizationPolicies:
    """The SCPs and RCPs for one account: 3 queries (0 outside an organization)."""
    if account.organization_id is None:
        return OrganizationPolicies([], [])
    organization = Organization.objects.get(pk=account.organization_id)
    return organization_levels(organization, [account])[account.pk]


_UNITS = PreparedQuery(
    lambda org_id: (
        OrganizationalUnit.objects.filter(organization_id=org_id)
        .order_by("pk")
        .values_list("pk", "parent_id", "ou_id")
    )
)
_ORG_ATTACHMENTS = PreparedQuery(
    lambda org_id: (
        OrganizationPolicyAttachment.objects.filter(policy__organization_id=org_id)
        .order_by("pk")
        .values_list(
            "ou_id",
            "account_id",
            "policy__type",
            "policy__name",
            "policy__policy_id",
            "policy__document",
            "policy__aws_managed",
        )
    )
)


def organization_levels(
    organization: Organization, accounts: list[Account]
) -> dict[int, OrganizationPolicies]:
    """SCPs and RCPs for each of `accounts` (members of `organization`): 2 queries, whatever
    the number of accounts, OUs and policies (the organization's attachments are read at once:
    an organization has few)."""
    units = {pk: (parent, ou_id) for pk, parent, ou_id in _UNITS.rows(organization.pk)}
    chains: dict[int, list[int]] = {}
    for account in accounts:
        chain: list[int] = []
        node = account.parent_ou_id
        while node is not None and node in units and node not in chain:
            chain.insert(0, node)
            node = units[node][0]
        chains[account.pk] = chain
    members = [a for a in accounts if a.pk != organization.management_account_id]
    wanted: set[tuple[str, int | None]] = set()
    for account in members:
        wanted.add(("root", None))
        wanted.update(("ou", ou) for ou in chains[account.pk])
        wanted.add(("account", account.pk))
    by_node: dict[tuple[str, int | None], list[PolicySource]] = {}
    for row in _ORG_ATTACHMENTS.rows(organization.pk) if members else []:
        ou, account_pk, kind, name, policy_id, document, aws_managed = row
        node = ("ou", ou) if ou else ("account", account_pk) if account_pk else ("root", None)
        if node not in wanted:
            continue
        is_scp = kind == OrganizationPolicy.Type.SCP
        source = PolicySource(
            "scp" if is_scp else "rcp", name, policy_id, "", document, "", bool(aws_managed)
        )
        by_node.setdefault(node, []).append(source)
    out: dict[int, OrganizationPolicies] = {}
    for account in accounts:
        ous = "".join(units[ou][1] + "/" for ou in chains[account.pk])
        path = f"{organization.org_id}/{organization.root_id}/{ous}"
        if account.pk == organization.management_account_id:
            out[account.pk] = OrganizationPolicies([], [], path)
            continue
        nodes = [("root", None), *(("ou", ou) for ou in chains[account.pk])]
        nodes.append(("account", account.pk))
        scps = [[p for p in by_node.get(n, []) if p.kind == "scp"] for n in nodes]
        rcps = [[p for p in by_node.get(n, []) if p.kind == "rcp"] for n in nodes]
        out[account.pk] = OrganizationPolicies(scps, rcps, path)
    return out
