"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser and user tags."""

from __future__ import annotations

from typing import Any

from ..identifiers import USER_PREFIX, new_unique_id
from ..models import AccessKey, IamUser, MfaDevice
from . import errors
from .iam_common import (
    Check,
    arn,
    authorize,
    authorized_entity,
    boundary_fields,
    calling_identity,
    check_quota,
    creation_request,
    find_user,
    iam_operation,
    list_in_account,
    now,
    paginate,
    policies_conflict,
    rename,
    request_tag_context,
    root_user_shape,
    tags_dict,
    user_shape,
    write,
)

USERS_QUOTA = 5000


@iam_operation("iam:CreateUser")
def create_user(
    caller: Any,
    *,
    UserName: str | None = None,
    Path: str | None = None,
    PermissionsBoundary: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 64)
    check.path(Path)
    check.arn(PermissionsBoundary, "permissionsBoundary", required=False)
    check.tags(Tags)
    check.done()
    tags, context = creation_request(Tags, PermissionsBoundary)
    path = Path or "/"
    authorize(caller, "iam:CreateUser", arn(caller, "user", path, UserName), context=context)
    if find_user(caller, UserName):
        raise errors.EntityAlreadyExists(f"User with name {UserName} already exists.")
    check_quota(IamUser, caller, USERS_QUOTA, "UsersPerAccount")
    boundary = boundary_fields(caller, PermissionsBoundary)
    with write(caller):
        user = IamUser.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            user_id=new_unique_id(USER_PREFIX),
            name=UserName,
            path=path,
            created=now(caller),
            tags=tags,
            **boundary,
        )
    shape = user_shape(user, full=True)
    shape.pop("PasswordLastUsed", None)
    return {"User": shape}


@iam_operation("iam:GetUser")
def get_user(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    """The named user, or the caller when UserName is omitted (the root user for root)."""
    check = Check()
    check.name(UserName, "userName", 128, required=False)
    check.done()
    if UserName is None:
        return {"User": _calling_user(caller)}
    user = authorized_entity(caller, "user", UserName, "iam:GetUser")
    return {"User": user_shape(user, full=True)}


def _calling_user(caller: Any) -> dict[str, Any]:
    user = calling_identity(caller, "iam:GetUser")
    if user is not None:
        return user_shape(user, full=True)
    account = caller.account
    out = root_user_shape(account)
    if account.root_password_last_used:
        out["PasswordLastUsed"] = account.root_password_last_used
    return out


@iam_operation("iam:ListUsers")
def list_users(
    caller: Any,
    *,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return list_in_account(
        caller, IamUser, "iam:ListUsers", "Users", PathPrefix, Marker, MaxItems, _listed
    )


def _listed(user: IamUser) -> dict[str, Any]:
    shape = user_shape(user)
    if user.password_last_used:
        shape["PasswordLastUsed"] = user.password_last_used
    return shape


@iam_operation("iam:UpdateUser")
def update_user(
    caller: Any,
    *,
    UserName: str | None = None,
    NewPath: str | None = None,
    NewUserName: str | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128)
    check.path(NewPath, "newPath")
    check.name(NewUserName, "newUserName", 64, required=False)
    check.done()
    user = authorized_entity(caller, "user", UserName, "iam:UpdateUser")
    rename(caller, user, "user", "iam:UpdateUser", NewPath, NewUserName)
    return {}


@iam_operation("iam:DeleteUser")
def delete_user(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    """Refused while anything still hangs off the user, as AWS refuses it."""
    check = Check()
    check.name(UserName, "userName", 128)
    check.done()
    user = authorized_entity(caller, "user", UserName, "iam:DeleteUser")
    conflict = _delete_conflict(user)
    if conflict:
        raise errors.DeleteConflict(f"Cannot delete entity, must {conflict} first.")
    with write(caller):
        user.delete()
    return {}


def _delete_conflict(user: IamUser) -> str | None:
    if user.has_console_password:
        return "delete login profile"
    if AccessKey.objects.filter(user=user).exists():
        return "delete access keys"
    if MfaDevice.objects.filter(user=user).exists():
        return "delete MFA device"
    if user.memberships.exists():
        return "remove user from all groups"
    return policies_conflict(user)


@iam_operation("iam:TagUser")
def tag_user(
    caller: Any, *, UserName: str | None = None, Tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128)
    check.required(Tags, "tags")
    check.tags(Tags)
    check.done()
    tags = tags_dict(Tags)
    user = authorized_entity(
        caller, "user", UserName, "iam:TagUser", context=request_tag_context(Tags)
    )
    # Tag keys are case insensitive: a new value replaces the old one whatever its key's case.
    lowered = {k.lower() for k in tags}
    merged = {k: v for k, v in user.tags.items() if k.lower() not in lowered}
    merged.update(tags)
    if len(merged) > 50:
        raise errors.LimitExceeded("The number of tags has reached the maximum limit.")
    with write(caller):
        user.tags = merged
        user.save(update_fields=["tags"])
    return {}


@iam_operation("iam:UntagUser")
def untag_user(
    caller: Any, *, UserName: str | None = None, TagKeys: list[str] | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128)
    check.required(TagKeys, "tagKeys")
    check.done()
    user = authorized_entity(
        caller, "user", UserName, "iam:UntagUser", context={"aws:TagKeys": list(TagKeys)}
    )
    with write(caller):
        gone = {k.lower() for k in TagKeys}
        user.tags = {k: v for k, v in user.tags.items() if k.lower() not in gone}
        user.save(update_fields=["tags"])
    return {}


@iam_operation("iam:ListUserTags")
def list_user_tags(
    caller: Any,
    *,
    UserName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128)
    check.paging(Marker, MaxItems)
    check.done()
    user = authorized_entity(caller, "user", UserName, "iam:ListUserTags")
    items = [{"Key": k, "Value": v} for k, v in user.tags.items()]
    return paginate(items, "Tags", Marker, MaxItems)
