"""Check kinds: each kind's arguments and their types (`CHECK_KINDS`), and `read_checks`, which
reads a step's checks into plain data, every problem at its place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yaml.nodes import Node

from .reader import LessonReader, principal_arn
from .vocabulary import ACCOUNT_RE, ACTION_RE, ENTITY_TYPES


@dataclass(frozen=True)
class Kind:
    """One check kind: its fields (name -> type), the required ones, groups of which exactly
    one field must be given, and groups of which at least one must be."""

    fields: dict[str, str]
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    any_of: tuple[tuple[str, ...], ...] = ()


_ACCESS = Kind(
    {"principal": "arn", "action": "action", "resource": "text", "context": "context"},
    ("principal", "action", "resource"),
)
_ACCOUNT = {"account": "account"}

CHECK_KINDS: dict[str, Kind] = {
    "can": _ACCESS,
    "cannot": _ACCESS,
    "allowed_actions": Kind(
        {
            "principal": "arn",
            "resources": "texts",
            "services": "texts",
            "exactly": "actions",
            "within": "actions",
        },
        ("principal", "resources", "services"),
        (("exactly", "within"),),
    ),
    "exists": Kind({"type": "entity_type", "name": "text", **_ACCOUNT}, ("type", "name")),
    "absent": Kind({"type": "entity_type", "name": "text", **_ACCOUNT}, ("type", "name")),
    "in_group": Kind({"user": "text", "group": "text", **_ACCOUNT}, ("user", "group")),
    "no_inline_policies": Kind(
        {"user": "text", "group": "text", "role": "text", **_ACCOUNT},
        (),
        (("user", "group", "role"),),
    ),
    "no_attached_policies": Kind({"user": "text", **_ACCOUNT}, ("user",)),
    "attached": Kind(
        {"user": "text", "group": "text", "role": "text", "policy": "text", **_ACCOUNT},
        ("policy",),
        (("user", "group", "role"),),
    ),
    "trusts_exactly": Kind(
        {"role": "text", "principals": "texts", **_ACCOUNT}, ("role", "principals")
    ),
    "trust_requires": Kind(
        {"role": "text", "external_id": "text", "mfa": "true", **_ACCOUNT},
        ("role",),
        (("external_id", "mfa"),),
    ),
    "boundary": Kind(
        {"user": "text", "role": "text", "policy": "text", **_ACCOUNT},
        ("policy",),
        (("user", "role"),),
    ),
    "access_key_age_below": Kind({"user": "text", "days": "int", **_ACCOUNT}, ("user", "days")),
    "no_active_access_keys": Kind({"user": "text", **_ACCOUNT}, ("user",)),
    "root_has_no_access_keys": Kind(dict(_ACCOUNT)),
    "root_mfa": Kind(dict(_ACCOUNT)),
    "mfa_enabled": Kind({"user": "text", **_ACCOUNT}, ("user",)),
    "credential_report": Kind(
        {"user": "text", "column": "report_column", "equals": "text", **_ACCOUNT},
        ("user", "column", "equals"),
    ),
    "no_active_external_findings": Kind(dict(_ACCOUNT)),
    "scorecard": Kind(
        {"practice": "text", "passes": "bool", "all_pass": "true", **_ACCOUNT},
        (),
        (("practice", "all_pass"),),
    ),
    "policy_valid": Kind({"policy": "text", **_ACCOUNT}, ("policy",)),
    "assumed": Kind({"role": "text", "by": "arn", **_ACCOUNT}, ("role", "by")),
    "instance_profile": Kind(
        {"instance": "text", "profile": "text", "role": "text", **_ACCOUNT},
        ("instance", "profile"),
    ),
    "role_settings": Kind(
        {
            "role": "text",
            "max_session_duration": "session_duration",
            "description": "role_description",
            **_ACCOUNT,
        },
        ("role",),
        any_of=(("max_session_duration", "description"),),
    ),
}

# A role's MaxSessionDuration, in seconds: from 1 hour to 12 hours (IAM API Reference, UpdateRole).
SESSION_DURATION_RANGE = (3600, 43200)


def _report_columns() -> list[str]:
    from iamlab.sandbox.audit import COLUMNS

    return list(COLUMNS)


def read_checks(r: LessonReader, node: Node, path: str) -> list[dict[str, Any]]:
    out = []
    allowed = ["id", "message", *CHECK_KINDS]
    for item, item_path in r.sequence(node, path) or []:
        entries = r.mapping(item, item_path, allowed=allowed, required=["id", "message"])
        if entries is None:
            continue
        r.where.nodes[item_path] = item
        kinds = [k for k in entries if k in CHECK_KINDS]
        if len(kinds) != 1:
            found = f" (found {', '.join(kinds)})" if kinds else ""
            names = ", ".join(CHECK_KINDS)
            r.fail(item, item_path, f"a check needs exactly one kind{found}: {names}")
            continue
        check: dict[str, Any] = {"kind": kinds[0], "_path": item_path}
        if "id" in entries:
            check["id"] = r.slug(entries["id"].value, entries["id"].path)
            r.where.nodes[entries["id"].path] = entries["id"].value
        if "message" in entries:
            e = entries["message"]
            check["message"] = r.text(e.value, e.path, empty=False)
        e = entries[kinds[0]]
        args = _check_args(r, kinds[0], e.value, e.path)
        if args is None or check.get("id") is None or check.get("message") is None:
            continue
        check["args"] = args
        out.append(check)
    return out


def _check_args(r: LessonReader, kind_name: str, node: Node, path: str) -> dict[str, Any] | None:
    kind = CHECK_KINDS[kind_name]
    entries = r.mapping(node, path, allowed=list(kind.fields), required=kind.required)
    if entries is None:
        return None
    before = len(r.problems)
    for group in kind.one_of:
        given = [g for g in group if g in entries]
        if len(given) != 1:
            r.fail(node, path, f"{kind_name} takes exactly one of: {', '.join(group)}")
    for group in kind.any_of:
        if not any(g in entries for g in group):
            r.fail(node, path, f"{kind_name} needs at least one of: {', '.join(group)}")
    args: dict[str, Any] = {}
    for key, e in entries.items():
        if key not in kind.fields:
            continue
        r.where.nodes[e.path] = e.value
        value = _typed(r, kind.fields[key], e.value, e.path)
        if value is not None:
            args[key] = value
    if len(r.problems) != before or any(k not in args for k in kind.required):
        return None
    return args


def _typed(r: LessonReader, type_: str, node: Node, path: str) -> Any:
    if type_ == "text":
        return r.text(node, path, empty=False)
    if type_ == "arn":
        return principal_arn(r, node, path)
    if type_ == "action":
        return r.text(node, path, pattern=ACTION_RE, expected="an action like s3:GetObject")
    if type_ == "account":
        return r.text(node, path, pattern=ACCOUNT_RE, expected="a 12-digit account id")
    if type_ == "role_description":  # "" is a role without a description; AWS allows 1000
        return r.text(node, path, max_length=1000)
    if type_ == "int":
        return r.integer(node, path, minimum=0)
    if type_ == "session_duration":
        low, high = SESSION_DURATION_RANGE
        value = r.integer(node, path, minimum=low)
        if value is not None and value > high:
            r.fail(node, path, f"a role's maximum session duration is at most {high} seconds")
            return None
        return value
    if type_ == "bool":
        return r.boolean(node, path)
    if type_ == "true":
        value = r.boolean(node, path)
        if value is False:
            r.fail(node, path, "only `true` makes sense here")
            return None
        return value
    if type_ == "entity_type":
        return r.text(node, path, choices=ENTITY_TYPES)
    if type_ == "report_column":
        return r.text(node, path, choices=_report_columns())
    if type_ in ("texts", "actions"):
        items = r.text_list(node, path, empty=False)
        values = []
        for value, item, item_path in items:
            if type_ == "actions" and not ACTION_RE.fullmatch(value):
                r.fail(item, item_path, f"{value!r} is not an action like iam:ListUsers")
                continue
            values.append(value)
        if not items and type_ == "texts":
            r.fail(node, path, "list at least one value")
            return None
        return values
    if type_ == "context":
        entries = r.mapping(node, path)
        if entries is None:
            return None
        out: dict[str, Any] = {}
        for key, e in entries.items():
            ok, value = r.value(e.value, e.path)
            if not ok or not isinstance(value, str | list | bool | int):
                r.fail(e.value, e.path, "a context value is text or a list of texts")
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int):
                value = str(value)
            out[key] = value
        return out
    raise AssertionError(type_)
