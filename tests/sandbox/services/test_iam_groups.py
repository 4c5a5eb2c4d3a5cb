import pytest

from iamlab.sandbox.identifiers import GROUP_PREFIX, new_unique_id
from iamlab.sandbox.models import IamGroup
from iamlab.sandbox.services import errors, iam, iam_groups

from .conftest import ACCOUNT, ADMIN_ARN, NOW, allow, denied


def test_it_creates_a_group_in_aws_shape(admin):
    group = iam.create_group(admin, GroupName="devs", Path="/eng/")["Group"]
    assert set(group) == {"Path", "GroupName", "GroupId", "Arn", "CreateDate"}
    assert group["Arn"] == f"arn:aws:iam::{ACCOUNT}:group/eng/devs"
    assert group["GroupId"].startswith(GROUP_PREFIX)


def test_it_refuses_a_group_name_taken_in_another_case(admin):
    iam.create_group(admin, GroupName="devs")
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_group(admin, GroupName="DEVS")
    assert caught.value.message == "Group with name DEVS already exists."


def test_it_validates_the_group_name(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_group(admin, GroupName="x" * 129)
    assert "Member must have length less than or equal to 128" in caught.value.message


def test_it_enforces_the_groups_per_account_quota(sandbox, admin):
    IamGroup.objects.bulk_create(
        IamGroup(
            sandbox=sandbox,
            account=admin.account,
            group_id=new_unique_id(GROUP_PREFIX),
            name=f"g{i}",
            created=NOW,
        )
        for i in range(iam_groups.GROUPS_QUOTA)
    )
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_group(admin, GroupName="one-too-many")
    assert caught.value.message == "Cannot exceed quota for GroupsPerAccount: 300"


def test_it_denies_a_user_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.create_group(nobody, GroupName="devs")
    assert caught.value.message == denied(
        "nobody", "iam:CreateGroup", f"arn:aws:iam::{ACCOUNT}:group/devs"
    )


def test_it_gets_a_group_with_its_users(admin):
    iam.create_group(admin, GroupName="devs")
    iam.create_user(admin, UserName="bob")
    iam.add_user_to_group(admin, GroupName="devs", UserName="bob")
    out = iam.get_group(admin, GroupName="devs")
    assert out["Group"]["GroupName"] == "devs"
    assert [u["UserName"] for u in out["Users"]] == ["bob"]
    assert out["IsTruncated"] is False


def test_it_says_when_a_group_cannot_be_found(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_group(admin, GroupName="devs")
    assert caught.value.message == "The group with name devs cannot be found."


def test_it_lists_groups_and_the_groups_of_a_user(admin):
    iam.create_user(admin, UserName="bob")
    for name in ("b", "a"):
        iam.create_group(admin, GroupName=name)
    iam.add_user_to_group(admin, GroupName="b", UserName="bob")
    assert [g["GroupName"] for g in iam.list_groups(admin)["Groups"]] == ["a", "b"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(admin, UserName="bob")["Groups"]] == [
        "b"
    ]


def test_it_accepts_adding_a_member_twice(admin):
    iam.create_group(admin, GroupName="devs")
    iam.create_user(admin, UserName="bob")
    iam.add_user_to_group(admin, GroupName="devs", UserName="bob")
    assert iam.add_user_to_group(admin, GroupName="devs", UserName="bob") == {}


def test_it_refuses_to_add_a_missing_user(admin):
    iam.create_group(admin, GroupName="devs")
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.add_user_to_group(admin, GroupName="devs", UserName="bob")
    assert caught.value.message == "The user with name bob cannot be found."


def test_it_enforces_the_groups_per_user_quota(admin):
    iam.create_user(admin, UserName="bob")
    for i in range(10):
        iam.create_group(admin, GroupName=f"g{i}")
        iam.add_user_to_group(admin, GroupName=f"g{i}", UserName="bob")
    iam.create_group(admin, GroupName="g10")
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.add_user_to_group(admin, GroupName="g10", UserName="bob")
    assert caught.value.message == "Cannot exceed quota for GroupsPerUser: 10"


def test_it_removes_a_member_and_refuses_a_non_member(admin):
    iam.create_group(admin, GroupName="devs")
    iam.create_user(admin, UserName="bob")
    iam.add_user_to_group(admin, GroupName="devs", UserName="bob")
    iam.remove_user_from_group(admin, GroupName="devs", UserName="bob")
    with pytest.raises(errors.NoSuchEntity):
        iam.remove_user_from_group(admin, GroupName="devs", UserName="bob")


def test_it_renames_a_group(admin):
    iam.create_group(admin, GroupName="devs")
    iam.update_group(admin, GroupName="devs", NewGroupName="builders")
    assert iam.get_group(admin, GroupName="builders")["Group"]["GroupName"] == "builders"


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (
            lambda c: (
                iam.create_user(c, UserName="bob"),
                iam.add_user_to_group(c, GroupName="devs", UserName="bob"),
            ),
            "Cannot delete entity, must remove users from group first.",
        ),
        (
            lambda c: iam.attach_group_policy(c, GroupName="devs", PolicyArn=ADMIN_ARN),
            "Cannot delete entity, must detach all policies first.",
        ),
        (
            lambda c: iam.put_group_policy(
                c, GroupName="devs", PolicyName="p", PolicyDocument=allow()
            ),
            "Cannot delete entity, must delete policies first.",
        ),
    ],
)
def test_it_refuses_to_delete_a_group_in_use(admin, prepare, message):
    iam.create_group(admin, GroupName="devs")
    prepare(admin)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_group(admin, GroupName="devs")
    assert caught.value.message == message


def test_it_deletes_an_empty_group(admin):
    iam.create_group(admin, GroupName="devs")
    iam.delete_group(admin, GroupName="devs")
    assert iam.list_groups(admin)["Groups"] == []
