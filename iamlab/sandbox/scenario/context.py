"""State shared while one scenario loads: the reader, the rows built so far, names to resolve."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from yaml.nodes import Node

from .. import managed_catalog
from ..builder import Builder
from ..identifiers import UNIQUE_ID_RE
from ..models import (
    Account,
    IamGroup,
    IamUser,
    IdentityProvider,
    InstanceProfile,
    ManagedPolicy,
    Role,
    Sandbox,
    valid_path,
)
from .yamlio import Entry, Reader, is_null

IAM_NAME_RE = re.compile(r"[\w+=,.@-]{1,128}")
# The columns' sizes, so a long value is a problem with a place, not a database error.
MAX_LENGTHS = {
    "description": 1000,
    "alias": 63,
    "name": 50,
    "email": 254,
    "principal": 2048,
    "principal_type": 32,
    "access_key_id": 128,
    "action": 256,
    "resource": 2048,
    "error_code": 64,
    "source_ip": 45,
    "region": 32,
    "service": 64,
    "source_identity": 64,
    "caller": 2048,
    "content_type": 255,
    "runtime": 32,
    "handler": 128,
}
_NAME_LENGTHS = {"user": 64, "role": 64}
_CUSTOMER_POLICY_ARN_RE = re.compile(r"arn:aws:iam::(\d{12}):policy(/(?:[^/]+/)*)([^/]+)")


@dataclass
class AccountState:
    account: Account
    path: str
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    groups: dict[str, IamGroup] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    users: dict[str, IamUser] = field(default_factory=dict)
    profiles: dict[str, InstanceProfile] = field(default_factory=dict)
    idps: dict[str, IdentityProvider] = field(default_factory=dict)
    mfa_names: set[str] = field(default_factory=set)


class Context:
    def __init__(self, sandbox: Sandbox) -> None:
        self.reader = Reader()
        self.builder = Builder(sandbox)
        self.sandbox = sandbox
        self.now: datetime = sandbox.now().replace(microsecond=0)
        self.accounts: dict[str, AccountState] = {}
        self._ids: dict[str, set[str]] = {}
        self.taken: dict[str, set] = {}  # names already used, per kind of resource

    def fail(self, node: Node | None, path: str, message: str) -> None:
        self.reader.fail(node, path, message)

    # -- common fields -----------------------------------------------------------------------

    def time(
        self, entries: dict[str, Entry], key: str, default: datetime | None
    ) -> datetime | None:
        entry = entries.get(key)
        if entry is None:
            return default
        return self.reader.time(entry.value, entry.path, self.now)

    def optional_time(self, entries: dict[str, Entry], key: str) -> datetime | None:
        entry = entries.get(key)
        if entry is None or _null(entry.value):
            return None
        return self.reader.time(entry.value, entry.path, self.now)

    def text(self, entries: dict[str, Entry], key: str, default: str = "", **options) -> str:
        entry = entries.get(key)
        if entry is None:
            return default
        options.setdefault("max_length", MAX_LENGTHS.get(key))
        value = self.reader.text(entry.value, entry.path, **options)
        return default if value is None else value

    def flag(self, entries: dict[str, Entry], key: str, default: bool) -> bool:
        entry = entries.get(key)
        if entry is None:
            return default
        value = self.reader.boolean(entry.value, entry.path)
        return default if value is None else value

    def tags(self, entries: dict[str, Entry]) -> dict[str, str]:
        entry = entries.get("tags")
        return self.reader.tags(entry.value, entry.path) if entry else {}

    def path(self, entries: dict[str, Entry]) -> str:
        entry = entries.get("path")
        if entry is None:
            return "/"
        value = self.reader.text(entry.value, entry.path)
        if value is not None and not valid_path(value):
            self.fail(entry.value, entry.path, f"{value!r} is not an IAM path ('/' or '/a/b/')")
        return value if value is not None and valid_path(value) else "/"

    def document(self, entries: dict[str, Entry], key: str, *, required: bool = False) -> str:
        """A policy document's JSON text ("" when absent and not required)."""
        entry = entries.get(key)
        if entry is None or _null(entry.value):
            if required and entry is not None:
                self.fail(entry.value, entry.path, "needs a policy document")
            return ""
        return self.reader.document(entry.value, entry.path) or ""

    def name(self, key_node: Node, name: str, path: str, what: str) -> None:
        if not IAM_NAME_RE.fullmatch(name):
            self.fail(
                key_node,
                path,
                f"{name!r} is not a valid {what} name (letters, digits and +=,.@_- only)",
            )
        elif len(name) > _NAME_LENGTHS.get(what, 128):
            limit = _NAME_LENGTHS.get(what, 128)
            self.fail(key_node, path, f"a {what} name has at most {limit} characters")

    def unique_id(
        self,
        entries: dict[str, Entry],
        key: str,
        kind: str,
        generate,  # noqa: ANN001 - a function returning a new id
        pattern: re.Pattern[str] = UNIQUE_ID_RE,
    ) -> str:
        """The id given under `key` (checked, and unique in the sandbox), or a new one."""
        used = self._ids.setdefault(kind, set())
        entry = entries.get(key)
        if entry is None:
            value = generate()
            while value in used:
                value = generate()
        else:
            value = self.reader.text(entry.value, entry.path, pattern=pattern, expected=f"a {kind}")
            if value is None:
                return generate()
            if value in used:
                self.fail(entry.value, entry.path, f"{kind} {value} is used twice")
        used.add(value)
        return value

    def reserve_id(self, kind: str, value: str) -> None:
        self._ids.setdefault(kind, set()).add(value)

    def claim_name(
        self, registry: dict[str, object], name: str, key_node: Node, path: str, what: str
    ) -> bool:
        """IAM names are unique per account regardless of case."""
        lowered = name.lower()
        if lowered in registry:
            self.fail(
                key_node, path, f"another {what} is already named {name!r} (names ignore case)"
            )
            return False
        return True

    # -- references --------------------------------------------------------------------------

    def policy_ref(
        self, state: AccountState, ref: str, node: Node, path: str
    ) -> tuple[ManagedPolicy | None, str] | None:
        """A managed policy by name or ARN: (customer policy, "") or (None, AWS managed ARN).

        A bare name is the account's customer managed policy of that name if there is one, else
        the AWS managed policy of that name in the catalog. An AWS managed ARN is taken as is.
        """
        if managed_catalog.is_aws_managed_arn(ref):
            return None, ref
        match = _CUSTOMER_POLICY_ARN_RE.fullmatch(ref)
        if match:
            account_id, _path, name = match.groups()
            policy = state.policies.get(name.lower())
            if account_id != state.account.account_id or policy is None or policy.path != _path:
                self.fail(node, path, f"no customer managed policy {ref} in this account")
                return None
            return policy, ""
        if ref.startswith("arn:"):
            self.fail(node, path, f"{ref!r} is not a managed policy ARN")
            return None
        policy = state.policies.get(ref.lower())
        if policy is not None:
            return policy, ""
        entry = managed_catalog.aws_managed_policy(ref)
        if entry is not None:
            return None, entry["arn"]
        self.fail(
            node,
            path,
            f"no customer managed policy named {ref!r} in account {state.account.account_id}, "
            "and no AWS managed policy of that name in the catalog",
        )
        return None

    def lookup(self, registry: dict, name: str, node: Node, path: str, what: str, account_id: str):  # noqa: ANN201 - the registry's row type
        found = registry.get(name.lower())
        if found is None:
            self.fail(node, path, f"no {what} named {name!r} in account {account_id}")
        return found


def _null(node: Node) -> bool:
    return is_null(node)
