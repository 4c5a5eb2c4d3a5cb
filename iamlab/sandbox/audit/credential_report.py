"""The IAM credential report: AWS's CSV, row for row and value for value.

Built to the IAM User Guide page "Generate credential reports for your AWS account":

- the columns in AWS's order (`COLUMNS`), the account's root user first as `<root_account>`;
- `not_supported` where the root user has no such thing (password_enabled,
  password_last_changed, password_next_rotation);
- `no_information` for a password that exists (or the root user's) but was never used;
- `N/A` for a password or access key that does not exist, and for a key never used;
- dates in ISO 8601 with an offset, as AWS writes them (`2026-01-15T09:00:00+00:00`);
- booleans as `true` / `false`.

The sandbox has no X.509 signing certificates, so the cert columns always say `false` / `N/A`.

`build_credential_report(account)` computes the CSV from the sandbox as of its clock; the
generate-then-get pair (`generate_credential_report`, `get_credential_report`) keeps the last
report and refuses one older than four hours, as AWS does.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from ..models import AccessKey, Account, AuditReport, IamUser, MfaDevice
from .errors import ReportExpired, ReportNotPresent

COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)
ROOT_USER = "<root_account>"
NA = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"
# "You can generate a credential report as often as once every four hours."
REPORT_LIFETIME = timedelta(hours=4)


def aws_time(value: datetime) -> str:
    """ISO 8601 as the credential report writes it: seconds, and the +00:00 offset."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(key: AccessKey | None) -> list[str]:
    if key is None:
        return ["false", NA, NA, NA, NA]
    if key.last_used is None:
        used = [NA, NA, NA]
    else:
        used = [aws_time(key.last_used), key.last_used_region or NA, key.last_used_service or NA]
    return [_bool(key.status == AccessKey.Status.ACTIVE), aws_time(key.created), *used]


def _keys(keys: list[AccessKey]) -> list[str]:
    """access_key_1 is the older key, access_key_2 the newer (a user has at most two)."""
    ordered = sorted(keys, key=lambda k: (k.created, k.pk))
    first = ordered[0] if ordered else None
    second = ordered[1] if len(ordered) > 1 else None
    return [*_key_columns(first), *_key_columns(second)]


_NO_CERTS = ["false", NA, "false", NA]


def _next_rotation(account: Account, user: IamUser) -> str:
    policy = account.password_policy or {}
    max_age = policy.get("MaxPasswordAge") if isinstance(policy, dict) else None
    if not user.has_console_password or not max_age:
        return NA
    changed = user.password_last_changed or user.password_created
    return aws_time(changed + timedelta(days=int(max_age)))


def report_rows(account: Account) -> list[list[str]]:
    """The report's rows (header excluded): the root user, then every user by name."""
    keys_by_user: dict[int | None, list[AccessKey]] = {}
    for key in AccessKey.objects.filter(account=account):
        keys_by_user.setdefault(key.user_id, []).append(key)
    mfa_users: set[int | None] = set()
    root_mfa = False
    for user_id, to_root in MfaDevice.objects.filter(
        account=account, enabled__isnull=False
    ).values_list("user_id", "assigned_to_root"):
        if to_root:
            root_mfa = True
        elif user_id is not None:
            mfa_users.add(user_id)

    root_used = account.root_password_last_used
    rows = [
        [
            ROOT_USER,
            account.root_arn,
            aws_time(account.created),
            NOT_SUPPORTED,
            aws_time(root_used) if root_used else NO_INFORMATION,
            NOT_SUPPORTED,
            NOT_SUPPORTED,
            _bool(root_mfa),
            *_keys(keys_by_user.get(None, [])),
            *_NO_CERTS,
        ]
    ]
    users = IamUser.objects.filter(account=account).order_by("name")
    account_id = account.account_id
    for user in users:
        has_password = user.has_console_password
        if not has_password:
            last_used = changed = NA
        else:
            last_used = (
                aws_time(user.password_last_used) if user.password_last_used else NO_INFORMATION
            )
            changed_at = user.password_last_changed or user.password_created
            changed = aws_time(changed_at) if changed_at else NA
        rows.append(
            [
                user.name,
                f"arn:aws:iam::{account_id}:user{user.path}{user.name}",
                aws_time(user.created),
                _bool(has_password),
                last_used,
                changed,
                _next_rotation(account, user),
                _bool(user.pk in mfa_users),
                *_keys(keys_by_user.get(user.pk, [])),
                *_NO_CERTS,
            ]
        )
    return rows


def build_credential_report(account: Account) -> str:
    """The credential report's CSV text, as of the sandbox clock."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(report_rows(account))
    return out.getvalue().rstrip("\n")


def _latest(account: Account) -> AuditReport | None:
    return (
        AuditReport.objects.filter(account=account, kind=AuditReport.Kind.CREDENTIAL_REPORT)
        .order_by("-generated", "-pk")
        .first()
    )


def generate_report(account: Account, *, now: datetime | None = None) -> dict[str, str]:
    """GenerateCredentialReport's answer. A report younger than four hours is kept (COMPLETE);
    otherwise a new one is made (STARTED; in the sandbox it is ready at once). `now` is the
    sandbox clock's time (read from the account's sandbox when not given)."""
    now = now or account.sandbox.now()
    latest = _latest(account)
    if latest is not None and now - latest.generated < REPORT_LIFETIME:
        return {"State": "COMPLETE"}
    AuditReport.objects.filter(account=account, kind=AuditReport.Kind.CREDENTIAL_REPORT).delete()
    AuditReport.objects.create(
        sandbox_id=account.sandbox_id,
        account=account,
        kind=AuditReport.Kind.CREDENTIAL_REPORT,
        generated=now,
        content=build_credential_report(account),
    )
    return {
        "State": "STARTED",
        "Description": "No report exists. Starting a new report generation task",
    }


def get_report(account: Account, *, now: datetime | None = None) -> dict:
    """GetCredentialReport's answer; ReportNotPresent before any generation, ReportExpired when the
    last report is more than four hours old by the sandbox clock."""
    latest = _latest(account)
    if latest is None:
        raise ReportNotPresent(
            "Credential report not present. Generate a credential report by calling "
            "GenerateCredentialReport."
        )
    if (now or account.sandbox.now()) - latest.generated > REPORT_LIFETIME:
        raise ReportExpired(
            "Credential report has expired. Generate a new credential report by calling "
            "GenerateCredentialReport."
        )
    return {
        "Content": latest.content.encode(),
        "ReportFormat": "text/csv",
        "GeneratedTime": latest.generated,
    }
