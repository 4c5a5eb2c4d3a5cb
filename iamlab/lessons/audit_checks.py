"""State checks on credentials and the audit tools: access keys, MFA, the credential report,
IAM Access Analyzer, the best-practice scorecard, and policy validation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from iamlab.engine import (
    PolicyKind,
    Severity,
    validate_policy,
)
from iamlab.sandbox import managed_catalog
from iamlab.sandbox.audit import access_analyzer, build_credential_report, scorecard
from iamlab.sandbox.models import (
    AccessKey,
    AnalyzerFinding,
    IamUser,
    ManagedPolicy,
    MfaDevice,
    PolicyVersion,
)

from .checkrun import Result, Run


def _keys(run: Run, args: dict[str, Any]) -> tuple[IamUser, list[AccessKey]]:
    user = run.named(IamUser, args, args["user"], "user")
    return user, list(AccessKey.objects.filter(user=user).order_by("created"))


def check_access_key_age_below(run: Run, args: dict[str, Any]) -> Result:
    user, keys = _keys(run, args)
    now = run.sandbox.now()
    limit = timedelta(days=args["days"])
    old = [
        f"{k.access_key_id} ({(now - k.created).days} days)"
        for k in keys
        if k.status == AccessKey.Status.ACTIVE and now - k.created >= limit
    ]
    if old:
        shown = ", ".join(old)
        return False, f"Active keys of {user.name} {args['days']} days old or more: {shown}."
    return True, f"Every active key of {user.name} is younger than {args['days']} days."


def check_no_active_access_keys(run: Run, args: dict[str, Any]) -> Result:
    user, keys = _keys(run, args)
    active = [k.access_key_id for k in keys if k.status == AccessKey.Status.ACTIVE]
    if active:
        return False, f"{user.name} still has active access keys: {', '.join(active)}."
    return True, f"{user.name} has no active access key."


def check_root_has_no_access_keys(run: Run, args: dict[str, Any]) -> Result:
    account = run.account(args)
    keys = list(
        AccessKey.objects.filter(account=account, user__isnull=True).values_list(
            "access_key_id", "status"
        )
    )
    if keys:
        shown = ", ".join(f"{key} ({status})" for key, status in keys)
        return False, f"The root user of {account.account_id} has access keys: {shown}."
    return True, f"The root user of {account.account_id} has no access keys."


def check_root_mfa(run: Run, args: dict[str, Any]) -> Result:
    account = run.account(args)
    if MfaDevice.objects.filter(
        account=account, assigned_to_root=True, enabled__isnull=False
    ).exists():
        return True, f"The root user of {account.account_id} has an MFA device."
    return False, f"The root user of {account.account_id} has no MFA device."


def check_mfa_enabled(run: Run, args: dict[str, Any]) -> Result:
    user = run.named(IamUser, args, args["user"], "user")
    if MfaDevice.objects.filter(user=user, enabled__isnull=False).exists():
        return True, f"{user.name} has an MFA device."
    return False, f"{user.name} has no MFA device."


def check_credential_report(run: Run, args: dict[str, Any]) -> Result:
    account = run.account(args)
    rows = run.memo(
        "credential report",
        account,
        lambda: list(csv.DictReader(io.StringIO(build_credential_report(account)))),
    )
    row = next((r for r in rows if r["user"] == args["user"]), None)
    if row is None:
        return False, f"The credential report has no row for {args['user']!r}."
    value = row.get(args["column"], "")
    if value == args["equals"]:
        return True, f"The credential report shows {args['column']} = {value} for {args['user']}."
    return False, (
        f"The credential report shows {args['column']} = {value} for {args['user']}, "
        f"not {args['equals']}."
    )


def check_no_active_external_findings(run: Run, args: dict[str, Any]) -> Result:
    account = run.account(args)
    access_analyzer.analyze(run.sandbox, "ACCOUNT")
    active = list(
        AnalyzerFinding.objects.filter(
            account=account,
            analyzer_type=AnalyzerFinding.AnalyzerType.ACCOUNT,
            status=AnalyzerFinding.Status.ACTIVE,
        ).values_list("resource_arn", flat=True)
    )
    if active:
        return False, f"Active external access findings on: {', '.join(sorted(set(active)))}."
    return True, f"IAM Access Analyzer has no active external access finding in {account}."


def check_scorecard(run: Run, args: dict[str, Any]) -> Result:
    account = run.account(args)
    card = run.memo("scorecard", account, lambda: scorecard(account))
    if args.get("all_pass"):
        failing = [c for c in card if not c.passed]
        if failing:
            shown = "; ".join(f"{c.practice} ({', '.join(c.failures)})" for c in failing)
            return False, f"Practices not met: {shown}."
        return True, "Every best practice of the scorecard is met."
    entry = next((c for c in card if c.id == args["practice"]), None)
    if entry is None:
        known = ", ".join(c.id for c in card)
        return False, f"The scorecard has no practice {args['practice']!r} (it has: {known})."
    want = args.get("passes", True)
    if entry.passed == want:
        return True, f"{entry.practice}: {'met' if entry.passed else 'not met'}."
    if entry.passed:
        return False, f"{entry.practice}: met, but this lesson expects it not to be."
    return False, f"{entry.practice}: not met ({', '.join(entry.failures)}). {entry.fix}"


def check_policy_valid(run: Run, args: dict[str, Any]) -> Result:
    ref = args["policy"]
    if ref.startswith("arn:aws:iam::aws:policy/") or (
        not ref.startswith("arn:")
        and managed_catalog.aws_managed_policy(ref) is not None
        and not ManagedPolicy.objects.filter(account=run.account(args), name__iexact=ref).exists()
    ):
        return True, f"{ref} is an AWS managed policy."
    name = ref.rsplit("/", 1)[-1]
    policy = run.named(ManagedPolicy, args, name, "customer managed policy")
    text = (
        PolicyVersion.objects.filter(policy=policy, is_default=True)
        .values_list("document", flat=True)
        .first()
    )
    if text is None:
        return False, f"{policy.name} has no default version."
    errors = [p for p in validate_policy(text, PolicyKind.IDENTITY) if p.severity is Severity.ERROR]
    if errors:
        shown = "; ".join(f"{p.message}" + (f" (line {p.line})" if p.line else "") for p in errors)
        return False, f"{policy.name} has errors: {shown}"
    return True, f"{policy.name} is a valid policy."
