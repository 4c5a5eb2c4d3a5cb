"""IAM Access Analyzer's unused access findings, by the sandbox clock.

For each account, with an unused access age of N days (default 90, as AWS's default):

- UnusedIAMRole: a role not used in N days (never used: counted from its creation).
  Service-linked roles are left out, as AWS does;
- UnusedIAMUserAccessKey: an active access key not used in N days (or never, and older);
- UnusedIAMUserPassword: a console password not used in N days (or never, and older);
- UnusedPermission: a user or role in use whose policies allow services it has not used in
  N days (from the activity log, as Access Advisor reports them). Roles already reported
  unused as a whole get no permission finding.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..models import AccessKey, Account, Sandbox
from .access_advisor import service_last_accessed
from .credential_report import aws_time
from .permissions import AccountPermissions

DEFAULT_UNUSED_DAYS = 90


@dataclass
class UnusedFinding:
    account: Account
    finding_type: str
    resource_type: str
    resource_arn: str
    detail: dict[str, Any] = field(default_factory=dict)
    subject: str = ""  # what within the resource: an access key id, "password"

    @property
    def key(self) -> str:
        identity = [self.finding_type, self.resource_arn, self.subject]
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()

    def details(self) -> dict[str, Any]:
        return {
            "findingType": self.finding_type,
            "resourceOwnerAccount": self.account.account_id,
            "findingDetails": [self.detail],
        }


def _last(used: datetime | None) -> str | None:
    return aws_time(used) if used else None


def unused_access_findings(sandbox: Sandbox, *, days: int = DEFAULT_UNUSED_DAYS) -> list:
    now = sandbox.now()
    cutoff = now - timedelta(days=days)
    found: list[UnusedFinding] = []
    for account in Account.objects.filter(sandbox=sandbox).select_related("sandbox"):
        perms = AccountPermissions(account)
        unused_roles: set[int] = set()
        for pk, role in perms.roles.items():
            if role.service_linked:
                continue
            if (role.last_used or role.created) < cutoff:
                unused_roles.add(pk)
                found.append(
                    UnusedFinding(
                        account,
                        "UnusedIAMRole",
                        "AWS::IAM::Role",
                        perms.arn_of(("role", pk)),
                        {"unusedIamRoleDetails": {"lastAccessed": _last(role.last_used)}},
                    )
                )
        keys = AccessKey.objects.filter(
            account=account, user__isnull=False, status=AccessKey.Status.ACTIVE
        )
        for key in keys:
            if (key.last_used or key.created) < cutoff:
                found.append(
                    UnusedFinding(
                        account,
                        "UnusedIAMUserAccessKey",
                        "AWS::IAM::User",
                        perms.arn_of(("user", key.user_id)),
                        {
                            "unusedIamUserAccessKeyDetails": {
                                "accessKeyId": key.access_key_id,
                                "lastAccessed": _last(key.last_used),
                            }
                        },
                        subject=key.access_key_id,
                    )
                )
        for pk, user in perms.users.items():
            if user.has_console_password and (
                (user.password_last_used or user.password_created) < cutoff
            ):
                found.append(
                    UnusedFinding(
                        account,
                        "UnusedIAMUserPassword",
                        "AWS::IAM::User",
                        perms.arn_of(("user", pk)),
                        {
                            "unusedIamUserPasswordDetails": {
                                "lastAccessed": _last(user.password_last_used)
                            }
                        },
                        subject="password",
                    )
                )
        found.extend(_unused_permissions(account, perms, unused_roles, cutoff, now))
    return found


def _unused_permissions(
    account: Account,
    perms: AccountPermissions,
    unused_roles: set[int],
    cutoff: datetime,
    now: datetime,
) -> list[UnusedFinding]:
    found = []
    owners = [("user", pk) for pk in perms.users]
    owners += [("role", pk) for pk in perms.roles if pk not in unused_roles]
    for owner in owners:
        if owner[0] == "role" and perms.roles[owner[1]].service_linked:
            continue
        arn = perms.arn_of(owner)
        services = service_last_accessed(account, arn, permissions=perms, now=now)
        for item in services:
            last = item.get("LastAuthenticated")
            if last is not None and last >= cutoff:
                continue
            found.append(
                UnusedFinding(
                    account,
                    "UnusedPermission",
                    "AWS::IAM::Role" if owner[0] == "role" else "AWS::IAM::User",
                    arn,
                    {
                        "unusedPermissionDetails": {
                            "serviceNamespace": item["ServiceNamespace"],
                            "lastAccessed": _last(last),
                        }
                    },
                    subject=item["ServiceNamespace"],
                )
            )
    return found
