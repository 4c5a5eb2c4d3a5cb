import json

import pytest

from iamlab.sandbox.identifiers import INSTANCE_PROFILE_PREFIX, new_unique_id
from iamlab.sandbox.models import InstanceProfile
from iamlab.sandbox.services import errors, iam, iam_account, principals

from .conftest import ACCOUNT, ADMIN_ARN, NOW, READ_ONLY_ARN, allow, denied, document, trust

# -- instance profiles --


def test_it_creates_an_instance_profile_and_adds_a_role(admin):
    profile = iam.create_instance_profile(admin, InstanceProfileName="web", Path="/app/")
    shape = profile["InstanceProfile"]
    assert shape["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/app/web"
    assert shape["InstanceProfileId"].startswith(INSTANCE_PROFILE_PREFIX)
    assert shape["Roles"] == []
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.add_role_to_instance_profile(admin, InstanceProfileName="web", RoleName="app")
    got = iam.get_instance_profile(admin, InstanceProfileName="web")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["app"]
    listed = iam.list_instance_profiles_for_role(admin, RoleName="app")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["web"]


def test_it_holds_one_role_per_instance_profile(admin):
    iam.create_instance_profile(admin, InstanceProfileName="web")
    for name in ("a", "b"):
        iam.create_role(admin, RoleName=name, AssumeRolePolicyDocument=trust())
    iam.add_role_to_instance_profile(admin, InstanceProfileName="web", RoleName="a")
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.add_role_to_instance_profile(admin, InstanceProfileName="web", RoleName="b")
    assert caught.value.message == "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"


def test_it_requires_pass_role_to_add_a_role(sandbox, root):
    iam.create_user(root, UserName="ops")
    may_add = document(
        {"Effect": "Allow", "Action": "iam:AddRoleToInstanceProfile", "Resource": "*"}
    )
    iam.put_user_policy(root, UserName="ops", PolicyName="p", PolicyDocument=may_add)
    iam.create_instance_profile(root, InstanceProfileName="web")
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=trust())
    ops = principals.as_user(sandbox, "ops")
    with pytest.raises(errors.AccessDenied) as caught:
        iam.add_role_to_instance_profile(ops, InstanceProfileName="web", RoleName="app")
    assert caught.value.message == denied("ops", "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app")


def test_it_says_when_an_instance_profile_cannot_be_found(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_instance_profile(admin, InstanceProfileName="web")
    assert caught.value.message == "Instance Profile web cannot be found."


def test_it_refuses_a_duplicate_instance_profile(admin):
    iam.create_instance_profile(admin, InstanceProfileName="web")
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_instance_profile(admin, InstanceProfileName="WEB")
    assert caught.value.message == "Instance Profile WEB already exists."


def test_it_enforces_the_instance_profiles_quota(sandbox, admin):
    InstanceProfile.objects.bulk_create(
        InstanceProfile(
            sandbox=sandbox,
            account=admin.account,
            instance_profile_id=new_unique_id(INSTANCE_PROFILE_PREFIX),
            name=f"ip{i}",
            created=NOW,
        )
        for i in range(iam_account.INSTANCE_PROFILES_QUOTA)
    )
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_instance_profile(admin, InstanceProfileName="one-too-many")
    assert caught.value.message == "Cannot exceed quota for InstanceProfilesPerAccount: 1000"


def test_it_refuses_to_delete_an_instance_profile_holding_a_role(admin):
    iam.create_instance_profile(admin, InstanceProfileName="web")
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.add_role_to_instance_profile(admin, InstanceProfileName="web", RoleName="app")
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_instance_profile(admin, InstanceProfileName="web")
    assert caught.value.message == (
        "Cannot delete entity, must remove roles from instance profile first."
    )
    iam.remove_role_from_instance_profile(admin, InstanceProfileName="web", RoleName="app")
    iam.delete_instance_profile(admin, InstanceProfileName="web")
    assert iam.list_instance_profiles(admin)["InstanceProfiles"] == []


def test_it_denies_creating_an_instance_profile_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.create_instance_profile(nobody, InstanceProfileName="web")
    assert caught.value.message == denied(
        "nobody", "iam:CreateInstanceProfile", f"arn:aws:iam::{ACCOUNT}:instance-profile/web"
    )


# -- account aliases --


def test_it_creates_lists_and_deletes_the_account_alias(admin):
    iam.create_account_alias(admin, AccountAlias="my-lab")
    assert iam.list_account_aliases(admin) == {"AccountAliases": ["my-lab"], "IsTruncated": False}
    iam.delete_account_alias(admin, AccountAlias="my-lab")
    assert iam.list_account_aliases(admin)["AccountAliases"] == []


def test_it_allows_one_alias_per_account(admin):
    iam.create_account_alias(admin, AccountAlias="my-lab")
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_account_alias(admin, AccountAlias="other-lab")
    assert caught.value.message == "Cannot exceed quota for AccountAliasesPerAccount: 1"


def test_it_validates_the_alias(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_account_alias(admin, AccountAlias="My--Lab")
    assert "at 'accountAlias'" in caught.value.message


def test_it_says_when_the_alias_is_not_the_accounts(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.delete_account_alias(admin, AccountAlias="nope-lab")
    assert caught.value.message == "The account alias nope-lab cannot be found."


# -- password policy --


def test_it_sets_and_gets_the_password_policy(admin):
    iam.update_account_password_policy(admin, MinimumPasswordLength=14, MaxPasswordAge=90)
    policy = iam.get_account_password_policy(admin)["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14
    assert (policy["ExpirePasswords"], policy["MaxPasswordAge"]) == (True, 90)
    assert policy["RequireSymbols"] is False


def test_it_says_when_there_is_no_password_policy(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_account_password_policy(admin)
    assert caught.value.message == (
        f"The Password Policy with domain name {ACCOUNT} cannot be found."
    )


def test_it_validates_the_password_policy(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.update_account_password_policy(admin, MinimumPasswordLength=4)
    assert "Member must have value greater than or equal to 6" in caught.value.message


# -- summary and authorization details --


def test_it_summarizes_the_account(admin):
    iam.create_group(admin, GroupName="g")
    summary = iam.get_account_summary(admin)["SummaryMap"]
    assert (summary["Users"], summary["Groups"], summary["UsersQuota"]) == (1, 1, 5000)
    assert summary["AttachedPoliciesPerUserQuota"] == 10
    assert summary["UserPolicySizeQuota"] == 2048


def test_it_answers_authorization_details_in_aws_shape(admin):
    iam.create_group(admin, GroupName="devs")
    iam.add_user_to_group(admin, GroupName="devs", UserName="admin")
    iam.put_group_policy(admin, GroupName="devs", PolicyName="s3", PolicyDocument=allow())
    policy = iam.create_policy(admin, PolicyName="p", PolicyDocument=allow())["Policy"]
    iam.create_policy_version(admin, PolicyArn=policy["Arn"], PolicyDocument=allow("s3:*"))
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.attach_role_policy(admin, RoleName="app", PolicyArn=policy["Arn"])
    iam.put_role_permissions_boundary(admin, RoleName="app", PermissionsBoundary=READ_ONLY_ARN)
    iam.create_instance_profile(admin, InstanceProfileName="app")
    iam.add_role_to_instance_profile(admin, InstanceProfileName="app", RoleName="app")

    out = iam.get_account_authorization_details(admin)
    assert set(out) == {
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
        "IsTruncated",
    }
    (user,) = out["UserDetailList"]
    assert user["UserName"] == "admin" and user["GroupList"] == ["devs"]
    assert user["AttachedManagedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN_ARN}
    ]
    assert {"Path", "UserId", "Arn", "CreateDate", "UserPolicyList", "Tags"} <= set(user)
    (group,) = out["GroupDetailList"]
    assert group["GroupPolicyList"] == [{"PolicyName": "s3", "PolicyDocument": json.loads(allow())}]
    (role,) = out["RoleDetailList"]
    assert role["AssumeRolePolicyDocument"] == json.loads(trust())
    assert [p["InstanceProfileName"] for p in role["InstanceProfileList"]] == ["app"]
    assert role["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": READ_ONLY_ARN,
    }
    assert role["RoleLastUsed"] == {}
    by_arn = {p["Arn"]: p for p in out["Policies"]}
    assert set(by_arn) == {policy["Arn"], ADMIN_ARN, READ_ONLY_ARN}
    local = by_arn[policy["Arn"]]
    assert [v["VersionId"] for v in local["PolicyVersionList"]] == ["v2", "v1"]
    assert local["PolicyVersionList"][1]["Document"] == json.loads(allow())
    assert local["AttachmentCount"] == 1
    assert by_arn[READ_ONLY_ARN]["PermissionsBoundaryUsageCount"] == 1


def test_it_filters_authorization_details(admin):
    out = iam.get_account_authorization_details(admin, Filter=["User"])
    assert set(out) == {"UserDetailList", "IsTruncated"}
    with pytest.raises(errors.ValidationError):
        iam.get_account_authorization_details(admin, Filter=["Users"])


def test_it_denies_authorization_details_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.get_account_authorization_details(nobody)
    assert caught.value.message == denied("nobody", "iam:GetAccountAuthorizationDetails", "*")
