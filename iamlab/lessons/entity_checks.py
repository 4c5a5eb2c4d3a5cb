"""State checks on IAM entities: existence, groups, attached and inline policies, trust
policies, boundaries, and whether a role was really assumed."""

from __future__ import annotations

import json
from typing import Any

from iamlab.sandbox.models import (
    Bucket,
    GroupMembership,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    Role,
    StsSession,
)

from .checkrun import Result, Run

_ENTITY_MODELS: dict[str, tuple[type, str]] = {
    "user": (IamUser, "user"),
    "group": (IamGroup, "group"),
    "role": (Role, "role"),
    "policy": (ManagedPolicy, "customer managed policy"),
    "instance_profile": (InstanceProfile, "instance profile"),
    "bucket": (Bucket, "bucket"),
    "identity_provider": (IdentityProvider, "identity provider"),
}


def _exists(run: Run, args: dict[str, Any]) -> tuple[bool, str]:
    model, what = _ENTITY_MODELS[args["type"]]
    account = run.account(args)
    found = model.objects.filter(account=account, name__iexact=args["name"]).exists()
    return found, f"{what} {args['name']!r} in account {account.account_id}"


def check_exists(run: Run, args: dict[str, Any]) -> Result:
    found, what = _exists(run, args)
    return found, (f"There is a {what}." if found else f"There is no {what}.")


def check_absent(run: Run, args: dict[str, Any]) -> Result:
    found, what = _exists(run, args)
    return not found, (f"There is still a {what}." if found else f"There is no {what} any more.")


def check_in_group(run: Run, args: dict[str, Any]) -> Result:
    user = run.named(IamUser, args, args["user"], "user")
    group = run.named(IamGroup, args, args["group"], "group")
    if GroupMembership.objects.filter(user=user, group=group).exists():
        return True, f"{user.name} is a member of {group.name}."
    groups = list(user.memberships.values_list("group__name", flat=True))
    now_in = f" (member of: {', '.join(groups)})" if groups else " (member of no group)"
    return False, f"{user.name} is not a member of {group.name}{now_in}."


def _owner(run: Run, args: dict[str, Any], kinds: tuple[str, ...]) -> tuple[str, Any]:
    models = {"user": IamUser, "group": IamGroup, "role": Role}
    for kind in kinds:
        if kind in args:
            return kind, run.named(models[kind], args, args[kind], kind)
    raise AssertionError("the schema demands one owner")


def check_no_inline_policies(run: Run, args: dict[str, Any]) -> Result:
    kind, owner = _owner(run, args, ("user", "group", "role"))
    names = sorted(InlinePolicy.objects.filter(**{kind: owner}).values_list("name", flat=True))
    if names:
        return False, f"The {kind} {owner.name} has inline policies: {', '.join(names)}."
    return True, f"The {kind} {owner.name} has no inline policy."


def _attached_names(owner_kind: str, owner: Any) -> list[str]:
    rows = PolicyAttachment.objects.filter(**{owner_kind: owner}).select_related("policy")
    return sorted(r.policy.name if r.policy_id else r.aws_policy_arn for r in rows)


def check_no_attached_policies(run: Run, args: dict[str, Any]) -> Result:
    user = run.named(IamUser, args, args["user"], "user")
    names = _attached_names("user", user)
    if names:
        return False, f"Managed policies attached to {user.name} directly: {', '.join(names)}."
    return True, f"No managed policy is attached to {user.name} directly."


def _policy_matches(ref: str, attachment_arn: str, policy_name: str) -> bool:
    if ref.startswith("arn:"):
        return ref == attachment_arn
    return policy_name.lower() == ref.lower()


def check_attached(run: Run, args: dict[str, Any]) -> Result:
    kind, owner = _owner(run, args, ("user", "group", "role"))
    rows = PolicyAttachment.objects.filter(**{kind: owner}).select_related("policy")
    for row in rows:
        name = row.policy.name if row.policy_id else row.aws_policy_arn.rsplit("/", 1)[-1]
        if _policy_matches(args["policy"], row.policy_arn, name):
            return True, f"{args['policy']} is attached to the {kind} {owner.name}."
    names = _attached_names(kind, owner)
    now = f" (attached: {', '.join(names)})" if names else " (nothing is attached)"
    return False, f"{args['policy']} is not attached to the {kind} {owner.name}{now}."


def _trust_statements(role: Role) -> list[dict[str, Any]]:
    try:
        document = json.loads(role.trust_policy)
    except ValueError:
        return []
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    return [s for s in statements if isinstance(s, dict)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _normal_principal(value: str) -> str:
    """An account id in a trust policy means the account's root, as AWS stores it."""
    return f"arn:aws:iam::{value}:root" if value.isdigit() and len(value) == 12 else value


def _trusted(role: Role) -> set[str]:
    out: set[str] = set()
    for statement in _trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            out.add("*")
        elif isinstance(principal, dict):
            for values in principal.values():
                out.update(_normal_principal(str(v)) for v in _as_list(values))
    return out


def check_trusts_exactly(run: Run, args: dict[str, Any]) -> Result:
    role = run.named(Role, args, args["role"], "role")
    got = _trusted(role)
    expected = {_normal_principal(p) for p in args["principals"]}
    extra, missing = sorted(got - expected), sorted(expected - got)
    parts = []
    if extra:
        parts.append(f"trusted but should not be: {', '.join(extra)}")
    if missing:
        parts.append(f"not trusted: {', '.join(missing)}")
    if parts:
        return False, f"The trust policy of {role.name}: " + "; ".join(parts) + "."
    return True, f"{role.name} trusts exactly {', '.join(sorted(got))}."


def _assume_statements(role: Role) -> list[dict[str, Any]]:
    out = []
    for statement in _trust_statements(role):
        if statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action", []))]
        if any(a in ("sts:assumerole", "sts:*", "*", "sts:assume*") for a in actions):
            out.append(statement)
    return out


def _condition_values(statement: dict[str, Any], operators: set[str], key: str) -> list[Any]:
    condition = statement.get("Condition") or {}
    values: list[Any] = []
    if not isinstance(condition, dict):
        return values
    for operator, block in condition.items():
        if operator.lower() not in operators or not isinstance(block, dict):
            continue
        for k, v in block.items():
            if k.lower() == key:
                values.extend(_as_list(v))
    return values


def check_trust_requires(run: Run, args: dict[str, Any]) -> Result:
    role = run.named(Role, args, args["role"], "role")
    statements = _assume_statements(role)
    if not statements:
        return False, f"No statement of {role.name}'s trust policy allows sts:AssumeRole."
    if "external_id" in args:
        want = args["external_id"]
        for s in statements:
            values = _condition_values(s, {"stringequals"}, "sts:externalid")
            if not values or any(str(v) != want for v in values):
                sid = f" (Sid {s['Sid']})" if s.get("Sid") else ""
                return False, (
                    f"A statement{sid} allows sts:AssumeRole without the condition "
                    f'"StringEquals": {{"sts:ExternalId": "{want}"}}.'
                )
        return True, f"Every statement that allows sts:AssumeRole requires the external ID {want}."
    for s in statements:
        values = _condition_values(s, {"bool"}, "aws:multifactorauthpresent")
        if not values or any(str(v).lower() != "true" for v in values):
            sid = f" (Sid {s['Sid']})" if s.get("Sid") else ""
            return False, (
                f"A statement{sid} allows sts:AssumeRole without the condition "
                '"Bool": {"aws:MultiFactorAuthPresent": "true"} (BoolIfExists would also let '
                "in requests signed with long-term keys, which carry no MFA key at all)."
            )
    return True, "Every statement that allows sts:AssumeRole requires MFA."


def check_boundary(run: Run, args: dict[str, Any]) -> Result:
    kind, owner = _owner(run, args, ("user", "role"))
    arn = owner.boundary_arn
    if not arn:
        return False, f"The {kind} {owner.name} has no permissions boundary."
    name = arn.rsplit("/", 1)[-1]
    if _policy_matches(args["policy"], arn, name):
        return True, f"The {kind} {owner.name}'s permissions boundary is {arn}."
    return False, f"The {kind} {owner.name}'s permissions boundary is {arn}, not {args['policy']}."


def check_assumed(run: Run, args: dict[str, Any]) -> Result:
    role = run.named(Role, args, args["role"], "role")
    sessions = StsSession.objects.filter(role=role)
    if sessions.filter(caller_arn=args["by"]).exists():
        return True, f"{args['by']} assumed {role.name}."
    others = sorted(set(sessions.values_list("caller_arn", flat=True)))
    if others:
        return False, f"{role.name} was assumed only by: {', '.join(others)}."
    return False, f"Nobody has assumed {role.name} yet."
