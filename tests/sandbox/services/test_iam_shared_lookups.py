"""What the users, groups, roles and instance profiles operations now share through
`iam_common` (entity lookups, renames, listings, delete conflicts, Create* request context):
each case pins an AWS behaviour at one of those seams, for an entity kind the other test files
do not already cover."""

import pytest

from iamlab.sandbox.services import errors, iam, principals

from .conftest import ACCOUNT, ADMIN_ARN, allow, denied, document, trust


def _may(root, user: str, action: str, resource: str) -> None:
    iam.put_user_policy(root, UserName=user, PolicyName="p", PolicyDocument=allow(action, resource))


def test_a_missing_group_is_authorized_on_its_root_path_arn_before_not_found(nobody, admin):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.get_group(nobody, GroupName="ghost")
    ghost = f"arn:aws:iam::{ACCOUNT}:group/ghost"
    assert caught.value.message == denied("nobody", "iam:GetGroup", ghost)
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_group(admin, GroupName="ghost")
    assert caught.value.message == "The group with name ghost cannot be found."


def test_a_missing_instance_profile_says_so_in_its_own_words(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.delete_instance_profile(admin, InstanceProfileName="ghost")
    assert caught.value.message == "Instance Profile ghost cannot be found."


def test_the_second_entity_named_must_exist(admin):
    iam.create_group(admin, GroupName="devs")
    iam.create_instance_profile(admin, InstanceProfileName="web")
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.add_user_to_group(admin, GroupName="devs", UserName="ghost")
    assert caught.value.message == "The user with name ghost cannot be found."
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.add_role_to_instance_profile(admin, InstanceProfileName="web", RoleName="ghost")
    assert caught.value.message == "The role with name ghost cannot be found."


def test_renaming_a_group_onto_another_is_refused_and_changes_nothing(admin):
    iam.create_group(admin, GroupName="devs")
    iam.create_group(admin, GroupName="ops")
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.update_group(admin, GroupName="devs", NewGroupName="OPS")
    assert caught.value.message == "Group with name OPS already exists."
    assert iam.get_group(admin, GroupName="devs")["Group"]["Path"] == "/"


def test_renaming_needs_permission_on_the_new_name_too(sandbox, root):
    iam.create_user(root, UserName="bob")
    iam.create_user(root, UserName="carol")
    _may(root, "carol", "iam:UpdateUser", f"arn:aws:iam::{ACCOUNT}:user/bob")
    carol = principals.as_user(sandbox, "carol")
    with pytest.raises(errors.AccessDenied) as caught:
        iam.update_user(carol, UserName="bob", NewUserName="robert")
    target = f"arn:aws:iam::{ACCOUNT}:user/robert"
    assert caught.value.message == denied("carol", "iam:UpdateUser", target)
    assert iam.update_user(carol, UserName="bob", NewPath="/") == {}  # same ARN: no second check
    assert iam.get_user(root, UserName="bob")["User"]["UserName"] == "bob"


def test_list_path_prefixes_follow_each_operations_pattern(admin):
    iam.create_group(admin, GroupName="devs", Path="/eng/")
    iam.create_group(admin, GroupName="ops")
    assert [g["GroupName"] for g in iam.list_groups(admin, PathPrefix="/eng")["Groups"]] == ["devs"]
    # ListInstanceProfiles takes a path: "/" alone, or one that begins and ends with "/".
    with pytest.raises(errors.ValidationError) as caught:
        iam.list_instance_profiles(admin, PathPrefix="/eng")
    assert "at 'pathPrefix' failed to satisfy constraint" in caught.value.message
    iam.create_instance_profile(admin, InstanceProfileName="web", Path="/eng/")
    listed = iam.list_instance_profiles(admin, PathPrefix="/eng/", MaxItems=1)
    assert [p["InstanceProfileName"] for p in listed["InstanceProfiles"]] == ["web"]
    assert listed["IsTruncated"] is False


def test_a_group_or_role_with_policies_cannot_be_deleted(admin):
    iam.create_group(admin, GroupName="devs")
    iam.attach_group_policy(admin, GroupName="devs", PolicyArn=ADMIN_ARN)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_group(admin, GroupName="devs")
    assert caught.value.message == "Cannot delete entity, must detach all policies first."
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.put_role_policy(admin, RoleName="app", PolicyName="p", PolicyDocument=allow())
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_role(admin, RoleName="app")
    assert caught.value.message == "Cannot delete entity, must delete policies first."


def test_a_malformed_boundary_arn_is_refused_before_duplicate_tag_keys(admin):
    tags = [{"Key": "team", "Value": "a"}, {"Key": "TEAM", "Value": "b"}]
    with pytest.raises(errors.InvalidInput) as caught:
        iam.create_role(
            admin,
            RoleName="app",
            AssumeRolePolicyDocument=trust(),
            PermissionsBoundary="arn:aws:iam::bad-boundary-arn",
            Tags=tags,
        )
    assert caught.value.message == "ARN arn:aws:iam::bad-boundary-arn is not valid."
    with pytest.raises(errors.InvalidInput) as caught:
        iam.create_user(admin, UserName="bob", Tags=tags)
    assert caught.value.message.startswith("Duplicate tag keys found.")


def test_create_authorizes_with_the_request_tags_and_boundary(sandbox, root):
    iam.create_user(root, UserName="carol")
    only_tagged = document(
        {
            "Effect": "Allow",
            "Action": "iam:CreateRole",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/team": "blue",
                    "iam:PermissionsBoundary": ADMIN_ARN,
                }
            },
        }
    )
    iam.put_user_policy(root, UserName="carol", PolicyName="p", PolicyDocument=only_tagged)
    carol = principals.as_user(sandbox, "carol")
    with pytest.raises(errors.AccessDenied):
        iam.create_role(carol, RoleName="app", AssumeRolePolicyDocument=trust())
    role = iam.create_role(
        carol,
        RoleName="app",
        AssumeRolePolicyDocument=trust(),
        PermissionsBoundary=ADMIN_ARN,
        Tags=[{"Key": "team", "Value": "blue"}],
    )["Role"]
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == ADMIN_ARN
    assert role["Tags"] == [{"Key": "team", "Value": "blue"}]


def test_a_marker_this_sandbox_did_not_give_is_refused(admin):
    iam.create_group(admin, GroupName="a")
    iam.create_group(admin, GroupName="b")
    first = iam.list_groups(admin, MaxItems=1)
    assert first["IsTruncated"] is True and first["Marker"] == "1"
    rest = iam.list_groups(admin, Marker=first["Marker"])
    assert [g["GroupName"] for g in rest["Groups"]] == ["b"] and rest["IsTruncated"] is False
    assert iam.list_groups(admin, Marker="2")["Groups"] == []  # the end of the list
    for marker in ("3", "abc"):
        with pytest.raises(errors.ValidationError) as caught:
            iam.list_groups(admin, Marker=marker)
        assert caught.value.message == "Invalid Marker."
