import json

import pytest

from iamlab.sandbox.identifiers import POLICY_PREFIX, new_unique_id
from iamlab.sandbox.models import ManagedPolicy
from iamlab.sandbox.services import errors, iam, iam_policies

from .conftest import ACCOUNT, ADMIN_ARN, NOW, READ_ONLY_ARN, allow, denied, document

POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/reader"


@pytest.fixture
def reader(admin):
    return iam.create_policy(admin, PolicyName="reader", PolicyDocument=allow())["Policy"]


def test_it_creates_a_policy_in_aws_shape(reader):
    assert reader["Arn"] == POLICY_ARN
    assert reader["PolicyId"].startswith(POLICY_PREFIX)
    assert reader["DefaultVersionId"] == "v1"
    assert (reader["AttachmentCount"], reader["IsAttachable"]) == (0, True)
    assert reader["CreateDate"] == reader["UpdateDate"] == NOW


def test_it_refuses_a_duplicate_policy_name(admin, reader):
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_policy(admin, PolicyName="READER", PolicyDocument=allow())
    assert caught.value.message == (
        "A policy called READER already exists. Duplicate names are not allowed."
    )


def test_it_refuses_a_malformed_document_with_the_validator_message(admin):
    bad = document({"Effect": "Allow", "Action": "s3:GetObject"})
    with pytest.raises(errors.MalformedPolicyDocument) as caught:
        iam.create_policy(admin, PolicyName="p", PolicyDocument=bad)
    assert caught.value.message


def test_it_enforces_the_managed_policy_size_quota(admin):
    actions = [f"s3:GetObjectNumber{i:05d}" for i in range(300)]
    big = document({"Effect": "Allow", "Action": actions, "Resource": "*"})
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_policy(admin, PolicyName="big", PolicyDocument=big)
    assert caught.value.message == "Cannot exceed quota for PolicySize: 6144"


def test_it_validates_the_policy_path(admin):
    with pytest.raises(errors.ValidationError) as caught:
        iam.create_policy(admin, PolicyName="p", PolicyDocument=allow(), Path="/a b/")
    assert "at 'path'" in caught.value.message


def test_it_enforces_the_policies_per_account_quota(sandbox, admin):
    ManagedPolicy.objects.bulk_create(
        ManagedPolicy(
            sandbox=sandbox,
            account=admin.account,
            policy_id=new_unique_id(POLICY_PREFIX),
            name=f"p{i}",
            created=NOW,
        )
        for i in range(iam_policies.POLICIES_QUOTA)
    )
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_policy(admin, PolicyName="one-too-many", PolicyDocument=allow())
    assert caught.value.message == "Cannot exceed quota for PoliciesPerAccount: 1500"


def test_it_denies_a_user_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.create_policy(nobody, PolicyName="reader", PolicyDocument=allow())
    assert caught.value.message == denied("nobody", "iam:CreatePolicy", POLICY_ARN)


def test_it_gets_a_customer_managed_policy(admin, reader):
    assert iam.get_policy(admin, PolicyArn=POLICY_ARN)["Policy"]["PolicyName"] == "reader"


def test_it_gets_an_aws_managed_policy(admin):
    aws = iam.get_policy(admin, PolicyArn=ADMIN_ARN)["Policy"]
    assert aws["Arn"] == ADMIN_ARN
    assert aws["AttachmentCount"] == 1  # the admin fixture's own attachment


def test_it_says_when_a_policy_was_not_found(admin):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_policy(admin, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/missing")
    assert caught.value.message == f"Policy arn:aws:iam::{ACCOUNT}:policy/missing was not found."


def test_it_refuses_an_arn_that_is_not_a_policy_arn(admin):
    with pytest.raises(errors.InvalidInput) as caught:
        iam.get_policy(admin, PolicyArn="arn:aws:s3:::bucket-name-here")
    assert caught.value.message == "ARN arn:aws:s3:::bucket-name-here is not valid."


def test_it_lists_local_and_aws_policies(admin, reader):
    local = iam.list_policies(admin, Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["reader"]
    attached = iam.list_policies(admin, Scope="AWS", OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in attached] == [ADMIN_ARN]
    everything = iam.list_policies(admin, MaxItems=5)
    assert len(everything["Policies"]) == 5 and everything["IsTruncated"] is True


def test_it_creates_versions_and_switches_the_default(admin, reader):
    v2 = iam.create_policy_version(
        admin, PolicyArn=POLICY_ARN, PolicyDocument=allow("s3:PutObject"), SetAsDefault=True
    )["PolicyVersion"]
    assert (v2["VersionId"], v2["IsDefaultVersion"]) == ("v2", True)
    got = iam.get_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="v2")["PolicyVersion"]
    assert got["Document"] == json.loads(allow("s3:PutObject"))
    iam.set_default_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="v1")
    versions = iam.list_policy_versions(admin, PolicyArn=POLICY_ARN)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [
        ("v2", False),
        ("v1", True),
    ]


def test_it_never_reuses_a_version_number(admin, reader):
    iam.create_policy_version(admin, PolicyArn=POLICY_ARN, PolicyDocument=allow())
    iam.delete_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="v2")
    again = iam.create_policy_version(admin, PolicyArn=POLICY_ARN, PolicyDocument=allow())
    assert again["PolicyVersion"]["VersionId"] == "v3"


def test_it_enforces_five_versions_per_policy(admin, reader):
    for _ in range(4):
        iam.create_policy_version(admin, PolicyArn=POLICY_ARN, PolicyDocument=allow())
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_policy_version(admin, PolicyArn=POLICY_ARN, PolicyDocument=allow())
    assert caught.value.message == (
        "A managed policy can have up to 5 versions. Before you create a new version, you must "
        "delete an existing version."
    )


def test_it_refuses_to_delete_the_default_version(admin, reader):
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="v1")
    assert caught.value.message == "Cannot delete the default version of a policy."


def test_it_says_when_a_version_does_not_exist(admin, reader):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="v9")
    assert caught.value.message == (
        f"Policy {POLICY_ARN} version v9 does not exist or is not attachable."
    )


def test_it_validates_the_version_id(admin, reader):
    with pytest.raises(errors.ValidationError) as caught:
        iam.get_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="1")
    assert "at 'versionId'" in caught.value.message


def test_it_reads_an_aws_managed_policy_version_from_the_catalog(admin):
    version = iam.get_policy_version(admin, PolicyArn=ADMIN_ARN, VersionId="v1")["PolicyVersion"]
    assert version["Document"]["Statement"][0]["Action"] == "*"


def test_it_refuses_to_change_an_aws_managed_policy(admin):
    # Denied by authorization today (see AWS_READS_DENIED); UnmodifiableEntity once allowed.
    refused = (errors.AccessDenied, errors.UnmodifiableEntity)
    with pytest.raises(refused):
        iam.create_policy_version(admin, PolicyArn=READ_ONLY_ARN, PolicyDocument=allow())
    with pytest.raises(refused):
        iam.delete_policy(admin, PolicyArn=READ_ONLY_ARN)


def test_it_refuses_to_delete_an_attached_policy(admin, reader):
    iam.attach_user_policy(admin, UserName="admin", PolicyArn=POLICY_ARN)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_policy(admin, PolicyArn=POLICY_ARN)
    assert caught.value.message == "Cannot delete a policy attached to entities."


def test_it_refuses_to_delete_a_policy_used_as_a_boundary(admin, reader):
    iam.put_user_permissions_boundary(admin, UserName="admin", PermissionsBoundary=POLICY_ARN)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_policy(admin, PolicyArn=POLICY_ARN)
    assert caught.value.message == "Cannot delete a policy attached to entities."


def test_it_refuses_to_delete_a_policy_with_several_versions(admin, reader):
    iam.create_policy_version(admin, PolicyArn=POLICY_ARN, PolicyDocument=allow())
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_policy(admin, PolicyArn=POLICY_ARN)
    assert caught.value.message.startswith("This policy has more than one version.")


def test_it_deletes_a_policy(admin, reader):
    iam.delete_policy(admin, PolicyArn=POLICY_ARN)
    with pytest.raises(errors.NoSuchEntity):
        iam.get_policy(admin, PolicyArn=POLICY_ARN)


def test_it_lists_the_entities_a_policy_is_attached_to(admin, reader):
    iam.attach_user_policy(admin, UserName="admin", PolicyArn=POLICY_ARN)
    out = iam.list_entities_for_policy(admin, PolicyArn=POLICY_ARN)
    assert [u["UserName"] for u in out["PolicyUsers"]] == ["admin"]
    assert out["PolicyGroups"] == out["PolicyRoles"] == []
