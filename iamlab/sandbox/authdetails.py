"""Import `aws iam get-account-authorization-details` output into a new sandbox.

So a learner can study a real account offline: users, groups, roles, customer managed policies
with all their versions, inline policies, permissions boundaries, instance profiles and tags.
Documents may come as JSON objects (the AWS CLI decodes them) or as URL-encoded JSON text (the
raw API). AWS managed policies are never copied: attachments keep their ARN, resolved from the
catalog (`managed_catalog`); one the catalog does not know is kept with a warning.

Problems that make the import impossible are raised together as `AuthDetailsError`, each with
its line and column in the JSON; things merely worth knowing come back as warnings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from . import managed_catalog
from .builder import Builder
from .documents import canonical_json, check_document_text, decode_policy_text
from .errors import InputProblem, SandboxInputError, check_sandbox_name
from .identifiers import (
    GROUP_PREFIX,
    INSTANCE_PROFILE_PREFIX,
    POLICY_PREFIX,
    ROLE_PREFIX,
    UNIQUE_ID_RE,
    USER_PREFIX,
    new_account_id,
    new_unique_id,
)
from .jsonplace import Path, dotted, locate
from .models import (
    Account,
    GroupMembership,
    IamGroup,
    IamUser,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Role,
    Sandbox,
    valid_path,
)
from .timefmt import parse_timestamp

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
_ARN_ACCOUNT_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")
_VERSION_RE = re.compile(r"^v[1-9][0-9]*$")


class AuthDetailsError(SandboxInputError):
    """Authorization details that cannot be imported; `problems` says what and where."""


@dataclass
class ImportResult:
    sandbox: Sandbox
    warnings: list[InputProblem] = field(default_factory=list)


def import_authorization_details(
    text: str,
    *,
    name: str,
    owner: AbstractBaseUser | None = None,
    replace: bool = False,
) -> ImportResult:
    """A new sandbox holding the account that `text` describes, in one transaction."""
    problem = check_sandbox_name(name)
    if problem is not None:
        raise AuthDetailsError([problem])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuthDetailsError(
            [InputProblem(f"not valid JSON: {exc.msg}", exc.lineno, exc.colno)]
        ) from None
    if not isinstance(data, dict) or not any(key in data for key in LISTS):
        raise AuthDetailsError(
            [
                InputProblem(
                    "not `aws iam get-account-authorization-details` output (expected an "
                    f"object with {', '.join(LISTS)})",
                    1,
                    1,
                )
            ]
        )
    with transaction.atomic():
        existing = Sandbox.objects.filter(owner=owner, name=name)
        if existing.exists():
            if not replace:
                raise AuthDetailsError([InputProblem(f"a sandbox named {name!r} already exists")])
            existing.delete()
        importer = _Importer(text, data, Sandbox(owner=owner, name=name))
        importer.run()
        if importer.errors:
            raise AuthDetailsError(importer.errors)
        return ImportResult(importer.builder.save(), importer.warnings)


class _Importer:
    def __init__(self, text: str, data: dict[str, Any], sandbox: Sandbox) -> None:
        self.text = text
        self.data = data
        self.builder = Builder(sandbox)
        self.now = sandbox.now().replace(microsecond=0)
        self.errors: list[InputProblem] = []
        self.warnings: list[InputProblem] = []
        self.account: Account | None = None
        self.policies: dict[str, ManagedPolicy] = {}  # by ARN
        self.groups: dict[str, IamGroup] = {}  # by lower-case name
        self.names: dict[str, set[str]] = {}
        self.ids: set[str] = set()
        self.profiles: set[str] = set()
        self.unknown_aws: set[str] = set()

    # -- problems, with their place in the JSON -----------------------------------------------

    def _problem(self, message: str, path: Path) -> InputProblem:
        line, column = locate(self.text, path)
        return InputProblem(message, line, column, dotted(path))

    def error(self, message: str, path: Path) -> None:
        self.errors.append(self._problem(message, path))

    def warn(self, message: str, path: Path) -> None:
        self.warnings.append(self._problem(message, path))

    # -- reading fields ----------------------------------------------------------------------

    def items(self, key: str) -> list[tuple[dict[str, Any], Path]]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.error("expected a list", (key,))
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((item, (key, i)))
            else:
                self.error("expected an object", (key, i))
        return out

    def list_of(self, item: dict[str, Any], key: str, path: Path) -> list[tuple[Any, Path]]:
        value = item.get(key) or []
        if isinstance(value, dict):  # seen in the wild: one object where a list belongs
            return [(value, (*path, key))]
        if not isinstance(value, list):
            self.error("expected a list", (*path, key))
            return []
        return [(v, (*path, key, i)) for i, v in enumerate(value)]

    def string(self, item: dict[str, Any], key: str, path: Path, default: str | None = None) -> str:
        value = item.get(key, default)
        if not isinstance(value, str) or not value:
            self.error(f"{key} is missing or not text", (*path, key) if key in item else path)
            return ""
        return value

    def date(self, item: dict[str, Any], key: str, path: Path) -> datetime | None:
        value = item.get(key)
        if value is None:
            return None
        parsed = parse_timestamp(value) if isinstance(value, str) else None
        if parsed is None:
            self.error(f"{key} is not an ISO 8601 time", (*path, key))
        return parsed

    def path_of(self, item: dict[str, Any], path: Path) -> str:
        value = item.get("Path", "/")
        if not isinstance(value, str) or not valid_path(value):
            self.error("not an IAM path", (*path, "Path"))
            return "/"
        return value

    def document(self, value: Any, path: Path) -> str:
        if isinstance(value, dict):
            return canonical_json(value)
        if isinstance(value, str):
            text = decode_policy_text(value)
            problem = check_document_text(text)
            if problem is None:
                return text
            self.error(f"policy document is {problem}", path)
            return ""
        self.error("expected a policy document (a JSON object or URL-encoded JSON text)", path)
        return ""

    def tags(self, item: dict[str, Any], path: Path) -> dict[str, str]:
        tags = {}
        for tag, tag_path in self.list_of(item, "Tags", path):
            if isinstance(tag, dict) and isinstance(tag.get("Key"), str):
                tags[tag["Key"]] = str(tag.get("Value", ""))
            else:
                self.error("a tag is {Key, Value}", tag_path)
        return tags

    def unique_id(self, item: dict[str, Any], key: str, prefix: str, path: Path) -> str:
        value = item.get(key)
        if isinstance(value, str) and UNIQUE_ID_RE.match(value) and value not in self.ids:
            self.ids.add(value)
            return value
        if isinstance(value, str) and value in self.ids:
            self.warn(f"{key} {value} is used twice: a new id was made", (*path, key))
        new = new_unique_id(prefix)
        self.ids.add(new)
        return new

    def claim(self, kind: str, name: str, path: Path) -> bool:
        names = self.names.setdefault(kind, set())
        if name.lower() in names:
            self.error(f"a second {kind} named {name!r} (IAM names ignore case)", path)
            return False
        names.add(name.lower())
        return True

    # -- the import --------------------------------------------------------------------------

    def run(self) -> None:
        if self.data.get("IsTruncated"):
            self.warn(
                "the export is truncated (IsTruncated): entities on later pages are "
                "missing; export again without --max-items",
                ("IsTruncated",),
            )
        account_id = self._account_id()
        self.account = self.builder.add(Account(account_id=account_id, created=self.now))
        for item, path in self.items("Policies"):
            self._policy(item, path)
        for item, path in self.items("GroupDetailList"):
            self._group(item, path)
        for item, path in self.items("RoleDetailList"):
            self._role(item, path)
        for item, path in self.items("UserDetailList"):
            self._user(item, path)

    def _account_id(self) -> str:
        found: dict[str, Path] = {}
        for key in LISTS:
            value = self.data.get(key)
            for i, item in enumerate(value if isinstance(value, list) else []):
                arn = item.get("Arn") if isinstance(item, dict) else None
                match = _ARN_ACCOUNT_RE.match(arn) if isinstance(arn, str) else None
                if match:
                    found.setdefault(match.group(1), (key, i, "Arn"))
        if len(found) > 1:
            first, *others = found.items()
            for account_id, path in others:
                self.error(
                    f"account {account_id} here, but {first[0]} elsewhere: one account per import",
                    path,
                )
        if not found:
            self.warn("no ARN names the account: a new account id was made", ())
            return new_account_id()
        return next(iter(found))

    def _policy(self, item: dict[str, Any], path: Path) -> None:
        arn = self.string(item, "Arn", path)
        if managed_catalog.is_aws_managed_arn(arn):
            if managed_catalog.aws_managed_policy(arn) is None:
                self.unknown_aws.add(arn)
                self.warn(
                    f"{arn} is not in iamlab's AWS managed policy catalog: attachments are "
                    "kept, but it grants nothing here",
                    path,
                )
            return
        name = self.string(item, "PolicyName", path)
        if not name or not self.claim("policy", name, path):
            return
        created = self.date(item, "CreateDate", path) or self.now
        policy = self.builder.add(
            ManagedPolicy(
                account=self.account,
                policy_id=self.unique_id(item, "PolicyId", POLICY_PREFIX, path),
                name=name,
                path=self.path_of(item, path),
                created=created,
                description=item.get("Description") or "",
                tags=self.tags(item, path),
            )
        )
        self.policies[arn] = policy
        versions = self.list_of(item, "PolicyVersionList", path)
        if not versions:
            self.error("a customer managed policy needs its PolicyVersionList", path)
        defaults = 0
        numbers = [1]
        for version, version_path in versions:
            if not isinstance(version, dict):
                self.error("expected an object", version_path)
                continue
            version_id = self.string(version, "VersionId", version_path)
            if version_id and not _VERSION_RE.match(version_id):
                self.error(f"{version_id!r} is not a version id (v1, v2, …)", version_path)
                continue
            numbers.append(int(version_id[1:]) if version_id else 1)
            is_default = version.get("IsDefaultVersion") is True or (
                "IsDefaultVersion" not in version and version_id == item.get("DefaultVersionId")
            )
            defaults += is_default
            self.builder.add(
                PolicyVersion(
                    policy=policy,
                    version_id=version_id,
                    is_default=is_default,
                    document=self.document(version.get("Document"), (*version_path, "Document")),
                    created=self.date(version, "CreateDate", version_path) or created,
                )
            )
        if versions and defaults != 1:
            self.error(f"{defaults} default versions: a policy has exactly one", path)
        if len(versions) > 5:
            self.warn("more than 5 versions: AWS allows 5", path)
        policy.version_counter = max(numbers)

    def _attach(self, item: dict[str, Any], path: Path, **owner: Any) -> None:
        for attached, attached_path in self.list_of(item, "AttachedManagedPolicies", path):
            arn = attached.get("PolicyArn") if isinstance(attached, dict) else None
            if not isinstance(arn, str):
                self.error("an attached policy needs its PolicyArn", attached_path)
                continue
            resolved = self._policy_ref(arn, attached_path)
            if resolved is not None:
                self.builder.add(
                    PolicyAttachment(policy=resolved[0], aws_policy_arn=resolved[1], **owner)
                )

    def _policy_ref(self, arn: str, path: Path) -> tuple[ManagedPolicy | None, str] | None:
        if managed_catalog.is_aws_managed_arn(arn):
            if managed_catalog.aws_managed_policy(arn) is None and arn not in self.unknown_aws:
                self.unknown_aws.add(arn)
                self.warn(
                    f"{arn} is not in iamlab's AWS managed policy catalog: the attachment "
                    "is kept, but it grants nothing here",
                    path,
                )
            return None, arn
        policy = self.policies.get(arn)
        if policy is None:
            self.warn(f"{arn} is not among the export's Policies: left out", path)
            return None
        return policy, ""

    def _inline(self, item: dict[str, Any], key: str, path: Path, **owner: Any) -> None:
        seen: set[str] = set()
        for inline, inline_path in self.list_of(item, key, path):
            if not isinstance(inline, dict):
                self.error("expected an object", inline_path)
                continue
            name = self.string(inline, "PolicyName", inline_path)
            if name in seen:
                self.error(f"a second inline policy named {name!r}", inline_path)
                continue
            seen.add(name)
            document = self.document(inline.get("PolicyDocument"), (*inline_path, "PolicyDocument"))
            self.builder.add(InlinePolicy(name=name, document=document, **owner))

    def _boundary(self, item: dict[str, Any], path: Path, principal: IamUser | Role) -> None:
        boundary = item.get("PermissionsBoundary")
        if not boundary:
            return
        arn = boundary.get("PermissionsBoundaryArn") if isinstance(boundary, dict) else None
        if not isinstance(arn, str):
            self.error("expected {PermissionsBoundaryArn}", (*path, "PermissionsBoundary"))
            return
        resolved = self._policy_ref(arn, (*path, "PermissionsBoundary"))
        if resolved is not None:
            principal.boundary_policy, principal.boundary_aws_arn = resolved

    def _group(self, item: dict[str, Any], path: Path) -> None:
        name = self.string(item, "GroupName", path)
        if not name or not self.claim("group", name, path):
            return
        group = self.builder.add(
            IamGroup(
                account=self.account,
                group_id=self.unique_id(item, "GroupId", GROUP_PREFIX, path),
                name=name,
                path=self.path_of(item, path),
                created=self.date(item, "CreateDate", path) or self.now,
            )
        )
        self.groups[name.lower()] = group
        self._inline(item, "GroupPolicyList", path, group=group)
        self._attach(item, path, group=group)

    def _role(self, item: dict[str, Any], path: Path) -> None:
        name = self.string(item, "RoleName", path)
        if not name or not self.claim("role", name, path):
            return
        last_used = item.get("RoleLastUsed") if isinstance(item.get("RoleLastUsed"), dict) else {}
        role = self.builder.add(
            Role(
                account=self.account,
                role_id=self.unique_id(item, "RoleId", ROLE_PREFIX, path),
                name=name,
                path=self.path_of(item, path),
                created=self.date(item, "CreateDate", path) or self.now,
                trust_policy=self.document(
                    item.get("AssumeRolePolicyDocument"), (*path, "AssumeRolePolicyDocument")
                ),
                description=item.get("Description") or "",
                max_session_duration=item.get("MaxSessionDuration") or 3600,
                tags=self.tags(item, path),
                last_used=self.date(last_used, "LastUsedDate", (*path, "RoleLastUsed")),
                last_used_region=last_used.get("Region") or "",
            )
        )
        self._boundary(item, path, role)
        self._inline(item, "RolePolicyList", path, role=role)
        self._attach(item, path, role=role)
        for profile, profile_path in self.list_of(item, "InstanceProfileList", path):
            self._instance_profile(profile, profile_path, role)

    def _instance_profile(self, item: Any, path: Path, role: Role) -> None:
        if not isinstance(item, dict):
            self.error("expected an object", path)
            return
        name = self.string(item, "InstanceProfileName", path)
        if not name or name.lower() in self.profiles:
            return  # a profile is listed under its role; once is enough
        self.profiles.add(name.lower())
        self.builder.add(
            InstanceProfile(
                account=self.account,
                instance_profile_id=self.unique_id(
                    item, "InstanceProfileId", INSTANCE_PROFILE_PREFIX, path
                ),
                name=name,
                path=self.path_of(item, path),
                role=role,
                tags=self.tags(item, path),
                created=self.date(item, "CreateDate", path) or self.now,
            )
        )

    def _user(self, item: dict[str, Any], path: Path) -> None:
        name = self.string(item, "UserName", path)
        if not name or not self.claim("user", name, path):
            return
        user = self.builder.add(
            IamUser(
                account=self.account,
                user_id=self.unique_id(item, "UserId", USER_PREFIX, path),
                name=name,
                path=self.path_of(item, path),
                tags=self.tags(item, path),
                created=self.date(item, "CreateDate", path) or self.now,
            )
        )
        self._boundary(item, path, user)
        self._inline(item, "UserPolicyList", path, user=user)
        self._attach(item, path, user=user)
        for group_name, group_path in self.list_of(item, "GroupList", path):
            group = self.groups.get(group_name.lower()) if isinstance(group_name, str) else None
            if group is None:
                self.warn(
                    f"group {group_name!r} is not in the export's GroupDetailList: "
                    "membership left out",
                    group_path,
                )
                continue
            self.builder.add(GroupMembership(group=group, user=user))
