"""The grader's pieces: scores, solution actions (MFA codes, clock), and resilience."""

from __future__ import annotations

import pytest

from iamlab.lessons import checks, grader
from iamlab.lessons.grader import CheckResult, apply_action, describe_action, score
from iamlab.lessons.lesson import SolutionAction
from iamlab.sandbox.models import MfaDevice
from iamlab.sandbox.scenario import load_scenario

SCENARIO = """
clock: {now: 2026-03-02T09:00:00Z}
accounts:
  "111122223333":
    users:
      alice: {}
"""
SERIAL = "arn:aws:iam::111122223333:mfa/alice-phone"


def _results(passed: int, failed: int) -> list[CheckResult]:
    return [CheckResult("s", f"p{i}", True, "m", "d") for i in range(passed)] + [
        CheckResult("s", f"f{i}", False, "m", "d") for i in range(failed)
    ]


def test_score_is_the_share_of_checks_passed_minus_hint_costs():
    assert score(_results(3, 0), 0) == 100
    assert score(_results(2, 1), 0) == 67
    assert score(_results(1, 2), 10) == 23
    assert score(_results(1, 3), 30) == 0
    assert score([], 0) == 0


@pytest.mark.django_db
def test_mfa_codes_in_a_solution_are_the_devices_current_codes():
    sandbox = load_scenario(SCENARIO, name="grader-mfa")
    root = "arn:aws:iam::111122223333:root"
    apply_action(
        sandbox,
        SolutionAction(
            call="iam.create_virtual_mfa_device", as_=root, params={"VirtualMFADeviceName": "x"}
        ),
    )
    apply_action(
        sandbox,
        SolutionAction(
            call="iam.create_virtual_mfa_device",
            as_=root,
            params={"VirtualMFADeviceName": "alice-phone"},
        ),
    )
    apply_action(
        sandbox,
        SolutionAction(
            call="iam.enable_mfa_device",
            as_=root,
            params={
                "UserName": "alice",
                "SerialNumber": SERIAL,
                "AuthenticationCode1": {"totp": SERIAL},
                "AuthenticationCode2": {"totp": SERIAL, "step": 1},
            },
        ),
    )
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    assert device.user.name == "alice" and device.enabled is not None


@pytest.mark.django_db
def test_a_clock_action_moves_the_sandbox_clock():
    sandbox = load_scenario(SCENARIO, name="grader-clock")
    before = sandbox.now()
    apply_action(sandbox, SolutionAction(clock={"days": 91, "hours": 2}))
    assert (sandbox.now() - before).total_seconds() == (91 * 24 + 2) * 3600


def test_solution_actions_read_as_text():
    text = describe_action(
        SolutionAction(
            call="iam.create_role",
            as_="arn:aws:iam::111122223333:root",
            params={
                "RoleName": "R",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
                "TokenCode": {"totp": SERIAL},
            },
        )
    )
    assert text.startswith("As arn:aws:iam::111122223333:root: iam.create_role(")
    assert "RoleName=R" in text
    assert '"Version": "2012-10-17"' in text
    assert f"<the code shown by {SERIAL}>" in text
    assert describe_action(SolutionAction(clock={"days": 91})) == (
        "Move the clock forward 91 days."
    )


@pytest.mark.django_db
def test_a_check_that_crashes_fails_alone_and_says_so(monkeypatch):
    sandbox = load_scenario(SCENARIO, name="grader-crash")

    def broken(run, args):
        raise RuntimeError("boom")

    monkeypatch.setitem(checks.CHECKS, "exists", broken)
    run = checks.Run(sandbox, "111122223333")
    passed, detail = checks.run_check(run, "exists", {"type": "user", "name": "alice"})
    assert not passed
    assert "could not be run" in detail
    passed, _ = checks.run_check(run, "in_group", {"user": "alice", "group": "Nope"})
    assert not passed


def test_the_grader_knows_every_service_module_the_schema_allows():
    from iamlab.lessons.schema import SERVICE_MODULES

    assert set(grader._MODULES) == set(SERVICE_MODULES)


ORG_SCENARIO = """
clock: {now: 2026-03-02T09:00:00Z}
accounts:
  "111122223333": {}
  "444455556666": {}
organization:
  management_account: "111122223333"
  policies:
    DenyLeave:
      type: SCP
      document:
        Version: "2012-10-17"
        Statement: [{Effect: Deny, Action: "organizations:LeaveOrganization", Resource: "*"}]
  root:
    accounts: {"111122223333": {}, "444455556666": {}}
"""


@pytest.mark.django_db
def test_an_unknown_org_policy_name_fails_as_a_policy_aws_cannot_find():
    """`{org_policy: NAME}` for a name the organization lacks gives an id that matches AWS's
    PolicyId pattern but belongs to no policy: AttachPolicy answers PolicyNotFoundException."""
    import re

    from iamlab.sandbox.services.errors import AwsError

    sandbox = load_scenario(ORG_SCENARIO, name="grader-org")
    root = "arn:aws:iam::111122223333:root"
    absent = grader._resolve(sandbox, {"org_policy": "NoSuchPolicy"})
    assert re.fullmatch(r"p-[0-9a-z]{8,128}", absent)
    known = grader._resolve(sandbox, {"org_policy": "DenyLeave"})
    assert known != absent
    attach = SolutionAction(
        call="organizations.attach_policy",
        as_=root,
        params={"PolicyId": {"org_policy": "NoSuchPolicy"}, "TargetId": "444455556666"},
    )
    with pytest.raises(AwsError) as raised:
        apply_action(sandbox, attach)
    assert raised.value.code == "PolicyNotFoundException"
    attach_known = SolutionAction(
        call="organizations.attach_policy",
        as_=root,
        params={"PolicyId": {"org_policy": "DenyLeave"}, "TargetId": "444455556666"},
    )
    apply_action(sandbox, attach_known)  # the same call with a real name succeeds


@pytest.mark.django_db
def test_the_absent_org_policy_id_avoids_ids_the_sandbox_has():
    from iamlab.sandbox.models import OrganizationPolicy

    sandbox = load_scenario(ORG_SCENARIO, name="grader-org-taken")
    OrganizationPolicy.objects.filter(organization__sandbox=sandbox, name="DenyLeave").update(
        policy_id="p-00000000"
    )
    absent = grader._resolve(sandbox, {"org_policy": "Other"})
    assert absent == "p-000000000"
