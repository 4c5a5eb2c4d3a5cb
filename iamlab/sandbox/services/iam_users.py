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
    check_policy_arn_format,
    find_user,
    iam_operation,
    no_user,
    not_attachable,
    now,
    paginate,
    resolve_policy,
    tags_dict,
    user_shape,
    write,
)

USERS_QUOTA = 5000


def request_tag_context(tags: list[dict[str, str]] | None) -> dict[str, Any]:
    """aws:RequestTag/KEY and aws:TagKeys, as AWS sets them for a request that tags."""
    if not tags:
        return {}
    context: dict[str, Any] = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in tags}
    context["aws:TagKeys"] = [t["Key"] for t in tags]
    return context


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
    if PermissionsBoundary:
        check_policy_arn_format(PermissionsBoundary)
    tags = tags_dict(Tags)
    path = Path or "/"
    context = request_tag_context(Tags)
    if PermissionsBoundary:
        context["iam:PermissionsBoundary"] = PermissionsBoundary
    authorize(caller, "iam:CreateUser", arn(caller, "user", path, UserName), context=context)
    if find_user(caller, UserName):
        raise errors.EntityAlreadyExists(f"User with name {UserName} already exists.")
    if IamUser.objects.filter(account=caller.account).count() >= USERS_QUOTA:
        raise errors.LimitExceeded(f"Cannot exceed quota for UsersPerAccount: {USERS_QUOTA}")
    boundary = resolve_policy(caller, PermissionsBoundary) if PermissionsBoundary else None
    if PermissionsBoundary and boundary is None:
        raise not_attachable(PermissionsBoundary)
    with write(caller):
        user = IamUser.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            user_id=new_unique_id(USER_PREFIX),
            name=UserName,
            path=path,
            created=now(caller),
            tags=tags,
            **(boundary.boundary_fields() if boundary else {}),
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
    user = find_user(caller, UserName)
    resource = user.arn if user else arn(caller, "user", "/", UserName)
    authorize(caller, "iam:GetUser", resource)
    if user is None:
        raise no_user(UserName)
    return {"User": user_shape(user, full=True)}


def _calling_user(caller: Any) -> dict[str, Any]:
    if caller.user is not None:
        authorize(caller, "iam:GetUser", caller.user.arn)
        return user_shape(caller.user, full=True)
    if not caller.is_root:
        raise errors.ValidationError("Must specify userName when calling with non-User credentials")
    account = caller.account
    authorize(caller, "iam:GetUser", account.root_arn)
    out: dict[str, Any] = {
        "UserId": account.account_id,
        "Arn": account.root_arn,
        "CreateDate": account.created,
    }
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
    check = Check()
    check.string(
        PathPrefix, "pathPrefix", max_len=512, pattern=r"\u002F[\u0021-\u007F]*", required=False
    )
    check.paging(Marker, MaxItems)
    check.done()
    authorize(caller, "iam:ListUsers", arn(caller, "user", "/", "*"))
    users = IamUser.objects.filter(account=caller.account).select_related("account")
    if PathPrefix:
        users = users.filter(path__startswith=PathPrefix)
    ordered = sorted(users, key=lambda u: u.name.lower())
    return paginate(ordered, "Users", Marker, MaxItems, _listed)


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
    user = find_user(caller, UserName)
    resource = user.arn if user else arn(caller, "user", "/", UserName)
    authorize(caller, "iam:UpdateUser", resource)
    if user is None:
        raise no_user(UserName)
    new_path = NewPath or user.path
    new_name = NewUserName or user.name
    if NewUserName or NewPath:
        # Renaming needs permission on the target name as well as on the source.
        target = arn(caller, "user", new_path, new_name)
        if target != user.arn:
            authorize(caller, "iam:UpdateUser", target)
    other = find_user(caller, NewUserName)
    if NewUserName and other and other.pk != user.pk:
        raise errors.EntityAlreadyExists(f"User with name {NewUserName} already exists.")
    with write(caller):
        user.name, user.path = new_name, new_path
        user.save(update_fields=["name", "path"])
    return {}


@iam_operation("iam:DeleteUser")
def delete_user(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    """Refused while anything still hangs off the user, as AWS refuses it."""
    check = Check()
    check.name(UserName, "userName", 128)
    check.done()
    user = find_user(caller, UserName)
    resource = user.arn if user else arn(caller, "user", "/", UserName)
    authorize(caller, "iam:DeleteUser", resource)
    if user is None:
        raise no_user(UserName)
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
    if user.attachments.exists():
        return "detach all policies"
    if user.inline_policies.exists():
        return "delete policies"
    return None


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
    user = find_user(caller, UserName)
    resource = user.arn if user else arn(caller, "user", "/", UserName)
    authorize(caller, "iam:TagUser", resource, context=request_tag_context(Tags))
    if user is None:
        raise no_user(UserName)
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
    user = find_user(caller, UserName)
    resource = user.arn if user else arn(caller, "user", "/", UserName)
    authorize(caller, "iam:UntagUser", resource, context={"aws:TagKeys": list(TagKeys)})
    if user is None:
        raise no_user(UserName)
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
    user = find_user(caller, UserName)
    resource = user.arn if user else arn(caller, "user", "/", UserName)
    authorize(caller, "iam:ListUserTags", resource)
    if user is None:
        raise no_user(UserName)
    items = [{"Key": k, "Value": v} for k, v in user.tags.items()]
    return paginate(items, "Tags", Marker, MaxItems)
