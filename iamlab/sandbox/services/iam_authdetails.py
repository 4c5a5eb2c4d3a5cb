"""GetAccountAuthorizationDetails' body: every user, group, role and managed policy of the
caller's account with their policies, in AWS's shape (a few queries, whatever the size).

Every list key is present even when empty. Documents are parsed JSON, as the AWS CLI and SDKs
give them. Only the AWS managed policies in use (attached, or a boundary) are listed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .. import managed_catalog
from ..models import (
    GroupMembership,
    IamGroup,
    IamUser,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    Role,
)
from .iam_common import (
    PolicyRef,
    boundary_shape,
    group_shape,
    instance_profile_shape,
    parsed_document,
    role_shape,
    tags_list,
    user_shape,
)
from .iam_policies import AWS_POLICY_DATE, policy_shape, version_shape


def authorization_details(caller: Any, wanted: set[str]) -> dict[str, Any]:
    account = caller.account
    inline: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for p in InlinePolicy.objects.filter(sandbox=caller.sandbox).filter(
        Q(user__account=account) | Q(group__account=account) | Q(role__account=account)
    ):
        key = (
            ("user", p.user_id)
            if p.user_id
            else ("group", p.group_id)
            if p.group_id
            else ("role", p.role_id)
        )
        inline.setdefault(key, []).append(
            {"PolicyName": p.name, "PolicyDocument": parsed_document(p.document)}
        )
    attached: dict[tuple[str, int], list[dict[str, Any]]] = {}
    aws_arns: set[str] = set()
    for a in (
        PolicyAttachment.objects.filter(sandbox=caller.sandbox)
        .filter(Q(user__account=account) | Q(group__account=account) | Q(role__account=account))
        .select_related("policy__account")
    ):
        key = (
            ("user", a.user_id)
            if a.user_id
            else ("group", a.group_id)
            if a.group_id
            else ("role", a.role_id)
        )
        name = a.policy.name if a.policy_id else a.aws_policy_arn.rsplit("/", 1)[-1]
        attached.setdefault(key, []).append({"PolicyName": name, "PolicyArn": a.policy_arn})
        if not a.policy_id:
            aws_arns.add(a.aws_policy_arn)
    for model in (IamUser, Role):
        aws_arns.update(
            model.objects.filter(account=account)
            .exclude(boundary_aws_arn="")
            .values_list("boundary_aws_arn", flat=True)
        )

    def permissions(kind: str, row: Any, listing: str) -> dict[str, Any]:
        return {
            listing: inline.get((kind, row.pk), []),
            "AttachedManagedPolicies": attached.get((kind, row.pk), []),
        }

    out: dict[str, Any] = {}
    if "User" in wanted:
        groups: dict[int, list[str]] = {}
        for m in GroupMembership.objects.filter(user__account=account).select_related("group"):
            groups.setdefault(m.user_id, []).append(m.group.name)
        users = IamUser.objects.filter(account=account).select_related(
            "account", "boundary_policy__account"
        )
        out["UserDetailList"] = [
            {
                **user_shape(u),
                **permissions("user", u, "UserPolicyList"),
                "GroupList": sorted(groups.get(u.pk, [])),
                **_boundary(u),
                "Tags": tags_list(u.tags),
            }
            for u in sorted(users, key=lambda u: u.name.lower())
        ]
    if "Group" in wanted:
        groups_ = IamGroup.objects.filter(account=account).select_related("account")
        out["GroupDetailList"] = [
            {**group_shape(g), **permissions("group", g, "GroupPolicyList")}
            for g in sorted(groups_, key=lambda g: g.name.lower())
        ]
    if "Role" in wanted:
        profiles: dict[int, list[dict[str, Any]]] = {}
        for p in InstanceProfile.objects.filter(account=account, role__isnull=False).select_related(
            "account", "role__account"
        ):
            profiles.setdefault(p.role_id, []).append(instance_profile_shape(p))
        roles = Role.objects.filter(account=account).select_related(
            "account", "boundary_policy__account"
        )
        details = []
        for r in sorted(roles, key=lambda r: r.name.lower()):
            shape = role_shape(r, full=True)
            shape.pop("MaxSessionDuration")
            details.append(
                {
                    **{k: shape.pop(k) for k in ("Path", "RoleName", "RoleId", "Arn")},
                    "CreateDate": shape.pop("CreateDate"),
                    "AssumeRolePolicyDocument": shape.pop("AssumeRolePolicyDocument"),
                    "InstanceProfileList": profiles.get(r.pk, []),
                    **permissions("role", r, "RolePolicyList"),
                    **_boundary(r),
                    "Tags": tags_list(r.tags),
                    "RoleLastUsed": shape["RoleLastUsed"],
                }
            )
        out["RoleDetailList"] = details
    if "LocalManagedPolicy" in wanted or "AWSManagedPolicy" in wanted:
        refs: list[PolicyRef] = []
        if "LocalManagedPolicy" in wanted:
            rows = ManagedPolicy.objects.filter(account=account).select_related("account")
            refs.extend(PolicyRef(p.arn, p, None) for p in rows)
        if "AWSManagedPolicy" in wanted:
            for policy_arn in sorted(aws_arns):
                entry = managed_catalog.aws_managed_policy(policy_arn)
                if entry:
                    refs.append(PolicyRef(policy_arn, None, entry))
        out["Policies"] = [_policy_detail(caller, ref) for ref in refs]
    return out


def _boundary(principal: Any) -> dict[str, Any]:
    shape = boundary_shape(principal)
    return {"PermissionsBoundary": shape} if shape else {}


def _policy_detail(caller: Any, ref: PolicyRef) -> dict[str, Any]:
    detail = policy_shape(caller, ref)
    detail.pop("Tags", None)
    if ref.row:
        versions = sorted(
            ref.row.versions.all(), key=lambda v: -int(v.version_id[1:].split(".")[0])
        )
        detail["PolicyVersionList"] = [version_shape(v, document=True) for v in versions]
    else:
        detail["PolicyVersionList"] = [
            {
                "Document": ref.entry["document"],
                "VersionId": ref.entry["version_id"],
                "IsDefaultVersion": True,
                "CreateDate": AWS_POLICY_DATE,
            }
        ]
    return detail
