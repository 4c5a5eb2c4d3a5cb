"""The audit tools: what IAM offers to check an account, computed from the sandbox.

- `credential_report`: the credential report CSV, generate-then-get (GenerateCredentialReport,
  GetCredentialReport);
- `access_advisor`: service last accessed data (GenerateServiceLastAccessedDetails, Get…);
- `access_analyzer`: IAM Access Analyzer findings kept up to date (`external_access`,
  `unused_access`) and its policy checks (`policy_checks`);
- `scorecard`: one line per IAM security best practice, for a learner.

Functions here take a sandbox or an account and the caller's authority is checked by the
service layer that wraps them.
"""

from .access_advisor import generate_job as generate_service_last_accessed_details
from .access_advisor import get_job as get_service_last_accessed_details
from .access_advisor import service_last_accessed
from .access_analyzer import (
    analyze,
    archive_finding,
    list_findings,
    refresh_resource,
    unarchive_finding,
)
from .credential_report import COLUMNS, build_credential_report, generate_report, get_report
from .errors import AuditError, InvalidInput, NoSuchEntity, ReportExpired, ReportNotPresent
from .policy_checks import check_access_not_granted, check_no_new_access, validate_policy
from .scorecard import Check, scorecard

__all__ = [
    "COLUMNS",
    "AuditError",
    "Check",
    "InvalidInput",
    "NoSuchEntity",
    "ReportExpired",
    "ReportNotPresent",
    "analyze",
    "archive_finding",
    "build_credential_report",
    "check_access_not_granted",
    "check_no_new_access",
    "generate_report",
    "generate_service_last_accessed_details",
    "get_report",
    "get_service_last_accessed_details",
    "list_findings",
    "refresh_resource",
    "scorecard",
    "service_last_accessed",
    "unarchive_finding",
    "validate_policy",
]
