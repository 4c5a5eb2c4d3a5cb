"""IAM identities and policies: users, groups, roles, instance profiles, managed and inline
policies, their attachments, and identity providers.

Names of users, groups, roles, managed policies and instance profiles are unique per account
regardless of case, as in AWS (the constraints compare `Lower(name)`); lookups by name should
use `named(queryset, name)` (base.py), which that constraint's index answers. A policy is
referred to either as a customer managed `ManagedPolicy` row or, for AWS managed policies, by
its ARN (arn:aws:iam::aws:policy/NAME), resolved from the catalog in
`iamlab.sandbox.managed_catalog` and never copied into the sandbox.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from .base import AccountScoped, SandboxScoped, iam_arn

AWS_MANAGED_POLICY_PREFIX = "arn:aws:iam::aws:policy/"


def _unique_name(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        F("account"), Lower("name"), name=f"{model}_name_unique_per_account_ci"
    )


def _unique_id(model: str, field: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["sandbox", field], name=f"{model}_id_unique_per_sandbox")


class BoundaryMixin(models.Model):
    """A permissions boundary: a customer managed policy, or an AWS managed policy's ARN."""

    boundary_policy = models.ForeignKey(
        "sandbox.ManagedPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    boundary_aws_arn = models.CharField(max_length=2048, blank=True)

    class Meta:
        abstract = True

    @property
    def boundary_arn(self) -> str:
        """The boundary policy's ARN, or "" when there is none."""
        if self.boundary_policy_id:
            return self.boundary_policy.arn
        return self.boundary_aws_arn


class IamUser(BoundaryMixin, AccountScoped):
    """An IAM user. The console password (login profile) exists when `password_created` is set."""

    user_id = models.CharField(max_length=128)
    name = models.CharField(max_length=64)
    path = models.CharField(max_length=512, default="/")
    created = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)
    password_hash = models.CharField(max_length=256, blank=True)
    password_created = models.DateTimeField(null=True, blank=True)
    password_last_changed = models.DateTimeField(null=True, blank=True)
    password_last_used = models.DateTimeField(null=True, blank=True)
    password_reset_required = models.BooleanField(default=False)

    class Meta:
        constraints = [_unique_name("user"), _unique_id("user", "user_id")]
        indexes = [models.Index(fields=["account", "name"], name="user_account_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return iam_arn(self.account.account_id, "user", self.path, self.name)

    @property
    def has_console_password(self) -> bool:
        return self.password_created is not None


class IamGroup(AccountScoped):
    group_id = models.CharField(max_length=128)
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    created = models.DateTimeField()

    class Meta:
        constraints = [_unique_name("group"), _unique_id("group", "group_id")]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return iam_arn(self.account.account_id, "group", self.path, self.name)


class GroupMembership(SandboxScoped):
    group = models.ForeignKey(IamGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(IamUser, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique"),
        ]


class Role(BoundaryMixin, AccountScoped):
    role_id = models.CharField(max_length=128)
    name = models.CharField(max_length=64)
    path = models.CharField(max_length=512, default="/")
    created = models.DateTimeField()
    trust_policy = models.TextField(help_text="the AssumeRolePolicyDocument's JSON text, as given")
    description = models.CharField(max_length=1000, blank=True)
    max_session_duration = models.PositiveIntegerField(default=3600, help_text="seconds")
    tags = models.JSONField(default=dict, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    last_used_region = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [_unique_name("role"), _unique_id("role", "role_id")]
        indexes = [models.Index(fields=["account", "name"], name="role_account_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return iam_arn(self.account.account_id, "role", self.path, self.name)

    @property
    def service_linked(self) -> bool:
        """AWS marks service-linked roles by their path."""
        return self.path.startswith("/aws-service-role/")


class InstanceProfile(AccountScoped):
    """The container EC2 passes a role through; it holds at most one role."""

    instance_profile_id = models.CharField(max_length=128)
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    created = models.DateTimeField()
    role = models.ForeignKey(
        Role,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instance_profiles",
    )
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            _unique_name("instance_profile"),
            _unique_id("instance_profile", "instance_profile_id"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return iam_arn(self.account.account_id, "instance-profile", self.path, self.name)


class ManagedPolicy(AccountScoped):
    """A customer managed policy. Its documents are its `versions` (at most 5, one default)."""

    policy_id = models.CharField(max_length=128)
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    description = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)
    version_counter = models.PositiveIntegerField(
        default=1, help_text="the highest version number ever used: AWS never reuses one"
    )

    class Meta:
        constraints = [_unique_name("policy"), _unique_id("policy", "policy_id")]
        verbose_name_plural = "managed policies"

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return iam_arn(self.account.account_id, "policy", self.path, self.name)


class PolicyVersion(SandboxScoped):
    policy = models.ForeignKey(ManagedPolicy, on_delete=models.CASCADE, related_name="versions")
    version_id = models.CharField(max_length=16, help_text="v1, v2, …")
    document = models.TextField(help_text="the JSON text, exactly as given")
    is_default = models.BooleanField(default=False)
    created = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "version_id"], name="policy_version_unique"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(is_default=True), name="policy_one_default_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.name} {self.version_id}"


class _OwnedByPrincipal(SandboxScoped):
    """Belongs to exactly one of a user, a group or a role."""

    user = models.ForeignKey(IamUser, on_delete=models.CASCADE, null=True, blank=True)
    group = models.ForeignKey(IamGroup, on_delete=models.CASCADE, null=True, blank=True)
    role = models.ForeignKey(Role, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def principal(self) -> IamUser | IamGroup | Role:
        return self.user or self.group or self.role


def _one_principal(model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(user__isnull=False, group__isnull=True, role__isnull=True)
        | Q(user__isnull=True, group__isnull=False, role__isnull=True)
        | Q(user__isnull=True, group__isnull=True, role__isnull=False),
        name=f"{model}_one_principal",
    )


def _unique_per_principal(
    model: str, field: str, only: Q | None = None
) -> list[models.UniqueConstraint]:
    """`field` is unique per owner, among the rows that `only` selects."""
    return [
        models.UniqueConstraint(
            fields=[owner, field],
            condition=Q(**{f"{owner}__isnull": False}) & (only or Q()),
            name=f"{model}_unique_per_{owner}",
        )
        for owner in ("user", "group", "role")
    ]


class InlinePolicy(_OwnedByPrincipal):
    """A policy embedded in one user, group or role."""

    name = models.CharField(max_length=128)
    document = models.TextField(help_text="the JSON text, exactly as given")

    class Meta:
        constraints = [_one_principal("inline"), *_unique_per_principal("inline", "name")]
        verbose_name_plural = "inline policies"
        default_related_name = "inline_policies"

    def __str__(self) -> str:
        return self.name


class PolicyAttachment(_OwnedByPrincipal):
    """A managed policy attached to a user, group or role: a customer managed `policy`, or an
    AWS managed policy by `aws_policy_arn`."""

    policy = models.ForeignKey(
        ManagedPolicy, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    aws_policy_arn = models.CharField(max_length=2048, blank=True)

    class Meta:
        constraints = [
            _one_principal("attachment"),
            models.CheckConstraint(
                condition=(Q(policy__isnull=False) & Q(aws_policy_arn=""))
                | (Q(policy__isnull=True) & ~Q(aws_policy_arn="")),
                name="attachment_one_policy",
            ),
            *_unique_per_principal("attachment", "policy"),
            *_unique_per_principal("attachment_aws", "aws_policy_arn", ~Q(aws_policy_arn="")),
        ]
        default_related_name = "attachments"

    @property
    def policy_arn(self) -> str:
        return self.policy.arn if self.policy_id else self.aws_policy_arn


class IdentityProvider(AccountScoped):
    """A SAML or OIDC provider that federated users come through.

    `name` is the SAML provider's name, or the OIDC provider's URL without `https://`.
    """

    class Type(models.TextChoices):
        SAML = "SAML"
        OIDC = "OIDC"

    type = models.CharField(max_length=4, choices=Type.choices)
    name = models.CharField(max_length=255)
    saml_metadata = models.TextField(blank=True)
    client_ids = models.JSONField(default=list, blank=True)
    thumbprints = models.JSONField(default=list, blank=True)
    created = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "type", "name"], name="idp_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        kind = "saml-provider" if self.type == self.Type.SAML else "oidc-provider"
        return f"arn:aws:iam::{self.account.account_id}:{kind}/{self.name}"
