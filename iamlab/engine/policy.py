"""Compile a policy document into statements that match requests fast.

Compiling checks the document's structure (and raises `EngineInputError` with a JSON pointer for
anything AWS could not evaluate); the validator (`validate.py`) is where every problem is listed
with AWS's wording. A compiled `Policy` holds no request state and can be reused and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from marshal import dumps as _marshal
from operator import methodcaller
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


# Compiled elements are shared between the statements that spell them the same way: a batch
# repeats a few thousand Action and Resource lists and a few dozen Condition blocks across tens
# of thousands of statements. Every cached element is immutable; only successes are cached.
_CACHE_MAX = 8192
_actions_cache: dict[str | tuple[str, ...], ActionMatcher] = {}
# Resource elements of 2012-10-17 policies (variables), and of older ones
_resources_cache: dict[str | tuple[str, ...], tuple[ResourcePattern, ...]] = {}
_resources_cache_v1: dict[str | tuple[str, ...], tuple[ResourcePattern, ...]] = {}
_patterns_cache: dict[tuple[str, bool], ResourcePattern] = {}
_conditions_cache: dict[tuple[bytes, bool], Any] = {}
_principals_cache: dict[bytes, PrincipalSpec] = {}


_NO_CONDITION = object()  # cached for an empty Condition block, which compiles to None


def clear_caches() -> None:
    """Forget every compiled element and matcher the engine keeps between policies (for
    benchmarks that want each run to start cold, as a new process does)."""
    for cache in (
        _actions_cache,
        _resources_cache,
        _resources_cache_v1,
        _patterns_cache,
        _conditions_cache,
        _principals_cache,
    ):
        cache.clear()
    from . import principals

    principals._CLASSIFIED.clear()
    wildcard._matcher.cache_clear()
    wildcard._matcher_from_pieces.cache_clear()
    variables.parse.cache_clear()
    for function in (
        conditions.parse_number,
        conditions.parse_date,
        conditions._parse_ip,
        conditions._parse_base64,
        conditions.parse_operator,
    ):
        function.cache_clear()


def _remember(cache: dict, key: Any, value: Any) -> None:
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value


def _strings(value: Any, path: str, element: str) -> tuple[str, ...]:
    """A string or a non-empty list of strings, as a tuple. `path` is the statement's: the
    error's is built only when there is one."""
    if type(value) is str:
        return (value,)
    if type(value) is list and value:
        for item in value:
            if type(item) is not str:
                break
        else:
            return tuple(value)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        if not value:
            raise EngineInputError(f"{element} must not be an empty list", f"{path}/{element}")
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise EngineInputError(
                    f"every {element} value must be a string", f"{path}/{element}/{i}"
                )
        return tuple(value)
    raise EngineInputError(f"{element} must be a string or a list of strings", f"{path}/{element}")


class ActionMatcher:
    """Action patterns, matched case-insensitively ("s3:get*" matches "s3:GetObject")."""

    __slots__ = ("patterns", "services", "test", "_any", "_exact", "_prefixes", "_globs")

    def __init__(self, patterns: tuple[str, ...], path: str) -> None:
        self.patterns = patterns
        self._any = False
        exact: set[str] = set()
        prefixes: list[str] = []  # "s3:get*" is "starts with s3:get"
        globs: list[Callable[[str], bool]] = []
        services: set[str] | None = set()
        for i, pattern in enumerate(patterns):
            if pattern == "*":
                self._any = True
                services = None
                continue
            if ":" not in pattern:
                raise EngineInputError(
                    f"the action {pattern!r} must be prefaced by a service, e.g. iam, s3, ec2",
                    f"{path}/{i}" if len(patterns) > 1 else path,
                )
            low = pattern.lower()
            if "*" in low or "?" in low:
                head = low[:-1]
                if low[-1] == "*" and "*" not in head and "?" not in head:
                    prefixes.append(head)
                else:
                    globs.append(wildcard.matcher(low))
            else:
                exact.add(low)
            # A pattern whose service is spelled out ("s3:Get*") only matches that service's
            # actions: the action's service is what comes before its first colon.
            service = low.partition(":")[0]
            if "*" in service or "?" in service:
                services = None
            elif services is not None:
                services.add(service)
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._globs = tuple(globs)
        # The services whose actions the patterns may match; None: any service's.
        self.services = None if services is None else frozenset(services)
        # `matches`, as cheap a callable as the patterns allow.
        self.test: Callable[[str], bool] = self.matches
        if self._any:
            self.test = _always
        elif not globs and not prefixes:
            self.test = self._exact.__contains__
        elif not globs and not exact:
            self.test = methodcaller("startswith", self._prefixes)

    def matches(self, action_lower: str) -> bool:
        if self._any or action_lower in self._exact:
            return True
        if self._prefixes and action_lower.startswith(self._prefixes):
            return True
        for g in self._globs:  # noqa: SIM110 - a loop is faster than any(genexpr)
            if g(action_lower):
                return True
        return False

    def which(self, action_lower: str) -> str | None:
        for pattern in self.patterns:
            if pattern == "*" or wildcard.matcher(pattern.lower())(action_lower):
                return pattern
        return None


def _action_matcher(value: Any, path: str, element: str) -> ActionMatcher:
    # Cached by the value itself when it is one string, else by the tuple of its strings.
    key = value if type(value) is str else _strings(value, path, element)
    matcher = _actions_cache.get(key)
    if matcher is None:
        patterns = (value,) if type(value) is str else key
        matcher = ActionMatcher(patterns, f"{path}/{element}")
        _remember(_actions_cache, key, matcher)
    return matcher


def _arn_segments(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else None


class ResourcePattern:
    """One Resource value. ARN segments are matched one by one, as AWS does: a wildcard in the
    service or account segment does not swallow the colons after it.

    Compiled on first use: most statements are never asked about a resource, because the
    action is not theirs."""

    __slots__ = ("text", "_static", "_segments", "_dynamic", "_variables_enabled")

    def __init__(self, text: str, variables_enabled: bool) -> None:
        self.text = text
        self._variables_enabled = variables_enabled
        self._dynamic: bool | None = None  # None: not compiled yet
        self._static: Callable[[str], bool] | None = _always if text == "*" else None
        self._segments: list[Callable[[str], bool]] | None = None

    def _compile(self) -> None:
        text = self.text
        if self._variables_enabled and "${" in text and variables.has_variables(text):
            self._dynamic = True
            return
        segments = _arn_segments(text)
        if segments is not None:
            head = text[: len(text) - len(segments[5])]  # up to the resource part
            if "*" in head or "?" in head:
                self._segments = [wildcard.matcher(s) for s in segments]
                self._dynamic = False
                return
        self._static = wildcard.matcher(text)
        self._dynamic = False

    def matches(self, resource: str, context: Context) -> bool:
        static = self._static
        if static is not None:
            return static(resource)
        dynamic = self._dynamic
        if dynamic is None:
            self._compile()
            return self.matches(resource, context)
        if dynamic:
            pieces = variables.expand(self.text, context)
            if pieces is None:
                return False
            return _match_pieces(pieces, resource)
        parts = _arn_segments(resource)
        if parts is None:
            return False
        return all(m(p) for m, p in zip(self._segments or (), parts, strict=True))


def _resource_patterns(
    value: Any, path: str, element: str, variables_enabled: bool
) -> tuple[ResourcePattern, ...]:
    # Cached by the value itself when it is one string, else by the tuple of its strings.
    cache = _resources_cache if variables_enabled else _resources_cache_v1
    key = value if type(value) is str else _strings(value, path, element)
    patterns = cache.get(key)
    if patterns is None:
        values = (value,) if type(value) is str else key
        patterns = tuple([_resource_pattern(v, variables_enabled) for v in values])
        _remember(cache, key, patterns)
    return patterns


def _resource_pattern(text: str, variables_enabled: bool) -> ResourcePattern:
    if text == "*":
        return _ANY_RESOURCE
    key = (text, variables_enabled)
    pattern = _patterns_cache.get(key)
    if pattern is None:
        pattern = ResourcePattern(text, variables_enabled)
        _remember(_patterns_cache, key, pattern)
    return pattern


def _always(_: str) -> bool:
    return True


_ANY_RESOURCE = ResourcePattern("*", True)  # "Resource": "*", found by identity


def _match_pieces(pieces: list[tuple[str, bool]], resource: str) -> bool:
    return wildcard.matcher_from_pieces(pieces)(resource)


# What a statement's Resource/NotResource element says before looking at the request.
_RES_TEST = 0  # match the patterns
_RES_ALL = 1  # Resource "*" (or no Resource element): every resource
_RES_NONE = 2  # NotResource "*": no resource


class Statement:
    """A compiled statement. `path` is relative to the policy: "/Statement/0", or "/Statement"
    for a lone statement object."""

    __slots__ = (
        "index",
        "path",
        "sid",
        "allow",
        "actions",
        "not_actions",
        "resources",
        "not_resources",
        "principal",
        "not_principal",
        "condition",
        "document",
        "_resource_mode",
        "simple",
        "services",
        "action_test",
    )

    def __init__(
        self,
        index: int,
        path: str,
        sid: str | None,
        allow: bool,
        actions: ActionMatcher | None,
        not_actions: ActionMatcher | None,
        resources: tuple[ResourcePattern, ...] | None,
        not_resources: tuple[ResourcePattern, ...] | None,
        principal: PrincipalSpec | None,
        not_principal: PrincipalSpec | None,
        condition: Any,  # conditions.CompiledConditions or None
        document: Mapping[str, Any],
    ) -> None:
        self.index = index
        self.path = path
        self.sid = sid
        self.allow = allow
        self.actions = actions
        self.not_actions = not_actions
        self.resources = resources
        self.not_resources = not_resources
        self.principal = principal
        self.not_principal = not_principal
        self.condition = condition
        self.document = document
        mode = _RES_TEST
        if resources is not None:
            if _ANY_RESOURCE in resources:
                mode = _RES_ALL
        elif not_resources is not None:
            if _ANY_RESOURCE in not_resources:
                mode = _RES_NONE
        else:
            mode = _RES_ALL
        self._resource_mode = mode
        # The services whose actions the statement may be about; None: any service's.
        self.services = actions.services if actions is not None else None
        # `action_matches`, as cheap a callable as the element allows.
        self.action_test: Callable[[str], bool] = (
            actions.test if actions is not None else self.action_matches
        )
        # Nothing to check beyond the action (and, in a resource-based policy, the principal):
        # every resource, no condition.
        self.simple = mode == _RES_ALL and condition is None

    def __repr__(self) -> str:
        return f"Statement(index={self.index}, path={self.path!r}, sid={self.sid!r})"

    @property
    def effect(self) -> str:
        return "Allow" if self.allow else "Deny"

    def action_matches(self, action_lower: str) -> bool:
        if self.actions is not None:
            return self.actions.matches(action_lower)
        assert self.not_actions is not None
        return not self.not_actions.matches(action_lower)

    def resource_matches(self, resource: str, context: Context) -> bool:
        mode = self._resource_mode
        if mode == _RES_ALL:
            return True
        if mode == _RES_NONE:
            return False
        if self.resources is not None:
            for r in self.resources:  # noqa: SIM110 - a loop is faster than any(genexpr)
                if r.matches(resource, context):
                    return True
            return False
        assert self.not_resources is not None
        for r in self.not_resources:  # noqa: SIM110 - a loop is faster than all(genexpr)
            if r.matches(resource, context):
                return False
        return True


_PATHS = [f"/Statement/{i}" for i in range(64)]
_INDEX_MAX = 1024  # services remembered per policy


class Policy:
    """A compiled policy document.

    `statements_about(service)` gives the statements that may be about one of the service's
    actions (those whose Action names the service, or any service, and every NotAction one),
    worked out once per service: most statements of a policy are about other services.
    """

    __slots__ = ("document", "statements", "version", "name", "_by_service")

    def __init__(
        self,
        document: Mapping[str, Any],
        statements: tuple[Statement, ...],
        version: str | None,
        name: str | None = None,
    ) -> None:
        self.document = document
        self.statements = statements
        self.version = version
        self.name = name
        self._by_service: dict[str, tuple[Statement, ...]] = {}

    def __repr__(self) -> str:
        return (
            f"Policy(version={self.version!r}, name={self.name!r}, "
            f"statements={len(self.statements)})"
        )

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"

    def statements_about(self, service: str) -> tuple[Statement, ...]:
        """The statements that may be about an action of `service` (lower-cased), in order."""
        found = self._by_service.get(service)
        if found is None:
            found = tuple(
                [s for s in self.statements if s.services is None or service in s.services]
            )
            if len(self._by_service) >= _INDEX_MAX:
                self._by_service.clear()
            self._by_service[service] = found
        return found


def compile_policy(document: Any, *, name: str | None = None) -> Policy:
    """Compile a policy document (a dict, as json.loads gives it).

    Raises EngineInputError (message, JSON pointer relative to the document) when the document
    is not something AWS could evaluate.
    """
    if not isinstance(document, dict):
        raise EngineInputError("a policy document must be a JSON object", "")
    if not document.keys() <= _POLICY_KEYS:
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
    variables_enabled = version == "2012-10-17"
    if isinstance(raw, dict):
        statements: tuple[Statement, ...] = (
            _compile_statement(0, "/Statement", raw, variables_enabled),
        )
    elif isinstance(raw, list):
        statements = tuple(
            [
                _compile_statement(
                    i, _PATHS[i] if i < 64 else f"/Statement/{i}", stmt, variables_enabled
                )
                for i, stmt in enumerate(raw)
            ]
        )
    else:
        raise EngineInputError("Statement must be an object or a list of objects", "/Statement")
    return Policy(document, statements, version, name)


def _compile_statement(index: int, path: str, stmt: Any, variables_enabled: bool) -> Statement:
    if not isinstance(stmt, dict):
        raise EngineInputError("a statement must be a JSON object", path)
    if not stmt.keys() <= _STATEMENT_KEYS:
        for key in stmt:
            if key not in _STATEMENT_KEYS:
                raise EngineInputError(
                    f"unknown statement element {key!r}", f"{path}/{pointer(key)[1:]}"
                )
    effect = stmt.get("Effect")
    if effect != "Allow" and effect != "Deny":
        raise EngineInputError(
            'the statement\'s Effect must be "Allow" or "Deny"'
            + ("" if effect is None else f", not {effect!r}"),
            f"{path}/Effect",
        )
    sid = stmt.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise EngineInputError("Sid must be a string", f"{path}/Sid")

    actions = not_actions = None
    if "Action" in stmt:
        if "NotAction" in stmt:
            raise EngineInputError(
                "a statement needs exactly one of Action or NotAction", f"{path}/NotAction"
            )
        actions = _action_matcher(stmt["Action"], path, "Action")
    elif "NotAction" in stmt:
        not_actions = _action_matcher(stmt["NotAction"], path, "NotAction")
    else:
        raise EngineInputError(
            "a statement needs exactly one of Action or NotAction", f"{path}/Action"
        )

    resources = not_resources = None
    if "Resource" in stmt:
        if "NotResource" in stmt:
            raise EngineInputError(
                "a statement may have Resource or NotResource, not both", f"{path}/NotResource"
            )
        resources = _resource_patterns(stmt["Resource"], path, "Resource", variables_enabled)
    elif "NotResource" in stmt:
        not_resources = _resource_patterns(
            stmt["NotResource"], path, "NotResource", variables_enabled
        )

    principal = not_principal = None
    if "Principal" in stmt:
        if "NotPrincipal" in stmt:
            raise EngineInputError(
                "a statement may have Principal or NotPrincipal, not both", f"{path}/NotPrincipal"
            )
        principal = _principal_spec(stmt["Principal"], path, "Principal")
    elif "NotPrincipal" in stmt:
        not_principal = _principal_spec(stmt["NotPrincipal"], path, "NotPrincipal")

    condition = None
    if "Condition" in stmt:
        condition = _condition(stmt["Condition"], path, variables_enabled)

    return Statement(
        index,
        path,
        sid,
        effect == "Allow",
        actions,
        not_actions,
        resources,
        not_resources,
        principal,
        not_principal,
        condition,
        stmt,
    )


def _principal_spec(element: Any, path: str, name: str) -> PrincipalSpec:
    try:
        key: bytes | None = _marshal(element, 2)
    except ValueError:  # not JSON data (only possible when called from Python)
        key = None
    spec = None if key is None else _principals_cache.get(key)
    if spec is None:
        spec = PrincipalSpec.compile(element, f"{path}/{name}")
        if key is not None:
            _remember(_principals_cache, key, spec)
    return spec


def _condition(block: Any, path: str, variables_enabled: bool) -> Any:
    if type(block) is dict:
        try:
            key: tuple[bytes, bool] | None = (_marshal(block, 2), variables_enabled)
        except ValueError:  # not JSON data (only possible when called from Python)
            key = None
        if key is not None:
            compiled = _conditions_cache.get(key)
            if compiled is not None:
                return None if compiled is _NO_CONDITION else compiled
    else:
        key = None
    if not isinstance(block, dict):
        raise EngineInputError("Condition must be a JSON object", f"{path}/Condition")
    for op, keys in block.items():
        if not isinstance(keys, dict):
            raise EngineInputError(
                f"the {op} condition must map condition keys to values",
                f"{path}/Condition/{pointer(op)[1:]}",
            )
    compiled = (
        conditions.compile_conditions(block, variables_enabled=variables_enabled) if block else None
    )
    if key is not None:
        _remember(_conditions_cache, key, _NO_CONDITION if compiled is None else compiled)
    return compiled
