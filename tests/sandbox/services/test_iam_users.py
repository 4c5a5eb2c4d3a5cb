from datetime import timedelta

import pytest

from iamlab.sandbox.identifiers import USER_PREFIX, new_unique_id
from iamlab.sandbox.models import ActivityEvent, IamUser
from iamlab.sandbox.services import errors, iam, iam_users

from .conftest import ACCOUNT, ADMIN_ARN, NOW, allow, denied


def test_it_creates_a_user_in_aws_shape(admin):
    out = iam.create_user(admin, UserName="bob", Path="/eng/")
    user = out["User"]
    assert set(user) == {"Path", "UserName", "UserId", "Arn", "CreateDate"}
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/eng/bob"
    assert user["UserId"].startswith(USER_PREFIX) and len(user["UserId"]) == 21
    assert user["CreateDate"] == NOW


def test_it_dates_users_by_the_sandbox_clock(sandbox, admin):
    sandbox.move_clock(timedelta(days=3))
    assert iam.create_user(admin, UserName="bob")["User"]["CreateDate"] == NOW + timedelta(days=3)


def test_it_bumps_the_sandbox_version_on_a_write(sandbox, admin):
    before = sandbox.version
    iam.create_user(admin, UserName="bob")
    sandbox.refresh_from_db()
    assert sandbox.version == before + 1


def test_it_rejects_a_name_outside_aws_pattern(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_user(admin, UserName="a b")
    assert caught.value.message == (
        "1 validation error detected: Value 'a b' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_it_reports_every_validation_error_at_once(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_user(admin, UserName="x" * 65, Path="eng")
    assert caught.value.message.startswith("2 validation errors detected: ")
    assert "Member must have length less than or equal to 64" in caught.value.message
    assert "Value 'eng' at 'path'" in caught.value.message


def test_it_requires_a_user_name(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_user(admin)
    assert "Value null at 'userName' failed to satisfy constraint: Member must not be null" in (
        caught.value.message
    )


def test_it_refuses_a_name_taken_in_another_case(admin):
    iam.create_user(admin, UserName="alice")
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_user(admin, UserName="ALICE")
    assert caught.value.message == "User with name ALICE already exists."


def test_it_enforces_the_users_per_account_quota(sandbox, admin):
    account = admin.account
    IamUser.objects.bulk_create(
        IamUser(
            sandbox=sandbox,
            account=account,
            user_id=new_unique_id(USER_PREFIX),
            name=f"u{i}",
            created=NOW,
        )
        for i in range(iam_users.USERS_QUOTA - 1)  # admin already exists
    )
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_user(admin, UserName="one-too-many")
    assert caught.value.message == "Cannot exceed quota for UsersPerAccount: 5000"


def test_it_denies_a_user_without_permission_with_aws_message(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.create_user(nobody, UserName="bob")
    assert caught.value.message == denied(
        "nobody", "iam:CreateUser", f"arn:aws:iam::{ACCOUNT}:user/bob"
    )


def test_it_logs_the_denied_call(sandbox, nobody):
    with pytest.raises(errors.AccessDenied):
        iam.create_user(nobody, UserName="bob")
    event = ActivityEvent.objects.filter(sandbox=sandbox, action="iam:CreateUser").last()
    assert event.decision == "implicitDeny"
    assert event.principal_arn.endswith(":user/nobody")


def test_it_checks_the_permissions_boundary_condition_key(sandbox, root, admin):
    iam.create_user(root, UserName="delegate")
    iam.put_user_policy(
        root,
        UserName="delegate",
        PolicyName="only-with-boundary",
        PolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser",'
            '"Resource":"*","Condition":{"StringEquals":{"iam:PermissionsBoundary":'
            '"arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]}'
        ),
    )
    from iamlab.sandbox.services import principals

    delegate = principals.as_user(sandbox, "delegate")
    with pytest.raises(errors.AccessDenied):
        iam.create_user(delegate, UserName="free")
    out = iam.create_user(
        delegate, UserName="bounded", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    assert out["User"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }


def test_it_refuses_a_boundary_that_does_not_exist(admin):
    missing = f"arn:aws:iam::{ACCOUNT}:policy/missing"
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.create_user(admin, UserName="bob", PermissionsBoundary=missing)
    assert caught.value.message == f"Policy {missing} does not exist or is not attachable."


def test_it_gets_a_user_and_the_caller_itself(admin):
    iam.create_user(admin, UserName="bob", Tags=[{"Key": "team", "Value": "eng"}])
    assert iam.get_user(admin, UserName="BOB")["User"]["Tags"] == [{"Key": "team", "Value": "eng"}]
    assert iam.get_user(admin)["User"]["UserName"] == "admin"


def test_it_gets_the_root_user_for_root(root):
    assert iam.get_user(root)["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"


def test_it_says_when_a_user_cannot_be_found(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_user(admin, UserName="bob")
    assert caught.value.message == "The user with name bob cannot be found."


def test_it_lists_users_in_pages(admin):
    for name in ("carol", "bob", "dave"):
        iam.create_user(admin, UserName=name, Path="/eng/" if name != "dave" else "/")
    first = iam.list_users(admin, MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["admin", "bob"]
    assert first["IsTruncated"] is True
    rest = iam.list_users(admin, MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["carol", "dave"]
    assert rest["IsTruncated"] is False and "Marker" not in rest
    eng = iam.list_users(admin, PathPrefix="/eng/")
    assert [u["UserName"] for u in eng["Users"]] == ["bob", "carol"]


def test_it_renames_and_moves_a_user(admin):
    iam.create_user(admin, UserName="bob")
    iam.update_user(admin, UserName="bob", NewUserName="robert", NewPath="/ops/")
    assert iam.get_user(admin, UserName="robert")["User"]["Path"] == "/ops/"


def test_it_refuses_to_rename_onto_an_existing_user(admin):
    iam.create_user(admin, UserName="bob")
    with pytest.raises(errors.EntityAlreadyExists):
        iam.update_user(admin, UserName="bob", NewUserName="Admin")


def test_it_deletes_a_user(admin):
    iam.create_user(admin, UserName="bob")
    assert iam.delete_user(admin, UserName="bob") == {}
    with pytest.raises(errors.NoSuchEntity):
        iam.delete_user(admin, UserName="bob")


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (
            lambda c: iam.create_login_profile(c, UserName="bob", Password="Str0ng-Passw0rd!"),
            "Cannot delete entity, must delete login profile first.",
        ),
        (
            lambda c: iam.create_access_key(c, UserName="bob"),
            "Cannot delete entity, must delete access keys first.",
        ),
        (
            lambda c: (
                iam.create_group(c, GroupName="g"),
                iam.add_user_to_group(c, GroupName="g", UserName="bob"),
            ),
            "Cannot delete entity, must remove user from all groups first.",
        ),
        (
            lambda c: iam.attach_user_policy(c, UserName="bob", PolicyArn=ADMIN_ARN),
            "Cannot delete entity, must detach all policies first.",
        ),
        (
            lambda c: iam.put_user_policy(
                c, UserName="bob", PolicyName="p", PolicyDocument=allow()
            ),
            "Cannot delete entity, must delete policies first.",
        ),
    ],
)
def test_it_refuses_to_delete_a_user_with_things_attached(admin, prepare, message):
    iam.create_user(admin, UserName="bob")
    prepare(admin)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_user(admin, UserName="bob")
    assert caught.value.message == message


def test_it_tags_and_untags_a_user(admin):
    iam.create_user(admin, UserName="bob")
    iam.tag_user(admin, UserName="bob", Tags=[{"Key": "a", "Value": "1"}])
    assert iam.list_user_tags(admin, UserName="bob")["Tags"] == [{"Key": "a", "Value": "1"}]
    iam.untag_user(admin, UserName="bob", TagKeys=["a"])
    assert iam.list_user_tags(admin, UserName="bob")["Tags"] == []


def test_it_refuses_tag_keys_that_differ_only_in_case(admin):
    with pytest.raises(errors.InvalidInput):
        iam.create_user(
            admin, UserName="bob", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}]
        )


def test_it_rejects_letters_that_java_word_characters_do_not_cover(admin):
    with pytest.raises(errors.ValidationError):
        iam.create_user(admin, UserName="josé")


def test_it_validates_paging_parameters(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.list_users(admin, MaxItems=0)
    assert caught.value.message == (
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_it_refuses_a_write_on_a_stale_sandbox(sandbox, admin):
    from iamlab.sandbox.models import Sandbox

    Sandbox.objects.filter(pk=sandbox.pk).update(version=sandbox.version + 5)
    with pytest.raises(errors.ConcurrentModification):
        iam.create_user(admin, UserName="bob")
    assert not IamUser.objects.filter(name="bob").exists()


def test_it_needs_a_user_name_from_a_role_session(sandbox, root):
    from iamlab.sandbox.services import principals

    iam.create_role(
        root,
        RoleName="app",
        AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        ),
    )
    session = principals.as_principal(sandbox, f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s")
    with pytest.raises(errors.ValidationError) as caught:
        iam.get_user(session)
    assert caught.value.message == "Must specify userName when calling with non-User credentials"
