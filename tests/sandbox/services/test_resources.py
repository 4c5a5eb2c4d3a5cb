"""Resource-policy operations: S3 bucket policies and Block Public Access, Lambda, SQS, KMS,
EC2 instance profiles."""

import json

import pytest

from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import errors as e
from iamlab.sandbox.services import principals, resources

pytestmark = pytest.mark.django_db


def _doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


PUBLIC = _doc(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
    }
)

SCENARIO = """
clock: {now: 2026-01-15T09:00:00Z}
accounts:
  '111111111111':
    users:
      admin: {policies: [AdministratorAccess]}
      reader: {policies: [AmazonS3ReadOnlyAccess]}
      nobody: {}
    roles:
      app:
        trust_policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}
    instance_profiles:
      app-profile: {role: app}
    functions:
      worker: {}
    queues:
      jobs: {}
    kms_keys:
      11111111-2222-3333-4444-555555555555:
        policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {AWS: 'arn:aws:iam::111111111111:root'}, Action: 'kms:*', Resource: '*'}]}
    buckets:
      site: {}
"""  # noqa: E501


@pytest.fixture
def sandbox():
    return load_scenario(SCENARIO, name="resources")


@pytest.fixture
def admin(sandbox):
    return principals.as_user(sandbox, "admin")


def test_bucket_policy_round_trip_and_its_errors(admin):
    with pytest.raises(e.NoSuchBucketPolicy) as caught:
        resources.get_bucket_policy(admin, Bucket="site")
    assert caught.value.http_status == 404
    with pytest.raises(e.NoSuchBucket):
        resources.get_bucket_policy(admin, Bucket="nope")
    with pytest.raises(e.MalformedPolicy) as caught:
        resources.put_bucket_policy(admin, Bucket="site", Policy="not json")
    assert caught.value.message == "Policies must be valid JSON and the first byte must be '{'"
    policy = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:user/nobody"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::site/*",
        }
    )
    resources.put_bucket_policy(admin, Bucket="site", Policy=policy)
    assert resources.get_bucket_policy(admin, Bucket="site") == {"Policy": policy}
    resources.delete_bucket_policy(admin, Bucket="site")
    with pytest.raises(e.NoSuchBucketPolicy):
        resources.get_bucket_policy(admin, Bucket="site")


def test_block_public_policy_refuses_a_public_policy(admin):
    with pytest.raises(e.AccessDenied) as caught:
        resources.put_bucket_policy(admin, Bucket="site", Policy=PUBLIC)
    assert "because public policies are blocked by the BlockPublicPolicy" in caught.value.message
    off = dict.fromkeys(
        ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"], False
    )
    resources.put_public_access_block(admin, Bucket="site", PublicAccessBlockConfiguration=off)
    assert resources.get_public_access_block(admin, Bucket="site") == {
        "PublicAccessBlockConfiguration": off
    }
    resources.put_bucket_policy(admin, Bucket="site", Policy=PUBLIC)


def test_a_bucket_policy_lets_a_user_read_and_get_object_hides_missing_keys(sandbox, admin):
    nobody = principals.as_user(sandbox, "nobody")
    resources.put_object(admin, Bucket="site", Key="index.html", Body="<h1>hi</h1>")
    with pytest.raises(e.AccessDenied):
        resources.get_object(nobody, Bucket="site", Key="index.html")
    resources.put_bucket_policy(
        admin,
        Bucket="site",
        Policy=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:user/nobody"},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::site/*",
            }
        ),
    )
    assert resources.get_object(nobody, Bucket="site", Key="index.html")["Body"] == "<h1>hi</h1>"
    with pytest.raises(e.AccessDenied):  # no s3:ListBucket: 403, not 404
        resources.get_object(nobody, Bucket="site", Key="missing")
    reader = principals.as_user(sandbox, "reader")
    with pytest.raises(e.NoSuchKey):
        resources.get_object(reader, Bucket="site", Key="missing")


def test_create_and_list_buckets(admin):
    resources.create_bucket(admin, Bucket="new-bucket")
    with pytest.raises(e.BucketAlreadyOwnedByYou):
        resources.create_bucket(admin, Bucket="new-bucket")
    with pytest.raises(e.InvalidBucketName):
        resources.create_bucket(admin, Bucket="Bad_Name")
    names = [b["Name"] for b in resources.list_buckets(admin)["Buckets"]]
    assert names == ["new-bucket", "site"]


def test_lambda_permissions(admin):
    added = resources.add_permission(
        admin,
        FunctionName="worker",
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::site",
    )
    assert json.loads(added["Statement"])["Principal"] == {"Service": "s3.amazonaws.com"}
    with pytest.raises(e.ResourceConflictException):
        resources.add_permission(
            admin,
            FunctionName="worker",
            StatementId="s3-invoke",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
        )
    assert "s3-invoke" in resources.get_policy(admin, FunctionName="worker")["Policy"]
    resources.remove_permission(admin, FunctionName="worker", StatementId="s3-invoke")
    with pytest.raises(e.ResourceNotFoundException):
        resources.get_policy(admin, FunctionName="worker")
    with pytest.raises(e.ResourceNotFoundException) as caught:
        resources.get_policy(admin, FunctionName="ghost")
    assert caught.value.message.startswith("Function not found: arn:aws:lambda:us-east-1:")


def test_sqs_queue_policy(admin):
    url = "https://sqs.us-east-1.amazonaws.com/111111111111/jobs"
    policy = _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": "arn:aws:sqs:us-east-1:111111111111:jobs",
        }
    )
    resources.set_queue_attributes(admin, QueueUrl=url, Attributes={"Policy": policy})
    assert resources.get_queue_attributes(admin, QueueUrl=url)["Attributes"]["Policy"] == policy
    with pytest.raises(e.InvalidAttributeName):
        resources.set_queue_attributes(admin, QueueUrl=url, Attributes={"Bogus": "1"})
    with pytest.raises(e.QueueDoesNotExist):
        resources.get_queue_attributes(admin, QueueUrl=url + "x")


def test_kms_key_policy_lockout_check(admin):
    key = "11111111-2222-3333-4444-555555555555"
    locked = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:user/nobody"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    with pytest.raises(e.KmsMalformedPolicyDocument) as caught:
        resources.put_key_policy(admin, KeyId=key, Policy=locked)
    assert "will not allow you to update the key policy" in caught.value.message
    resources.put_key_policy(admin, KeyId=key, Policy=locked, BypassPolicyLockoutSafetyCheck=True)
    assert resources.get_key_policy.__name__  # the admin is now locked out of the key:
    with pytest.raises(e.KmsAccessDenied):
        resources.get_key_policy(admin, KeyId=key)
    with pytest.raises(e.KmsNotFound):
        resources.get_key_policy(admin, KeyId="00000000-0000-0000-0000-000000000000")


def test_ec2_needs_pass_role_for_an_instance_profile(sandbox, admin):
    launched = resources.run_instances(
        admin, ImageId="ami-12345678", IamInstanceProfile={"Name": "app-profile"}
    )
    instance_id = launched["Instances"][0]["InstanceId"]
    with pytest.raises(e.IncorrectState):
        resources.associate_iam_instance_profile(
            admin, IamInstanceProfile={"Name": "app-profile"}, InstanceId=instance_id
        )
    reader = principals.as_user(sandbox, "reader")
    with pytest.raises(e.UnauthorizedOperation):
        resources.run_instances(reader, ImageId="ami-12345678")
    with pytest.raises(e.InvalidInstanceIdNotFound):
        resources.associate_iam_instance_profile(
            admin, IamInstanceProfile={"Name": "app-profile"}, InstanceId="i-0123456789abcdef0"
        )
