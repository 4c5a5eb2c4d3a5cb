"""Every check kind, passing and failing, with the detail a learner reads when it fails."""

from __future__ import annotations

import pytest

from iamlab.lessons.checks import CHECKS, Run, run_check
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import principals, sts

SCENARIO = """
clock: {now: 2026-03-02T09:00:00Z}
accounts:
  "111122223333":
    root:
      access_keys: [{id: AKIAROOTKEY000000001, created: -10d}]
    policies:
      ReadReports:
        document:
          Version: "2012-10-17"
          Statement:
            - {Sid: ReadAll, Effect: Allow, Action: s3:GetObject,
               Resource: "arn:aws:s3:::reports/*"}
      Boundary:
        document:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
    groups:
      Readers: {policies: [ReadReports]}
    users:
      alice:
        groups: [Readers]
        password: {created: -100d, last_used: -1d}
        mfa_devices: {alice-phone: {created: -10d}}
        access_keys: [{id: AKIAALICEKEY00000001, created: -100d}]
      bob:
        policies: [ReadReports]
        boundary: Boundary
        inline_policies:
          DenySecrets:
            Version: "2012-10-17"
            Statement:
              - {Sid: NoSecrets, Effect: Deny, Action: s3:GetObject,
                 Resource: "arn:aws:s3:::reports/secret/*"}
      carol:
        inline_policies:
          MfaForIam:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "iam:*", Resource: "*",
                 Condition: {Bool: {"aws:MultiFactorAuthPresent": "true"}}}
    roles:
      Partner:
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "arn:aws:iam::444455556666:root"}
              Action: sts:AssumeRole
              Condition: {StringEquals: {"sts:ExternalId": ext-1}}
        policies: [ReadReports]
      Helpdesk:
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "111122223333"}, Action: sts:AssumeRole}
        description: Restart instances for a ticket
        max_session_duration: 43200
      Web:
        trust_policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
    instance_profiles:
      WebProfile: {role: Web}
      Hollow: {}
    instances:
      i-0123456789abcdef0: {instance_profile: WebProfile, tags: {Name: web-01}}
      i-0fedcba9876543210: {tags: {Name: bare}}
      i-0000000000000000a: {instance_profile: Hollow, tags: {Name: hollow}}
      i-0aaaaaaaaaaaaaaaa: {instance_profile: WebProfile, state: terminated, tags: {Name: gone}}
      i-0bbbbbbbbbbbbbbb1: {tags: {Name: twin}}
      i-0bbbbbbbbbbbbbbb2: {tags: {Name: twin}}
    buckets:
      reports: {}
  "444455556666":
    users:
      partner-user:
        inline_policies:
          Assume:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: sts:AssumeRole,
                 Resource: "arn:aws:iam::111122223333:role/Partner"}
"""

ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::111122223333:user/bob"
PARTNER_USER = "arn:aws:iam::444455556666:user/partner-user"
CAROL = "arn:aws:iam::111122223333:user/carol"


@pytest.fixture
def run(db):
    sandbox = load_scenario(SCENARIO, name="checks")
    return Run(sandbox, "111122223333")


CASES = [
    # kind, args, passes, words the detail must contain
    (
        "can",
        {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/a"},
        True,
        ["Allowed", "ReadAll"],
    ),
    (
        "can",
        {"principal": ALICE, "action": "s3:PutObject", "resource": "arn:aws:s3:::reports/a"},
        False,
        ["Not allowed", "implicit deny"],
    ),
    (
        "can",
        {"principal": BOB, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/secret/a"},
        False,
        ["Explicitly denied", "NoSecrets"],
    ),
    (
        "can",
        {
            "principal": "arn:aws:iam::111122223333:user/zed",
            "action": "s3:GetObject",
            "resource": "*",
        },
        False,
        ["arn:aws:iam::111122223333:user/zed cannot make requests"],
    ),
    (
        "can",
        {
            "principal": CAROL,
            "action": "iam:ListUsers",
            "resource": "*",
            "context": {"aws:MultiFactorAuthPresent": "true"},
        },
        True,
        ["Allowed"],
    ),
    (
        "can",
        {"principal": CAROL, "action": "iam:ListUsers", "resource": "*"},
        False,
        ["Not allowed"],
    ),
    (
        "cannot",
        {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::reports/a"},
        False,
        ["Still allowed", "ReadAll"],
    ),
    (
        "can",
        {
            "principal": CAROL,
            "action": "iam:ListUsers",
            "resource": "*",
            "context": {"aws:MultiFactorAuthPresent": "true"},
        },
        True,
        ["Allowed"],
    ),
    (
        "can",
        {"principal": CAROL, "action": "iam:ListUsers", "resource": "*"},
        False,
        ["Not allowed"],
    ),
    (
        "cannot",
        {"principal": ALICE, "action": "s3:DeleteObject", "resource": "arn:aws:s3:::reports/a"},
        True,
        ["Denied"],
    ),
    (
        "allowed_actions",
        {
            "principal": ALICE,
            "resources": ["arn:aws:s3:::reports/a"],
            "services": ["s3"],
            "exactly": ["s3:GetObject"],
        },
        True,
        ["s3:GetObject"],
    ),
    (
        "allowed_actions",
        {
            "principal": ALICE,
            "resources": ["arn:aws:s3:::reports/a"],
            "services": ["s3"],
            "exactly": ["s3:GetObject", "s3:PutObject"],
        },
        False,
        ["Needed but not allowed: s3:PutObject"],
    ),
    (
        "allowed_actions",
        {
            "principal": ALICE,
            "resources": ["arn:aws:s3:::reports/a"],
            "services": ["s3"],
            "within": ["s3:ListBucket"],
        },
        False,
        ["Allowed but not needed (1): s3:GetObject"],
    ),
    (
        "allowed_actions",  # names shown as AWS spells them, however the lesson wrote them
        {
            "principal": ALICE,
            "resources": ["arn:aws:s3:::reports/a"],
            "services": ["S3"],
            "exactly": ["s3:getobject", "s3:abortmultipartupload"],
        },
        False,
        ["Needed but not allowed: s3:AbortMultipartUpload."],
    ),
    (
        "allowed_actions",
        {
            "principal": ALICE,
            "resources": ["arn:aws:s3:::reports/a"],
            "services": ["s3"],
            "within": ["S3:GETOBJECT"],
        },
        True,
        ["Allowed exactly what is needed: s3:GetObject."],
    ),
    ("exists", {"type": "user", "name": "alice"}, True, ["There is a user"]),
    ("exists", {"type": "role", "name": "Nobody"}, False, ["There is no role 'Nobody'"]),
    (
        "exists",
        {"type": "user", "name": "alice", "account": "999999999999"},
        False,
        ["no account 999999999999"],
    ),
    ("absent", {"type": "user", "name": "alice"}, False, ["still a user 'alice'"]),
    ("absent", {"type": "bucket", "name": "gone"}, True, ["no bucket"]),
    ("in_group", {"user": "alice", "group": "Readers"}, True, ["member of Readers"]),
    ("in_group", {"user": "bob", "group": "Readers"}, False, ["not a member", "no group"]),
    ("in_group", {"user": "bob", "group": "Writers"}, False, ["no group named 'Writers'"]),
    ("no_inline_policies", {"user": "bob"}, False, ["DenySecrets"]),
    ("no_inline_policies", {"user": "alice"}, True, ["no inline policy"]),
    ("no_attached_policies", {"user": "bob"}, False, ["directly: ReadReports"]),
    ("no_attached_policies", {"user": "alice"}, True, ["No managed policy"]),
    ("attached", {"group": "Readers", "policy": "ReadReports"}, True, ["is attached"]),
    (
        "attached",
        {"role": "Partner", "policy": "arn:aws:iam::111122223333:policy/ReadReports"},
        True,
        ["is attached"],
    ),
    ("attached", {"user": "alice", "policy": "ReadReports"}, False, ["nothing is attached"]),
    (
        "trusts_exactly",
        {"role": "Partner", "principals": ["arn:aws:iam::444455556666:root"]},
        True,
        ["trusts exactly"],
    ),
    (
        "trusts_exactly",
        {"role": "Helpdesk", "principals": ["arn:aws:iam::111122223333:root"]},
        True,
        ["trusts exactly"],
    ),
    (
        "trusts_exactly",
        {"role": "Partner", "principals": ["arn:aws:iam::555566667777:root"]},
        False,
        [
            "trusted but should not be: arn:aws:iam::444455556666:root",
            "not trusted: arn:aws:iam::555566667777:root",
        ],
    ),
    ("trust_requires", {"role": "Partner", "external_id": "ext-1"}, True, ["external ID ext-1"]),
    ("trust_requires", {"role": "Partner", "external_id": "ext-2"}, False, ["sts:ExternalId"]),
    ("trust_requires", {"role": "Helpdesk", "mfa": True}, False, ["aws:MultiFactorAuthPresent"]),
    ("boundary", {"user": "bob", "policy": "Boundary"}, True, ["permissions boundary is"]),
    ("boundary", {"user": "alice", "policy": "Boundary"}, False, ["no permissions boundary"]),
    (
        "access_key_age_below",
        {"user": "alice", "days": 90},
        False,
        ["AKIAALICEKEY00000001 (100 days)"],
    ),
    ("access_key_age_below", {"user": "alice", "days": 365}, True, ["younger than 365"]),
    ("no_active_access_keys", {"user": "alice"}, False, ["AKIAALICEKEY00000001"]),
    ("no_active_access_keys", {"user": "bob"}, True, ["no active access key"]),
    ("root_has_no_access_keys", {}, False, ["AKIAROOTKEY000000001 (Active)"]),
    ("root_has_no_access_keys", {"account": "444455556666"}, True, ["no access keys"]),
    ("root_mfa", {}, False, ["no MFA device"]),
    ("mfa_enabled", {"user": "alice"}, True, ["has an MFA device"]),
    ("mfa_enabled", {"user": "bob"}, False, ["bob has no MFA device"]),
    (
        "credential_report",
        {"user": "alice", "column": "password_enabled", "equals": "true"},
        True,
        ["password_enabled = true"],
    ),
    (
        "credential_report",
        {"user": "bob", "column": "password_enabled", "equals": "true"},
        False,
        ["password_enabled = false for bob, not true"],
    ),
    (
        "credential_report",
        {"user": "<root_account>", "column": "mfa_active", "equals": "true"},
        False,
        ["mfa_active = false"],
    ),
    ("no_active_external_findings", {}, False, ["arn:aws:iam::111122223333:role/Partner"]),
    ("no_active_external_findings", {"account": "444455556666"}, True, ["no active external"]),
    (
        "scorecard",
        {"practice": "root-access-keys", "passes": True},
        False,
        ["AKIAROOTKEY000000001"],
    ),
    ("scorecard", {"practice": "root-access-keys", "passes": False}, True, ["not met"]),
    ("scorecard", {"practice": "no-such-practice", "passes": True}, False, ["no practice"]),
    ("scorecard", {"all_pass": True}, False, ["Practices not met"]),
    ("policy_valid", {"policy": "ReadReports"}, True, ["valid policy"]),
    ("policy_valid", {"policy": "AdministratorAccess"}, True, ["AWS managed"]),
    ("policy_valid", {"policy": "Nothing"}, False, ["no customer managed policy"]),
    ("assumed", {"role": "Partner", "by": PARTNER_USER}, False, ["Nobody has assumed Partner"]),
    (
        "instance_profile",
        {"instance": "i-0123456789abcdef0", "profile": "WebProfile", "role": "Web"},
        True,
        ["i-0123456789abcdef0 (web-01) has the instance profile WebProfile, holding the role Web"],
    ),
    ("instance_profile", {"instance": "web-01", "profile": "webprofile"}, True, ["role Web"]),
    (
        "instance_profile",
        {"instance": "web-01", "profile": "WebProfile", "role": "Helpdesk"},
        False,
        ["holds the role Web, not Helpdesk"],
    ),
    (
        "instance_profile",
        {"instance": "web-01", "profile": "Hollow"},
        False,
        ["has the instance profile WebProfile associated, not Hollow"],
    ),
    (
        "instance_profile",
        {"instance": "bare", "profile": "WebProfile"},
        False,
        ["no instance profile associated"],
    ),
    (
        "instance_profile",
        {"instance": "hollow", "profile": "Hollow"},
        False,
        ["Hollow on i-0000000000000000a (hollow) holds no role"],
    ),
    ("instance_profile", {"instance": "gone", "profile": "WebProfile"}, False, ["is terminated"]),
    (
        "instance_profile",
        {"instance": "twin", "profile": "WebProfile"},
        False,
        ["More than one EC2 instance is named 'twin'"],
    ),
    (
        "instance_profile",
        {"instance": "i-0bbbbbbbbbbbbbbb1", "profile": "WebProfile"},
        False,
        ["no instance profile"],
    ),
    (
        "instance_profile",
        {"instance": "db-01", "profile": "WebProfile"},
        False,
        ["There is no EC2 instance 'db-01'"],
    ),
    (
        "role_settings",
        {
            "role": "Helpdesk",
            "max_session_duration": 43200,
            "description": "Restart instances for a ticket",
        },
        True,
        ["maximum session duration is 43200 seconds (12 hours)", "description is 'Restart"],
    ),
    (
        "role_settings",
        {"role": "Helpdesk", "max_session_duration": 3600},
        False,
        [
            "The role Helpdesk's maximum session duration is 43200 seconds (12 hours), "
            "not 3600 seconds (1 hour)."
        ],
    ),
    (
        "role_settings",
        {"role": "Partner", "max_session_duration": 3600, "description": "Partner access"},
        False,
        ["The role Partner's description is empty, not 'Partner access'."],
    ),
    ("role_settings", {"role": "Partner", "description": ""}, True, ["description is empty"]),
    (
        "role_settings",
        {"role": "Nobody", "max_session_duration": 3600},
        False,
        ["no role named 'Nobody'"],
    ),
]


def test_every_kind_is_covered():
    assert {case[0] for case in CASES} == set(CHECKS)


@pytest.mark.parametrize(("kind", "args", "passes", "words"), CASES)
def test_check(run, kind, args, passes, words):
    passed, detail = run_check(run, kind, args)
    assert passed is passes, detail
    for word in words:
        assert word in detail


def test_assumed_passes_once_the_role_is_really_assumed(run):
    caller = principals.as_principal(run.sandbox, PARTNER_USER)
    sts.assume_role(
        caller,
        RoleArn="arn:aws:iam::111122223333:role/Partner",
        RoleSessionName="audit",
        ExternalId="ext-1",
    )
    passed, detail = run_check(run, "assumed", {"role": "Partner", "by": PARTNER_USER})
    assert passed, detail
    passed, detail = run_check(run, "assumed", {"role": "Partner", "by": ALICE})
    assert not passed
    assert PARTNER_USER in detail


def test_trust_requires_mfa_passes_with_a_bool_condition(run):
    from iamlab.sandbox.services import iam

    root = principals.as_root(run.sandbox, "111122223333")
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        '"111122223333"}, "Action": "sts:AssumeRole", "Condition": {"Bool": '
        '{"aws:MultiFactorAuthPresent": "true"}}}]}'
    )
    iam.update_assume_role_policy(root, RoleName="Helpdesk", PolicyDocument=document)
    passed, detail = run_check(run, "trust_requires", {"role": "Helpdesk", "mfa": True})
    assert passed, detail


def test_allowed_actions_queries_do_not_grow_with_the_actions(run):
    """The principal's policies are gathered once (authz.authorizer): checking every action of
    three services costs the same queries as one service's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from iamlab.lessons.access_checks import allowed_actions

    def queries(services: list[str]) -> tuple[int, set]:
        fresh = Run(run.sandbox, "111122223333")
        with CaptureQueriesContext(connection) as captured:
            got = allowed_actions(fresh, ALICE, ["arn:aws:s3:::reports/a"], services)
        return len(captured.captured_queries), got

    few, got_few = queries(["s3"])
    many, got_many = queries(["s3", "iam", "ec2"])
    assert got_few == got_many == {"s3:GetObject"}
    assert many == few
