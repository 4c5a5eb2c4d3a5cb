"""Tags on roles, customer managed policies and instance profiles: TagRole, UntagRole,
ListRoleTags, TagPolicy, UntagPolicy, ListPolicyTags, TagInstanceProfile,
UntagInstanceProfile, ListInstanceProfileTags (users' are in `iam_users`).

As AWS: at most 50 tags per resource (LimitExceeded beyond), keys compared without case (a new
value replaces the old one whatever the case of its key), `aws:RequestTag/KEY` and
`aws:TagKeys` in the request context when tagging, `aws:TagKeys` when untagging.
"""

from __future__ import annotations

from typing import Any

from . import errors
from .iam_common import (
    Check,
    arn,
    authorize,
    check_policy_arn_format,
    find_instance_profile,
    find_role,
    iam_operation,
    no_role,
    paginate,
    resolve_policy,
    tags_dict,
    write,
)
from .iam_policies import not_found, unmodifiable
from .iam_users import request_tag_context

TAGS_PER_RESOURCE = 50


def _no_profile(name: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"Instance Profile {name} cannot be found.")


def _check_keys(check: Check, keys: Any) -> None:
    if keys is None:
        check.fail(None, "tagKeys", "must not be null")
        return
    for index, key in enumerate(check.count(keys, "tagKeys", maximum=50), start=1):
        check.string(key, f"tagKeys.{index}.member", max_len=128, required=True)


def _tag(row: Any, tags: list[dict[str, str]], caller: Any) -> None:
    new = tags_dict(tags)
    lowered = {k.lower() for k in new}
    merged = {k: v for k, v in (row.tags or {}).items() if k.lower() not in lowered}
    merged.update(new)
    if len(merged) > TAGS_PER_RESOURCE:
        raise errors.LimitExceeded("The number of tags has reached the maximum limit.")
    with write(caller):
        row.tags = merged
        row.save(update_fields=["tags"])


def _untag(row: Any, keys: list[str], caller: Any) -> None:
    gone = {k.lower() for k in keys}
    with write(caller):
        row.tags = {k: v for k, v in (row.tags or {}).items() if k.lower() not in gone}
        row.save(update_fields=["tags"])


def _listed(row: Any, marker: Any, max_items: Any) -> dict[str, Any]:
    items = [{"Key": k, "Value": v} for k, v in (row.tags or {}).items()]
    return paginate(items, "Tags", marker, max_items)


# -- roles ---------------------------------------------------------------------------------------


def _role(caller: Any, name: str, action: str, context: dict | None = None) -> Any:
    role = find_role(caller, name)
    authorize(caller, action, role.arn if role else arn(caller, "role", "/", name), context=context)
    if role is None:
        raise no_role(name)
    return role


@iam_operation("iam:TagRole")
def tag_role(
    caller: Any, *, RoleName: str | None = None, Tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.required(Tags, "tags")
    check.tags(Tags)
    check.done()
    tags_dict(Tags)
    role = _role(caller, RoleName, "iam:TagRole", request_tag_context(Tags))
    _tag(role, Tags, caller)
    return {}


@iam_operation("iam:UntagRole")
def untag_role(
    caller: Any, *, RoleName: str | None = None, TagKeys: list[str] | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    _check_keys(check, TagKeys)
    check.done()
    role = _role(caller, RoleName, "iam:UntagRole", {"aws:TagKeys": list(TagKeys)})
    _untag(role, TagKeys, caller)
    return {}


@iam_operation("iam:ListRoleTags")
def list_role_tags(
    caller: Any,
    *,
    RoleName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.paging(Marker, MaxItems)
    check.done()
    return _listed(_role(caller, RoleName, "iam:ListRoleTags"), Marker, MaxItems)


# -- customer managed policies -----------------------------------------------------------------


def _policy(caller: Any, policy_arn: str, action: str, context: dict | None = None) -> Any:
    check_policy_arn_format(policy_arn)
    authorize(caller, action, policy_arn, context=context)
    ref = resolve_policy(caller, policy_arn)
    if ref is None:
        raise not_found(policy_arn)
    if ref.row is None:  # AWS managed: only AWS may tag it
        raise unmodifiable(ref)
    return ref.row


def _check_policy_arn(check: Check, policy_arn: Any) -> None:
    check.arn(policy_arn, "policyArn")


@iam_operation("iam:TagPolicy")
def tag_policy(
    caller: Any, *, PolicyArn: str | None = None, Tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    check = Check()
    _check_policy_arn(check, PolicyArn)
    check.required(Tags, "tags")
    check.tags(Tags)
    check.done()
    tags_dict(Tags)
    policy = _policy(caller, PolicyArn, "iam:TagPolicy", request_tag_context(Tags))
    _tag(policy, Tags, caller)
    return {}


@iam_operation("iam:UntagPolicy")
def untag_policy(
    caller: Any, *, PolicyArn: str | None = None, TagKeys: list[str] | None = None
) -> dict[str, Any]:
    check = Check()
    _check_policy_arn(check, PolicyArn)
    _check_keys(check, TagKeys)
    check.done()
    policy = _policy(caller, PolicyArn, "iam:UntagPolicy", {"aws:TagKeys": list(TagKeys)})
    _untag(policy, TagKeys, caller)
    return {}


@iam_operation("iam:ListPolicyTags")
def list_policy_tags(
    caller: Any,
    *,
    PolicyArn: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    _check_policy_arn(check, PolicyArn)
    check.paging(Marker, MaxItems)
    check.done()
    return _listed(_policy(caller, PolicyArn, "iam:ListPolicyTags"), Marker, MaxItems)


# -- instance profiles -------------------------------------------------------------------------


def _profile(caller: Any, name: str, action: str, context: dict | None = None) -> Any:
    profile = find_instance_profile(caller, name)
    resource = profile.arn if profile else arn(caller, "instance-profile", "/", name)
    authorize(caller, action, resource, context=context)
    if profile is None:
        raise _no_profile(name)
    return profile


@iam_operation("iam:TagInstanceProfile")
def tag_instance_profile(
    caller: Any,
    *,
    InstanceProfileName: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.required(Tags, "tags")
    check.tags(Tags)
    check.done()
    tags_dict(Tags)
    profile = _profile(
        caller, InstanceProfileName, "iam:TagInstanceProfile", request_tag_context(Tags)
    )
    _tag(profile, Tags, caller)
    return {}


@iam_operation("iam:UntagInstanceProfile")
def untag_instance_profile(
    caller: Any, *, InstanceProfileName: str | None = None, TagKeys: list[str] | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    _check_keys(check, TagKeys)
    check.done()
    profile = _profile(
        caller, InstanceProfileName, "iam:UntagInstanceProfile", {"aws:TagKeys": list(TagKeys)}
    )
    _untag(profile, TagKeys, caller)
    return {}


@iam_operation("iam:ListInstanceProfileTags")
def list_instance_profile_tags(
    caller: Any,
    *,
    InstanceProfileName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.paging(Marker, MaxItems)
    check.done()
    profile = _profile(caller, InstanceProfileName, "iam:ListInstanceProfileTags")
    return _listed(profile, Marker, MaxItems)
