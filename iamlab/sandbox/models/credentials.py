"""Credentials: access keys, virtual MFA devices, and STS sessions (temporary credentials).

Secrets are never stored: an access key's secret is shown once when it is created and only its
SHA-256 is kept (`secret_hash`), so the sandbox can still check a signature's key.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q

from .base import PARTITION, AccountScoped, iam_arn
from .iam import IamUser, IdentityProvider, Role


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccessKey(AccountScoped):
    """A long-term access key (AKIA…) of an IAM user, or of the root user when `user` is empty.

    At most two per user: the services enforce it, as AWS does, not the database.
    """

    class Status(models.TextChoices):
        ACTIVE = "Active"
        INACTIVE = "Inactive"

    user = models.ForeignKey(
        IamUser, on_delete=models.CASCADE, null=True, blank=True, related_name="access_keys"
    )
    access_key_id = models.CharField(max_length=128)
    secret_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created = models.DateTimeField()
    last_used = models.DateTimeField(null=True, blank=True)
    last_used_region = models.CharField(max_length=32, blank=True)
    last_used_service = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "access_key_id"], name="access_key_unique_per_sandbox"
            ),
        ]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def is_root(self) -> bool:
        return self.user_id is None


class MfaDevice(AccountScoped):
    """A virtual MFA device, assigned to a user, to the root user, or to no one yet."""

    name = models.CharField(max_length=226)
    path = models.CharField(max_length=512, default="/")
    user = models.ForeignKey(
        IamUser, on_delete=models.SET_NULL, null=True, blank=True, related_name="mfa_devices"
    )
    assigned_to_root = models.BooleanField(default=False)
    created = models.DateTimeField()
    enabled = models.DateTimeField(
        null=True, blank=True, help_text="when it was enabled for its user (EnableDate)"
    )
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="mfa_name_unique"),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(assigned_to_root=False),
                name="mfa_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def serial_number(self) -> str:
        """A virtual device's serial number is its ARN."""
        return iam_arn(self.account.account_id, "mfa", self.path, self.name)


class StsSession(AccountScoped):
    """Temporary credentials (ASIA…) from STS, with the session they stand for.

    `account` is the account the credentials act in (the role's account). `caller_arn` is who
    asked for them. `context` keeps request-context keys the session carries from its issue
    (for example `aws:MultiFactorAuthPresent`, or a web identity's claims).
    """

    class Kind(models.TextChoices):
        ASSUME_ROLE = "AssumeRole"
        ASSUME_ROLE_WITH_SAML = "AssumeRoleWithSAML"
        ASSUME_ROLE_WITH_WEB_IDENTITY = "AssumeRoleWithWebIdentity"
        GET_SESSION_TOKEN = "GetSessionToken"

    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.ASSUME_ROLE)
    role = models.ForeignKey(
        Role, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    user = models.ForeignKey(
        IamUser,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="for GetSessionToken: the user whose session it is",
    )
    identity_provider = models.ForeignKey(
        IdentityProvider, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    session_name = models.CharField(max_length=64, blank=True)
    source_identity = models.CharField(max_length=64, blank=True)
    caller_arn = models.CharField(max_length=2048, blank=True)
    tags = models.JSONField(default=dict, blank=True, help_text="session tags")
    transitive_tag_keys = models.JSONField(default=list, blank=True)
    policy = models.TextField(blank=True, help_text="the inline session policy's JSON text")
    policy_arns = models.JSONField(default=list, blank=True, help_text="managed session policies")
    context = models.JSONField(default=dict, blank=True)
    access_key_id = models.CharField(max_length=128)
    secret_hash = models.CharField(max_length=64, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField()
    expires = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "access_key_id"], name="session_key_unique_per_sandbox"
            ),
            models.CheckConstraint(
                condition=Q(role__isnull=True) | Q(user__isnull=True), name="session_one_subject"
            ),
        ]
        indexes = [models.Index(fields=["sandbox", "expires"], name="session_expiry")]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def arn(self) -> str:
        """The session's principal: assumed-role/ROLE/SESSION, or the user for GetSessionToken."""
        if self.role is not None:
            return (
                f"arn:{PARTITION}:sts::{self.account.account_id}:assumed-role/"
                f"{self.role.name}/{self.session_name}"
            )
        if self.user is not None:
            return self.user.arn
        return self.caller_arn

    def expired(self, now) -> bool:  # noqa: ANN001 - a datetime from Sandbox.now()
        return now >= self.expires
