"""The sandbox's activity log: one CloudTrail-like event per call, allowed or not."""

from __future__ import annotations

from django.db import models

from iamlab.engine.model import Decision

from .base import DEFAULT_REGION, SandboxScoped


class ActivityEvent(SandboxScoped):
    """`time` is the sandbox clock's, not real time. `account_id` is text, not a foreign key, so
    the log keeps its history when an account goes."""

    DECISIONS = [(d.value, d.value) for d in Decision]

    time = models.DateTimeField()
    account_id = models.CharField(max_length=12, blank=True)
    principal_arn = models.CharField(max_length=2048, blank=True)
    principal_type = models.CharField(
        max_length=32, blank=True, help_text="CloudTrail's userIdentity.type: IAMUser, Root, …"
    )
    access_key_id = models.CharField(max_length=128, blank=True)
    action = models.CharField(max_length=256, help_text="service:Action, e.g. s3:GetObject")
    resource = models.CharField(max_length=2048, blank=True)
    decision = models.CharField(max_length=16, choices=DECISIONS)
    reason = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    source_ip = models.CharField(max_length=45, blank=True)
    region = models.CharField(max_length=32, default=DEFAULT_REGION)
    request_params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["time", "id"]
        indexes = [
            models.Index(fields=["sandbox", "time"], name="event_sandbox_time"),
            models.Index(fields=["sandbox", "principal_arn", "time"], name="event_principal"),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%dT%H:%M:%SZ} {self.action} {self.decision}"
