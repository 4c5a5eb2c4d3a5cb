"""The sandbox (one learner's isolated AWS world, with its own clock) and its accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .base import PARTITION, SandboxScoped


class StaleSandboxError(Exception):
    """Someone else changed the sandbox since it was read (optimistic concurrency)."""


class Sandbox(models.Model):
    """An isolated world: accounts, an optional organization, a clock and an activity log.

    The clock is the sandbox's "now": real time plus `clock_offset`, or `clock_frozen_at` when the
    clock is frozen. Everything the sandbox dates (created, last used, expiry, events) reads
    `now()`, so a lesson can move 91 days on and see keys go stale.

    `version` is for optimistic concurrency: a write reads it, then `bump_version(expected=...)`
    fails if another write came first.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sandboxes",
        help_text="the learner; empty for scenarios an instructor made",
    )
    name = models.SlugField(max_length=100)
    lesson = models.CharField(
        max_length=100, blank=True, help_text="the lesson this attempt is for; blank: free play"
    )
    description = models.TextField(blank=True)
    clock_offset = models.DurationField(default=timedelta(0))
    clock_frozen_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, help_text="real time, not the clock")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(owner__isnull=False),
                name="sandbox_name_unique_per_owner",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(owner__isnull=True),
                name="sandbox_name_unique_without_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def now(self) -> datetime:
        """The sandbox's simulated current time."""
        if self.clock_frozen_at is not None:
            return self.clock_frozen_at
        return timezone.now() + self.clock_offset

    def move_clock(self, delta: timedelta) -> None:
        """Move the clock by `delta` (frozen or running) and save it."""
        if self.clock_frozen_at is not None:
            self.clock_frozen_at += delta
        else:
            self.clock_offset += delta
        self.save(update_fields=["clock_offset", "clock_frozen_at"])

    def bump_version(self, *, expected: int | None = None) -> None:
        """Claim the next version; raise StaleSandboxError if the stored one is not `expected`."""
        expected = self.version if expected is None else expected
        updated = Sandbox.objects.filter(pk=self.pk, version=expected).update(
            version=F("version") + 1
        )
        if not updated:
            raise StaleSandboxError(f"sandbox {self.name!r} changed since version {expected}")
        self.version = expected + 1


class Account(SandboxScoped):
    """An AWS account in the sandbox, with its root user's credentials.

    The root user's access keys and MFA devices are `AccessKey`/`MfaDevice` rows whose `user` is
    empty; its password's last use is kept here. Account ids are unique within a sandbox only:
    two learners may both have 123456789012.
    """

    account_id = models.CharField(max_length=12)
    alias = models.CharField(max_length=63, blank=True)
    name = models.CharField(max_length=50, blank=True, help_text="the Organizations account name")
    root_email = models.EmailField(blank=True)
    root_password_last_used = models.DateTimeField(null=True, blank=True)
    password_policy = models.JSONField(
        null=True, blank=True, help_text="GetAccountPasswordPolicy's PasswordPolicy; null: none"
    )
    created = models.DateTimeField()
    organization = models.ForeignKey(
        "sandbox.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
    )
    parent_ou = models.ForeignKey(
        "sandbox.OrganizationalUnit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
        help_text="empty: directly under the organization's root",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "account_id"], name="account_id_unique_per_sandbox"
            ),
            models.UniqueConstraint(
                fields=["sandbox", "alias"],
                condition=~Q(alias=""),
                name="account_alias_unique_per_sandbox",
            ),
        ]

    def __str__(self) -> str:
        return self.account_id

    @property
    def root_arn(self) -> str:
        return f"arn:{PARTITION}:iam::{self.account_id}:root"
