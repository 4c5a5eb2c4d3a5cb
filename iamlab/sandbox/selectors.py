"""Reads that authorization needs, in a number of queries that does not grow with the sandbox.

- `identity_policies(user_or_role)`: the principal's inline and attached managed policies, and
  for a user its groups' too: 2 queries, however many groups and policies.
- `permissions_boundary(user_or_role)`: 0 queries (AWS managed) or 1 (customer managed).
- `organization_policies(account)`: the SCPs and RCPs that apply, level by level from the root
  to the account: 3 queries, however deep the OU tree (0 outside an organization).

AWS managed policies come from the catalog (`managed_catalog`), in memory: no query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery

from . import managed_catalog
from .documents import canonical_json
from .models import (
    Account,
    GroupMembership,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
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
    it is attached to or embedded in. `document` is the JSON text, or None for an AWS managed
    policy the catalog does not know.
    """

    kind: str
    name: str
    arn: str
    owner: str
    document: str | None


def _aws_managed(arn: str, owner: str, kind: str = "aws-managed") -> PolicySource:
    entry = managed_catalog.aws_managed_policy(arn)
    document = canonical_json(entry["document"]) if entry is not None else None
    return PolicySource(kind, managed_catalog.policy_name_from_arn(arn), arn, owner, document)


def identity_policies(principal: IamUser | Role) -> list[PolicySource]:
    """Inline and attached policies of a user (with its groups') or a role: 2 queries."""
    account_id = principal.account.account_id
    if isinstance(principal, IamUser):
        groups = GroupMembership.objects.filter(user=principal).values("group_id")
        owned = Q(user=principal) | Q(group_id__in=Subquery(groups))
    else:
        owned = Q(role=principal)
    default_document = PolicyVersion.objects.filter(
        policy=OuterRef("policy_id"), is_default=True
    ).values("document")[:1]
    inline = InlinePolicy.objects.filter(owned).select_related("group").order_by("pk")
    attached = (
        PolicyAttachment.objects.filter(owned)
        .select_related("policy", "group")
        .annotate(default_document=Subquery(default_document))
        .order_by("pk")
    )
    out = []
    for row in inline:
        owner = _owner_arn(principal, row.group, account_id)
        out.append(PolicySource("inline", row.name, "", owner, row.document))
    for row in attached:
        owner = _owner_arn(principal, row.group, account_id)
        if row.policy_id is None:
            out.append(_aws_managed(row.aws_policy_arn, owner))
        else:
            policy: ManagedPolicy = row.policy
            arn = iam_arn(account_id, "policy", policy.path, policy.name)
            out.append(PolicySource("managed", policy.name, arn, owner, row.default_document))
    return out


def _owner_arn(principal: IamUser | Role, group, account_id: str) -> str:  # noqa: ANN001
    if group is not None:
        return iam_arn(account_id, "group", group.path, group.name)
    kind = "user" if isinstance(principal, IamUser) else "role"
    return iam_arn(account_id, kind, principal.path, principal.name)


def permissions_boundary(principal: IamUser | Role) -> PolicySource | None:
    """The principal's permissions boundary, or None: at most 1 query."""
    account_id = principal.account.account_id
    kind = "user" if isinstance(principal, IamUser) else "role"
    owner = iam_arn(account_id, kind, principal.path, principal.name)
    if principal.boundary_aws_arn:
        return _aws_managed(principal.boundary_aws_arn, owner)
    if principal.boundary_policy_id is None:
        return None
    version = (
        PolicyVersion.objects.select_related("policy")
        .filter(policy_id=principal.boundary_policy_id, is_default=True)
        .first()
    )
    if version is None:
        return None
    policy = version.policy
    arn = iam_arn(account_id, "policy", policy.path, policy.name)
    return PolicySource("managed", policy.name, arn, owner, version.document)


@dataclass(frozen=True, slots=True)
class OrganizationPolicies:
    """SCPs and RCPs by level, root first, then each OU down to the account, then the account
    (the shape `iamlab.engine.evaluate(scps=..., rcps=...)` takes). Empty lists: the account is
    not in an organization, or is its management account, which SCPs and RCPs do not restrict.
    """

    scps: list[list[PolicySource]]
    rcps: list[list[PolicySource]]


def organization_policies(account: Account) -> OrganizationPolicies:
    if account.organization_id is None:
        return OrganizationPolicies([], [])
    organization = Organization.objects.get(pk=account.organization_id)
    if organization.management_account_id == account.pk:
        return OrganizationPolicies([], [])
    parents = dict(
        OrganizationalUnit.objects.filter(organization=organization).values_list("pk", "parent_id")
    )
    chain: list[int] = []
    ou_id = account.parent_ou_id
    while ou_id is not None and ou_id not in chain:
        chain.insert(0, ou_id)
        ou_id = parents.get(ou_id)
    attachments = OrganizationPolicyAttachment.objects.filter(
        Q(ou__isnull=True, account__isnull=True) | Q(ou_id__in=chain) | Q(account=account),
        policy__organization=organization,
    ).select_related("policy")
    levels: dict[tuple[str, int | None], int] = {("root", None): 0}
    levels.update({("ou", pk): i + 1 for i, pk in enumerate(chain)})
    levels[("account", account.pk)] = len(chain) + 1
    scps: list[list[PolicySource]] = [[] for _ in levels]
    rcps: list[list[PolicySource]] = [[] for _ in levels]
    for attachment in attachments.order_by("pk"):
        if attachment.ou_id:
            level = levels[("ou", attachment.ou_id)]
        elif attachment.account_id:
            level = levels[("account", attachment.account_id)]
        else:
            level = 0
        policy = attachment.policy
        is_scp = policy.type == OrganizationPolicy.Type.SCP
        source = PolicySource(
            "scp" if is_scp else "rcp", policy.name, policy.policy_id, "", policy.document
        )
        (scps if is_scp else rcps)[level].append(source)
    return OrganizationPolicies(scps, rcps)
