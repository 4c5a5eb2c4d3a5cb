"""A best-practice scorecard for one account, after the IAM User Guide's "Security best
practices in IAM". One `Check` per practice iamlab can compute from the sandbox: whether it
passed, which entities failed it, and what to do — written for a learner.

Some practices cannot be seen from inside an account (is a user one person? are humans
federated?); those lines say what they measure instead, so the score stays honest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..models import AccessKey, Account, ActivityEvent, AnalyzerFinding, MfaDevice
from .external_access import external_access_findings
from .permissions import AccountPermissions, as_list, statements

ROOT_IDLE_DAYS = 30
ROTATION_DAYS = 90
UNUSED_CREDENTIAL_DAYS = 45
UNUSED_ROLE_DAYS = 90


@dataclass
class Check:
    id: str
    practice: str
    passed: bool
    failures: list[str] = field(default_factory=list)
    fix: str = ""

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "practice": self.practice,
            "passed": self.passed,
            "failures": self.failures,
            "fix": self.fix,
        }


def _check(id_: str, practice: str, failures: list[str], fix: str) -> Check:
    return Check(id_, practice, not failures, sorted(failures), fix)


def scorecard(account: Account) -> list[Check]:
    sandbox = account.sandbox
    now = sandbox.now()
    perms = AccountPermissions(account)
    keys = list(AccessKey.objects.filter(account=account))
    root_keys = [k for k in keys if k.user_id is None]
    user_keys = [k for k in keys if k.user_id is not None]
    active = [k for k in user_keys if k.status == AccessKey.Status.ACTIVE]
    mfa = MfaDevice.objects.filter(account=account, enabled__isnull=False)
    root_mfa = mfa.filter(assigned_to_root=True).exists()
    mfa_users = set(mfa.filter(user__isnull=False).values_list("user_id", flat=True))

    def user(pk: int) -> str:
        return perms.users[pk].name

    checks = [
        _check(
            "root-mfa",
            "Safeguard your root user credentials: turn on MFA for the root user",
            [] if root_mfa else [account.root_arn],
            "Sign in as the root user and assign an MFA device to it (IAM console → Security "
            "credentials → Assign MFA device). Anyone with the root password alone can do "
            "anything in the account.",
        ),
        _check(
            "root-access-keys",
            "Safeguard your root user credentials: don't create root access keys",
            [k.access_key_id for k in root_keys],
            "Delete the root user's access keys. Use an IAM role or an IAM user with just the "
            "permissions a task needs; the root user's keys cannot be limited by any policy.",
        ),
        _check(
            "root-not-used",
            f"Don't use the root user for everyday tasks (no root sign-in or call in the last "
            f"{ROOT_IDLE_DAYS} days)",
            _root_use(account, now - timedelta(days=ROOT_IDLE_DAYS)),
            "Do daily work as an IAM role or user with the permissions it needs; keep the root "
            "user for the few tasks only it can do.",
        ),
        _check(
            "one-identity-per-person",
            "Give each person their own identity (measured: no user has both of its access keys "
            "in use in the last 30 days, a sign that one user serves several people or programs)",
            _shared_looking(user_keys, user, now - timedelta(days=30)),
            "Give each person or program its own user or role. Two keys should overlap only "
            "briefly while you rotate one; deactivate the old key once the new one works.",
        ),
        _check(
            "permissions-through-groups",
            "Grant users permissions through groups, not policies on each user",
            [
                user(pk)
                for pk in perms.users
                if perms.attached.get(("user", pk)) or perms.inline.get(("user", pk))
            ],
            "Move each user's policies to a group for their job (for example Developers), add "
            "the user to it, then detach the user's own policies. Permissions are then easy to "
            "review and to take away.",
        ),
        _check(
            "mfa-for-console-users",
            "Require MFA: every user with a console password has an MFA device",
            [
                u.name
                for pk, u in perms.users.items()
                if u.has_console_password and pk not in mfa_users
            ],
            "Have each of these users assign a virtual MFA device (Security credentials → "
            "Assign MFA device), and add a policy that denies actions when "
            "aws:MultiFactorAuthPresent is false.",
        ),
        _check(
            "temporary-credentials",
            "Require workloads to use temporary credentials (no active long-term access keys)",
            [f"{user(k.user_id)}: {k.access_key_id}" for k in active],
            "Give programs an IAM role instead (an instance profile on EC2, an execution role on "
            "Lambda, AssumeRole elsewhere) and delete the access keys: role credentials expire "
            "on their own.",
        ),
        _check(
            "keys-rotated",
            f"Update access keys when needed: active keys are at most {ROTATION_DAYS} days old",
            [
                f"{user(k.user_id)}: {k.access_key_id}"
                for k in active
                if k.created < now - timedelta(days=ROTATION_DAYS)
            ],
            "Rotate each key: create a second key, switch the program to it, check the old key's "
            "last use stops, then deactivate and delete the old key.",
        ),
        _check(
            "unused-credentials-removed",
            f"Remove unused credentials: passwords and active keys used in the last "
            f"{UNUSED_CREDENTIAL_DAYS} days, roles in the last {UNUSED_ROLE_DAYS}",
            _unused(perms, active, now),
            "Delete (or at least deactivate) credentials nobody uses, and delete roles nobody "
            "assumes. You can always create them again; an idle credential is only a risk.",
        ),
        _check(
            "least-privilege",
            'Apply least-privilege permissions: no customer policy grants "*" on "*"',
            _full_admin_policies(perms),
            'Replace "Action": "*" on "Resource": "*" with the actions and resources the job '
            "needs. Keep full access for a small admins group, through the AWS managed "
            "AdministratorAccess policy, so it is easy to see who has it.",
        ),
        _check(
            "access-analyzer",
            "Verify public and cross-account access with IAM Access Analyzer (no unarchived "
            "external access findings)",
            _external(account),
            "Open each finding: if the access is intended, archive the finding; if not, change "
            "the resource's policy (bucket, key, queue, function or trust policy) to remove it.",
        ),
    ]
    return checks


def _root_use(account: Account, since) -> list[str]:  # noqa: ANN001 - a datetime
    uses = []
    if account.root_password_last_used and account.root_password_last_used >= since:
        uses.append(f"root password used {account.root_password_last_used:%Y-%m-%d}")
    called = ActivityEvent.objects.filter(
        sandbox_id=account.sandbox_id, principal_arn=account.root_arn, time__gte=since
    ).exists()
    if called:
        uses.append("root user made calls")
    return uses


def _shared_looking(keys: list[AccessKey], user, since) -> list[str]:  # noqa: ANN001
    by_user: dict[int, list[AccessKey]] = {}
    for k in keys:
        if k.status == AccessKey.Status.ACTIVE and k.last_used and k.last_used >= since:
            by_user.setdefault(k.user_id, []).append(k)
    return [user(pk) for pk, used in by_user.items() if len(used) > 1]


def _unused(perms: AccountPermissions, active: list[AccessKey], now) -> list[str]:  # noqa: ANN001
    cutoff = now - timedelta(days=UNUSED_CREDENTIAL_DAYS)
    out = []
    for u in perms.users.values():
        if u.has_console_password and (u.password_last_used or u.password_created) < cutoff:
            out.append(f"{u.name}: password")
    for k in active:
        if (k.last_used or k.created) < cutoff:
            out.append(f"{perms.users[k.user_id].name}: {k.access_key_id}")
    role_cutoff = now - timedelta(days=UNUSED_ROLE_DAYS)
    for r in perms.roles.values():
        if not r.service_linked and (r.last_used or r.created) < role_cutoff:
            out.append(f"role {r.name}")
    return out


def _grants_everything(document: dict | None) -> bool:
    for stmt in statements(document):
        if (
            stmt.get("Effect") == "Allow"
            and "*" in as_list(stmt.get("Action"))
            and "*" in as_list(stmt.get("Resource"))
            and not stmt.get("Condition")
        ):
            return True
    return False


def _full_admin_policies(perms: AccountPermissions) -> list[str]:
    out = [
        perms.policies[pk].name
        for pk, doc in perms.customer_documents.items()
        if _grants_everything(doc)
    ]
    for owner, items in perms.inline.items():
        for name, doc in items:
            if _grants_everything(doc):
                out.append(f"{perms.arn_of(owner)} inline {name}")
    return out


def _external(account: Account) -> list[str]:
    archived = set(
        AnalyzerFinding.objects.filter(
            account=account, status=AnalyzerFinding.Status.ARCHIVED
        ).values_list("key", flat=True)
    )
    return [
        f"{f.resource_arn} ← {f.principal}"
        for f in external_access_findings(account.sandbox)
        if f.account.pk == account.pk and f.key not in archived
    ]
