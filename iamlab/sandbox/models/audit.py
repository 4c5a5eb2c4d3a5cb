"""What the audit tools keep: generated reports (credential reports, service last accessed jobs)
and IAM Access Analyzer findings. Times are the sandbox clock's."""

from __future__ import annotations

from django.db import models

from .base import AccountScoped


class AuditReport(AccountScoped):
    """A generated report, kept so that "generate, then get" behaves as in AWS.

    A credential report keeps its CSV in `content` (one per account: generating replaces it). A
    service last accessed job (Access Advisor) keeps its `job_id`, the entity's ARN in `subject`
    and the answer in `data`.
    """

    class Kind(models.TextChoices):
        CREDENTIAL_REPORT = "credential-report"
        SERVICE_LAST_ACCESSED = "service-last-accessed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    job_id = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=2048, blank=True)
    generated = models.DateTimeField()
    content = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "kind", "generated"], name="report_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.generated:%Y-%m-%dT%H:%M:%SZ}"


class AnalyzerFinding(AccountScoped):
    """One IAM Access Analyzer finding about a resource of `account`.

    `key` identifies what the finding is about (resource, principal, conditions…), so a new
    analysis can tell a finding it already has from a new one, and mark the ones whose access is
    gone RESOLVED. `details` holds the finding's AWS fields (principal, action, condition,
    isPublic, or the unused-access details).
    """

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        ARCHIVED = "ARCHIVED"
        RESOLVED = "RESOLVED"

    class AnalyzerType(models.TextChoices):
        ACCOUNT = "ACCOUNT"
        ORGANIZATION = "ORGANIZATION"
        ACCOUNT_UNUSED_ACCESS = "ACCOUNT_UNUSED_ACCESS"

    finding_id = models.CharField(max_length=36)
    analyzer_type = models.CharField(max_length=32, choices=AnalyzerType.choices)
    finding_type = models.CharField(max_length=40, help_text="ExternalAccess, UnusedIAMRole, …")
    resource_type = models.CharField(max_length=40, help_text="AWS::S3::Bucket, AWS::IAM::Role, …")
    resource_arn = models.CharField(max_length=2048)
    key = models.CharField(max_length=64, help_text="SHA-256 of what the finding is about")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    details = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    analyzed = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "analyzer_type", "key"], name="finding_unique_per_analyzer"
            ),
            models.UniqueConstraint(fields=["sandbox", "finding_id"], name="finding_id_unique"),
        ]
        indexes = [models.Index(fields=["sandbox", "status"], name="finding_status")]

    def __str__(self) -> str:
        return f"{self.finding_type} {self.resource_arn} {self.status}"


class Analyzer(AccountScoped):
    """An IAM Access Analyzer analyzer (CreateAnalyzer): findings exist only while one does.

    `analyzer_type` is the zone of trust (ACCOUNT or ORGANIZATION, external access) or
    ACCOUNT_UNUSED_ACCESS; `unused_access_age` is the unused-access analyzer's
    `configuration.unusedAccess.unusedAccessAge` in days. One account-level analyzer per type,
    account and Region, as AWS's quota allows.
    """

    name = models.CharField(max_length=255)
    region = models.CharField(max_length=32, default="us-east-1")
    analyzer_type = models.CharField(max_length=32, choices=AnalyzerFinding.AnalyzerType.choices)
    unused_access_age = models.PositiveIntegerField(default=90)
    created = models.DateTimeField()
    last_analyzed = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "region", "name"], name="analyzer_name_unique"
            )
        ]

    @property
    def arn(self) -> str:
        return (
            f"arn:aws:access-analyzer:{self.region}:{self.account.account_id}:analyzer/{self.name}"
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.analyzer_type})"
