"""Managed policies and their versions: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions, DeletePolicyVersion,
SetDefaultPolicyVersion, ListEntitiesForPolicy.

AWS managed policies (arn:aws:iam::aws:policy/...) come from the catalog and are never copied
into the sandbox; only AWS may change them (UnmodifiableEntity).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from iamlab.engine import PolicyKind

from .. import managed_catalog
from ..identifiers import POLICY_PREFIX, new_unique_id
from ..models import IamUser, ManagedPolicy, PolicyAttachment, PolicyVersion, Role, named
from . import errors
from .iam_common import (
    VERSION_PATTERN,
    Check,
    PolicyRef,
    arn,
    authorize,
    check_document,
    check_policy_arn_format,
    check_quota,
    creation_request,
    document_text,
    group_shape,
    iam_operation,
    now,
    paginate,
    parsed_document,
    resolve_policy,
    tags_list,
    write,
)

POLICIES_QUOTA = 1500
VERSIONS_QUOTA = 5
#: The catalog keeps documents, not dates: AWS managed policies are dated as most of the
#: original ones are (they were published on 6 February 2015).
AWS_POLICY_DATE = datetime(2015, 2, 6, 18, 40, tzinfo=UTC)


def not_found(policy_arn: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"Policy {policy_arn} was not found.")


def unmodifiable(ref: PolicyRef) -> errors.AwsError:
    return errors.UnmodifiableEntity(
        f"Cannot perform the operation on the AWS managed policy '{ref.name}' - "
        "this policy is only modifiable by AWS"
    )


def usage_counts(caller: Any, ref: PolicyRef) -> tuple[int, int]:
    """(AttachmentCount, PermissionsBoundaryUsageCount) in the caller's account."""
    if ref.row:
        attached = PolicyAttachment.objects.filter(policy=ref.row).count()
        boundary = Q(boundary_policy=ref.row)
    else:
        attached = (
            PolicyAttachment.objects.filter(sandbox=caller.sandbox, aws_policy_arn=ref.arn)
            .filter(
                Q(user__account=caller.account)
                | Q(group__account=caller.account)
                | Q(role__account=caller.account)
            )
            .count()
        )
        boundary = Q(boundary_aws_arn=ref.arn)
    used = sum(
        model.objects.filter(boundary, account=caller.account).count() for model in (IamUser, Role)
    )
    return attached, used


def policy_shape(caller: Any, ref: PolicyRef, *, description: bool = True) -> dict[str, Any]:
    attached, used = usage_counts(caller, ref)
    if ref.row:
        policy = ref.row
        default = policy.versions.filter(is_default=True).first()
        latest = policy.versions.order_by("-created").first()
        out: dict[str, Any] = {
            "PolicyName": policy.name,
            "PolicyId": policy.policy_id,
            "Arn": policy.arn,
            "Path": policy.path,
            "DefaultVersionId": default.version_id if default else "v1",
            "AttachmentCount": attached,
            "PermissionsBoundaryUsageCount": used,
            "IsAttachable": True,
        }
        if description and policy.description:
            out["Description"] = policy.description
        out["CreateDate"] = policy.created
        out["UpdateDate"] = latest.created if latest else policy.created
        if policy.tags:
            out["Tags"] = tags_list(policy.tags)
        return out
    entry = ref.entry
    out = {
        "PolicyName": entry["name"],
        "PolicyId": "ANPA" + entry["name"].upper()[:17].ljust(17, "A"),
        "Arn": entry["arn"],
        "Path": entry["path"],
        "DefaultVersionId": entry["version_id"],
        "AttachmentCount": attached,
        "PermissionsBoundaryUsageCount": used,
        "IsAttachable": True,
    }
    if description and entry["description"]:
        out["Description"] = entry["description"]
    out["CreateDate"] = AWS_POLICY_DATE
    out["UpdateDate"] = AWS_POLICY_DATE
    return out


def _checked_arn(check: Check, policy_arn: Any) -> None:
    check.arn(policy_arn, "policyArn")
    check.done()
    check_policy_arn_format(policy_arn)


@iam_operation("iam:CreatePolicy")
def create_policy(
    caller: Any,
    *,
    PolicyName: str | None = None,
    PolicyDocument: Any = None,
    Path: str | None = None,
    Description: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    text = document_text(PolicyDocument)
    check = Check()
    check.name(PolicyName, "policyName", 128)
    check.path(Path, policy=True)
    check.document(text)
    check.string(Description, "description", max_len=1000, min_len=0, pattern=None, required=False)
    check.tags(Tags)
    check.done()
    tags, context = creation_request(Tags, None)
    path = Path or "/"
    authorize(caller, "iam:CreatePolicy", arn(caller, "policy", path, PolicyName), context=context)
    if named(ManagedPolicy.objects.filter(account=caller.account), PolicyName).exists():
        raise errors.EntityAlreadyExists(
            f"A policy called {PolicyName} already exists. Duplicate names are not allowed."
        )
    check_quota(ManagedPolicy, caller, POLICIES_QUOTA, "PoliciesPerAccount")
    check_document(text, PolicyKind.IDENTITY)
    created = now(caller)
    with write(caller):
        policy = ManagedPolicy.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            policy_id=new_unique_id(POLICY_PREFIX),
            name=PolicyName,
            path=path,
            description=Description or "",
            created=created,
            tags=tags,
            version_counter=1,
        )
        PolicyVersion.objects.create(
            sandbox=caller.sandbox,
            policy=policy,
            version_id="v1",
            document=text,
            is_default=True,
            created=created,
        )
    policy.account = caller.account
    return {"Policy": policy_shape(caller, PolicyRef(policy.arn, policy, None), description=False)}


def _policy_for(caller: Any, action: str, policy_arn: str) -> PolicyRef:
    """Authorize `action` on the policy, then find it (NoSuchEntity: "... was not found.")."""
    authorize(caller, action, policy_arn)
    ref = resolve_policy(caller, policy_arn)
    if ref is None:
        raise not_found(policy_arn)
    return ref


@iam_operation("iam:GetPolicy")
def get_policy(caller: Any, *, PolicyArn: str | None = None) -> dict[str, Any]:
    _checked_arn(Check(), PolicyArn)
    ref = _policy_for(caller, "iam:GetPolicy", PolicyArn)
    return {"Policy": policy_shape(caller, ref)}


@iam_operation("iam:ListPolicies")
def list_policies(
    caller: Any,
    *,
    Scope: str = "All",
    OnlyAttached: bool = False,
    PathPrefix: str | None = None,
    PolicyUsageFilter: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.enum(Scope, "scope", ["All", "AWS", "Local"])
    check.path(PathPrefix, "pathPrefix", policy=True)
    check.enum(
        PolicyUsageFilter,
        "policyUsageFilter",
        ["PermissionsPolicy", "PermissionsBoundary"],
        required=False,
    )
    check.paging(Marker, MaxItems)
    check.done()
    authorize(caller, "iam:ListPolicies", arn(caller, "policy", "/", "*"))
    refs: list[PolicyRef] = []
    if Scope in ("All", "AWS"):
        for name in managed_catalog.aws_managed_policy_names():
            entry = managed_catalog.aws_managed_policy(name)
            refs.append(PolicyRef(entry["arn"], None, entry))
    if Scope in ("All", "Local"):
        rows = ManagedPolicy.objects.filter(account=caller.account).select_related("account")
        refs.extend(PolicyRef(p.arn, p, None) for p in rows)
    if PathPrefix:
        refs = [r for r in refs if r.path.startswith(PathPrefix)]
    shapes = [policy_shape(caller, r, description=False) for r in refs]
    if OnlyAttached or PolicyUsageFilter:

        def used(shape: dict[str, Any]) -> bool:
            if PolicyUsageFilter == "PermissionsBoundary":
                return shape["PermissionsBoundaryUsageCount"] > 0
            if PolicyUsageFilter == "PermissionsPolicy":
                return shape["AttachmentCount"] > 0
            return shape["AttachmentCount"] + shape["PermissionsBoundaryUsageCount"] > 0

        shapes = [s for s in shapes if used(s)]
    shapes.sort(key=lambda s: s["PolicyName"].lower())
    return paginate(shapes, "Policies", Marker, MaxItems)


@iam_operation("iam:DeletePolicy")
def delete_policy(caller: Any, *, PolicyArn: str | None = None) -> dict[str, Any]:
    _checked_arn(Check(), PolicyArn)
    ref = _policy_for(caller, "iam:DeletePolicy", PolicyArn)
    if ref.row is None:
        raise unmodifiable(ref)
    attached, used = usage_counts(caller, ref)
    if attached or used:
        raise errors.DeleteConflict("Cannot delete a policy attached to entities.")
    if ref.row.versions.count() > 1:
        raise errors.DeleteConflict(
            "This policy has more than one version. Before you delete a policy, you must delete "
            "the policy's versions. The default version is deleted with the policy."
        )
    with write(caller):
        ref.row.delete()
    return {}


def version_shape(version: PolicyVersion, *, document: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if document:
        out["Document"] = parsed_document(version.document)
    out.update(
        VersionId=version.version_id,
        IsDefaultVersion=version.is_default,
        CreateDate=version.created,
    )
    return out


@iam_operation("iam:CreatePolicyVersion")
def create_policy_version(
    caller: Any,
    *,
    PolicyArn: str | None = None,
    PolicyDocument: Any = None,
    SetAsDefault: bool = False,
) -> dict[str, Any]:
    text = document_text(PolicyDocument)
    check = Check()
    check.arn(PolicyArn, "policyArn")
    check.document(text)
    _checked_arn(check, PolicyArn)
    ref = _policy_for(caller, "iam:CreatePolicyVersion", PolicyArn)
    if ref.row is None:
        raise unmodifiable(ref)
    policy = ref.row
    if policy.versions.count() >= VERSIONS_QUOTA:
        raise errors.LimitExceeded(
            "A managed policy can have up to 5 versions. Before you create a new version, you "
            "must delete an existing version."
        )
    check_document(text, PolicyKind.IDENTITY)
    with write(caller):
        policy.version_counter += 1
        policy.save(update_fields=["version_counter"])
        if SetAsDefault:
            policy.versions.update(is_default=False)
        version = PolicyVersion.objects.create(
            sandbox=caller.sandbox,
            policy=policy,
            version_id=f"v{policy.version_counter}",
            document=text,
            is_default=bool(SetAsDefault),
            created=now(caller),
        )
    return {"PolicyVersion": version_shape(version)}


def _version_check(PolicyArn: Any, VersionId: Any) -> None:
    check = Check()
    check.arn(PolicyArn, "policyArn")
    check.string(VersionId, "versionId", max_len=128, pattern=VERSION_PATTERN, required=True)
    _checked_arn(check, PolicyArn)


def _no_version(policy_arn: str, version_id: str) -> errors.AwsError:
    return errors.NoSuchEntity(
        f"Policy {policy_arn} version {version_id} does not exist or is not attachable."
    )


@iam_operation("iam:GetPolicyVersion")
def get_policy_version(
    caller: Any, *, PolicyArn: str | None = None, VersionId: str | None = None
) -> dict[str, Any]:
    _version_check(PolicyArn, VersionId)
    ref = _policy_for(caller, "iam:GetPolicyVersion", PolicyArn)
    if ref.row is None:
        entry = ref.entry
        if VersionId != entry["version_id"]:
            raise _no_version(PolicyArn, VersionId)
        return {
            "PolicyVersion": {
                "Document": entry["document"],
                "VersionId": entry["version_id"],
                "IsDefaultVersion": True,
                "CreateDate": AWS_POLICY_DATE,
            }
        }
    version = ref.row.versions.filter(version_id=VersionId).first()
    if version is None:
        raise _no_version(PolicyArn, VersionId)
    return {"PolicyVersion": version_shape(version, document=True)}


@iam_operation("iam:ListPolicyVersions")
def list_policy_versions(
    caller: Any,
    *,
    PolicyArn: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.paging(Marker, MaxItems)
    _checked_arn(check, PolicyArn)
    ref = _policy_for(caller, "iam:ListPolicyVersions", PolicyArn)
    if ref.row is None:
        entry = ref.entry
        versions = [
            {
                "VersionId": entry["version_id"],
                "IsDefaultVersion": True,
                "CreateDate": AWS_POLICY_DATE,
            }
        ]
        return paginate(versions, "Versions", Marker, MaxItems)
    ordered = sorted(ref.row.versions.all(), key=lambda v: -int(v.version_id[1:].split(".")[0]))
    return paginate(ordered, "Versions", Marker, MaxItems, version_shape)


def _customer_version(
    caller: Any, action: str, policy_arn: str, version_id: str
) -> tuple[PolicyRef, PolicyVersion]:
    """A customer managed policy's version, for an operation that changes it: UnmodifiableEntity
    for an AWS managed policy, NoSuchEntity for a version it does not have."""
    ref = _policy_for(caller, action, policy_arn)
    if ref.row is None:
        raise unmodifiable(ref)
    version = ref.row.versions.filter(version_id=version_id).first()
    if version is None:
        raise _no_version(policy_arn, version_id)
    return ref, version


@iam_operation("iam:DeletePolicyVersion")
def delete_policy_version(
    caller: Any, *, PolicyArn: str | None = None, VersionId: str | None = None
) -> dict[str, Any]:
    _version_check(PolicyArn, VersionId)
    _, version = _customer_version(caller, "iam:DeletePolicyVersion", PolicyArn, VersionId)
    if version.is_default:
        raise errors.DeleteConflict("Cannot delete the default version of a policy.")
    with write(caller):
        version.delete()
    return {}


@iam_operation("iam:SetDefaultPolicyVersion")
def set_default_policy_version(
    caller: Any, *, PolicyArn: str | None = None, VersionId: str | None = None
) -> dict[str, Any]:
    _version_check(PolicyArn, VersionId)
    ref, version = _customer_version(caller, "iam:SetDefaultPolicyVersion", PolicyArn, VersionId)
    with write(caller):
        ref.row.versions.exclude(pk=version.pk).update(is_default=False)
        version.is_default = True
        version.save(update_fields=["is_default"])
    return {}


@iam_operation("iam:ListEntitiesForPolicy")
def list_entities_for_policy(
    caller: Any,
    *,
    PolicyArn: str | None = None,
    EntityFilter: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    """Who the policy is attached to (users, groups, roles). Not paginated per list: AWS pages
    the three lists together; here MaxItems bounds each."""
    check = Check()
    check.enum(
        EntityFilter,
        "entityFilter",
        ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"],
        required=False,
    )
    check.paging(Marker, MaxItems)
    _checked_arn(check, PolicyArn)
    ref = _policy_for(caller, "iam:ListEntitiesForPolicy", PolicyArn)
    attachments = PolicyAttachment.objects.filter(
        sandbox=caller.sandbox, **ref.attachment_filter()
    ).select_related("user__account", "group__account", "role__account")
    users, groups, roles = [], [], []
    for a in attachments:
        if a.user_id and a.user.account_id == caller.account.pk:
            users.append({"UserName": a.user.name, "UserId": a.user.user_id})
        elif a.group_id and a.group.account_id == caller.account.pk:
            shape = group_shape(a.group)
            groups.append({"GroupName": shape["GroupName"], "GroupId": shape["GroupId"]})
        elif a.role_id and a.role.account_id == caller.account.pk:
            roles.append({"RoleName": a.role.name, "RoleId": a.role.role_id})
    wanted = EntityFilter or "All"
    return {
        "PolicyGroups": groups if wanted in ("All", "Group") else [],
        "PolicyUsers": users if wanted in ("All", "User") else [],
        "PolicyRoles": roles if wanted in ("All", "Role") else [],
        "IsTruncated": False,
    }
