import json

import pytest

from iamlab.sandbox.identifiers import ROLE_PREFIX, new_unique_id
from iamlab.sandbox.models import Role
from iamlab.sandbox.services import errors, iam, iam_roles

from .conftest import ACCOUNT, ADMIN_ARN, NOW, allow, denied, document, trust


def _service_linked(sandbox, account, name="AWSServiceRoleForSupport"):
    return Role.objects.create(
        sandbox=sandbox,
        account=account,
        role_id=new_unique_id(ROLE_PREFIX),
        name=name,
        path="/aws-service-role/support.amazonaws.com/",
        created=NOW,
        trust_policy=trust("support.amazonaws.com"),
    )


def test_it_creates_a_role_in_aws_shape(admin):
    role = iam.create_role(
        admin, RoleName="app", AssumeRolePolicyDocument=trust(), Description="the app"
    )["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/app"
    assert role["RoleId"].startswith(ROLE_PREFIX)
    assert role["AssumeRolePolicyDocument"] == json.loads(trust())
    assert role["Description"] == "the app"


def test_it_gets_a_role_with_its_defaults(admin):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    role = iam.get_role(admin, RoleName="APP")["Role"]
    assert role["MaxSessionDuration"] == 3600
    assert role["RoleLastUsed"] == {}


def test_it_refuses_a_malformed_trust_policy(admin):
    with pytest.raises(errors.MalformedPolicyDocument) as caught:
        iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument="{not json")
    assert caught.value.message.startswith("Syntax errors in policy.")


def test_it_refuses_a_trust_policy_without_a_principal(admin):
    with pytest.raises(errors.MalformedPolicyDocument):
        iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=allow("sts:AssumeRole"))


def test_it_enforces_the_trust_policy_size_quota(admin):
    principals = [f"arn:aws:iam::{ACCOUNT}:user/user-number-{i:04d}" for i in range(60)]
    big = document(
        {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}
    )
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=big)
    assert caught.value.message == "Cannot exceed quota for ACLSizePerRole: 2048"


def test_it_validates_max_session_duration(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_role(
            admin, RoleName="app", AssumeRolePolicyDocument=trust(), MaxSessionDuration=60
        )
    assert "Member must have value greater than or equal to 3600" in caught.value.message


def test_it_refuses_a_role_name_taken_in_another_case(admin):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_role(admin, RoleName="App", AssumeRolePolicyDocument=trust())
    assert caught.value.message == "Role with name App already exists."


def test_it_enforces_the_roles_per_account_quota(sandbox, admin):
    Role.objects.bulk_create(
        Role(
            sandbox=sandbox,
            account=admin.account,
            role_id=new_unique_id(ROLE_PREFIX),
            name=f"r{i}",
            created=NOW,
            trust_policy=trust(),
        )
        for i in range(iam_roles.ROLES_QUOTA)
    )
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_role(admin, RoleName="one-too-many", AssumeRolePolicyDocument=trust())
    assert caught.value.message == "Cannot exceed quota for RolesPerAccount: 1000"


def test_it_denies_a_user_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.create_role(nobody, RoleName="app", AssumeRolePolicyDocument=trust())
    assert caught.value.message == denied(
        "nobody", "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/app"
    )


def test_it_says_when_a_role_cannot_be_found(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_role(admin, RoleName="app")
    assert caught.value.message == "The role with name app cannot be found."


def test_it_updates_a_role_and_its_trust_policy(admin):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.update_role(admin, RoleName="app", Description="new", MaxSessionDuration=7200)
    iam.update_assume_role_policy(
        admin, RoleName="app", PolicyDocument=trust("lambda.amazonaws.com")
    )
    role = iam.get_role(admin, RoleName="app")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("new", 7200)
    assert role["AssumeRolePolicyDocument"] == json.loads(trust("lambda.amazonaws.com"))


def test_it_lists_roles(admin):
    iam.create_role(admin, RoleName="b", AssumeRolePolicyDocument=trust())
    iam.create_role(admin, RoleName="a", AssumeRolePolicyDocument=trust(), Path="/x/")
    assert [r["RoleName"] for r in iam.list_roles(admin)["Roles"]] == ["a", "b"]
    assert [r["RoleName"] for r in iam.list_roles(admin, PathPrefix="/x/")["Roles"]] == ["a"]


@pytest.mark.parametrize(
    "change",
    [
        lambda c, n: iam.delete_role(c, RoleName=n),
        lambda c, n: iam.update_role(c, RoleName=n, Description="mine now"),
        lambda c, n: iam.update_assume_role_policy(c, RoleName=n, PolicyDocument=trust()),
        lambda c, n: iam.attach_role_policy(c, RoleName=n, PolicyArn=ADMIN_ARN),
        lambda c, n: iam.put_role_policy(c, RoleName=n, PolicyName="p", PolicyDocument=allow()),
    ],
)
def test_it_protects_service_linked_roles(sandbox, admin, change):
    _service_linked(sandbox, admin.account)
    with pytest.raises(errors.UnmodifiableEntity) as caught:
        change(admin, "AWSServiceRoleForSupport")
    assert caught.value.message == (
        "Cannot perform the operation on the protected role 'AWSServiceRoleForSupport' - "
        "this role is only modifiable by AWS"
    )


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (
            lambda c: (
                iam.create_instance_profile(c, InstanceProfileName="app"),
                iam.add_role_to_instance_profile(c, InstanceProfileName="app", RoleName="app"),
            ),
            "Cannot delete entity, must remove roles from instance profile first.",
        ),
        (
            lambda c: iam.attach_role_policy(c, RoleName="app", PolicyArn=ADMIN_ARN),
            "Cannot delete entity, must detach all policies first.",
        ),
        (
            lambda c: iam.put_role_policy(
                c, RoleName="app", PolicyName="p", PolicyDocument=allow()
            ),
            "Cannot delete entity, must delete policies first.",
        ),
    ],
)
def test_it_refuses_to_delete_a_role_in_use(admin, prepare, message):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    prepare(admin)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_role(admin, RoleName="app")
    assert caught.value.message == message


def test_it_deletes_a_role(admin):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.delete_role(admin, RoleName="app")
    with pytest.raises(errors.NoSuchEntity):
        iam.get_role(admin, RoleName="app")
