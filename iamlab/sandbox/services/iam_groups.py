"""IAM groups: CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, and membership
(AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser)."""

from __future__ import annotations

from typing import Any

from ..identifiers import GROUP_PREFIX, new_unique_id
from ..models import GroupMembership, IamGroup
from . import errors
from .iam_common import (
    Check,
    arn,
    authorize,
    authorized_entity,
    check_quota,
    existing,
    find_group,
    find_user,
    group_shape,
    iam_operation,
    list_in_account,
    no_user,
    now,
    paginate,
    policies_conflict,
    rename,
    user_shape,
    write,
)

GROUPS_QUOTA = 300
GROUPS_PER_USER_QUOTA = 10


@iam_operation("iam:CreateGroup")
def create_group(
    caller: Any, *, GroupName: str | None = None, Path: str | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(GroupName, "groupName", 128)
    check.path(Path)
    check.done()
    path = Path or "/"
    authorize(caller, "iam:CreateGroup", arn(caller, "group", path, GroupName))
    if find_group(caller, GroupName):
        raise errors.EntityAlreadyExists(f"Group with name {GroupName} already exists.")
    check_quota(IamGroup, caller, GROUPS_QUOTA, "GroupsPerAccount")
    with write(caller):
        group = IamGroup.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            group_id=new_unique_id(GROUP_PREFIX),
            name=GroupName,
            path=path,
            created=now(caller),
        )
    return {"Group": group_shape(group)}


@iam_operation("iam:GetGroup")
def get_group(
    caller: Any,
    *,
    GroupName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    """The group and its users (the users are what is paginated)."""
    check = Check()
    check.name(GroupName, "groupName", 128)
    check.paging(Marker, MaxItems)
    check.done()
    group = authorized_entity(caller, "group", GroupName, "iam:GetGroup")
    users = sorted(
        (m.user for m in group.memberships.select_related("user__account")),
        key=lambda u: u.name.lower(),
    )
    page = paginate(users, "Users", Marker, MaxItems, user_shape)
    return {"Group": group_shape(group), **page}


@iam_operation("iam:ListGroups")
def list_groups(
    caller: Any,
    *,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return list_in_account(
        caller, IamGroup, "iam:ListGroups", "Groups", PathPrefix, Marker, MaxItems, group_shape
    )


@iam_operation("iam:UpdateGroup")
def update_group(
    caller: Any,
    *,
    GroupName: str | None = None,
    NewPath: str | None = None,
    NewGroupName: str | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(GroupName, "groupName", 128)
    check.path(NewPath, "newPath")
    check.name(NewGroupName, "newGroupName", 128, required=False)
    check.done()
    group = authorized_entity(caller, "group", GroupName, "iam:UpdateGroup")
    rename(caller, group, "group", "iam:UpdateGroup", NewPath, NewGroupName)
    return {}


@iam_operation("iam:DeleteGroup")
def delete_group(caller: Any, *, GroupName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(GroupName, "groupName", 128)
    check.done()
    group = authorized_entity(caller, "group", GroupName, "iam:DeleteGroup")
    if group.memberships.exists():
        raise errors.DeleteConflict("Cannot delete entity, must remove users from group first.")
    if conflict := policies_conflict(group):
        raise errors.DeleteConflict(f"Cannot delete entity, must {conflict} first.")
    with write(caller):
        group.delete()
    return {}


@iam_operation("iam:AddUserToGroup")
def add_user_to_group(
    caller: Any, *, GroupName: str | None = None, UserName: str | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(GroupName, "groupName", 128)
    check.name(UserName, "userName", 128)
    check.done()
    group = authorized_entity(caller, "group", GroupName, "iam:AddUserToGroup")
    user = existing(caller, "user", UserName)
    if GroupMembership.objects.filter(group=group, user=user).exists():
        return {}  # AWS answers success: the user is already a member.
    if user.memberships.count() >= GROUPS_PER_USER_QUOTA:
        raise errors.LimitExceeded(
            f"Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER_QUOTA}"
        )
    with write(caller):
        GroupMembership.objects.create(sandbox=caller.sandbox, group=group, user=user)
    return {}


@iam_operation("iam:RemoveUserFromGroup")
def remove_user_from_group(
    caller: Any, *, GroupName: str | None = None, UserName: str | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(GroupName, "groupName", 128)
    check.name(UserName, "userName", 128)
    check.done()
    group = authorized_entity(caller, "group", GroupName, "iam:RemoveUserFromGroup")
    user = find_user(caller, UserName)
    membership = GroupMembership.objects.filter(group=group, user=user).first() if user else None
    if membership is None:
        raise no_user(UserName)
    with write(caller):
        membership.delete()
    return {}


@iam_operation("iam:ListGroupsForUser")
def list_groups_for_user(
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
    user = authorized_entity(caller, "user", UserName, "iam:ListGroupsForUser")
    groups = sorted(
        (m.group for m in user.memberships.select_related("group__account")),
        key=lambda g: g.name.lower(),
    )
    return paginate(groups, "Groups", Marker, MaxItems, group_shape)
