"""Scenario sandboxes for the STS, authorization and resource tests (import the fixtures)."""

import pytest

from iamlab.sandbox.scenario import load_scenario

TWO_ACCOUNTS = """
format: 1
clock: {now: 2026-01-15T09:00:00Z}
accounts:
  '111111111111':
    alias: dev
    users:
      alice:
        tags: {team: blue}
        mfa_devices: {alice-phone: {}}
        access_keys: [{id: AKIAALICE00000000001, secret: alice-secret}]
        inline_policies:
          assume:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: ['sts:AssumeRole', 'sts:TagSession']
                Resource: 'arn:aws:iam::222222222222:role/*'
      bob:
        access_keys: [{id: AKIABOB0000000000001, secret: bob-secret, status: Inactive}]
  '222222222222':
    alias: prod
    roles:
      auditor:
        max_session_duration: 7200
        tags: {dept: audit}
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: {AWS: 'arn:aws:iam::111111111111:root'}
              Action: ['sts:AssumeRole', 'sts:TagSession']
              Condition:
                StringEquals: {'sts:ExternalId': 'ext-123'}
                Bool: {'aws:MultiFactorAuthPresent': 'true'}
        inline_policies:
          read:
            Version: '2012-10-17'
            Statement:
              - {Effect: Allow, Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*'}
              - {Effect: Allow, Action: 'sts:AssumeRole', Resource: '*'}
      local:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::222222222222:root'}, Action: 'sts:AssumeRole'}
        inline_policies:
          chain:
            Version: '2012-10-17'
            Statement:
              - {Effect: Allow, Action: 'sts:AssumeRole', Resource: '*'}
    buckets:
      prod-reports:
        objects: {q1.txt: 'revenue up'}
"""  # noqa: E501


@pytest.fixture
def two_accounts(db):
    return load_scenario(TWO_ACCOUNTS, name="two-accounts")
