import json
from datetime import timedelta

import pytest

from iamlab.sandbox.audit import analyze, archive_finding, list_findings
from iamlab.sandbox.models import AnalyzerFinding, Bucket, Role

from .conftest import load

PUBLIC = """
format: 1
clock: {now: "2026-06-01T12:00:00Z"}
accounts:
  "111122223333":
    buckets:
      public-site:
        block_public_access: false
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: "*", Action: "s3:GetObject",
               Resource: "arn:aws:s3:::public-site/*"}
      private-data:
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:root"}, Action: "s3:*",
               Resource: ["arn:aws:s3:::private-data", "arn:aws:s3:::private-data/*"]}
      office-only:
        block_public_access: false
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: "*", Action: "s3:GetObject",
               Resource: "arn:aws:s3:::office-only/*",
               Condition: {IpAddress: {"aws:SourceIp": "203.0.113.0/24"}}}
    roles:
      partner:
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:iam::444455556666:root"},
               Action: "sts:AssumeRole",
               Condition: {StringEquals: {"sts:ExternalId": "xyz"}}}
      local:
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:root"},
               Action: "sts:AssumeRole"}
    queues:
      jobs:
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "444455556666"}, Action: "sqs:SendMessage",
               Resource: "arn:aws:sqs:us-east-1:111122223333:jobs"}
"""


@pytest.fixture
def public(db):
    return load(PUBLIC, "public")


def by_resource(sandbox):
    return {f["resource"]: f for f in list_findings(sandbox, status="ACTIVE")}


def test_a_public_bucket_is_a_public_finding(public):
    analyze(public)
    finding = by_resource(public)["arn:aws:s3:::public-site"]
    assert finding["principal"] == {"AWS": "*"}
    assert finding["action"] == ["s3:GetObject"]
    assert finding["isPublic"] is True
    assert finding["resourceType"] == "AWS::S3::Bucket"
    assert finding["findingType"] == "ExternalAccess"


def test_same_account_access_is_no_finding(public):
    analyze(public)
    found = by_resource(public)
    assert "arn:aws:s3:::private-data" not in found
    assert "arn:aws:iam::111122223333:role/local" not in found


def test_a_condition_on_source_ip_is_listed_and_not_public(public):
    analyze(public)
    finding = by_resource(public)["arn:aws:s3:::office-only"]
    assert finding["condition"] == {"aws:SourceIp": "203.0.113.0/24"}
    assert finding["isPublic"] is False


def test_a_cross_account_trust_policy_is_a_finding(public):
    analyze(public)
    finding = by_resource(public)["arn:aws:iam::111122223333:role/partner"]
    assert finding["principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert "sts:AssumeRole" in finding["action"]
    assert finding["condition"] == {"sts:ExternalId": "xyz"}
    assert finding["isPublic"] is False


def test_a_cross_account_queue_is_a_finding(public):
    analyze(public)
    finding = by_resource(public)["arn:aws:sqs:us-east-1:111122223333:jobs"]
    assert finding["action"] == ["sqs:SendMessage"]


def test_block_public_access_hides_a_public_bucket(public):
    Bucket.objects.filter(name="public-site").update(restrict_public_buckets=True)
    analyze(public)
    assert "arn:aws:s3:::public-site" not in by_resource(public)


def test_removing_the_access_resolves_the_finding(public):
    analyze(public)
    role = Role.objects.get(sandbox=public, name="partner")
    role.trust_policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    role.save()
    counts = analyze(public)
    assert counts["resolved"] == 1
    resolved = list_findings(public, status="RESOLVED")
    assert [f["resource"] for f in resolved] == ["arn:aws:iam::111122223333:role/partner"]


def test_an_archived_finding_stays_archived(public):
    analyze(public)
    finding = by_resource(public)["arn:aws:s3:::public-site"]
    archive_finding(public, finding["id"])
    analyze(public)
    row = AnalyzerFinding.objects.get(finding_id=finding["id"])
    assert row.status == "ARCHIVED"
    assert "arn:aws:s3:::public-site" not in by_resource(public)


def test_an_organization_zone_trusts_member_accounts(db):
    text = PUBLIC + (
        '  "444455556666": {}\n'
        "organization:\n"
        '  management_account: "111122223333"\n'
        '  root: {accounts: {"111122223333": {}, "444455556666": {}}}\n'
    )
    sandbox = load(text, "org")
    analyze(sandbox, "ORGANIZATION")
    found = {f["resource"] for f in list_findings(sandbox, "ORGANIZATION", status="ACTIVE")}
    assert "arn:aws:iam::111122223333:role/partner" not in found
    assert "arn:aws:s3:::public-site" in found


def test_unused_access_by_the_clock(sandbox):
    analyze(sandbox, "ACCOUNT_UNUSED_ACCESS")
    found = list_findings(sandbox, "ACCOUNT_UNUSED_ACCESS", status="ACTIVE")
    kinds = {(f["findingType"], f["resource"].rsplit("/", 1)[-1]) for f in found}
    assert ("UnusedIAMRole", "old") in kinds
    assert ("UnusedIAMRole", "app") not in kinds
    assert ("UnusedIAMUserPassword", "bob") not in kinds
    assert ("UnusedPermission", "app") in kinds  # s3 never used by the role
    sandbox.move_clock(timedelta(days=91))
    analyze(sandbox, "ACCOUNT_UNUSED_ACCESS")
    found = list_findings(sandbox, "ACCOUNT_UNUSED_ACCESS", status="ACTIVE")
    kinds = {(f["findingType"], f["resource"].rsplit("/", 1)[-1]) for f in found}
    assert ("UnusedIAMRole", "app") in kinds
    assert ("UnusedIAMUserPassword", "bob") in kinds
    assert ("UnusedIAMUserAccessKey", "alice") in kinds
