"""The audit pages of a sandbox: credential report, Access Advisor, Access Analyzer and the
best-practice scorecard. Each runs as the principal the learner acts as, through the service
layer, so a principal without the permission sees AWS's AccessDenied."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.sandbox import audit
from iamlab.sandbox.models import IamGroup, IamUser, ManagedPolicy, Role
from iamlab.sandbox.services import access_analyzer, iam
from iamlab.sandbox.services.errors import AwsError

from .access import get_own_sandbox
from .tools_common import acting_caller, sandbox_page, tool_url


def _call(fn: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """(answer, None) or (None, the AWS error)."""
    try:
        return fn(*args, **kwargs), None
    except AwsError as exc:
        return None, exc


# ------------------------------------------------------------------------ credential report
POLLS = 3


@login_required
@require_GET
def credential_report(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    report, error = _call(iam.get_credential_report, caller)
    header: list[str] = []
    rows: list[list[str]] = []
    if report is not None:
        reader = csv.reader(io.StringIO(report["Content"].decode()))
        header = next(reader, [])
        rows = list(reader)
    context = sandbox_page(request, sandbox, "credential-report", caller)
    context.update(
        caller=caller,
        report=report,
        error=error,
        missing=error is not None
        and error.code in ("ReportNotPresent", "ReportExpired", "ReportInProgress"),
        header=header,
        rows=rows,
    )
    return render(request, "tools/credential_report.html", context)


@login_required
@require_POST
def credential_report_generate(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    answer, error = _call(iam.generate_credential_report, caller)
    started = answer is not None and answer.get("State") == "STARTED"
    for _ in range(POLLS):  # as the console does: ask again until the report is complete
        if answer is None or answer.get("State") == "COMPLETE":
            break
        answer, error = _call(iam.generate_credential_report, caller)
    if error is not None:
        messages.error(request, f"{error.code}: {error.message}")
    elif answer.get("State") != "COMPLETE":
        messages.info(request, "The report is still being generated: check again in a moment.")
    elif started:
        messages.success(request, "Credential report generated.")
    else:
        messages.info(request, "A report less than four hours old exists already: it is shown.")
    return redirect(tool_url(sandbox, "credential-report"))


@login_required
@require_GET
def credential_report_download(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    report, error = _call(iam.get_credential_report, caller)
    if error is not None:
        messages.error(request, f"{error.code}: {error.message}")
        return redirect(tool_url(sandbox, "credential-report"))
    response = HttpResponse(report["Content"], content_type="text/csv")
    stamp = report["GeneratedTime"].strftime("%Y-%m-%dT%H_%M_%S")
    response["Content-Disposition"] = (
        f'attachment; filename="credential-report-{caller.account_id}-{stamp}.csv"'
    )
    return response


# ----------------------------------------------------------------------------- Access Advisor
def _entities(account) -> list[dict[str, str]]:  # noqa: ANN001 - an Account
    out = []
    for user in IamUser.objects.filter(account=account).order_by("name"):
        out.append({"arn": user.arn, "kind": "user", "name": user.name})
    for group in IamGroup.objects.filter(account=account).order_by("name"):
        out.append({"arn": group.arn, "kind": "group", "name": group.name})
    for role in Role.objects.filter(account=account).order_by("name"):
        out.append({"arn": role.arn, "kind": "role", "name": role.name})
    for policy in ManagedPolicy.objects.filter(account=account).order_by("name"):
        out.append({"arn": policy.arn, "kind": "policy", "name": policy.name})
    return out


@login_required
@require_GET
def access_advisor(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    entities = _entities(caller.account)
    arn = request.GET.get("arn", "")
    services: list[dict[str, Any]] = []
    error = None
    selected = next((e for e in entities if e["arn"] == arn), None)
    if selected is not None:
        job, error = _call(iam.generate_service_last_accessed_details, caller, Arn=arn)
        if job is not None:
            details, error = _call(
                iam.get_service_last_accessed_details, caller, JobId=job["JobId"], MaxItems=1000
            )
            services = details["ServicesLastAccessed"] if details else []
    context = sandbox_page(request, sandbox, "access-advisor", caller)
    context.update(
        caller=caller, entities=entities, selected=selected, services=services, error=error
    )
    return render(request, "tools/access_advisor.html", context)


# ---------------------------------------------------------------------------- Access Analyzer
POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY")
ANALYZER_TYPES = (
    ("ACCOUNT", "External access (zone of trust: this account)"),
    ("ACCOUNT_UNUSED_ACCESS", "Unused access (this account)"),
)


@login_required
@require_http_methods(["GET", "POST"])
def access_analyzer_page(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    here = tool_url(sandbox, "access-analyzer")
    validation = None
    validation_error = None
    document = ""
    policy_type = "IDENTITY_POLICY"
    if request.method == "POST":
        action = request.POST.get("do", "")
        if action == "create":
            kind = request.POST.get("type", "ACCOUNT")
            name = "iamlab-unused" if kind.endswith("UNUSED_ACCESS") else "iamlab-external"
            _, error = _call(access_analyzer.create_analyzer, caller, analyzerName=name, type=kind)
            if error is not None:
                messages.error(request, f"{error.code}: {error.message}")
            else:
                messages.success(request, f"Analyzer {name} created; the account was analyzed.")
            return redirect(here)
        if action in ("archive", "unarchive"):
            status = "ARCHIVED" if action == "archive" else "ACTIVE"
            _, error = _call(
                access_analyzer.update_findings,
                caller,
                analyzerArn=request.POST.get("analyzer", ""),
                status=status,
                ids=[request.POST.get("finding", "")],
            )
            if error is not None:
                messages.error(request, f"{error.code}: {error.message}")
            else:
                word = "archived" if status == "ARCHIVED" else "made active again"
                messages.success(request, f"Finding {word}.")
            return redirect(here)
        if action == "validate":
            document = request.POST.get("policy", "")
            policy_type = request.POST.get("policy_type", "IDENTITY_POLICY")
            answer, validation_error = _call(
                access_analyzer.validate_policy,
                caller,
                policyDocument=document,
                policyType=policy_type,
                maxResults=1000,
            )
            validation = answer["findings"] if answer else None
    analyzers, error = _call(access_analyzer.list_analyzers, caller)
    sections = []
    for analyzer in (analyzers or {}).get("analyzers", []):
        found, find_error = _call(
            access_analyzer.list_findings_v2, caller, analyzerArn=analyzer["arn"], maxResults=1000
        )
        sections.append(
            {
                "analyzer": analyzer,
                "findings": (found or {}).get("findings", []),
                "error": find_error,
                "unused": analyzer["type"].endswith("UNUSED_ACCESS"),
            }
        )
    have = {s["analyzer"]["type"] for s in sections}
    context = sandbox_page(request, sandbox, "access-analyzer", caller)
    context.update(
        caller=caller,
        error=error,
        sections=sections,
        can_create=[t for t in ANALYZER_TYPES if t[0] not in have],
        policy_types=POLICY_TYPES,
        policy_type=policy_type,
        document=document,
        validation=validation,
        validation_error=validation_error,
    )
    return render(request, "tools/access_analyzer.html", context)


# -------------------------------------------------------------------------------- scorecard
@login_required
@require_GET
def scorecard(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    caller = acting_caller(request, sandbox)
    checks = audit.scorecard(caller.account)
    context = sandbox_page(request, sandbox, "scorecard", caller)
    context.update(
        caller=caller,
        checks=checks,
        passed=sum(1 for c in checks if c.passed),
        total=len(checks),
    )
    return render(request, "tools/scorecard.html", context)
