"""IAM's audit operations: the credential report (GenerateCredentialReport, then
GetCredentialReport) and Access Advisor (GenerateServiceLastAccessedDetails, then
GetServiceLastAccessedDetails), authorized and logged like every other call.

The audit tools in `iamlab.sandbox.audit` compute the answers; these wrappers check the
parameters, authorize the caller (AccessDenied with AWS's message) and turn the tools' errors
into the service layer's `AwsError`s with AWS's codes and messages.

The credential report follows AWS's generate-then-get protocol. GenerateCredentialReport
answers `STARTED` when it starts a new report (none yet, or the last one is more than four
hours old by the sandbox clock); the report is then being generated for `GENERATION_TIME` of
sandbox time, or until the next GenerateCredentialReport (a client polling it, as AWS's
examples do), which answers `COMPLETE`. GetCredentialReport answers ReportNotPresent before any
generation, ReportInProgress while the report is being generated, ReportExpired once it is
more than four hours old, and otherwise the report: `Content` as CSV bytes.

`GENERATION_TIME` is five seconds; set it to zero for a report that is ready at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..audit import access_advisor, credential_report
from ..audit.errors import AuditError
from ..models import AuditReport
from . import errors
from .iam_common import Check, authorize, iam_operation, paginate

_BY_CODE: dict[str, type[errors.AwsError]] = {
    "NoSuchEntity": errors.NoSuchEntity,
    "InvalidInput": errors.InvalidInput,
    "ReportNotPresent": errors.ReportNotPresent,
    "ReportExpired": errors.ReportExpired,
}


def aws_error(error: AuditError) -> errors.AwsError:
    """The service layer's error for an audit tool's error (AWS's own message for reports)."""
    kind = _BY_CODE.get(error.code)
    if kind is None:
        return errors.AwsError(error.message, code=error.code, http_status=error.http_status)
    if kind in (errors.ReportNotPresent, errors.ReportExpired):
        return kind()
    return kind(error.message)


# -- credential report -----------------------------------------------------------------------


#: How long a new credential report takes to generate, by the sandbox clock (see above).
GENERATION_TIME = timedelta(seconds=5)
_STARTED = "STARTED"


def _latest(caller: Any) -> AuditReport | None:
    return (
        AuditReport.objects.filter(account=caller.account, kind=AuditReport.Kind.CREDENTIAL_REPORT)
        .order_by("-generated", "-pk")
        .first()
    )


def _in_progress(report: AuditReport, now: Any) -> bool:
    started = report.data.get("state") == _STARTED
    return started and now - report.generated < GENERATION_TIME


@iam_operation("iam:GenerateCredentialReport")
def generate_credential_report(caller: Any) -> dict[str, Any]:
    """{"State": "STARTED", "Description": ...} when a new report starts; {"State": "COMPLETE"}
    when the last one (less than four hours old) is ready - asking again completes it."""
    authorize(caller, "iam:GenerateCredentialReport", "*")
    now = caller.sandbox.now()
    answer = credential_report.generate_report(caller.account, now=now)
    latest = _latest(caller)
    if answer["State"] == _STARTED and latest is not None:
        latest.data = {"state": _STARTED}
        latest.save(update_fields=["data"])
    elif latest is not None and latest.data.get("state") == _STARTED:
        latest.data = {"state": "COMPLETE"}
        latest.save(update_fields=["data"])
    return answer


@iam_operation("iam:GetCredentialReport")
def get_credential_report(caller: Any) -> dict[str, Any]:
    """{"Content": CSV bytes, "ReportFormat": "text/csv", "GeneratedTime": datetime}."""
    authorize(caller, "iam:GetCredentialReport", "*")
    now = caller.sandbox.now()
    latest = _latest(caller)
    if latest is not None and _in_progress(latest, now):
        raise errors.ReportInProgress()
    try:
        return credential_report.get_report(caller.account, now=now)
    except AuditError as error:
        raise aws_error(error) from None


# -- Access Advisor --------------------------------------------------------------------------


@iam_operation("iam:GenerateServiceLastAccessedDetails")
def generate_service_last_accessed_details(
    caller: Any, *, Arn: str | None = None, Granularity: str | None = None
) -> dict[str, Any]:
    """{"JobId": ...} for a user, group, role or managed policy (the job completes at once)."""
    check = Check()
    check.arn(Arn, "arn")
    check.enum(Granularity, "granularity", access_advisor.GRANULARITIES, required=False)
    check.done()
    authorize(caller, "iam:GenerateServiceLastAccessedDetails", Arn)
    try:
        return access_advisor.generate_job(
            caller.account,
            Arn=Arn,
            Granularity=Granularity or "SERVICE_LEVEL",
            now=caller.sandbox.now(),
        )
    except AuditError as error:
        raise aws_error(error) from None


@iam_operation("iam:GetServiceLastAccessedDetails")
def get_service_last_accessed_details(
    caller: Any,
    *,
    JobId: str | None = None,
    MaxItems: int | None = None,
    Marker: str | None = None,
) -> dict[str, Any]:
    """The job's answer, `ServicesLastAccessed` paged with Marker/MaxItems."""
    check = Check()
    check.string(JobId, "jobId", min_len=36, max_len=36, required=True)
    check.paging(Marker, MaxItems)
    check.done()
    authorize(caller, "iam:GetServiceLastAccessedDetails", "*")
    try:
        answer = access_advisor.get_job(caller.account, JobId=JobId)
    except AuditError as error:
        raise aws_error(error) from None
    page = paginate(answer.pop("ServicesLastAccessed"), "ServicesLastAccessed", Marker, MaxItems)
    answer.pop("IsTruncated", None)
    out = {**answer, "ServicesLastAccessed": page["ServicesLastAccessed"]}
    out["IsTruncated"] = page["IsTruncated"]
    if "Marker" in page:
        out["Marker"] = page["Marker"]
    return out
