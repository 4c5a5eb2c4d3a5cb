"""The engine's shared vocabulary: closed sets as enums, problems and traces as plain data.

Every stage (parse → validate → evaluate → explain) speaks in these types, so they live here and
import nothing else from the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    """AWS SimulatePolicy's three answers."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class PolicyKind(StrEnum):
    """Where a policy document sits decides which elements it may have and how big it may be."""

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


class Severity(StrEnum):
    """IAM Access Analyzer's policy-validation finding types, most serious first."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with (or worth knowing about) a document.

    `path` is a JSON pointer into the document (RFC 6901: "/Statement/0/Effect"); `line` and
    `column` (1-based) are set when the document came as text.
    """

    severity: Severity
    code: str
    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
        }
        if self.line is not None:
            out["line"] = self.line
            out["column"] = self.column
        return out


class EngineInputError(Exception):
    """Raised inside the engine for input it cannot use; public entry points turn it into data."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def pointer(*parts: str | int) -> str:
    """A JSON pointer from its parts, escaping '~' and '/' as RFC 6901 says."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _as_text(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Context:
    """The request context: condition keys to values, looked up case-insensitively as AWS does.

    A value given as a list is multivalued (for ForAllValues/ForAnyValue); anything else is a
    single value. Values are kept as strings (JSON booleans become "true"/"false").

    `Context.from_json(mapping)` takes a mapping the caller has already checked (string keys;
    values scalars or lists of scalars) and reads it where it is: a lookup then only lower-cases
    the keys, once; the values are converted when they are read. Most requests read few of
    their keys, and many read none.
    """

    __slots__ = ("_values", "_names", "_multi", "_raw", "_lowered")

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._values: dict[str, tuple[str, ...]] | None = {}
        self._names: dict[str, str] = {}
        self._multi: set[str] = set()
        self._raw: Mapping[str, Any] | None = None
        self._lowered: dict[str, str] | None = None
        if values:
            for key, value in values.items():
                self.set(key, value)

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> Context:
        """A context over checked JSON data (string keys; strings, numbers, booleans or lists of
        them as values), read in place. The mapping must not change afterwards."""
        context = cls.__new__(cls)
        context._values = None
        context._raw = values
        context._lowered = None
        return context

    def _raw_name(self, key: str) -> str | None:
        """The raw mapping's key that `key` stands for (the last one, ignoring case)."""
        lowered = self._lowered
        if lowered is None:
            raw = self._raw or {}
            # One lower() for all the keys (a key with a newline in it takes the long way).
            names = "\n".join(raw).lower().split("\n")
            if len(names) == len(raw):
                lowered = dict(zip(names, raw, strict=True))
            else:
                lowered = {name.lower(): name for name in raw}
            self._lowered = lowered
        return lowered.get(key.lower())

    def _index(self) -> dict[str, tuple[str, ...]]:
        """Convert a context read in place into the ordinary form (to change or list it)."""
        raw = self._raw
        self._raw = self._lowered = None
        values: dict[str, tuple[str, ...]] = {}
        self._values, self._names, self._multi = values, {}, set()
        if raw:
            for key, value in raw.items():
                self.set(key, value)
        return values

    def set(self, key: str, value: Any) -> None:
        values = self._values
        if values is None:
            values = self._index()
        lowered = key.lower()
        self._names[lowered] = key
        if isinstance(value, list | tuple):
            values[lowered] = tuple(_as_text(v) for v in value)
            self._multi.add(lowered)
        else:
            values[lowered] = (_as_text(value),)
            self._multi.discard(lowered)

    def get(self, key: str) -> tuple[str, ...] | None:
        """The key's values, or None when the request does not carry the key."""
        values = self._values
        if values is not None:
            return values.get(key.lower())
        name = self._raw_name(key)
        if name is None:
            return None
        value = self._raw[name]  # type: ignore[index]
        if type(value) is str:
            return (value,)
        if isinstance(value, list | tuple):
            return tuple(_as_text(v) for v in value)
        return (_as_text(value),)

    def first(self, key: str) -> str | None:
        values = self.get(key)
        return values[0] if values else None

    def is_multivalued(self, key: str) -> bool:
        if self._values is not None:
            return key.lower() in self._multi
        name = self._raw_name(key)
        return name is not None and isinstance(self._raw[name], list | tuple)  # type: ignore[index]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        values = self._values
        if values is not None:
            return key.lower() in values
        return self._raw_name(key) is not None

    def keys(self) -> Iterable[str]:
        """Keys as the request spelled them."""
        if self._values is None:
            self._index()
        return self._names.values()

    def to_dict(self) -> dict[str, Any]:
        values = self._values
        if values is None:
            values = self._index()
        return {
            name: list(values[low]) if low in self._multi else values[low][0]
            for low, name in self._names.items()
        }


@dataclass(slots=True)
class ConditionTrace:
    """How one condition key under one operator was decided."""

    operator: str
    key: str
    policy_values: tuple[str, ...]
    request_values: tuple[str, ...] | None  # None: the request lacks the key
    matched: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "operator": self.operator,
            "key": self.key,
            "policyValues": list(self.policy_values),
            "requestValues": None if self.request_values is None else list(self.request_values),
            "matched": self.matched,
            "reason": self.reason,
        }


@dataclass(slots=True)
class StatementTrace:
    """How one statement was matched against the request, element by element."""

    path: str  # JSON pointer to the statement within the case, e.g. /identityPolicies/0/Statement/1
    index: int
    sid: str | None
    effect: str
    action_matched: bool
    action_reason: str
    resource_matched: bool
    resource_reason: str
    principal_matched: bool | None  # None: the statement has no Principal element
    principal_reason: str
    conditions_matched: bool
    conditions: list[ConditionTrace] = field(default_factory=list)

    @property
    def applies(self) -> bool:
        return (
            self.action_matched
            and self.resource_matched
            and self.principal_matched is not False
            and self.conditions_matched
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "index": self.index,
            "sid": self.sid,
            "effect": self.effect,
            "applies": self.applies,
            "action": {"matched": self.action_matched, "reason": self.action_reason},
            "resource": {"matched": self.resource_matched, "reason": self.resource_reason},
            "principal": None
            if self.principal_matched is None
            else {"matched": self.principal_matched, "reason": self.principal_reason},
            "conditionsMatched": self.conditions_matched,
            "conditions": [c.to_dict() for c in self.conditions],
        }


@dataclass(slots=True)
class PolicyTrace:
    """One policy's part in a decision: its statements, and what it contributed."""

    kind: PolicyKind
    label: str  # e.g. "identity policy #1" or the policy's name
    path: str  # JSON pointer of the policy within the case, e.g. /identityPolicies/0
    statements: list[StatementTrace] = field(default_factory=list)
    outcome: str = "none"  # "allow", "deny" or "none": what its matching statements said

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "label": self.label,
            "path": self.path,
            "outcome": self.outcome,
            "statements": [s.to_dict() for s in self.statements],
        }
