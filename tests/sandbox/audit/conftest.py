"""Scenarios for the audit tests: a small account with a frozen clock."""

import pytest

from iamlab.sandbox.models import Account
from iamlab.sandbox.scenario import load_scenario

ACCOUNT = "111122223333"

BASE = """
format: 1
clock: {now: "2026-06-01T12:00:00Z"}
accounts:
  "111122223333":
    created: "2025-01-01T00:00:00Z"
    password_policy: {MaxPasswordAge: 90}
    root:
      password_last_used: "2026-05-30T08:00:00Z"
      access_keys:
        - {id: AKIAROOTKEY000000001, created: "2025-02-01T00:00:00Z"}
    policies:
      S3Read:
        document:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*"}]
      Everything:
        document:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
    groups:
      readers: {policies: [S3Read]}
    roles:
      app:
        created: "2026-01-01T00:00:00Z"
        last_used: "2026-05-31T00:00:00Z"
        trust_policy:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com},
                       Action: "sts:AssumeRole"}]
        inline_policies:
          sqs:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: ["sqs:*", "s3:GetObject"], Resource: "*"}]
      old:
        created: "2025-01-01T00:00:00Z"
        trust_policy:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com},
                       Action: "sts:AssumeRole"}]
    users:
      alice:
        created: "2025-03-01T09:00:00Z"
        groups: [readers]
        password:
          created: "2025-03-01T09:00:00Z"
          last_changed: "2026-04-01T10:00:00Z"
          last_used: "2026-05-31T07:30:00Z"
        mfa_devices:
          alice-phone: {created: "2025-03-01T09:00:00Z"}
        access_keys:
          - id: AKIAALICEKEY00000001
            created: "2025-03-02T00:00:00Z"
            last_used: {date: "2026-05-30T10:00:00Z", region: eu-west-1, service: s3}
          - id: AKIAALICEKEY00000002
            created: "2026-05-01T00:00:00Z"
            status: Inactive
      bob:
        created: "2026-05-01T00:00:00Z"
        policies: [Everything]
        password: {created: "2026-05-01T00:00:00Z"}
      carol:
        created: "2026-02-01T00:00:00Z"
activity:
  - {time: "2026-05-20T10:00:00Z", account: "111122223333",
     principal: "arn:aws:iam::111122223333:user/alice", action: "s3:GetObject",
     resource: "arn:aws:s3:::data/a.txt", decision: allowed, region: eu-west-1}
  - {time: "2026-05-25T10:00:00Z", account: "111122223333",
     principal: "arn:aws:sts::111122223333:assumed-role/app/i-123", action: "sqs:SendMessage",
     resource: "*", decision: allowed, region: us-west-2}
"""


def load(text: str, name: str = "audit"):
    sandbox = load_scenario(text, name=name)
    return sandbox


@pytest.fixture
def sandbox(db):
    return load(BASE)


@pytest.fixture
def account(sandbox):
    return Account.objects.select_related("sandbox").get(sandbox=sandbox, account_id=ACCOUNT)
