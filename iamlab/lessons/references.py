"""References inside a lesson: every principal, user, group, role and policy that a check or a
solution action names must exist in the setup or be created by an earlier solution action.
Solution actions must name real service operations and give valid policy documents."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from iamlab.sandbox import managed_catalog
from iamlab.sandbox.scenario.yamlio import child

from .schema import params_path

CREATES = {
    "iam.create_user": ("user", "UserName"),
    "iam.create_group": ("group", "GroupName"),
    "iam.create_role": ("role", "RoleName"),
    "iam.create_policy": ("policy", "PolicyName"),
    "iam.create_instance_profile": ("instance_profile", "InstanceProfileName"),
}
ACCOUNT_ONLY = ("root_has_no_access_keys", "root_mfa", "no_active_external_findings", "scorecard")
NAME_PARAMS = {"UserName": "user", "GroupName": "group", "RoleName": "role"}


@dataclass
class Known:
    accounts: list[str] = field(default_factory=list)
    entities: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, account, name)

    def has(self, kind: str, account: str, name: str) -> bool:
        return (kind, account, name.lower()) in self.entities

    def add(self, kind: str, account: str, name: str) -> None:
        self.entities.add((kind, account, name.lower()))


def known_from_setup(setup: dict[str, Any]) -> Known:
    known = Known()
    sections = {
        "users": "user",
        "groups": "group",
        "roles": "role",
        "policies": "policy",
        "instance_profiles": "instance_profile",
        "identity_providers": "identity_provider",
    }
    accounts = setup.get("accounts")
    for account_id, account in (accounts if isinstance(accounts, dict) else {}).items():
        account_id = str(account_id)
        known.accounts.append(account_id)
        if not isinstance(account, dict):
            continue
        for section, kind in sections.items():
            names = account.get(section)
            for name in names if isinstance(names, dict) else {}:
                known.add(kind, account_id, str(name))
    return known


def first_account(setup: dict[str, Any]) -> str | None:
    accounts = setup.get("accounts")
    return str(next(iter(accounts))) if isinstance(accounts, dict) and accounts else None


def parse_principal(arn: str) -> tuple[str, str, str] | None:
    """(kind, account, name) of a principal ARN: kind is root, user, role (also for a role
    session: its role)."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return None
    _, _, service, _, account, rest = parts
    if service == "iam" and rest == "root":
        return "root", account, ""
    kind, _, tail = rest.partition("/")
    if service == "iam" and kind in ("user", "role") and tail:
        return kind, account, tail.rsplit("/", 1)[-1]
    if service == "iam" and kind in ("oidc-provider", "saml-provider") and tail:
        return "identity_provider", account, tail
    if service == "sts" and kind == "assumed-role" and "/" in tail:
        return "role", account, tail.split("/", 1)[0]
    return None


def describe_missing(kind: str, account: str, name: str) -> str:
    what = kind.replace("_", " ")
    return (
        f"no {what} named {name!r} in account {account}: neither the setup nor an earlier "
        f"solution action creates one"
    )


class _Checker:
    def __init__(self, data: dict[str, Any], setup: dict[str, Any], where: Any, problems: Any):
        self.data, self.where, self.problems = data, where, problems
        self.known = known_from_setup(setup)
        self.default_account = first_account(setup)

    def fail(self, path: str, message: str) -> None:
        self.problems.at(self.node_near(path), path, message)

    def node_near(self, path: str) -> Any:
        """The node recorded at `path`, else at its nearest recorded parent (a check's own
        arguments may be missing: the check is then where the problem is)."""
        while True:
            node = self.where.nodes.get(path)
            if node is not None or not path:
                return node
            path = path[: max(path.rfind("."), path.rfind("["), 0)]

    def account(self, path: str, account: str | None) -> str | None:
        account = account or self.default_account
        if account is None:
            self.fail(path, "the setup has no account")
            return None
        if account not in self.known.accounts:
            self.fail(path, f"no account {account} in the setup")
            return None
        return account

    def principal(self, path: str, arn: str) -> None:
        parsed = parse_principal(arn)
        if parsed is None:
            self.fail(
                path,
                f"{arn!r} is not the ARN of a root user, user, role, role session or identity "
                f"provider",
            )
            return
        kind, account, name = parsed
        if self.account(path, account) is None:
            return
        if kind != "root" and not self.known.has(kind, account, name):
            self.fail(path, describe_missing(kind, account, name))

    def entity(self, path: str, kind: str, account: str | None, name: str) -> None:
        account = self.account(path, account)
        if account is not None and not self.known.has(kind, account, name):
            self.fail(path, describe_missing(kind, account, name))

    def policy(self, path: str, account: str | None, ref: str) -> None:
        if ref.startswith("arn:aws:iam::aws:policy/"):
            if managed_catalog.aws_managed_policy(ref) is None:
                self.fail(path, f"no AWS managed policy {ref} in the catalog")
            return
        if ref.startswith("arn:"):
            parts = ref.split(":", 5)
            if len(parts) != 6 or not parts[5].startswith("policy/"):
                self.fail(path, f"{ref!r} is not a policy ARN")
                return
            self.entity(path, "policy", parts[4], parts[5].rsplit("/", 1)[-1])
            return
        account = self.account(path, account)
        if account is None or self.known.has("policy", account, ref):
            return
        if managed_catalog.aws_managed_policy(ref) is None:
            self.fail(
                path,
                f"no customer managed policy {ref!r} in account {account} (from the setup or an "
                f"earlier solution action) and no AWS managed policy of that name",
            )

    # ------------------------------------------------------------------------------ walking
    def run(self) -> None:
        if self.data.get("acting_as"):
            self.principal("acting_as", self.data["acting_as"])
        for i, entry in enumerate(self.data.get("editable") or []):
            if "account" in entry:
                self.account(child("editable", i), entry["account"])
        for step in self.data.get("steps") or []:
            for action in step.get("solution") or []:
                self.solution_action(action)
            for check in step.get("checks") or []:
                self.check(check)

    def solution_action(self, action: dict[str, Any]) -> None:
        path = action["_path"]
        if "clock" in action:
            return
        call, params = action["call"], action["params"]
        self.principal(child(path, "as"), action["as"])
        module_name, _, op = call.partition(".")
        module = importlib.import_module(f"iamlab.sandbox.services.{module_name}")
        if not callable(getattr(module, op, None)) or op.startswith("_"):
            self.fail(child(path, "call"), f"no operation {op!r} in the sandbox's {module_name}")
            return
        caller = parse_principal(action["as"])
        account = caller[1] if caller else self.default_account
        created = CREATES.get(call)
        for key, value in params.items():
            ppath = params_path(path, key)
            if created and key == created[1]:
                continue
            if key in NAME_PARAMS and isinstance(value, str):
                self.entity(ppath, NAME_PARAMS[key], account, value)
            elif key in ("PolicyArn", "PermissionsBoundary") and isinstance(value, str):
                self.policy(ppath, account, value)
            elif key == "RoleArn" and isinstance(value, str):
                self.principal(ppath, value)
            self.document(call, key, value, ppath, params)
        if created and isinstance(params.get(created[1]), str) and account:
            self.known.add(created[0], account, params[created[1]])

    def document(self, call: str, key: str, value: Any, path: str, params: dict[str, Any]) -> None:
        from .loader import call_document_kind, document_errors, pointer_to_path

        kind = call_document_kind(call, key, params)
        if kind is None:
            return
        for pointer, message in document_errors(value, kind):
            at = pointer_to_path(path, value, pointer) if isinstance(value, dict) else path
            node = self.where.nodes.get(at)
            while node is None and at != path:
                at = at[: max(at.rfind("."), at.rfind("["))]
                node = self.where.nodes.get(at)
            self.problems.at(node, at, f"invalid policy: {message}")

    def check(self, check: dict[str, Any]) -> None:
        kind, args = check["kind"], check["args"]
        base = child(check["_path"], kind)
        account = args.get("account")
        at = {key: child(base, key) for key in args}
        if kind in ("can", "cannot", "allowed_actions"):
            self.principal(at["principal"], args["principal"])
        elif kind == "assumed":
            self.entity(at["role"], "role", account, args["role"])
            self.principal(at["by"], args["by"])
        elif kind in ("exists", "absent"):
            self.account(at.get("name", base), account)
        elif kind in ACCOUNT_ONLY:
            self.account(at.get("account", base), account)
        elif kind == "policy_valid":
            self.policy(at["policy"], account, args["policy"])
        elif kind == "instance_profile":
            # The instance may be launched by the learner: only the IAM names are checked.
            self.entity(at["profile"], "instance_profile", account, args["profile"])
            if "role" in args:
                self.entity(at["role"], "role", account, args["role"])
        else:
            for key in ("user", "group", "role"):
                if key == "user" and args.get(key) == "<root_account>":
                    continue  # the credential report's row for the root user
                if key in args:
                    self.entity(at[key], key, account, args[key])
            if "policy" in args:
                self.policy(at["policy"], account, args["policy"])


def check(data: dict[str, Any], setup: dict[str, Any], where: Any, problems: Any) -> None:
    _Checker(data, setup, where, problems).run()
