"""YAML in and out for scenarios, keeping every node's place so problems can say where they are.

Reading composes the text into nodes (`yaml.compose`) and converts them here, field by field, so
each problem carries the line, column and key path of the node at fault; reading goes on after a
problem, so one pass reports them all.

Scalars follow YAML 1.2's core schema rather than PyYAML's 1.1: only true/false are booleans
(`yes`, `no`, `on`, `off` stay text), there are no sexagesimal numbers, and timestamps stay text
(they are parsed where a time is expected). Whatever the writer emits unquoted reads back as the
same value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..documents import as_structure, canonical_json, check_document_text
from ..errors import InputProblem
from ..timefmt import format_timestamp, parse_time

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"

_MAX_NODES = 200_000  # aliases can make a small text expand enormously

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ScenarioLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: dict = {}


for _tag, _pattern, _first in [
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (INT, r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (
        FLOAT,
        r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    ScenarioLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def compose(text: str) -> Node | None:
    """The text's single document as a node tree (None for an empty text).

    Raises yaml.YAMLError for text that is not YAML (always with a line and column).
    """
    try:
        return yaml.compose(text, Loader=ScenarioLoader)
    except yaml.reader.ReaderError as exc:  # a control character: a position, no mark
        position = min(max(int(exc.position), 0), len(text))
        line = text.count("\n", 0, position)
        column = position - (text.rfind("\n", 0, position) + 1)
        mark = yaml.Mark("<unicode string>", position, line, column, None, None)
        character = exc.character
        shown = f"#x{character:04x}" if isinstance(character, int) else repr(character)
        raise yaml.MarkedYAMLError(
            problem=f"unacceptable character {shown}: {exc.reason}", problem_mark=mark
        ) from None


def problem_from_yaml_error(exc: yaml.YAMLError) -> InputProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{context}: {problem}" if context else str(problem)
    if mark is None:
        return InputProblem(f"not valid YAML: {message}")
    return InputProblem(f"not valid YAML: {message}", mark.line + 1, mark.column + 1)


def child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z0-9_\-]+", key):
        return f"{path}.{key}" if path else key
    return f'{path}["{key}"]'


@dataclass
class Entry:
    key: ScalarNode
    value: Node
    path: str


class Reader:
    """Typed access to nodes; every failure is recorded in `problems` and returns None."""

    def __init__(self) -> None:
        self.problems: list[InputProblem] = []

    def fail(self, node: Node | None, path: str, message: str) -> None:
        if node is None:
            self.problems.append(InputProblem(message, path=path))
            return
        mark = node.start_mark
        self.problems.append(InputProblem(message, mark.line + 1, mark.column + 1, path))

    # -- structure ---------------------------------------------------------------------------

    def mapping(
        self,
        node: Node,
        path: str,
        *,
        allowed: Iterable[str] | None = None,
        required: Iterable[str] = (),
    ) -> dict[str, Entry] | None:
        """A mapping's entries by key (an empty value counts as an empty mapping)."""
        if is_null(node):
            entries: dict[str, Entry] = {}
        elif not isinstance(node, MappingNode):
            self.fail(node, path, f"expected a mapping (key: value), found {describe(node)}")
            return None
        else:
            entries = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_node, path, "a key must be plain text, not a collection")
                    continue
                key = key_node.value
                if key in entries:
                    self.fail(key_node, child(path, key), f"duplicate key {key!r}")
                    continue
                entries[key] = Entry(key_node, value_node, child(path, key))
        if allowed is not None:
            allowed = list(allowed)
            for key, entry in entries.items():
                if key not in allowed:
                    hint = difflib.get_close_matches(key, allowed, n=1)
                    suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
                    self.fail(
                        entry.key,
                        entry.path,
                        f"unknown key {key!r} (expected one of: {', '.join(allowed)}){suggestion}",
                    )
        for key in required:
            if key not in entries:
                self.fail(node, path, f"missing required key {key!r}")
        return entries

    def sequence(self, node: Node, path: str) -> list[tuple[Node, str]] | None:
        if is_null(node):
            return []
        if not isinstance(node, SequenceNode):
            self.fail(node, path, f"expected a list, found {describe(node)}")
            return None
        return [(item, child(path, i)) for i, item in enumerate(node.value)]

    # -- scalars -----------------------------------------------------------------------------

    def text(
        self,
        node: Node,
        path: str,
        *,
        pattern: re.Pattern[str] | None = None,
        expected: str = "",
        choices: Iterable[str] | None = None,
        empty: bool = True,
        max_length: int | None = None,
    ) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag not in (STR, INT, FLOAT, BOOL):
            self.fail(node, path, f"expected text, found {describe(node)}")
            return None
        value = node.value
        if not empty and not value:
            self.fail(node, path, "must not be empty")
            return None
        if max_length is not None and len(value) > max_length:
            self.fail(node, path, f"at most {max_length} characters")
            return None
        if choices is not None:
            choices = list(choices)
            if value not in choices:
                self.fail(node, path, f"{value!r} is not one of: {', '.join(choices)}")
                return None
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(node, path, f"{value!r} is not {expected or 'valid here'}")
            return None
        return value

    def integer(self, node: Node, path: str, *, minimum: int | None = None) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != INT:
            self.fail(node, path, f"expected a whole number, found {describe(node)}")
            return None
        try:
            value = int(node.value)
        except ValueError:  # more digits than Python converts (4300)
            self.fail(node, path, "is far too large a number")
            return None
        if minimum is not None and value < minimum:
            self.fail(node, path, f"must be at least {minimum}")
            return None
        return value

    def boolean(self, node: Node, path: str) -> bool | None:
        if not isinstance(node, ScalarNode) or node.tag != BOOL:
            self.fail(node, path, f"expected true or false, found {describe(node)}")
            return None
        return node.value.lower() == "true"

    def time(self, node: Node, path: str, now: datetime) -> datetime | None:
        """`now`, a duration relative to the clock (`-100d`), or an ISO 8601 time."""
        if isinstance(node, ScalarNode) and node.tag in (STR, INT):
            value = parse_time(node.value, now=now)
            if value is not None:
                return value
        self.fail(
            node,
            path,
            f"expected a time: an ISO 8601 time like 2026-01-15T09:00:00Z, 'now', or a "
            f"duration from the clock like -100d or +2h30m; found {describe(node)}",
        )
        return None

    def text_list(self, node: Node, path: str, **text_options: Any) -> list[tuple[str, Node, str]]:
        """A list of texts (a single text counts as a list of one), with their nodes."""
        if isinstance(node, ScalarNode) and not is_null(node):
            items: list[tuple[Node, str]] | None = [(node, path)]
        else:
            items = self.sequence(node, path)
        out = []
        for item, item_path in items or []:
            value = self.text(item, item_path, **text_options)
            if value is not None:
                out.append((value, item, item_path))
        return out

    def tags(self, node: Node, path: str) -> dict[str, str]:
        """Tags as a mapping of key to value (values are text; an empty value is "")."""
        out: dict[str, str] = {}
        entries = self.mapping(node, path) or {}
        for key, entry in entries.items():
            if is_null(entry.value):
                out[key] = ""
                continue
            value = self.text(entry.value, entry.path)
            if value is not None:
                out[key] = value
        return out

    # -- free-form values --------------------------------------------------------------------

    def value(self, node: Node, path: str) -> tuple[bool, Any]:
        """A JSON-like value (for documents, params, environments): (ok, value)."""
        budget = [_MAX_NODES]
        problems_before = len(self.problems)
        result = self._value(node, path, budget, set())
        return len(self.problems) == problems_before, result

    def _value(self, node: Node, path: str, budget: list[int], stack: set[int]) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            if budget[0] == -1:
                self.fail(node, path, "too large once its aliases are expanded")
            return None
        if id(node) in stack:
            self.fail(node, path, "an alias refers to a node that contains it")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        stack = stack | {id(node)}
        if isinstance(node, SequenceNode):
            if node.tag != SEQ:
                self.fail(node, path, f"unsupported tag {node.tag}")
            return [
                self._value(item, child(path, i), budget, stack)
                for i, item in enumerate(node.value)
            ]
        if node.tag != MAP:
            self.fail(node, path, f"unsupported tag {node.tag}")
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, path, "a key must be plain text, not a collection")
                continue
            key = key_node.value
            if key in out:
                self.fail(key_node, child(path, key), f"duplicate key {key!r}")
                continue
            out[key] = self._value(value_node, child(path, key), budget, stack)
        return out

    def _scalar(self, node: ScalarNode, path: str) -> Any:
        converters: dict[str, Callable[[str], Any]] = {
            STR: str,
            INT: int,
            FLOAT: _float,
            BOOL: lambda v: v.lower() == "true",
            NULL: lambda v: None,
        }
        converter = converters.get(node.tag)
        if converter is None:
            self.fail(node, path, f"unsupported tag {node.tag}")
            return None
        try:
            return converter(node.value)
        except ValueError:
            self.fail(node, path, f"{node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}")
            return None

    def document(self, node: Node, path: str) -> str | None:
        """A policy document: a mapping (stored as canonical JSON) or JSON text (kept as is)."""
        if isinstance(node, ScalarNode) and node.tag == STR:
            problem = check_document_text(node.value)
            if problem:
                self.fail(node, path, f"policy document text is {problem}")
                return None
            return node.value
        if not isinstance(node, MappingNode):
            self.fail(
                node,
                path,
                f"expected a policy document (a mapping or JSON text), found {describe(node)}",
            )
            return None
        ok, value = self.value(node, path)
        return canonical_json(value) if ok else None


def _float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if is_null(node):
        return "nothing"
    kind = {STR: "text", INT: "a number", FLOAT: "a number", BOOL: "true/false"}.get(node.tag)
    return f"{kind} {node.value!r}" if kind else f"a value tagged {node.tag}"


# -- writing ---------------------------------------------------------------------------------


class Flow(list):
    """A list written on one line: `[Admins, Developers]`."""


class ScenarioDumper(yaml.SafeDumper):
    """Indents lists under their key, writes multi-line text as `|` blocks, and leaves
    timestamps unquoted (the reader keeps them as text)."""

    yaml_implicit_resolvers = {
        tag: [(t, r) for t, r in resolvers if t != "tag:yaml.org,2002:timestamp"]
        for tag, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # YAML would fold these; escape them


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if any(c in data for c in _OTHER_BREAKS):
        return dumper.represent_scalar(STR, data, style='"')
    if "\n" in data:
        return dumper.represent_scalar(STR, data, style="|")
    return dumper.represent_scalar(STR, data)


def _represent_flow(dumper: yaml.SafeDumper, data: Flow) -> yaml.Node:
    return dumper.represent_sequence(SEQ, data, flow_style=True)


ScenarioDumper.add_representer(str, _represent_str)
ScenarioDumper.add_representer(Flow, _represent_flow)


def dump(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=ScenarioDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


def put(out: dict[str, Any], key: str, value: Any, *, unless: Any = None) -> None:
    """Write `value` under `key` unless it is empty or equal to `unless` (the default)."""
    if value in (None, "", {}, []) or (unless is not None and value == unless):
        return
    out[key] = value


def doc(text: str) -> Any:
    """A stored policy document: as a mapping when that loses nothing, else as its text."""
    structure = as_structure(text)
    return structure if structure is not None else text


def timestamp(value: datetime) -> str:
    return format_timestamp(value)
