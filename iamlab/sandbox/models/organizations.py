"""AWS Organizations: the root, OUs, member accounts, and SCPs/RCPs attached to them.

An account belongs to the organization through `Account.organization` and sits under
`Account.parent_ou` (empty: directly under the root). Policies attach to the root (an attachment
with neither `ou` nor `account`), to an OU, or to an account.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .base import PARTITION, SandboxScoped

FULL_AWS_ACCESS = "FullAWSAccess"
RCP_FULL_AWS_ACCESS = "RCPFullAWSAccess"


class Organization(models.Model):
    sandbox = models.OneToOneField(
        "sandbox.Sandbox", on_delete=models.CASCADE, related_name="organization"
    )
    org_id = models.CharField(max_length=34)
    root_id = models.CharField(max_length=34)
    management_account = models.ForeignKey(
        "sandbox.Account", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField()

    def __str__(self) -> str:
        return self.org_id

    @property
    def _management_id(self) -> str:
        return self.management_account.account_id if self.management_account else ""

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:organizations::{self._management_id}:organization/{self.org_id}"

    @property
    def root_arn(self) -> str:
        prefix = f"arn:{PARTITION}:organizations::{self._management_id}"
        return f"{prefix}:root/{self.org_id}/{self.root_id}"


class OrganizationalUnit(SandboxScoped):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    ou_id = models.CharField(max_length=68)
    name = models.CharField(max_length=128)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        help_text="empty: directly under the root",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "ou_id"], name="ou_id_unique_per_sandbox"),
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=Q(parent__isnull=True),
                name="ou_name_unique_under_root",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(parent__isnull=False),
                name="ou_name_unique_under_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganizationPolicy(SandboxScoped):
    """A service control policy or resource control policy (AWS managed ones included)."""

    class Type(models.TextChoices):
        SCP = "SERVICE_CONTROL_POLICY", "SCP"
        RCP = "RESOURCE_CONTROL_POLICY", "RCP"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="policies"
    )
    policy_id = models.CharField(max_length=130)
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=32, choices=Type.choices)
    description = models.CharField(max_length=512, blank=True)
    document = models.TextField(help_text="the JSON text, exactly as given")
    aws_managed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "type", "name"], name="org_policy_name_unique"
            ),
            models.UniqueConstraint(
                fields=["sandbox", "policy_id"], name="org_policy_id_unique_per_sandbox"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        kind = self.type.lower()
        if self.aws_managed:
            return f"arn:{PARTITION}:organizations::aws:policy/{kind}/{self.policy_id}"
        org = self.organization
        return (
            f"arn:{PARTITION}:organizations::{org._management_id}:policy/"
            f"{org.org_id}/{kind}/{self.policy_id}"
        )


class OrganizationPolicyAttachment(SandboxScoped):
    """An SCP/RCP attached to the root (no ou, no account), an OU, or an account."""

    policy = models.ForeignKey(
        OrganizationPolicy, on_delete=models.CASCADE, related_name="attachments"
    )
    ou = models.ForeignKey(
        OrganizationalUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="policy_attachments",
    )
    account = models.ForeignKey(
        "sandbox.Account",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="org_policy_attachments",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ou__isnull=True) | Q(account__isnull=True),
                name="org_attachment_one_target",
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=Q(ou__isnull=True, account__isnull=True),
                name="org_attachment_unique_root",
            ),
            models.UniqueConstraint(
                fields=["policy", "ou"],
                condition=Q(ou__isnull=False),
                name="org_attachment_unique_ou",
            ),
            models.UniqueConstraint(
                fields=["policy", "account"],
                condition=Q(account__isnull=False),
                name="org_attachment_unique_account",
            ),
        ]
