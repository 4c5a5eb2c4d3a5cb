"""The lesson format's schema (docs/lesson-format.md): YAML nodes in, plain data and problems out.

`read_lesson(root_node)` checks one lesson's structure and types and returns its plain data (what
the database stores and `Lesson.from_data` reads) plus every problem, each at its node's line and
column. References between parts (names, principals, policies) are checked in `references.py`.

vocabulary.py   topics, domains, difficulties, keys, patterns
reader.py       LessonReader: the scenario reader plus slugs and principal ARNs, with places
check_kinds.py  every check kind's arguments and types; reading a step's checks
solution.py     reading a step's reference solution
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import Node

from iamlab.sandbox.errors import InputProblem
from iamlab.sandbox.scenario.yamlio import child, is_null

from .check_kinds import CHECK_KINDS, Kind, read_checks
from .reader import LessonReader, Where, principal_arn
from .solution import params_path, read_solution
from .vocabulary import (
    ACCOUNT_RE,
    ACCOUNT_TEXT,
    DIFFICULTIES,
    DOMAINS,
    EDITABLE_KINDS,
    ENTITY_TYPES,
    SERVICE_MODULES,
    STEP_KEYS,
    STEP_REQUIRED,
    TOP_KEYS,
    TOP_REQUIRED,
    TOPICS,
)

__all__ = [
    "CHECK_KINDS",
    "DIFFICULTIES",
    "DOMAINS",
    "ENTITY_TYPES",
    "SERVICE_MODULES",
    "TOPICS",
    "Kind",
    "LessonReader",
    "Where",
    "params_path",
    "read_lesson",
]


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
        "acting_as": lambda e: principal_arn(r, e.value, e.path),
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
            step["checks"] = read_checks(r, e.value, e.path)
            if not step["checks"] and not is_null(e.value) and r.sequence(e.value, e.path) == []:
                r.fail(e.value, e.path, "a step needs at least one check")
        if "solution" in entries:
            e = entries["solution"]
            step["solution"] = read_solution(r, e.value, e.path)
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
