"""STS operations: each error path answers as AWS does."""

import json
from datetime import timedelta

import pytest

from iamlab.sandbox.models import ActivityEvent, MfaDevice, StsSession
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import mfa, principals, sts
from iamlab.sandbox.services.errors import (
    AccessDenied,
    ExpiredToken,
    ExpiredTokenException,
    InvalidClientTokenId,
    InvalidIdentityToken,
    MalformedPolicyDocumentSts,
    PackedPolicyTooLarge,
    SignatureDoesNotMatch,
    ValidationError,
)

from .sandboxes import two_accounts  # noqa: F401 - a fixture

ROLE = "arn:aws:iam::222222222222:role/auditor"


@pytest.fixture
def alice(two_accounts):  # noqa: F811
    return principals.as_user(two_accounts, "alice")


def _mfa(sandbox):
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    return {"SerialNumber": device.serial_number, "TokenCode": mfa.current_code(device)}


def _assume(caller, **extra):
    params = {"RoleArn": ROLE, "RoleSessionName": "s1", "ExternalId": "ext-123"}
    params.update(_mfa(caller.sandbox))
    params.update(extra)
    return sts.assume_role(caller, **params)


def test_a_missing_role_is_access_denied_as_aws_answers(alice):
    missing = "arn:aws:iam::222222222222:role/nope"
    with pytest.raises(AccessDenied) as caught:
        _assume(alice, RoleArn=missing)
    assert caught.value.message.startswith(
        "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: "
        f"sts:AssumeRole on resource: {missing}"
    )
    assert caught.value.http_status == 403


def test_a_trust_policy_that_does_not_name_the_caller_denies(two_accounts):  # noqa: F811
    bob = principals.as_user(two_accounts, "bob")
    with pytest.raises(AccessDenied):
        sts.assume_role(bob, RoleArn=ROLE, RoleSessionName="s2", ExternalId="ext-123")


def test_a_missing_or_wrong_external_id_denies(alice):
    with pytest.raises(AccessDenied):
        _assume(alice, ExternalId=None)
    with pytest.raises(AccessDenied):
        _assume(alice, ExternalId="wrong-id")
    assert _assume(alice)["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_a_wrong_mfa_code_fails_with_awss_message(alice):
    good = _mfa(alice.sandbox)["TokenCode"]
    wrong = "000000" if good != "000000" else "111111"
    with pytest.raises(AccessDenied) as caught:
        _assume(alice, TokenCode=wrong)
    assert caught.value.message == (
        "MultiFactorAuthentication failed with invalid MFA one time pass code. "
    )
    event = ActivityEvent.objects.filter(sandbox=alice.sandbox).last()
    assert (event.action, event.decision, event.error_code) == (
        "sts:AssumeRole",
        "implicitDeny",
        "AccessDenied",
    )


def test_an_mfa_code_changes_with_the_sandbox_clock(alice):
    device = MfaDevice.objects.get(sandbox=alice.sandbox, name="alice-phone")
    now = alice.sandbox.now()
    assert mfa.current_code(device, now) != mfa.current_code(device, now + timedelta(minutes=5))
    assert mfa.verify(device, mfa.current_code(device, now), now)


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        (
            899,
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
        ),
        (
            43201,
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200",
        ),
        (
            7201,
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ),
    ],
)
def test_duration_out_of_range_is_a_validation_error(alice, duration, message):
    with pytest.raises(ValidationError) as caught:
        _assume(alice, DurationSeconds=duration)
    assert caught.value.message == message
    assert caught.value.http_status == 400


def test_role_chaining_is_limited_to_an_hour(two_accounts):  # noqa: F811
    root = principals.as_user(two_accounts, "alice")
    first = _assume(root)["Credentials"]
    session = principals.from_access_key(two_accounts, first["AccessKeyId"])
    with pytest.raises(ValidationError) as caught:
        sts.assume_role(
            session,
            RoleArn="arn:aws:iam::222222222222:role/local",
            RoleSessionName="chained",
            DurationSeconds=3601,
        )
    assert "1 hour session limit for roles assumed by role chaining" in caught.value.message


def test_session_name_and_parameters_are_checked_together(alice):
    with pytest.raises(ValidationError) as caught:
        sts.assume_role(alice, RoleArn=ROLE, RoleSessionName="a b", ExternalId="x")
    assert caught.value.message == (
        "2 validation errors detected: Value 'a b' at 'roleSessionName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; "
        "Value 'x' at 'externalId' failed to satisfy constraint: Member must have length "
        "greater than or equal to 2"
    )


def test_a_session_policy_must_be_valid_and_small_enough(alice):
    with pytest.raises(MalformedPolicyDocumentSts):
        _assume(alice, Policy="{not json")
    with pytest.raises(ValidationError):
        _assume(alice, Policy=json.dumps({"Statement": [{"Sid": "x" * 2100}]}))
    tags = [{"Key": f"k{i}" + "x" * 100, "Value": "v" * 256} for i in range(50)]
    with pytest.raises(PackedPolicyTooLarge) as caught:
        _assume(alice, Tags=tags)
    assert caught.value.message.startswith("Packed policy consumes ")


def test_the_root_user_cannot_assume_roles(two_accounts):  # noqa: F811
    root = principals.as_root(two_accounts, "111111111111")
    with pytest.raises(AccessDenied) as caught:
        sts.assume_role(root, RoleArn=ROLE, RoleSessionName="s2")
    assert caught.value.message == "Roles may not be assumed by root accounts."


def test_session_policy_and_tags_reach_the_session(alice):
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
        }
    )
    answer = _assume(alice, Policy=policy, Tags=[{"Key": "project", "Value": "x"}])
    session = principals.from_access_key(alice.sandbox, answer["Credentials"]["AccessKeyId"])
    from iamlab.sandbox.services import authz

    listing = authz.authorize(
        alice.sandbox, None, "s3:ListBucket", "arn:aws:s3:::prod-reports", caller=session
    )
    reading = authz.authorize(
        alice.sandbox, None, "s3:GetObject", "arn:aws:s3:::prod-reports/a", caller=session
    )
    assert listing.allowed and not reading.allowed
    assert reading.evaluation.basis == "no-allow:session"
    assert listing.context["aws:PrincipalTag/project"] == "x"
    assert listing.context["aws:PrincipalTag/dept"] == "audit"


def test_credentials_expire_by_the_sandbox_clock(alice):
    creds = _assume(alice, DurationSeconds=900)["Credentials"]
    alice.sandbox.move_clock(timedelta(seconds=899))
    principals.from_access_key(alice.sandbox, creds["AccessKeyId"])
    alice.sandbox.move_clock(timedelta(seconds=1))
    with pytest.raises(ExpiredToken):
        principals.from_access_key(alice.sandbox, creds["AccessKeyId"])


def test_unknown_inactive_and_wrongly_signed_keys_fail(two_accounts):  # noqa: F811
    with pytest.raises(InvalidClientTokenId):
        principals.from_access_key(two_accounts, "AKIANOSUCHKEY0000000")
    with pytest.raises(InvalidClientTokenId):
        principals.from_access_key(two_accounts, "AKIABOB0000000000001")
    with pytest.raises(SignatureDoesNotMatch):
        principals.from_access_key(two_accounts, "AKIAALICE00000000001", secret_access_key="wrong")


def test_get_caller_identity_needs_no_permission(two_accounts):  # noqa: F811
    bob = principals.as_user(two_accounts, "bob")
    answer = sts.get_caller_identity(bob)
    assert answer["Arn"] == "arn:aws:iam::111111111111:user/bob"
    assert answer["Account"] == "111111111111"
    assert answer["UserId"].startswith("AIDA")


def test_get_session_token_with_mfa_gives_an_mfa_session(alice):
    answer = sts.get_session_token(alice, DurationSeconds=900, **_mfa(alice.sandbox))
    caller = principals.from_access_key(alice.sandbox, answer["Credentials"]["AccessKeyId"])
    assert caller.arn == "arn:aws:iam::111111111111:user/alice"
    assert caller.mfa_present() is True
    with pytest.raises(AccessDenied) as caught:
        sts.get_session_token(caller)
    assert caught.value.message == "Cannot call GetSessionToken with session credentials"
    session = StsSession.objects.get(access_key_id=answer["Credentials"]["AccessKeyId"])
    assert session.kind == StsSession.Kind.GET_SESSION_TOKEN


FEDERATION = """
clock: {now: 2026-01-15T09:00:00Z}
accounts:
  '333333333333':
    identity_providers:
      token.example.com: {type: OIDC, client_ids: [my-app]}
      corp-idp: {type: SAML, metadata: '<md/>'}
    roles:
      ci:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: {Federated: 'arn:aws:iam::333333333333:oidc-provider/token.example.com'}
              Action: 'sts:AssumeRoleWithWebIdentity'
              Condition: {StringLike: {'token.example.com:sub': 'repo:acme/*'}}
      sso:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: {Federated: 'arn:aws:iam::333333333333:saml-provider/corp-idp'}
              Action: 'sts:AssumeRoleWithSAML'
              Condition: {StringEquals: {'SAML:aud': 'https://signin.aws.amazon.com/saml'}}
"""


@pytest.fixture
def federation(db):
    return load_scenario(FEDERATION, name="federation")


def _token(**claims):
    base = {"iss": "https://token.example.com", "aud": "my-app", "sub": "repo:acme/app"}
    base["exp"] = 1768467600 + 600
    base.update(claims)
    return json.dumps(base)


def test_web_identity_checks_provider_audience_expiry_and_trust(federation):
    role = "arn:aws:iam::333333333333:role/ci"
    answer = sts.assume_role_with_web_identity(
        federation, RoleArn=role, RoleSessionName="build", WebIdentityToken=_token()
    )
    assert answer["SubjectFromWebIdentityToken"] == "repo:acme/app"
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/ci/build")
    with pytest.raises(InvalidIdentityToken) as caught:
        sts.assume_role_with_web_identity(
            federation,
            RoleArn=role,
            RoleSessionName="b2",
            WebIdentityToken=_token(iss="https://other.example.com"),
        )
    assert caught.value.message == (
        "No OpenIDConnect provider found in your account for https://other.example.com"
    )
    with pytest.raises(InvalidIdentityToken, match="Incorrect token audience"):
        sts.assume_role_with_web_identity(
            federation, RoleArn=role, RoleSessionName="b2", WebIdentityToken=_token(aud="x")
        )
    with pytest.raises(ExpiredTokenException):
        sts.assume_role_with_web_identity(
            federation, RoleArn=role, RoleSessionName="b2", WebIdentityToken=_token(exp=1)
        )
    with pytest.raises(AccessDenied) as caught:
        sts.assume_role_with_web_identity(
            federation,
            RoleArn=role,
            RoleSessionName="b2",
            WebIdentityToken=_token(sub="repo:evil/app"),
        )
    assert caught.value.message == "Not authorized to perform sts:AssumeRoleWithWebIdentity"


def test_saml_needs_the_role_in_the_assertion_and_the_trust_policy(federation):
    role = "arn:aws:iam::333333333333:role/sso"
    provider = "arn:aws:iam::333333333333:saml-provider/corp-idp"

    def assertion(pair):
        return json.dumps(
            {
                "Issuer": "https://idp.example.com",
                "Subject": "alice@example.com",
                "Audience": "https://signin.aws.amazon.com/saml",
                "NotOnOrAfter": "2026-01-15T09:05:00Z",
                "Attributes": {
                    "https://aws.amazon.com/SAML/Attributes/Role": [pair],
                    "https://aws.amazon.com/SAML/Attributes/RoleSessionName": "alice",
                },
            }
        )

    answer = sts.assume_role_with_saml(
        federation,
        RoleArn=role,
        PrincipalArn=provider,
        SAMLAssertion=assertion(f"{role},{provider}"),
    )
    assert answer["Subject"] == "alice@example.com"
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/sso/alice")
    other = "arn:aws:iam::333333333333:role/ci"
    with pytest.raises(AccessDenied) as caught:
        sts.assume_role_with_saml(
            federation,
            RoleArn=other,
            PrincipalArn=provider,
            SAMLAssertion=assertion(f"{other},{provider}"),
        )
    assert caught.value.message == "Not authorized to perform sts:AssumeRoleWithSAML"
