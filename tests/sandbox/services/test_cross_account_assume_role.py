"""End to end: alice in 111111111111 assumes a role in 222222222222 that demands an external id
and MFA, reads a bucket with the session's credentials, and the session expires by the sandbox
clock."""

from datetime import timedelta

import pytest

from iamlab.sandbox.models import ActivityEvent, MfaDevice, Role
from iamlab.sandbox.services import mfa, principals, resources, sts
from iamlab.sandbox.services.errors import AccessDenied, ExpiredToken

from .sandboxes import two_accounts  # noqa: F401 - a fixture

ROLE = "arn:aws:iam::222222222222:role/auditor"


def _code(sandbox):
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    return device.serial_number, mfa.current_code(device)


def test_cross_account_assume_role_end_to_end(two_accounts):  # noqa: F811
    sandbox = two_accounts
    alice = principals.from_access_key(
        sandbox, "AKIAALICE00000000001", secret_access_key="alice-secret"
    )
    serial, code = _code(sandbox)

    # Without the external id the trust policy's condition fails.
    with pytest.raises(AccessDenied):
        sts.assume_role(
            alice, RoleArn=ROLE, RoleSessionName="audit", SerialNumber=serial, TokenCode=code
        )
    # Without MFA, likewise.
    with pytest.raises(AccessDenied):
        sts.assume_role(alice, RoleArn=ROLE, RoleSessionName="audit", ExternalId="ext-123")

    answer = sts.assume_role(
        alice,
        RoleArn=ROLE,
        RoleSessionName="audit",
        ExternalId="ext-123",
        SerialNumber=serial,
        TokenCode=code,
        DurationSeconds=1800,
    )
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert creds["Expiration"] == sandbox.now() + timedelta(seconds=1800)
    assert answer["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::222222222222:assumed-role/auditor/audit"
    )
    role = Role.objects.get(sandbox=sandbox, name="auditor")
    assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role.role_id}:audit"
    assert role.last_used == sandbox.now()

    session = principals.from_access_key(
        sandbox,
        creds["AccessKeyId"],
        secret_access_key=creds["SecretAccessKey"],
        session_token=creds["SessionToken"],
    )
    assert sts.get_caller_identity(session) == {
        "UserId": f"{role.role_id}:audit",
        "Account": "222222222222",
        "Arn": "arn:aws:sts::222222222222:assumed-role/auditor/audit",
    }
    body = resources.get_object(session, Bucket="prod-reports", Key="q1.txt")
    assert body["Body"] == "revenue up"
    # The session carries the MFA it was issued with.
    result = resources.authz.authorize(
        sandbox, None, "s3:GetObject", "arn:aws:s3:::prod-reports/q1.txt", caller=session
    )
    assert result.context["aws:MultiFactorAuthPresent"] == "true"

    # Thirty-one minutes later, by the sandbox's clock, the credentials have expired.
    sandbox.move_clock(timedelta(minutes=31))
    with pytest.raises(ExpiredToken) as caught:
        principals.from_access_key(sandbox, creds["AccessKeyId"])
    assert caught.value.message == "The security token included in the request is expired"
    assert caught.value.http_status == 403

    events = list(ActivityEvent.objects.filter(sandbox=sandbox).values_list("action", "decision"))
    assert events == [
        ("sts:AssumeRole", "implicitDeny"),
        ("sts:AssumeRole", "implicitDeny"),
        ("sts:AssumeRole", "allowed"),
        ("sts:GetCallerIdentity", "allowed"),
        ("s3:GetObject", "allowed"),
    ]
