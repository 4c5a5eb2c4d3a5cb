"""Compile a policy document into statements that match requests fast.

Compiling checks the document's structure (and raises `EngineInputError` with a JSON pointer for
anything AWS could not evaluate); the validator (`validate.py`) is where every problem is listed
with AWS's wording. A compiled `Policy` holds no request state and can be reused and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import conditions, variables, wildcard
from .model import Context, EngineInputError, pointer
from .principals import PrincipalSpec

VERSIONS = ("2012-10-17", "2008-10-17")
_POLICY_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)


def _strings(value: Any, path: str, element: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        if not value:
            raise EngineInputError(f"{element} must not be an empty list", path)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise EngineInputError(f"every {element} value must be a string", f"{path}/{i}")
        return tuple(value)
    raise EngineInputError(f"{element} must be a string or a list of strings", path)


class ActionMatcher:
    """Action patterns, matched case-insensitively ("s3:get*" matches "s3:GetObject")."""

    __slots__ = ("patterns", "_any", "_exact", "_globs")

    def __init__(self, patterns: tuple[str, ...], path: str) -> None:
        self.patterns = patterns
        self._any = False
        exact: set[str] = set()
        globs: list[Callable[[str], bool]] = []
        for i, pattern in enumerate(patterns):
            if pattern == "*":
                self._any = True
                continue
            if ":" not in pattern:
                raise EngineInputError(
                    f"the action {pattern!r} must be prefaced by a service, e.g. iam, s3, ec2",
                    f"{path}/{i}" if len(patterns) > 1 else path,
                )
            low = pattern.lower()
            if "*" in low or "?" in low:
                globs.append(wildcard.matcher(low))
            else:
                exact.add(low)
        self._exact = frozenset(exact)
        self._globs = tuple(globs)

    def matches(self, action_lower: str) -> bool:
        if self._any or action_lower in self._exact:
            return True
        return any(g(action_lower) for g in self._globs)

    def which(self, action_lower: str) -> str | None:
        for pattern in self.patterns:
            if pattern == "*" or wildcard.matcher(pattern.lower())(action_lower):
                return pattern
        return None


def _arn_segments(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else None


class ResourcePattern:
    """One Resource value. ARN segments are matched one by one, as AWS does: a wildcard in the
    service or account segment does not swallow the colons after it."""

    __slots__ = ("text", "_static", "_segments", "_dynamic")

    def __init__(self, text: str, variables_enabled: bool) -> None:
        self.text = text
        self._dynamic = variables_enabled and variables.has_variables(text)
        self._static: Callable[[str], bool] | None = None
        self._segments: list[Callable[[str], bool]] | None = None
        if not self._dynamic:
            self._compile_static(text)

    def _compile_static(self, text: str) -> None:
        if text == "*":
            self._static = _always
            return
        segments = _arn_segments(text)
        head_has_wildcard = segments is not None and any("*" in s or "?" in s for s in segments[:5])
        if segments is not None and head_has_wildcard:
            self._segments = [wildcard.matcher(s) for s in segments]
        else:
            self._static = wildcard.matcher(text)

    def matches(self, resource: str, context: Context) -> bool:
        if self._dynamic:
            pieces = variables.expand(self.text, context)
            if pieces is None:
                return False
            return _match_pieces(pieces, resource)
        if self._static is not None:
            return self._static(resource)
        parts = _arn_segments(resource)
        if parts is None:
            return False
        return all(m(p) for m, p in zip(self._segments or (), parts, strict=True))


def _always(_: str) -> bool:
    return True


def _match_pieces(pieces: list[tuple[str, bool]], resource: str) -> bool:
    return wildcard.matcher_from_pieces(pieces)(resource)


@dataclass(slots=True)
class Statement:
    index: int
    path: str  # relative to the policy: "/Statement/0", or "/Statement" for a lone object
    sid: str | None
    allow: bool
    actions: ActionMatcher | None
    not_actions: ActionMatcher | None
    resources: tuple[ResourcePattern, ...] | None
    not_resources: tuple[ResourcePattern, ...] | None
    principal: PrincipalSpec | None
    not_principal: PrincipalSpec | None
    condition: Any  # conditions.CompiledConditions or None
    document: Mapping[str, Any]

    @property
    def effect(self) -> str:
        return "Allow" if self.allow else "Deny"

    def action_matches(self, action_lower: str) -> bool:
        if self.actions is not None:
            return self.actions.matches(action_lower)
        assert self.not_actions is not None
        return not self.not_actions.matches(action_lower)

    def resource_matches(self, resource: str, context: Context) -> bool:
        if self.resources is not None:
            return any(r.matches(resource, context) for r in self.resources)
        if self.not_resources is not None:
            return not any(r.matches(resource, context) for r in self.not_resources)
        return True  # no Resource element (a trust policy): the statement is about this resource


@dataclass(slots=True)
class Policy:
    """A compiled policy document."""

    document: Mapping[str, Any]
    statements: tuple[Statement, ...]
    version: str | None
    name: str | None = None

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"


def compile_policy(document: Any, *, name: str | None = None) -> Policy:
    """Compile a policy document (a dict, as json.loads gives it).

    Raises EngineInputError (message, JSON pointer relative to the document) when the document
    is not something AWS could evaluate.
    """
    if not isinstance(document, dict):
        raise EngineInputError("a policy document must be a JSON object", "")
    for key in document:
        if key not in _POLICY_KEYS:
            raise EngineInputError(
                f"unknown policy element {key!r} (a policy has Version, Id and Statement)",
                pointer(key),
            )
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        raise EngineInputError(
            f"the policy version must be 2012-10-17 or 2008-10-17, not {version!r}", "/Version"
        )
    if "Statement" not in document:
        raise EngineInputError("the policy has no Statement element", "/Statement")
    raw = document["Statement"]
    if isinstance(raw, dict):
        items = [("/Statement", raw)]
    elif isinstance(raw, list):
        items = [(f"/Statement/{i}", s) for i, s in enumerate(raw)]
    else:
        raise EngineInputError("Statement must be an object or a list of objects", "/Statement")
    variables_enabled = version == "2012-10-17"
    statements = tuple(
        _compile_statement(i, path, stmt, variables_enabled) for i, (path, stmt) in enumerate(items)
    )
    return Policy(document=document, statements=statements, version=version, name=name)


def _compile_statement(index: int, path: str, stmt: Any, variables_enabled: bool) -> Statement:
    if not isinstance(stmt, dict):
        raise EngineInputError("a statement must be a JSON object", path)
    for key in stmt:
        if key not in _STATEMENT_KEYS:
            raise EngineInputError(
                f"unknown statement element {key!r}", f"{path}/{pointer(key)[1:]}"
            )
    effect = stmt.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise EngineInputError(
            'the statement\'s Effect must be "Allow" or "Deny"'
            + ("" if effect is None else f", not {effect!r}"),
            f"{path}/Effect",
        )
    sid = stmt.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise EngineInputError("Sid must be a string", f"{path}/Sid")

    actions = not_actions = None
    if ("Action" in stmt) == ("NotAction" in stmt):
        raise EngineInputError(
            "a statement needs exactly one of Action or NotAction",
            f"{path}/Action" if "Action" not in stmt else f"{path}/NotAction",
        )
    if "Action" in stmt:
        actions = ActionMatcher(
            _strings(stmt["Action"], f"{path}/Action", "Action"), f"{path}/Action"
        )
    else:
        not_actions = ActionMatcher(
            _strings(stmt["NotAction"], f"{path}/NotAction", "NotAction"), f"{path}/NotAction"
        )

    if "Resource" in stmt and "NotResource" in stmt:
        raise EngineInputError(
            "a statement may have Resource or NotResource, not both", f"{path}/NotResource"
        )
    resources = not_resources = None
    if "Resource" in stmt:
        values = _strings(stmt["Resource"], f"{path}/Resource", "Resource")
        resources = tuple(ResourcePattern(v, variables_enabled) for v in values)
    elif "NotResource" in stmt:
        values = _strings(stmt["NotResource"], f"{path}/NotResource", "NotResource")
        not_resources = tuple(ResourcePattern(v, variables_enabled) for v in values)

    if "Principal" in stmt and "NotPrincipal" in stmt:
        raise EngineInputError(
            "a statement may have Principal or NotPrincipal, not both", f"{path}/NotPrincipal"
        )
    principal = not_principal = None
    if "Principal" in stmt:
        principal = PrincipalSpec.compile(stmt["Principal"], f"{path}/Principal")
    elif "NotPrincipal" in stmt:
        not_principal = PrincipalSpec.compile(stmt["NotPrincipal"], f"{path}/NotPrincipal")

    condition = None
    if "Condition" in stmt:
        block = stmt["Condition"]
        if not isinstance(block, dict):
            raise EngineInputError("Condition must be a JSON object", f"{path}/Condition")
        for op, keys in block.items():
            if not isinstance(keys, dict):
                raise EngineInputError(
                    f"the {op} condition must map condition keys to values",
                    f"{path}/Condition/{pointer(op)[1:]}",
                )
        if block:
            condition = conditions.compile_conditions(block, variables_enabled=variables_enabled)

    return Statement(
        index=index,
        path=path,
        sid=sid,
        allow=effect == "Allow",
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        principal=principal,
        not_principal=not_principal,
        condition=condition,
        document=stmt,
    )
