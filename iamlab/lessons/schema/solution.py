"""Reference solutions: a step's `solution` actions (a service operation called as a principal,
or a move of the sandbox clock) read into plain data."""

from __future__ import annotations

from typing import Any

from yaml.nodes import Node

from iamlab.sandbox.scenario.yamlio import child

from .reader import LessonReader, principal_arn
from .vocabulary import CALL_RE, CLOCK_UNITS, SERVICE_MODULES


def read_solution(r: LessonReader, node: Node, path: str) -> list[dict[str, Any]]:
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
        action["as"] = principal_arn(r, entries["as"].value, entries["as"].path)
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
