"""IAM's audit operations through the service layer: the credential report (generate, then get)
and Access Advisor (GenerateServiceLastAccessedDetails, then GetServiceLastAccessedDetails)."""

import csv
import io
from datetime import timedelta

import pytest

from iamlab.sandbox.audit import COLUMNS
from iamlab.sandbox.models import ActivityEvent
from iamlab.sandbox.services import errors as e
from iamlab.sandbox.services import iam, iam_audit, principals, resources

from .conftest import ACCOUNT, NOW, allow, denied


def test_the_credential_report_is_generated_then_got(root, admin):
    with pytest.raises(e.ReportNotPresent) as caught:
        iam.get_credential_report(admin)
    assert caught.value.http_status == 410
    assert caught.value.message == (
        "The request was rejected because the credential report does not exist. To generate a "
        "credential report, use GenerateCredentialReport."
    )

    first = iam.generate_credential_report(admin)
    assert first["State"] == "STARTED"
    assert iam.generate_credential_report(admin) == {"State": "COMPLETE"}

    report = iam.get_credential_report(admin)
    assert report["ReportFormat"] == "text/csv"
    assert report["GeneratedTime"] == NOW
    assert isinstance(report["Content"], bytes)
    rows = list(csv.reader(io.StringIO(report["Content"].decode())))
    assert tuple(rows[0]) == COLUMNS
    assert [r[0] for r in rows[1:]] == ["<root_account>", "admin"]
    assert rows[2][1] == f"arn:aws:iam::{ACCOUNT}:user/admin"


def test_a_report_can_be_made_ready_at_once(admin, monkeypatch):
    monkeypatch.setattr(iam_audit, "GENERATION_TIME", timedelta(0))
    assert iam.generate_credential_report(admin)["State"] == "STARTED"
    assert iam.get_credential_report(admin)["GeneratedTime"] == NOW


def test_a_report_being_generated_is_in_progress(sandbox, admin):
    assert iam.generate_credential_report(admin)["State"] == "STARTED"
    with pytest.raises(e.ReportInProgress) as caught:
        iam.get_credential_report(admin)
    assert (caught.value.code, caught.value.http_status) == ("ReportInProgress", 404)
    assert caught.value.message == (
        "The request was rejected because the credential report is still being generated."
    )
    # Ready a few seconds later by the sandbox clock, without polling.
    sandbox.move_clock(timedelta(seconds=5))
    assert iam.get_credential_report(admin)["GeneratedTime"] == NOW
    # Or when the client polls GenerateCredentialReport until COMPLETE.
    sandbox.move_clock(timedelta(hours=5))
    assert iam.generate_credential_report(admin)["State"] == "STARTED"
    with pytest.raises(e.ReportInProgress):
        iam.get_credential_report(admin)
    assert iam.generate_credential_report(admin) == {"State": "COMPLETE"}
    assert iam.get_credential_report(admin)["GeneratedTime"] == sandbox.now()


def test_a_report_older_than_four_hours_has_expired(sandbox, admin):
    iam.generate_credential_report(admin)
    sandbox.move_clock(timedelta(hours=4, minutes=1))
    with pytest.raises(e.ReportExpired) as caught:
        iam.get_credential_report(admin)
    assert caught.value.code == "ReportExpired"
    assert caught.value.http_status == 410
    assert caught.value.message.startswith(
        "The request was rejected because the most recent credential report has expired."
    )
    # Generating again makes a new one.
    assert iam.generate_credential_report(admin)["State"] == "STARTED"
    assert iam.generate_credential_report(admin)["State"] == "COMPLETE"
    assert iam.get_credential_report(admin)["GeneratedTime"] == sandbox.now()


def test_the_report_operations_are_authorized_and_logged(sandbox, nobody):
    for operation, action in (
        (iam.generate_credential_report, "iam:GenerateCredentialReport"),
        (iam.get_credential_report, "iam:GetCredentialReport"),
    ):
        with pytest.raises(e.AccessDenied) as caught:
            operation(nobody)
        assert caught.value.message == denied("nobody", action, "*")
    logged = ActivityEvent.objects.filter(sandbox=sandbox, principal_arn__endswith="user/nobody")
    assert list(logged.values_list("action", "decision", "error_code")) == [
        ("iam:GenerateCredentialReport", "implicitDeny", "AccessDenied"),
        ("iam:GetCredentialReport", "implicitDeny", "AccessDenied"),
    ]


def test_a_report_reader_needs_only_its_permission(sandbox, root):
    iam.create_user(root, UserName="auditor")
    iam.put_user_policy(
        root,
        UserName="auditor",
        PolicyName="reports",
        PolicyDocument=allow(["iam:GenerateCredentialReport", "iam:GetCredentialReport"]),
    )
    auditor = principals.as_user(sandbox, "auditor")
    iam.generate_credential_report(auditor)
    iam.generate_credential_report(auditor)  # polled until COMPLETE, as AWS's clients do
    assert b"auditor" in iam.get_credential_report(auditor)["Content"]


def test_access_advisor_job_for_a_user(sandbox, root, admin):
    iam.create_user(root, UserName="reader")
    iam.put_user_policy(
        root, UserName="reader", PolicyName="s3", PolicyDocument=allow("s3:ListAllMyBuckets")
    )
    reader = principals.as_user(sandbox, "reader")
    resources.list_buckets(reader)
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/reader"

    job = iam.generate_service_last_accessed_details(admin, Arn=user_arn)
    assert len(job["JobId"]) == 36
    answer = iam.get_service_last_accessed_details(admin, JobId=job["JobId"])
    assert answer["JobStatus"] == "COMPLETED"
    assert answer["JobType"] == "SERVICE_LEVEL"
    assert answer["IsTruncated"] is False
    (s3,) = answer["ServicesLastAccessed"]
    assert s3["ServiceNamespace"] == "s3"
    assert s3["LastAuthenticated"] == NOW
    assert s3["LastAuthenticatedEntity"] == user_arn
    assert s3["TotalAuthenticatedEntities"] == 1


def test_access_advisor_pages_with_marker_and_max_items(admin):
    admin_arn = f"arn:aws:iam::{ACCOUNT}:user/admin"
    job = iam.generate_service_last_accessed_details(admin, Arn=admin_arn)["JobId"]
    every = iam.get_service_last_accessed_details(admin, JobId=job, MaxItems=1000)
    assert len(every["ServicesLastAccessed"]) > 3  # AdministratorAccess: every service
    first = iam.get_service_last_accessed_details(admin, JobId=job, MaxItems=2)
    assert first["IsTruncated"] is True
    second = iam.get_service_last_accessed_details(
        admin, JobId=job, MaxItems=2, Marker=first["Marker"]
    )
    assert (
        first["ServicesLastAccessed"] + second["ServicesLastAccessed"]
        == (every["ServicesLastAccessed"][:4])
    )


def test_access_advisor_errors(sandbox, admin, nobody):
    with pytest.raises(e.NoSuchEntity):
        iam.generate_service_last_accessed_details(admin, Arn=f"arn:aws:iam::{ACCOUNT}:user/ghost")
    with pytest.raises(e.ValidationError) as caught:
        iam.generate_service_last_accessed_details(
            admin, Arn=f"arn:aws:iam::{ACCOUNT}:user/admin", Granularity="EVERYTHING"
        )
    assert "must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]" in caught.value.message
    with pytest.raises(e.NoSuchEntity):
        iam.get_service_last_accessed_details(admin, JobId="0" * 36)
    with pytest.raises(e.ValidationError):
        iam.get_service_last_accessed_details(admin, JobId="short")
    nobody_arn = f"arn:aws:iam::{ACCOUNT}:user/nobody"
    with pytest.raises(e.AccessDenied) as caught:
        iam.generate_service_last_accessed_details(nobody, Arn=nobody_arn)
    assert caught.value.message == denied(
        "nobody", "iam:GenerateServiceLastAccessedDetails", nobody_arn
    )
