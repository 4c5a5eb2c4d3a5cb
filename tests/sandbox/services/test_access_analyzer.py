"""IAM Access Analyzer's operations through the service layer: analyzers, findings kept up to
date when a resource policy changes, UpdateFindings, and the policy checks."""

import json

import pytest

from iamlab.sandbox.models import ActivityEvent, AnalyzerFinding, KmsKey, SqsQueue
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import access_analyzer as aa
from iamlab.sandbox.services import errors as e
from iamlab.sandbox.services import iam, principals, resources

pytestmark = pytest.mark.django_db

ACCOUNT = "111111111111"
OUTSIDER = "444455556666"
ANALYZER = f"arn:aws:access-analyzer:us-east-1:{ACCOUNT}:analyzer/account"


def _doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal):
    return _doc({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


PUBLIC_READ = _doc(
    {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::site/*",
    }
)

SCENARIO = f"""
clock: {{now: 2026-01-15T09:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      admin: {{policies: [AdministratorAccess]}}
      nobody: {{}}
    roles:
      partner:
        created: 2025-01-01T00:00:00Z
        trust_policy: {_trust(f"arn:aws:iam::{OUTSIDER}:root")}
      local:
        trust_policy: {_trust(f"arn:aws:iam::{ACCOUNT}:root")}
    buckets:
      site:
        block_public_access: false
        policy: {PUBLIC_READ}
      private: {{block_public_access: false}}
    queues:
      jobs: {{}}
    functions:
      worker: {{}}
    kms_keys:
      alias/data: {{description: data key}}
"""


@pytest.fixture
def sandbox(db):
    return load_scenario(SCENARIO, name="analyzer")


@pytest.fixture
def admin(sandbox):
    return principals.as_user(sandbox, "admin")


@pytest.fixture
def analyzer(admin):
    return aa.create_analyzer(admin, analyzerName="account", type="ACCOUNT")["arn"]


def _active(admin, arn=ANALYZER):
    found = aa.list_findings(admin, analyzerArn=arn, filter={"status": {"eq": ["ACTIVE"]}})
    return {(f["resource"], f["principal"].get("AWS", "")) for f in found["findings"]}


def test_creating_an_analyzer_analyzes_the_account(admin, analyzer):
    assert analyzer == ANALYZER
    assert _active(admin) == {
        ("arn:aws:s3:::site", "*"),
        (f"arn:aws:iam::{ACCOUNT}:role/partner", f"arn:aws:iam::{OUTSIDER}:root"),
    }
    public = aa.list_findings(admin, analyzerArn=ANALYZER, filter={"isPublic": {"eq": ["true"]}})
    (finding,) = public["findings"]
    assert finding["resourceType"] == "AWS::S3::Bucket"
    assert finding["action"] == ["s3:GetObject"]
    assert finding["status"] == "ACTIVE"
    got = aa.get_finding(admin, analyzerArn=ANALYZER, id=finding["id"])["finding"]
    assert got == finding
    shape = aa.get_analyzer(admin, analyzerName="account")["analyzer"]
    assert (shape["arn"], shape["type"], shape["status"]) == (ANALYZER, "ACCOUNT", "ACTIVE")
    assert [a["name"] for a in aa.list_analyzers(admin)["analyzers"]] == ["account"]


def test_no_analyzer_no_findings(sandbox, admin):
    resources.put_bucket_policy(
        admin, Bucket="private", Policy=PUBLIC_READ.replace("site", "private")
    )
    assert not AnalyzerFinding.objects.filter(sandbox=sandbox).exists()


def test_a_bucket_policy_change_is_analyzed_at_once(admin, analyzer):
    resources.put_bucket_policy(
        admin, Bucket="private", Policy=PUBLIC_READ.replace("site", "private")
    )
    assert ("arn:aws:s3:::private", "*") in _active(admin)
    resources.delete_bucket_policy(admin, Bucket="site")
    assert ("arn:aws:s3:::site", "*") not in _active(admin)
    resolved = aa.list_findings(
        admin, analyzerArn=ANALYZER, filter={"status": {"eq": ["RESOLVED"]}}
    )["findings"]
    assert [f["resource"] for f in resolved] == ["arn:aws:s3:::site"]
    # Block Public Access's RestrictPublicBuckets limits a public bucket to its own account.
    resources.put_public_access_block(
        admin, Bucket="private", PublicAccessBlockConfiguration={"RestrictPublicBuckets": True}
    )
    assert ("arn:aws:s3:::private", "*") not in _active(admin)
    resources.delete_public_access_block(admin, Bucket="private")
    assert ("arn:aws:s3:::private", "*") in _active(admin)


def test_trust_policy_changes_and_role_deletion_are_analyzed(admin, analyzer):
    role = f"arn:aws:iam::{ACCOUNT}:role/"
    iam.update_assume_role_policy(
        admin, RoleName="local", PolicyDocument=_trust(f"arn:aws:iam::{OUTSIDER}:root")
    )
    assert (role + "local", f"arn:aws:iam::{OUTSIDER}:root") in _active(admin)
    iam.create_role(
        admin, RoleName="vendor", AssumeRolePolicyDocument=_trust("arn:aws:iam::999988887777:root")
    )
    assert (role + "vendor", "arn:aws:iam::999988887777:root") in _active(admin)
    iam.delete_role(admin, RoleName="vendor")
    assert (role + "vendor", "arn:aws:iam::999988887777:root") not in _active(admin)


def test_queue_function_and_key_policies_are_analyzed(sandbox, admin, analyzer):
    queue = SqsQueue.objects.select_related("account").get(sandbox=sandbox, name="jobs")
    resources.set_queue_attributes(
        admin,
        QueueUrl=queue.url,
        Attributes={
            "Policy": _doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": OUTSIDER},
                    "Action": "sqs:SendMessage",
                    "Resource": queue.arn,
                }
            )
        },
    )
    assert (queue.arn, OUTSIDER) in _active(admin)

    resources.add_permission(
        admin,
        FunctionName="worker",
        StatementId="outsider",
        Action="lambda:InvokeFunction",
        Principal=OUTSIDER,
    )
    function = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker"
    assert (function, f"arn:aws:iam::{OUTSIDER}:root") in _active(admin)
    resources.remove_permission(admin, FunctionName="worker", StatementId="outsider")
    assert (function, f"arn:aws:iam::{OUTSIDER}:root") not in _active(admin)

    key = KmsKey.objects.select_related("account").get(sandbox=sandbox)
    resources.put_key_policy(
        admin,
        KeyId=key.key_id,
        Policy=_doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": OUTSIDER},
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        ),
    )
    assert (key.arn, OUTSIDER) in _active(admin)


def test_archiving_and_reactivating_findings(admin, analyzer):
    (public,) = aa.list_findings(
        admin, analyzerArn=ANALYZER, filter={"isPublic": {"eq": ["true"]}}
    )["findings"]
    assert (
        aa.update_findings(admin, analyzerArn=ANALYZER, status="ARCHIVED", ids=[public["id"]]) == {}
    )
    archived = aa.get_finding(admin, analyzerArn=ANALYZER, id=public["id"])["finding"]
    assert archived["status"] == "ARCHIVED"
    # A re-analysis keeps an archived finding archived.
    resources.put_bucket_policy(admin, Bucket="site", Policy=PUBLIC_READ)
    assert aa.get_finding(admin, analyzerArn=ANALYZER, id=public["id"])["finding"]["status"] == (
        "ARCHIVED"
    )
    aa.update_findings(
        admin, analyzerArn=ANALYZER, status="ACTIVE", resourceArn="arn:aws:s3:::site"
    )
    assert aa.get_finding(admin, analyzerArn=ANALYZER, id=public["id"])["finding"]["status"] == (
        "ACTIVE"
    )
    with pytest.raises(e.AnalyzerValidationException) as caught:
        aa.update_findings(admin, analyzerArn=ANALYZER, status="RESOLVED", ids=[public["id"]])
    assert caught.value.code == "ValidationException"
    assert "must satisfy enum value set: [ACTIVE, ARCHIVED]" in caught.value.message
    with pytest.raises(e.AnalyzerValidationException):
        aa.update_findings(admin, analyzerArn=ANALYZER, status="ARCHIVED")
    with pytest.raises(e.ResourceNotFoundException):
        aa.update_findings(admin, analyzerArn=ANALYZER, status="ARCHIVED", ids=["nope"])


def test_analyzer_errors(sandbox, admin, analyzer):
    with pytest.raises(e.ConflictException):
        aa.create_analyzer(admin, analyzerName="account", type="ACCOUNT_UNUSED_ACCESS")
    with pytest.raises(e.ServiceQuotaExceededException) as caught:
        aa.create_analyzer(admin, analyzerName="second", type="ACCOUNT")
    assert caught.value.http_status == 402
    with pytest.raises(e.AnalyzerValidationException):
        aa.create_analyzer(admin, analyzerName="org", type="ORGANIZATION")
    with pytest.raises(e.AnalyzerValidationException) as caught:
        aa.create_analyzer(admin, analyzerName="1bad", type="SOMETHING")
    assert caught.value.message.startswith("2 validation errors detected: ")
    missing = ANALYZER.replace("account", "missing")
    with pytest.raises(e.ResourceNotFoundException):
        aa.list_findings(admin, analyzerArn=missing)
    with pytest.raises(e.ResourceNotFoundException):
        aa.get_analyzer(admin, analyzerName="missing")
    aa.delete_analyzer(admin, analyzerName="account")
    assert not AnalyzerFinding.objects.filter(sandbox=sandbox).exists()
    assert aa.list_analyzers(admin) == {"analyzers": []}


def test_access_analyzer_calls_are_authorized_and_logged(sandbox, analyzer):
    nobody = principals.as_user(sandbox, "nobody")
    with pytest.raises(e.AccessDeniedException) as caught:
        aa.list_findings(nobody, analyzerArn=ANALYZER)
    assert caught.value.http_status == 403
    assert caught.value.message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/nobody is not authorized to perform: "
        f"access-analyzer:ListFindings on resource: {ANALYZER} because no identity-based "
        "policy allows the access-analyzer:ListFindings action"
    )
    with pytest.raises(e.AccessDeniedException):
        aa.validate_policy(nobody, policyDocument=PUBLIC_READ, policyType="RESOURCE_POLICY")
    events = ActivityEvent.objects.filter(sandbox=sandbox, principal_arn__endswith="/nobody")
    assert list(events.values_list("action", "decision", "error_code")) == [
        ("access-analyzer:ListFindings", "implicitDeny", "AccessDeniedException"),
        ("access-analyzer:ValidatePolicy", "implicitDeny", "AccessDeniedException"),
    ]


def test_paging_findings(admin, analyzer):
    first = aa.list_findings(admin, analyzerArn=ANALYZER, maxResults=1)
    assert len(first["findings"]) == 1
    second = aa.list_findings(
        admin, analyzerArn=ANALYZER, maxResults=1, nextToken=first["nextToken"]
    )
    assert "nextToken" not in second
    assert first["findings"][0]["id"] != second["findings"][0]["id"]


def test_unused_access_analyzer(sandbox, admin):
    arn = aa.create_analyzer(
        admin,
        analyzerName="unused",
        type="ACCOUNT_UNUSED_ACCESS",
        configuration={"unusedAccess": {"unusedAccessAge": 30}},
    )["arn"]
    with pytest.raises(e.AnalyzerValidationException):
        aa.list_findings(admin, analyzerArn=arn)
    findings = aa.list_findings_v2(admin, analyzerArn=arn)["findings"]
    types = {f["findingType"] for f in findings}
    assert "UnusedIAMRole" in types
    shape = aa.get_analyzer(admin, analyzerName="unused")["analyzer"]
    assert shape["configuration"] == {"unusedAccess": {"unusedAccessAge": 30}}


def test_validate_policy(admin):
    answer = aa.validate_policy(
        admin,
        policyDocument=json.dumps(
            {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        ),
        policyType="IDENTITY_POLICY",
    )
    assert [f["issueCode"] for f in answer["findings"]] == ["MISSING_VERSION"]
    with pytest.raises(e.AnalyzerValidationException):
        aa.validate_policy(admin, policyDocument=PUBLIC_READ, policyType="TRUST_ME")


def test_custom_policy_checks(admin):
    reads = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    writes = _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"})
    assert (
        aa.check_no_new_access(
            admin,
            newPolicyDocument=writes,
            existingPolicyDocument=reads,
            policyType="IDENTITY_POLICY",
        )["result"]
        == "FAIL"
    )
    assert (
        aa.check_no_new_access(
            admin,
            newPolicyDocument=reads,
            existingPolicyDocument=writes,
            policyType="IDENTITY_POLICY",
        )["result"]
        == "PASS"
    )
    granted = aa.check_access_not_granted(
        admin,
        policyDocument=writes,
        access=[{"actions": ["s3:PutObject"]}],
        policyType="IDENTITY_POLICY",
    )
    assert granted["result"] == "FAIL"
    assert (
        aa.check_access_not_granted(
            admin,
            policyDocument=reads,
            access=[{"actions": ["s3:DeleteObject"]}],
            policyType="IDENTITY_POLICY",
        )["result"]
        == "PASS"
    )
    with pytest.raises(e.AnalyzerValidationException):
        aa.check_access_not_granted(
            admin, policyDocument=reads, access=[{}], policyType="IDENTITY_POLICY"
        )
    with pytest.raises(e.AnalyzerValidationException):
        aa.check_access_not_granted(
            admin,
            policyDocument=reads,
            access=[{"actions": ["s3:GetObject"]}, {"actions": ["s3:PutObject"]}],
            policyType="IDENTITY_POLICY",
        )
