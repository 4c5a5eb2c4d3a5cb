import csv
import io
from datetime import timedelta

import pytest

from iamlab.sandbox.audit import (
    COLUMNS,
    ReportExpired,
    ReportNotPresent,
    build_credential_report,
    generate_report,
    get_report,
)
from iamlab.sandbox.models import AccessKey


def rows(text):
    return {r["user"]: r for r in csv.DictReader(io.StringIO(text))}


def test_it_has_awss_columns_in_order(account):
    header = build_credential_report(account).splitlines()[0]
    assert header.split(",") == list(COLUMNS)
    assert len(COLUMNS) == 22


def test_the_root_user_comes_first_with_not_supported_values(account):
    text = build_credential_report(account)
    first = next(csv.DictReader(io.StringIO(text)))
    assert first["user"] == "<root_account>"
    assert first["arn"] == "arn:aws:iam::111122223333:root"
    assert first["user_creation_time"] == "2025-01-01T00:00:00+00:00"
    assert first["password_enabled"] == "not_supported"
    assert first["password_last_used"] == "2026-05-30T08:00:00+00:00"
    assert first["password_last_changed"] == "not_supported"
    assert first["password_next_rotation"] == "not_supported"
    assert first["mfa_active"] == "false"
    assert first["access_key_1_active"] == "true"
    assert first["access_key_1_last_used_date"] == "N/A"


def test_it_reports_a_users_password_mfa_and_keys(account):
    alice = rows(build_credential_report(account))["alice"]
    assert alice["arn"] == "arn:aws:iam::111122223333:user/alice"
    assert alice["password_enabled"] == "true"
    assert alice["password_last_used"] == "2026-05-31T07:30:00+00:00"
    assert alice["password_last_changed"] == "2026-04-01T10:00:00+00:00"
    assert alice["password_next_rotation"] == "2026-06-30T10:00:00+00:00"
    assert alice["mfa_active"] == "true"
    assert alice["access_key_1_active"] == "true"
    assert alice["access_key_1_last_rotated"] == "2025-03-02T00:00:00+00:00"
    assert alice["access_key_1_last_used_date"] == "2026-05-30T10:00:00+00:00"
    assert alice["access_key_1_last_used_region"] == "eu-west-1"
    assert alice["access_key_1_last_used_service"] == "s3"
    assert alice["access_key_2_active"] == "false"
    assert alice["access_key_2_last_rotated"] == "2026-05-01T00:00:00+00:00"
    assert alice["access_key_2_last_used_date"] == "N/A"
    assert alice["cert_1_active"] == "false"
    assert alice["cert_1_last_rotated"] == "N/A"


def test_a_password_never_used_is_no_information(account):
    assert rows(build_credential_report(account))["bob"]["password_last_used"] == "no_information"


def test_missing_password_and_keys_are_na(account):
    carol = rows(build_credential_report(account))["carol"]
    assert carol["password_enabled"] == "false"
    for column in ("password_last_used", "password_last_changed", "password_next_rotation"):
        assert carol[column] == "N/A"
    assert carol["access_key_1_active"] == "false"
    assert carol["access_key_1_last_rotated"] == "N/A"
    assert carol["access_key_2_last_used_service"] == "N/A"


def test_get_before_generate_is_report_not_present(account):
    with pytest.raises(ReportNotPresent) as exc:
        get_report(account)
    assert exc.value.code == "ReportNotPresent"


def test_generate_then_get(account):
    assert generate_report(account)["State"] == "STARTED"
    assert generate_report(account) == {"State": "COMPLETE"}
    report = get_report(account)
    assert report["ReportFormat"] == "text/csv"
    assert report["GeneratedTime"] == account.sandbox.now()
    assert report["Content"].decode().startswith("user,arn,user_creation_time")


def test_a_report_older_than_four_hours_has_expired(account):
    generate_report(account)
    account.sandbox.move_clock(timedelta(hours=4, seconds=1))
    with pytest.raises(ReportExpired):
        get_report(account)
    assert generate_report(account)["State"] == "STARTED"
    assert get_report(account)["GeneratedTime"] == account.sandbox.now()


def test_the_report_follows_the_clock(account):
    """Reports are snapshots: a key used later shows only in a new report."""
    generate_report(account)
    before = get_report(account)["Content"]
    account.sandbox.move_clock(timedelta(hours=5))
    AccessKey.objects.filter(access_key_id="AKIAALICEKEY00000002").update(
        status="Active",
        last_used=account.sandbox.now(),
        last_used_region="us-east-1",
        last_used_service="iam",
    )
    generate_report(account)
    after = rows(get_report(account)["Content"].decode())["alice"]
    assert after["access_key_2_active"] == "true"
    assert after["access_key_2_last_used_service"] == "iam"
    assert before != get_report(account)["Content"]


def test_the_command_prints_the_csv(sandbox, capsys):
    from django.core.management import call_command

    call_command("sandbox", "credential-report", "audit")
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("user,arn,")
    assert out.splitlines()[1].startswith("<root_account>,arn:aws:iam::111122223333:root,")
