"""The policies of a user, group or role: managed policies attached (Attach/Detach/ListAttached
*Policies), inline policies (Put/Get/Delete/List *Policy), and permissions boundaries
(Put/Delete User/Role PermissionsBoundary).

One implementation per concept, parameterized by the kind of identity; the AWS-named operations
at the bottom are thin and keep AWS's parameter names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iamlab.engine import PolicyKind

from ..models import InlinePolicy, PolicyAttachment
from . import errors
from .iam_common import (
    ATTACHED_QUOTA,
    INLINE_QUOTA,
    Check,
    authorized_entity,
    check_document,
    check_policy_arn_format,
    compact_size,
    document_text,
    iam_operation,
    not_attachable,
    paginate,
    parsed_document,
    protected_role,
    resolve_policy,
    write,
)

#: Large enough that only the aggregate inline quota (checked here) limits an inline document.
_NO_SINGLE_LIMIT = 131072


@dataclass(frozen=True)
class _Kind:
    kind: str  # user, group, role
    label: str  # User, Group, Role (in action names and response keys)
    field: str  # userName, groupName, roleName (in validation messages)
    max_len: int


USER = _Kind("user", "User", "userName", 128)
GROUP = _Kind("group", "Group", "groupName", 128)
ROLE = _Kind("role", "Role", "roleName", 64)


def _identity(
    caller: Any, kind: _Kind, name: str, action: str, context: dict[str, Any] | None = None
) -> Any:
    """Authorize `action` on the identity, then find it (NoSuchEntity when it is missing)."""
    found = authorized_entity(caller, kind.kind, name, action, context=context)
    changes = not action.startswith(("iam:List", "iam:Get"))
    if kind is ROLE and changes and (problem := protected_role(found)):
        raise problem
    return found


# -- managed policies attached -------------------------------------------------------------------


def _attach(caller: Any, kind: _Kind, name: str | None, policy_arn: str | None) -> dict[str, Any]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.arn(policy_arn, "policyArn")
    check.done()
    check_policy_arn_format(policy_arn)
    context = {"iam:PolicyARN": policy_arn}
    owner = _identity(caller, kind, name, f"iam:Attach{kind.label}Policy", context)
    ref = resolve_policy(caller, policy_arn)
    if ref is None:
        raise not_attachable(policy_arn)
    attachments = PolicyAttachment.objects.filter(**{kind.kind: owner})
    if attachments.filter(**ref.attachment_filter()).exists():
        return {}  # already attached: AWS answers success
    if attachments.count() >= ATTACHED_QUOTA:
        raise errors.LimitExceeded(
            f"Cannot exceed quota for PoliciesPer{kind.label}: {ATTACHED_QUOTA}"
        )
    with write(caller):
        PolicyAttachment.objects.create(
            sandbox=caller.sandbox, **{kind.kind: owner}, **ref.attachment_filter()
        )
    return {}


def _detach(caller: Any, kind: _Kind, name: str | None, policy_arn: str | None) -> dict[str, Any]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.arn(policy_arn, "policyArn")
    check.done()
    check_policy_arn_format(policy_arn)
    context = {"iam:PolicyARN": policy_arn}
    owner = _identity(caller, kind, name, f"iam:Detach{kind.label}Policy", context)
    ref = resolve_policy(caller, policy_arn)
    attachment = (
        PolicyAttachment.objects.filter(**{kind.kind: owner}, **ref.attachment_filter()).first()
        if ref
        else None
    )
    if attachment is None:
        raise errors.NoSuchEntity(f"Policy {policy_arn} was not found.")
    with write(caller):
        attachment.delete()
    return {}


def _list_attached(
    caller: Any,
    kind: _Kind,
    name: str | None,
    path_prefix: str | None,
    marker: str | None,
    max_items: int | None,
) -> dict[str, Any]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.path(path_prefix, "pathPrefix", policy=True)
    check.paging(marker, max_items)
    check.done()
    owner = _identity(caller, kind, name, f"iam:ListAttached{kind.label}Policies")
    rows = PolicyAttachment.objects.filter(**{kind.kind: owner}).select_related("policy__account")
    listed = []
    for row in rows:
        ref = resolve_policy(caller, row.policy_arn)
        policy_name = ref.name if ref else row.policy_arn.rsplit("/", 1)[-1]
        path = ref.path if ref else "/"
        if path_prefix and not path.startswith(path_prefix):
            continue
        listed.append({"PolicyName": policy_name, "PolicyArn": row.policy_arn})
    listed.sort(key=lambda p: p["PolicyName"].lower())
    return paginate(listed, "AttachedPolicies", marker, max_items)


# -- inline policies -----------------------------------------------------------------------------


def _no_inline(kind: _Kind, policy_name: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"The {kind.kind} policy with name {policy_name} cannot be found.")


def _put_inline(
    caller: Any, kind: _Kind, name: str | None, policy_name: str | None, document: Any
) -> dict[str, Any]:
    text = document_text(document)
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.name(policy_name, "policyName", 128)
    check.document(text)
    check.done()
    owner = _identity(caller, kind, name, f"iam:Put{kind.label}Policy")
    check_document(text, PolicyKind.IDENTITY, max_length=_NO_SINGLE_LIMIT)
    others = InlinePolicy.objects.filter(**{kind.kind: owner}).exclude(name=policy_name)
    total = compact_size(text) + sum(compact_size(p.document) for p in others)
    quota = INLINE_QUOTA[kind.kind]
    if total > quota:
        raise errors.LimitExceeded(
            f"Maximum policy size of {quota} bytes exceeded for {kind.kind} {owner.name}"
        )
    with write(caller):
        InlinePolicy.objects.update_or_create(
            sandbox=caller.sandbox,
            **{kind.kind: owner},
            name=policy_name,
            defaults={"document": text},
        )
    return {}


def _inline_lookup(
    caller: Any, kind: _Kind, name: str | None, policy_name: str | None, action: str
) -> tuple[Any, InlinePolicy]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.name(policy_name, "policyName", 128)
    check.done()
    owner = _identity(caller, kind, name, action)
    policy = InlinePolicy.objects.filter(**{kind.kind: owner}, name=policy_name).first()
    if policy is None:
        raise _no_inline(kind, policy_name)
    return owner, policy


def _get_inline(
    caller: Any, kind: _Kind, name: str | None, policy_name: str | None
) -> dict[str, Any]:
    owner, policy = _inline_lookup(caller, kind, name, policy_name, f"iam:Get{kind.label}Policy")
    return {
        f"{kind.label}Name": owner.name,
        "PolicyName": policy.name,
        "PolicyDocument": parsed_document(policy.document),
    }


def _delete_inline(
    caller: Any, kind: _Kind, name: str | None, policy_name: str | None
) -> dict[str, Any]:
    _, policy = _inline_lookup(caller, kind, name, policy_name, f"iam:Delete{kind.label}Policy")
    with write(caller):
        policy.delete()
    return {}


def _list_inline(
    caller: Any, kind: _Kind, name: str | None, marker: str | None, max_items: int | None
) -> dict[str, Any]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.paging(marker, max_items)
    check.done()
    owner = _identity(caller, kind, name, f"iam:List{kind.label}Policies")
    names = sorted(
        InlinePolicy.objects.filter(**{kind.kind: owner}).values_list("name", flat=True),
        key=str.lower,
    )
    return paginate(names, "PolicyNames", marker, max_items)


# -- permissions boundaries ----------------------------------------------------------------------


def _put_boundary(
    caller: Any, kind: _Kind, name: str | None, boundary_arn: str | None
) -> dict[str, Any]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.arn(boundary_arn, "permissionsBoundary")
    check.done()
    check_policy_arn_format(boundary_arn)
    context = {"iam:PermissionsBoundary": boundary_arn}
    owner = _identity(caller, kind, name, f"iam:Put{kind.label}PermissionsBoundary", context)
    ref = resolve_policy(caller, boundary_arn)
    if ref is None:
        raise not_attachable(boundary_arn)
    with write(caller):
        for field, value in ref.boundary_fields().items():
            setattr(owner, field, value)
        owner.save(update_fields=["boundary_policy", "boundary_aws_arn"])
    return {}


def _delete_boundary(caller: Any, kind: _Kind, name: str | None) -> dict[str, Any]:
    check = Check()
    check.name(name, kind.field, kind.max_len)
    check.done()
    owner = _identity(caller, kind, name, f"iam:Delete{kind.label}PermissionsBoundary")
    with write(caller):
        owner.boundary_policy = None
        owner.boundary_aws_arn = ""
        owner.save(update_fields=["boundary_policy", "boundary_aws_arn"])
    return {}


# -- the operations, as AWS names them -------------------------------------------------------------


@iam_operation("iam:AttachUserPolicy")
def attach_user_policy(
    caller: Any, *, UserName: str | None = None, PolicyArn: str | None = None
) -> dict[str, Any]:
    return _attach(caller, USER, UserName, PolicyArn)


@iam_operation("iam:AttachGroupPolicy")
def attach_group_policy(
    caller: Any, *, GroupName: str | None = None, PolicyArn: str | None = None
) -> dict[str, Any]:
    return _attach(caller, GROUP, GroupName, PolicyArn)


@iam_operation("iam:AttachRolePolicy")
def attach_role_policy(
    caller: Any, *, RoleName: str | None = None, PolicyArn: str | None = None
) -> dict[str, Any]:
    return _attach(caller, ROLE, RoleName, PolicyArn)


@iam_operation("iam:DetachUserPolicy")
def detach_user_policy(
    caller: Any, *, UserName: str | None = None, PolicyArn: str | None = None
) -> dict[str, Any]:
    return _detach(caller, USER, UserName, PolicyArn)


@iam_operation("iam:DetachGroupPolicy")
def detach_group_policy(
    caller: Any, *, GroupName: str | None = None, PolicyArn: str | None = None
) -> dict[str, Any]:
    return _detach(caller, GROUP, GroupName, PolicyArn)


@iam_operation("iam:DetachRolePolicy")
def detach_role_policy(
    caller: Any, *, RoleName: str | None = None, PolicyArn: str | None = None
) -> dict[str, Any]:
    return _detach(caller, ROLE, RoleName, PolicyArn)


@iam_operation("iam:ListAttachedUserPolicies")
def list_attached_user_policies(
    caller: Any,
    *,
    UserName: str | None = None,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_attached(caller, USER, UserName, PathPrefix, Marker, MaxItems)


@iam_operation("iam:ListAttachedGroupPolicies")
def list_attached_group_policies(
    caller: Any,
    *,
    GroupName: str | None = None,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_attached(caller, GROUP, GroupName, PathPrefix, Marker, MaxItems)


@iam_operation("iam:ListAttachedRolePolicies")
def list_attached_role_policies(
    caller: Any,
    *,
    RoleName: str | None = None,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_attached(caller, ROLE, RoleName, PathPrefix, Marker, MaxItems)


@iam_operation("iam:PutUserPolicy")
def put_user_policy(
    caller: Any,
    *,
    UserName: str | None = None,
    PolicyName: str | None = None,
    PolicyDocument: Any = None,
) -> dict[str, Any]:
    return _put_inline(caller, USER, UserName, PolicyName, PolicyDocument)


@iam_operation("iam:PutGroupPolicy")
def put_group_policy(
    caller: Any,
    *,
    GroupName: str | None = None,
    PolicyName: str | None = None,
    PolicyDocument: Any = None,
) -> dict[str, Any]:
    return _put_inline(caller, GROUP, GroupName, PolicyName, PolicyDocument)


@iam_operation("iam:PutRolePolicy")
def put_role_policy(
    caller: Any,
    *,
    RoleName: str | None = None,
    PolicyName: str | None = None,
    PolicyDocument: Any = None,
) -> dict[str, Any]:
    return _put_inline(caller, ROLE, RoleName, PolicyName, PolicyDocument)


@iam_operation("iam:GetUserPolicy")
def get_user_policy(
    caller: Any, *, UserName: str | None = None, PolicyName: str | None = None
) -> dict[str, Any]:
    return _get_inline(caller, USER, UserName, PolicyName)


@iam_operation("iam:GetGroupPolicy")
def get_group_policy(
    caller: Any, *, GroupName: str | None = None, PolicyName: str | None = None
) -> dict[str, Any]:
    return _get_inline(caller, GROUP, GroupName, PolicyName)


@iam_operation("iam:GetRolePolicy")
def get_role_policy(
    caller: Any, *, RoleName: str | None = None, PolicyName: str | None = None
) -> dict[str, Any]:
    return _get_inline(caller, ROLE, RoleName, PolicyName)


@iam_operation("iam:DeleteUserPolicy")
def delete_user_policy(
    caller: Any, *, UserName: str | None = None, PolicyName: str | None = None
) -> dict[str, Any]:
    return _delete_inline(caller, USER, UserName, PolicyName)


@iam_operation("iam:DeleteGroupPolicy")
def delete_group_policy(
    caller: Any, *, GroupName: str | None = None, PolicyName: str | None = None
) -> dict[str, Any]:
    return _delete_inline(caller, GROUP, GroupName, PolicyName)


@iam_operation("iam:DeleteRolePolicy")
def delete_role_policy(
    caller: Any, *, RoleName: str | None = None, PolicyName: str | None = None
) -> dict[str, Any]:
    return _delete_inline(caller, ROLE, RoleName, PolicyName)


@iam_operation("iam:ListUserPolicies")
def list_user_policies(
    caller: Any,
    *,
    UserName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_inline(caller, USER, UserName, Marker, MaxItems)


@iam_operation("iam:ListGroupPolicies")
def list_group_policies(
    caller: Any,
    *,
    GroupName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_inline(caller, GROUP, GroupName, Marker, MaxItems)


@iam_operation("iam:ListRolePolicies")
def list_role_policies(
    caller: Any,
    *,
    RoleName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_inline(caller, ROLE, RoleName, Marker, MaxItems)


@iam_operation("iam:PutUserPermissionsBoundary")
def put_user_permissions_boundary(
    caller: Any, *, UserName: str | None = None, PermissionsBoundary: str | None = None
) -> dict[str, Any]:
    return _put_boundary(caller, USER, UserName, PermissionsBoundary)


@iam_operation("iam:PutRolePermissionsBoundary")
def put_role_permissions_boundary(
    caller: Any, *, RoleName: str | None = None, PermissionsBoundary: str | None = None
) -> dict[str, Any]:
    return _put_boundary(caller, ROLE, RoleName, PermissionsBoundary)


@iam_operation("iam:DeleteUserPermissionsBoundary")
def delete_user_permissions_boundary(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    return _delete_boundary(caller, USER, UserName)


@iam_operation("iam:DeleteRolePermissionsBoundary")
def delete_role_permissions_boundary(caller: Any, *, RoleName: str | None = None) -> dict[str, Any]:
    return _delete_boundary(caller, ROLE, RoleName)
