"""The sandbox models: AWS's ids and ARNs, the clock, concurrency, constraints, isolation."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from iamlab.sandbox import identifiers, managed_catalog
from iamlab.sandbox.models import (
    AccessKey,
    Account,
    Bucket,
    BucketObject,
    Ec2Instance,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    KmsKey,
    LambdaFunction,
    ManagedPolicy,
    MfaDevice,
    PolicyAttachment,
    PolicyVersion,
    Role,
    Sandbox,
    SqsQueue,
    StaleSandboxError,
    StsSession,
)
from iamlab.sandbox.timefmt import format_duration, parse_duration, parse_time

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def _sandbox(name="s", owner=None, **clock) -> Sandbox:
    return Sandbox.objects.create(name=name, owner=owner, **clock)


def _account(sandbox, account_id="111111111111") -> Account:
    return Account.objects.create(sandbox=sandbox, account_id=account_id, created=T0)


def _user(account, name="alice", path="/") -> IamUser:
    return IamUser.objects.create(
        sandbox=account.sandbox,
        account=account,
        name=name,
        path=path,
        created=T0,
        user_id=identifiers.new_unique_id(identifiers.USER_PREFIX),
    )


@pytest.mark.parametrize(
    "prefix",
    ["AIDA", "AGPA", "AROA", "ANPA", "AIPA"],
)
def test_unique_ids_are_the_prefix_and_17_base32_characters(prefix):
    value = identifiers.new_unique_id(prefix)
    assert re.fullmatch(prefix + r"[A-Z2-7]{17}", value)


def test_access_key_ids_are_akia_or_asia_and_20_characters():
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", identifiers.new_access_key_id())
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", identifiers.new_access_key_id(temporary=True))
    assert len(identifiers.new_secret_access_key()) == 40


def test_other_ids_look_like_aws_ones():
    assert identifiers.ACCOUNT_ID_RE.fullmatch(identifiers.new_account_id())
    root = identifiers.new_root_id()
    assert identifiers.ROOT_ID_RE.fullmatch(root)
    assert identifiers.OU_ID_RE.fullmatch(identifiers.new_ou_id(root))
    assert identifiers.ORG_ID_RE.fullmatch(identifiers.new_organization_id())
    assert identifiers.INSTANCE_ID_RE.fullmatch(identifiers.new_instance_id())
    assert identifiers.KMS_KEY_ID_RE.fullmatch(identifiers.new_kms_key_id())


def test_iam_arns_include_the_path():
    account = _account(_sandbox())
    user = _user(account, path="/engineering/")
    assert user.arn == "arn:aws:iam::111111111111:user/engineering/alice"
    assert account.root_arn == "arn:aws:iam::111111111111:root"
    role = Role(account=account, name="Deploy", path="/ci/")
    assert role.arn == "arn:aws:iam::111111111111:role/ci/Deploy"
    assert IamGroup(account=account, name="Admins").arn == "arn:aws:iam::111111111111:group/Admins"
    policy = ManagedPolicy(account=account, name="P", path="/x/y/")
    assert policy.arn == "arn:aws:iam::111111111111:policy/x/y/P"
    profile = InstanceProfile(account=account, name="Web")
    assert profile.arn == "arn:aws:iam::111111111111:instance-profile/Web"
    assert MfaDevice(account=account, name="phone").serial_number == (
        "arn:aws:iam::111111111111:mfa/phone"
    )
    oidc = IdentityProvider(account=account, type="OIDC", name="token.example.com/x")
    assert oidc.arn == "arn:aws:iam::111111111111:oidc-provider/token.example.com/x"


def test_resource_and_session_arns():
    account = _account(_sandbox())
    role = Role(account=account, name="Deploy", path="/ci/")
    session = StsSession(account=account, role=role, session_name="run-1")
    assert session.arn == "arn:aws:sts::111111111111:assumed-role/Deploy/run-1"
    bucket = Bucket(account=account, name="logs")
    assert bucket.arn == "arn:aws:s3:::logs"
    assert BucketObject(bucket=bucket, key="a/b.txt").arn == "arn:aws:s3:::logs/a/b.txt"
    fn = LambdaFunction(account=account, name="f", region="eu-west-1")
    assert fn.arn == "arn:aws:lambda:eu-west-1:111111111111:function:f"
    queue = SqsQueue(account=account, name="jobs")
    assert queue.arn == "arn:aws:sqs:us-east-1:111111111111:jobs"
    assert queue.url == "https://sqs.us-east-1.amazonaws.com/111111111111/jobs"
    key = KmsKey(account=account, key_id="k")
    assert key.arn == "arn:aws:kms:us-east-1:111111111111:key/k"
    instance = Ec2Instance(account=account, instance_id="i-0123456789abcdef0")
    assert instance.arn == "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0"


def test_a_role_under_aws_service_role_is_service_linked():
    assert Role(path="/aws-service-role/lambda.amazonaws.com/").service_linked
    assert not Role(path="/").service_linked


def test_a_frozen_clock_stands_still_and_moves_when_told():
    sandbox = _sandbox(clock_frozen_at=T0)
    assert sandbox.now() == T0
    sandbox.move_clock(timedelta(days=91))
    sandbox.refresh_from_db()
    assert sandbox.now() == T0 + timedelta(days=91)


def test_a_running_clock_is_real_time_plus_the_offset():
    sandbox = _sandbox()
    sandbox.move_clock(timedelta(days=91))
    sandbox.refresh_from_db()
    drift = sandbox.now() - (timezone.now() + timedelta(days=91))
    assert abs(drift) < timedelta(seconds=5)


def test_bump_version_refuses_a_stale_writer():
    sandbox = _sandbox()
    stale = Sandbox.objects.get(pk=sandbox.pk)
    sandbox.bump_version()
    assert sandbox.version == 2
    with pytest.raises(StaleSandboxError):
        stale.bump_version()


def test_sandbox_names_are_unique_per_owner(alice, bob):
    _sandbox("lesson-1", owner=alice)
    _sandbox("lesson-1", owner=bob)
    _sandbox("lesson-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        _sandbox("lesson-1", owner=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        _sandbox("lesson-1")


def test_iam_names_are_unique_per_account_ignoring_case():
    account = _account(_sandbox())
    _user(account, "Alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        _user(account, "alice")


def test_two_sandboxes_hold_the_same_names_and_ids_without_colliding(alice, bob):
    mine, theirs = _account(_sandbox("a", alice)), _account(_sandbox("a", bob))
    first, second = _user(mine), _user(theirs)
    second.user_id = first.user_id
    second.save()
    assert IamUser.objects.filter(sandbox=mine.sandbox).get().pk == first.pk
    assert IamUser.objects.filter(sandbox=theirs.sandbox).get().pk == second.pk


def test_access_key_ids_are_unique_within_a_sandbox_only():
    account, other = _account(_sandbox("a")), _account(_sandbox("b"))
    for acc in (account, other):
        AccessKey.objects.create(
            sandbox=acc.sandbox, account=acc, access_key_id="AKIAEXAMPLE000000001", created=T0
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessKey.objects.create(
            sandbox=account.sandbox,
            account=account,
            access_key_id="AKIAEXAMPLE000000001",
            created=T0,
        )


def test_a_policy_has_at_most_one_default_version():
    account = _account(_sandbox())
    policy = ManagedPolicy.objects.create(
        sandbox=account.sandbox, account=account, name="P", policy_id="ANPA1", created=T0
    )
    PolicyVersion.objects.create(
        sandbox=account.sandbox,
        policy=policy,
        version_id="v1",
        is_default=True,
        document="{}",
        created=T0,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(
            sandbox=account.sandbox,
            policy=policy,
            version_id="v2",
            is_default=True,
            document="{}",
            created=T0,
        )


def test_an_inline_policy_belongs_to_exactly_one_principal():
    account = _account(_sandbox())
    user = _user(account)
    group = IamGroup.objects.create(
        sandbox=account.sandbox, account=account, name="G", group_id="AGPA1", created=T0
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        InlinePolicy.objects.create(
            sandbox=account.sandbox, user=user, group=group, name="p", document="{}"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InlinePolicy.objects.create(sandbox=account.sandbox, name="p", document="{}")


def test_an_attachment_names_a_customer_policy_or_an_aws_managed_arn_not_both():
    account = _account(_sandbox())
    user = _user(account)
    policy = ManagedPolicy.objects.create(
        sandbox=account.sandbox, account=account, name="P", policy_id="ANPA1", created=T0
    )
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyAttachment.objects.create(
            sandbox=account.sandbox, user=user, policy=policy, aws_policy_arn=arn
        )
    attachment = PolicyAttachment.objects.create(
        sandbox=account.sandbox, user=user, aws_policy_arn=arn
    )
    assert attachment.policy_arn == arn


def test_deleting_a_sandbox_deletes_everything_in_it():
    account = _account(_sandbox())
    _user(account)
    account.sandbox.delete()
    assert not IamUser.objects.exists()
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("-100d", timedelta(days=-100)),
        ("+1w2d", timedelta(days=9)),
        ("-3h30m", timedelta(hours=-3, minutes=-30)),
        ("+1.5s", timedelta(seconds=1.5)),
        ("+0s", timedelta(0)),
    ],
)
def test_durations_read_and_write_back(text, delta):
    assert parse_duration(text) == delta
    assert parse_duration(format_duration(delta)) == delta


def test_times_are_relative_absolute_or_now():
    assert parse_time("now", now=T0) == T0
    assert parse_time("-1d", now=T0) == T0 - timedelta(days=1)
    assert parse_time("2026-01-01", now=T0) == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_time("2026-01-01T10:00:00+02:00", now=T0) == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert parse_time("yesterday", now=T0) is None
    assert parse_duration("100d") is None


def test_the_catalog_finds_aws_managed_policies_by_name_and_by_arn():
    entry = managed_catalog.aws_managed_policy("AWSLambdaBasicExecutionRole")
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert entry["arn"] == arn
    assert entry["document"]["Statement"]
    assert managed_catalog.aws_managed_policy(arn) == entry
    assert (
        managed_catalog.aws_managed_policy("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole")
        is None
    )
    assert managed_catalog.aws_managed_policy("NoSuchPolicy") is None
    assert managed_catalog.aws_managed_policy("../README") is None
    assert "AdministratorAccess" in managed_catalog.aws_managed_policy_names()


def test_the_catalog_has_the_organizations_managed_policies():
    scp = managed_catalog.organizations_managed_policy("FullAWSAccess")
    assert scp["type"] == "SERVICE_CONTROL_POLICY"
    assert managed_catalog.organizations_managed_policy("RCPFullAWSAccess")["document"]
