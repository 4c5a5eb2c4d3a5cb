"""The policy language's Version element in CreatePolicy and CreatePolicyVersion, as AWS treats it.

The IAM User Guide ("IAM JSON policy elements: Version") lists the two values IAM supports,
2012-10-17 and the older 2008-10-17, and says a policy without a Version element is processed
as 2008-10-17: policy variables such as ${aws:username} are then literal text. So IAM stores
such documents (Access Analyzer's validation warns about them); anything else is a
MalformedPolicyDocument. The validator's other messages are AWS's wording.
"""

import json

import pytest

from iamlab.sandbox.services import authz, errors, iam, principals

from .conftest import ACCOUNT

POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/p"
STATEMENT = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::home/${aws:username}/*",
}


def _doc(version, *statements):
    body = {"Statement": list(statements or [STATEMENT])}
    if version is not None:
        body = {"Version": version, **body}
    return json.dumps(body)


@pytest.mark.parametrize("version", [None, "2008-10-17", "2012-10-17"])
def test_the_versions_iam_supports_are_stored(admin, version):
    iam.create_policy(admin, PolicyName="p", PolicyDocument=_doc(version))
    answer = iam.create_policy_version(
        admin, PolicyArn=POLICY_ARN, PolicyDocument=_doc(version), SetAsDefault=True
    )
    assert answer["PolicyVersion"]["VersionId"] == "v2"
    got = iam.get_policy_version(admin, PolicyArn=POLICY_ARN, VersionId="v2")
    stored = got["PolicyVersion"]["Document"]
    assert stored.get("Version") == version


@pytest.mark.parametrize("version", ["2012-10-18", "2010-01-01", "", "latest"])
def test_any_other_version_is_a_malformed_document(admin, version):
    with pytest.raises(errors.MalformedPolicyDocument) as caught:
        iam.create_policy(admin, PolicyName="p", PolicyDocument=_doc(version))
    assert caught.value.http_status == 400
    assert caught.value.message.startswith("Syntax errors in policy.")
    iam.create_policy(admin, PolicyName="p", PolicyDocument=_doc("2012-10-17"))
    with pytest.raises(errors.MalformedPolicyDocument):
        iam.create_policy_version(admin, PolicyArn=POLICY_ARN, PolicyDocument=_doc(version))
    versions = iam.list_policy_versions(admin, PolicyArn=POLICY_ARN)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]


@pytest.mark.parametrize(("version", "allowed"), [(None, False), ("2012-10-17", True)])
def test_without_the_2012_version_policy_variables_are_literal(sandbox, root, version, allowed):
    iam.create_user(root, UserName="alice")
    iam.create_policy(root, PolicyName="p", PolicyDocument=_doc(version))
    iam.attach_user_policy(root, UserName="alice", PolicyArn=POLICY_ARN)
    alice = principals.as_user(sandbox, "alice")
    result = authz.authorize(sandbox, alice, "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt")
    assert result.allowed is allowed


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            {"Effect": "Allow", "Action": "s3:GetObject"},
            "Policy statement must contain resources.",
        ),
        (
            {"Effect": "Allow", "Resource": "*"},
            "Policy statement must contain actions.",
        ),
        (
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
            "Policy document should not specify a principal.",
        ),
    ],
)
def test_malformed_documents_read_like_aws(admin, statement, message):
    with pytest.raises(errors.MalformedPolicyDocument) as caught:
        iam.create_policy(admin, PolicyName="p", PolicyDocument=_doc("2012-10-17", statement))
    assert caught.value.message == message
