"""IAM roles: CreateRole, GetRole, ListRoles, UpdateRole, UpdateAssumeRolePolicy, DeleteRole.

Service-linked roles (path /aws-service-role/) and IAM Identity Center roles (/aws-reserved/)
belong to AWS: changing or deleting them is UnmodifiableEntity.
"""

from __future__ import annotations

from typing import Any

from iamlab.engine import PolicyKind

from ..identifiers import ROLE_PREFIX, new_unique_id
from ..models import Role
from . import errors
from .access_analyzer import policy_changed
from .iam_common import (
    Check,
    arn,
    authorize,
    authorized_entity,
    boundary_fields,
    check_document,
    check_quota,
    creation_request,
    document_text,
    find_role,
    iam_operation,
    list_in_account,
    now,
    policies_conflict,
    protected_role,
    role_shape,
    write,
)

ROLES_QUOTA = 1000
DESCRIPTION_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"


def _check_description(check: Check, description: Any) -> None:
    check.string(
        description,
        "description",
        max_len=1000,
        min_len=0,
        pattern=DESCRIPTION_PATTERN,
        required=False,
    )


@iam_operation("iam:CreateRole")
def create_role(
    caller: Any,
    *,
    RoleName: str | None = None,
    AssumeRolePolicyDocument: Any = None,
    Path: str | None = None,
    Description: str | None = None,
    MaxSessionDuration: int | None = None,
    PermissionsBoundary: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    trust = document_text(AssumeRolePolicyDocument)
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.path(Path)
    check.document(trust, "assumeRolePolicyDocument")
    _check_description(check, Description)
    check.integer(MaxSessionDuration, "maxSessionDuration", minimum=3600, maximum=43200)
    check.arn(PermissionsBoundary, "permissionsBoundary", required=False)
    check.tags(Tags)
    check.done()
    tags, context = creation_request(Tags, PermissionsBoundary)
    path = Path or "/"
    authorize(caller, "iam:CreateRole", arn(caller, "role", path, RoleName), context=context)
    if find_role(caller, RoleName):
        raise errors.EntityAlreadyExists(f"Role with name {RoleName} already exists.")
    check_quota(Role, caller, ROLES_QUOTA, "RolesPerAccount")
    check_document(trust, PolicyKind.TRUST)
    boundary = boundary_fields(caller, PermissionsBoundary)
    with write(caller):
        role = Role.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            role_id=new_unique_id(ROLE_PREFIX),
            name=RoleName,
            path=path,
            created=now(caller),
            trust_policy=trust,
            description=Description or "",
            max_session_duration=MaxSessionDuration or 3600,
            tags=tags,
            **boundary,
        )
        policy_changed(caller.sandbox, role.arn)
    shape = role_shape(role, full=True)
    shape.pop("RoleLastUsed")
    shape.pop("MaxSessionDuration")
    return {"Role": shape}


@iam_operation("iam:GetRole")
def get_role(caller: Any, *, RoleName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.done()
    role = authorized_entity(caller, "role", RoleName, "iam:GetRole")
    return {"Role": role_shape(role, full=True)}


@iam_operation("iam:ListRoles")
def list_roles(
    caller: Any,
    *,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return list_in_account(
        caller,
        Role,
        "iam:ListRoles",
        "Roles",
        PathPrefix,
        Marker,
        MaxItems,
        lambda r: role_shape(r, listing=True),
    )


@iam_operation("iam:UpdateRole")
def update_role(
    caller: Any,
    *,
    RoleName: str | None = None,
    Description: str | None = None,
    MaxSessionDuration: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    _check_description(check, Description)
    check.integer(MaxSessionDuration, "maxSessionDuration", minimum=3600, maximum=43200)
    check.done()
    role = authorized_entity(caller, "role", RoleName, "iam:UpdateRole")
    if problem := protected_role(role):
        raise problem
    with write(caller):
        if Description is not None:
            role.description = Description
        if MaxSessionDuration is not None:
            role.max_session_duration = MaxSessionDuration
        role.save(update_fields=["description", "max_session_duration"])
    return {}


@iam_operation("iam:UpdateAssumeRolePolicy")
def update_assume_role_policy(
    caller: Any, *, RoleName: str | None = None, PolicyDocument: Any = None
) -> dict[str, Any]:
    trust = document_text(PolicyDocument)
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.document(trust)
    check.done()
    role = authorized_entity(caller, "role", RoleName, "iam:UpdateAssumeRolePolicy")
    if problem := protected_role(role):
        raise problem
    check_document(trust, PolicyKind.TRUST)
    with write(caller):
        role.trust_policy = trust
        role.save(update_fields=["trust_policy"])
        policy_changed(caller.sandbox, role.arn)
    return {}


@iam_operation("iam:DeleteRole")
def delete_role(caller: Any, *, RoleName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.done()
    role = authorized_entity(caller, "role", RoleName, "iam:DeleteRole")
    if problem := protected_role(role):
        raise problem
    if role.instance_profiles.exists():
        raise errors.DeleteConflict(
            "Cannot delete entity, must remove roles from instance profile first."
        )
    if conflict := policies_conflict(role):
        raise errors.DeleteConflict(f"Cannot delete entity, must {conflict} first.")
    role_arn = role.arn
    with write(caller):
        role.delete()
        policy_changed(caller.sandbox, role_arn)
    return {}
