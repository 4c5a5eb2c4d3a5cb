"""The lesson format's schema (docs/lesson-format.md): YAML nodes in, plain data and problems out.

`read_lesson(root_node)` checks one lesson's structure and types and returns its plain data (what
the database stores and `Lesson.from_data` reads) plus every problem, each at its node's line and
column. References between parts (names, principals, policies) are checked in `references.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from yaml.nodes import Node

from iamlab.sandbox.errors import InputProblem
from iamlab.sandbox.scenario.yamlio import Reader, child, is_null

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ACCOUNT_RE = re.compile(r"\d{12}")
ACCOUNT_TEXT = "a 12-digit account id"
ACTION_RE = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
SERVICE_MODULES = [
    "iam",
    "sts",
    "resources",
    "resources_compute",
    "organizations",
    "access_analyzer",
]
CALL_RE = re.compile(r"(" + "|".join(SERVICE_MODULES) + r")\.[a-z_][a-z0-9_]*")

TOPICS = [
    "root-user",
    "users",
    "groups",
    "policy-anatomy",
    "identity-vs-resource",
    "policy-types",
    "roles-sts",
    "least-privilege",
    "third-party-access",
    "mfa-elevation",
    "instance-profiles",
    "access-keys",
    "permissions-boundaries",
    "cross-account",
    "federation",
    "credential-report",
    "access-advisor",
    "access-analyzer",
    "best-practices",
    "organizations-scps",
    "conditions",
]
DOMAINS = ["secure", "resilient", "high-performing", "cost-optimized"]
DIFFICULTIES = ["beginner", "intermediate", "advanced"]

TOP_KEYS = [
    "id",
    "title",
    "summary",
    "version",
    "order",
    "topics",
    "domains",
    "difficulty",
    "minutes",
    "prerequisites",
    "setup",
    "acting_as",
    "editable",
    "steps",
    "quiz",
]
TOP_REQUIRED = [
    "id",
    "title",
    "summary",
    "version",
    "order",
    "topics",
    "domains",
    "difficulty",
    "minutes",
    "setup",
    "acting_as",
    "steps",
]
STEP_KEYS = ["id", "title", "instructions", "hints", "checks", "explanation", "solution"]
STEP_REQUIRED = ["id", "title", "instructions", "checks", "explanation", "solution"]
EDITABLE_KINDS = ["account", "user", "group", "role", "policy", "bucket"]
ENTITY_TYPES = [
    "user",
    "group",
    "role",
    "policy",
    "instance_profile",
    "bucket",
    "identity_provider",
]
CLOCK_UNITS = ["days", "hours", "minutes"]


@dataclass(frozen=True)
class Kind:
    """One check kind: its fields (name -> type), the required ones, and groups of which
    exactly one field must be given."""

    fields: dict[str, str]
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()


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
}

ARN_RE = re.compile(r"arn:aws:(iam|sts)::\d{12}:.+")


def _report_columns() -> list[str]:
    from iamlab.sandbox.audit import COLUMNS

    return list(COLUMNS)


@dataclass
class Where:
    """Positions of the parts of a lesson, for problems found after parsing."""

    nodes: dict[str, Node] = field(default_factory=dict)  # key path -> node


class LessonReader(Reader):
    """The scenario reader plus the lesson's own value types."""

    def __init__(self) -> None:
        super().__init__()
        self.where = Where()

    def slug(self, node: Node, path: str) -> str | None:
        return self.text(node, path, pattern=SLUG_RE, expected="a slug (a-z, 0-9 and -)")

    def slugs(self, node: Node, path: str, choices: list[str] | None = None) -> list[str]:
        out = []
        for value, item, item_path in self.text_list(node, path):
            if choices is not None and value not in choices:
                hint = _suggest(value, choices)
                self.fail(item, item_path, f"{value!r} is not one of: {', '.join(choices)}{hint}")
            elif choices is None and not SLUG_RE.fullmatch(value):
                self.fail(item, item_path, f"{value!r} is not a slug (a-z, 0-9 and -)")
            else:
                out.append(value)
                self.where.nodes[item_path] = item
        return out


def _suggest(value: str, choices: list[str]) -> str:
    import difflib

    hint = difflib.get_close_matches(value, choices, n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def read_lesson(root: Node) -> tuple[dict[str, Any], list[InputProblem], Where]:
    """The lesson's plain data, its problems, and where its parts are."""
    r = LessonReader()
    data: dict[str, Any] = {}
    top = r.mapping(root, "", allowed=TOP_KEYS, required=TOP_REQUIRED)
    if top is None:
        return data, r.problems, r.where
    for entry in top.values():
        r.where.nodes[entry.path] = entry.value
    simple = {
        "id": lambda e: r.slug(e.value, e.path),
        "title": lambda e: r.text(e.value, e.path, empty=False, max_length=200),
        "summary": lambda e: r.text(e.value, e.path, empty=False),
        "version": lambda e: r.integer(e.value, e.path, minimum=1),
        "order": lambda e: r.integer(e.value, e.path, minimum=0),
        "difficulty": lambda e: r.text(e.value, e.path, choices=DIFFICULTIES),
        "minutes": lambda e: r.integer(e.value, e.path, minimum=1),
        "acting_as": lambda e: _arn(r, e.value, e.path),
        "topics": lambda e: r.slugs(e.value, e.path, TOPICS),
        "domains": lambda e: r.slugs(e.value, e.path, DOMAINS),
        "prerequisites": lambda e: r.slugs(e.value, e.path),
        "quiz": lambda e: r.slugs(e.value, e.path),
    }
    for key, reader in simple.items():
        if key in top:
            value = reader(top[key])
            if value is not None:
                data[key] = value
    for key in ("topics", "domains"):
        node = top[key].value if key in top else None
        if node is not None and (is_null(node) or getattr(node, "value", None) == []):
            r.fail(node, top[key].path, f"list at least one of the {key}")
    if "editable" in top:
        data["editable"] = _editable(r, top["editable"].value, top["editable"].path)
    if "setup" in top:
        # The setup is a scenario: the loader checks it (after includes are merged).
        r.mapping(top["setup"].value, "setup")
    if "steps" in top:
        data["steps"] = _steps(r, top["steps"].value, "steps")
        _duplicates(r, data["steps"])
    return data, r.problems, r.where


def _duplicates(r: LessonReader, steps: list[dict[str, Any]]) -> None:
    """Step ids and check ids are unique in a lesson."""
    seen_steps: set[str] = set()
    seen_checks: set[str] = set()
    for step in steps:
        step_id = step.get("id")
        if step_id is not None:
            if step_id in seen_steps:
                path = child(step["_path"], "id")
                r.fail(r.where.nodes.get(path), path, f"duplicate step id {step_id!r}")
            seen_steps.add(step_id)
        for check in step.get("checks", []):
            check_id = check.get("id")
            if check_id in seen_checks:
                path = child(check["_path"], "id")
                r.fail(r.where.nodes.get(path), path, f"duplicate check id {check_id!r}")
            seen_checks.add(check_id)


def _arn(r: Reader, node: Node, path: str) -> str | None:
    value = r.text(node, path)
    if value is not None and not ARN_RE.fullmatch(value):
        r.fail(
            node,
            path,
            f"{value!r} is not a principal ARN (arn:aws:iam::ACCOUNT:user/NAME, "
            f"…:role/NAME, …:root, or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)",
        )
        return None
    return value


def _editable(r: LessonReader, node: Node, path: str) -> list[dict[str, str]]:
    out = []
    for item, item_path in r.sequence(node, path) or []:
        entries = r.mapping(item, item_path, allowed=EDITABLE_KINDS)
        if entries is None:
            continue
        kinds = [k for k in entries if k != "account"] or (["account"] if entries else [])
        if len(kinds) != 1:
            r.fail(item, item_path, "give one of: " + ", ".join(EDITABLE_KINDS))
            continue
        entry: dict[str, str] = {"kind": kinds[0]}
        for key, e in entries.items():
            if key == "account":
                value = r.text(e.value, e.path, pattern=ACCOUNT_RE, expected=ACCOUNT_TEXT)
                if value is not None:
                    entry["account"] = value
            else:
                value = r.text(e.value, e.path, empty=False)
                if value is not None:
                    entry["name"] = value
        r.where.nodes[item_path] = item
        out.append(entry)
    return out


def _steps(r: LessonReader, node: Node, path: str) -> list[dict[str, Any]]:
    steps = []
    items = r.sequence(node, path)
    if items is not None and not items:
        r.fail(node, path, "a lesson needs at least one step")
    for item, item_path in items or []:
        entries = r.mapping(item, item_path, allowed=STEP_KEYS, required=STEP_REQUIRED)
        if entries is None:
            continue
        r.where.nodes[item_path] = item
        step: dict[str, Any] = {"hints": [], "checks": [], "solution": []}
        for key in ("id", "title", "instructions", "explanation"):
            if key in entries:
                e = entries[key]
                value = r.slug(e.value, e.path) if key == "id" else r.text(e.value, e.path)
                if value is not None:
                    step[key] = value
                    r.where.nodes[e.path] = e.value
        if "hints" in entries:
            step["hints"] = _hints(r, entries["hints"].value, entries["hints"].path)
        if "checks" in entries:
            e = entries["checks"]
            step["checks"] = _checks(r, e.value, e.path)
            if not step["checks"] and not is_null(e.value) and r.sequence(e.value, e.path) == []:
                r.fail(e.value, e.path, "a step needs at least one check")
        if "solution" in entries:
            e = entries["solution"]
            step["solution"] = _solution(r, e.value, e.path)
        step["_path"] = item_path
        steps.append(step)
    return steps


def _hints(r: LessonReader, node: Node, path: str) -> list[dict[str, Any]]:
    out = []
    for item, item_path in r.sequence(node, path) or []:
        entries = r.mapping(item, item_path, allowed=["text", "cost"], required=["text", "cost"])
        if entries is None or "text" not in entries or "cost" not in entries:
            continue
        text = r.text(entries["text"].value, entries["text"].path, empty=False)
        cost = r.integer(entries["cost"].value, entries["cost"].path, minimum=0)
        if text is not None and cost is not None:
            out.append({"text": text, "cost": cost})
    return out


def _checks(r: LessonReader, node: Node, path: str) -> list[dict[str, Any]]:
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
        return _arn(r, node, path)
    if type_ == "action":
        return r.text(node, path, pattern=ACTION_RE, expected="an action like s3:GetObject")
    if type_ == "account":
        return r.text(node, path, pattern=ACCOUNT_RE, expected="a 12-digit account id")
    if type_ == "int":
        return r.integer(node, path, minimum=0)
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


def _solution(r: LessonReader, node: Node, path: str) -> list[dict[str, Any]]:
    out = []
    for item, item_path in r.sequence(node, path) or []:
        entries = r.mapping(item, item_path, allowed=["as", "call", "params", "clock"])
        if entries is None:
            continue
        r.where.nodes[item_path] = item
        if "clock" in entries:
            if set(entries) != {"clock"}:
                r.fail(item, item_path, "a clock action has only `clock: {days: N}`")
                continue
            e = entries["clock"]
            clock = r.mapping(e.value, e.path, allowed=CLOCK_UNITS)
            if clock is None:
                continue
            moved = {}
            for unit, ue in clock.items():
                value = r.integer(ue.value, ue.path, minimum=0)
                if value is not None and unit in CLOCK_UNITS:
                    moved[unit] = value
            if not moved:
                r.fail(e.value, e.path, "move the clock by days, hours or minutes")
                continue
            out.append({"clock": moved, "_path": item_path})
            continue
        missing = [k for k in ("as", "call") if k not in entries]
        if missing:
            r.fail(item, item_path, f"missing required key {missing[0]!r} (or give `clock`)")
            continue
        action: dict[str, Any] = {"_path": item_path}
        action["as"] = _arn(r, entries["as"].value, entries["as"].path)
        r.where.nodes[entries["as"].path] = entries["as"].value
        action["call"] = r.text(
            entries["call"].value,
            entries["call"].path,
            pattern=CALL_RE,
            expected="MODULE.operation with MODULE one of " + ", ".join(SERVICE_MODULES),
        )
        r.where.nodes[entries["call"].path] = entries["call"].value
        params: dict[str, Any] = {}
        if "params" in entries:
            pe = entries["params"]
            param_entries = r.mapping(pe.value, pe.path)
            for key, e in (param_entries or {}).items():
                ok, value = r.value(e.value, e.path)
                r.where.nodes[e.path] = e.value
                if ok:
                    params[key] = value
        action["params"] = params
        if action["as"] is None or action["call"] is None:
            continue
        out.append(action)
    return out


def params_path(action_path: str, key: str) -> str:
    return child(child(action_path, "params"), key)
