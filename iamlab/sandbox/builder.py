"""Write a whole sandbox at once: collect unsaved rows, then insert them table by table.

Loading a scenario or importing an account builds every row in memory first (so all problems can
be reported before anything is written), then `save()` inserts each table with one bulk insert,
in an order where every foreign key points at a row already saved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from django.db import models, transaction

from . import models as tables
from .models import Account, Organization, OrganizationalUnit, Sandbox

#: Every table of a sandbox, in an order where each foreign key points at a row saved before.
_ORDER: list[type[models.Model]] = [
    tables.Account,
    tables.Organization,
    tables.OrganizationalUnit,
    tables.OrganizationPolicy,
    tables.OrganizationPolicyAttachment,
    tables.ManagedPolicy,
    tables.PolicyVersion,
    tables.IamGroup,
    tables.Role,
    tables.InstanceProfile,
    tables.IamUser,
    tables.GroupMembership,
    tables.InlinePolicy,
    tables.PolicyAttachment,
    tables.AccessKey,
    tables.MfaDevice,
    tables.IdentityProvider,
    tables.Bucket,
    tables.BucketObject,
    tables.LambdaFunction,
    tables.SqsQueue,
    tables.KmsKey,
    tables.Ec2Instance,
    tables.StsSession,
    tables.ActivityEvent,
]


M = TypeVar("M", bound=models.Model)


class Builder:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._pending: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self._placements: list[tuple[Account, Organization, OrganizationalUnit | None]] = []

    def add(self, obj: M) -> M:
        obj.sandbox = self.sandbox  # type: ignore[attr-defined]
        self._pending[type(obj)].append(obj)
        return obj

    def place(
        self, account: Account, organization: Organization, ou: OrganizationalUnit | None
    ) -> None:
        """Put an account in the organization, under `ou` (None: under the root)."""
        self._placements.append((account, organization, ou))

    def count(self, model: type[models.Model]) -> int:
        return len(self._pending[model])

    @transaction.atomic
    def save(self) -> Sandbox:
        self.sandbox.save()
        for model in _ORDER:
            rows = self._pending.get(model, [])
            if model is OrganizationalUnit:
                # Parents were added before their children; each needs its parent's key.
                for row in rows:
                    row.save()
            elif rows:
                model._default_manager.bulk_create(rows)
        if self._placements:
            for account, organization, ou in self._placements:
                account.organization = organization
                account.parent_ou = ou
            Account.objects.bulk_update(
                [a for a, _, _ in self._placements], ["organization", "parent_ou"]
            )
        return self.sandbox
