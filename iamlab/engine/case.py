"""The simulation case (`shared/docs/simulation-case.md`): one JSON object in, one answer out.

`simulate_case(obj)` never raises: a case it cannot use comes back as
`{"error": {"message": ..., "path": <JSON pointer into the case>}}`.

Choices the format leaves open, made here:

- `request.resource` is required (`*` for actions that take no resource).
- `request.resourceAccount`, when absent or null, is the account in the resource ARN's fifth
  field; when the ARN has none (S3) or the resource is `*`, the resource is taken to be in the
  principal's own account (a same-account request).
- `request.context` values are strings or lists of strings; JSON numbers and booleans are
  accepted and read as their text ("true", "3600"). Anything else is an error.
- Fields the format does not name (`expected`, `why`, ...) are ignored.
- Only the structure of policies is checked (what `compile_policy` needs to evaluate them); the
  full validator is `validate_policy`.

Compiled policies are cached by their content (`PolicyCache`): a batch repeats the same managed
policies, SCPs and boundaries across thousands of cases, and serialising a document is several
times cheaper than compiling it. `answer_line`, the batch's path, goes further: it finds the
policies it has met before by their JSON text and does not parse them again (see
docs/performance.md).
"""

from __future__ import annotations

from collections import deque
from json.decoder import JSONDecoder as _JSONDecoder
from json.decoder import scanstring as _scanstring
from json.encoder import encode_basestring_ascii as _json_string
from marshal import dumps as _marshal
from typing import Any

from .evaluate import Evaluation, Request, decide, evaluate
from .model import Context, Decision, EngineInputError, pointer
from .policy import Policy, compile_policy

# field, whether the policy may name principals
_SINGLE_POLICIES = (
    ("permissionBoundary", False),
    ("sessionPolicy", False),
    ("resourcePolicy", True),
)
_SCALARS = (str, bool, int, float)
_ONLY_STR = frozenset({str})


class PolicyCache:
    """Compiled policies by their content; once `size` are held, one not used since it was
    last passed over goes (the "clock" algorithm: the shared policies stay).

    The key is the document's `marshal` serialisation (format 2, which has no back-references),
    exact about JSON types (`true` is not `1`). For a typical policy it takes well under a
    microsecond, several times less than `repr` or a sorted `json.dumps`, and many times less
    than compiling the policy (docs/performance.md). Documents that differ only in the order of
    their keys are compiled once each.
    """

    __slots__ = ("size", "_policies", "_order", "_missed", "_levels", "_texts", "_level_texts")

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        # key -> [policy, pointer to its first Principal/NotPrincipal or None, used lately]
        self._policies: dict[bytes, list[Any]] = {}
        self._order: deque[bytes] = deque()  # the keys, oldest first
        self._missed: tuple[Any, bytes] | None = None  # the last document `find` missed
        # Whole `scps`/`rcps` fields: organizations share them, levels and all.
        self._levels: dict[tuple[str, bytes], list[list[Policy]]] = {}
        # For `answer_line`: the JSON text of policies met more than once -> their entry, and
        # (field, text) of whole scps/rcps fields -> their levels.
        self._texts: dict[str, list[Any]] = {}
        self._level_texts: dict[tuple[str, str], list[list[Policy]]] = {}

    def compile(self, document: Any, path: str, *, principals: bool = False) -> Policy:
        """The compiled policy; EngineInputError paths are made relative to the case.

        `principals`: may the policy name principals (resource-based policies and RCPs)?
        """
        if type(document) is not dict:
            raise EngineInputError("a policy document must be a JSON object", path)
        missed = self._missed
        if missed is not None and missed[0] is document:
            key: bytes | None = missed[1]
        else:
            try:
                key = _marshal(document, 2)
            except ValueError:  # not JSON data (only possible when called from Python)
                key = None
        self._missed = None
        policies = self._policies
        entry = None if key is None else policies.get(key)
        if entry is None:
            try:
                policy = compile_policy(document)
            except EngineInputError as exc:
                raise EngineInputError(exc.message, path + exc.path) from None
            entry = [policy, _principal_at(policy), False]
            if key is not None:
                if len(policies) >= self.size:
                    self._evict()
                policies[key] = entry
                self._order.append(key)
        else:
            entry[2] = True
        if entry[1] is not None and not principals:
            raise EngineInputError(
                "only resource-based policies name principals: this kind of policy applies to "
                "whoever it is attached to, so it cannot have a Principal or NotPrincipal",
                path + entry[1],
            )
        return entry[0]

    def _evict(self) -> None:
        policies, order = self._policies, self._order
        while order:
            key = order.popleft()
            entry = policies[key]
            if entry[2]:  # used since the hand last passed: a second chance
                entry[2] = False
                order.append(key)
            else:
                del policies[key]
                return

    def find(self, document: Any, principals: bool = False) -> Policy | None:
        """The compiled policy if it is cached and may be used where it is (see `compile`);
        None otherwise: then `compile` says why, or compiles it."""
        if type(document) is dict:
            try:
                key = _marshal(document, 2)
            except ValueError:  # not JSON data (only possible when called from Python)
                return None
            entry = self._policies.get(key)
            if entry is not None and (principals or entry[1] is None):
                entry[2] = True
                return entry[0]
            self._missed = (document, key)
        return None

    def _find_entry(self, document: Any) -> list[Any] | None:
        """The cache's entry for a document, or None (`find` without the checks)."""
        try:
            key = _marshal(document, 2)
        except ValueError:  # not JSON data (only possible when called from Python)
            return None
        entry = self._policies.get(key)
        if entry is None:
            self._missed = (document, key)
        return entry

    def clear(self) -> None:
        self._policies.clear()
        self._order.clear()
        self._levels.clear()
        self._texts.clear()
        self._level_texts.clear()

    def __len__(self) -> int:
        return len(self._policies)


def _principal_at(policy: Policy) -> str | None:
    for statement in policy.statements:
        if statement.principal is not None:
            return statement.path + "/Principal"
        if statement.not_principal is not None:
            return statement.path + "/NotPrincipal"
    return None


_default_cache = PolicyCache(size=1024)  # for callers that bring no cache of their own


def load_case(obj: Any, *, cache: PolicyCache | None = None) -> tuple[Request, dict[str, Any]]:
    """The request and the keyword arguments for `evaluate()` (compiled policies).

    Raises EngineInputError(message, path) for anything unusable.
    """
    request, identity, boundary, session, resource, scps, rcps = _load(obj, cache)
    kwargs: dict[str, Any] = {}
    if type(identity) is list:  # the case has the field (the tuple: it has not)
        kwargs["identity_policies"] = identity
    if boundary is not None:
        kwargs["permission_boundary"] = boundary
    if session is not None:
        kwargs["session_policy"] = session
    if resource is not None:
        kwargs["resource_policy"] = resource
    if scps is not None:
        kwargs["scps"] = scps
    if rcps is not None:
        kwargs["rcps"] = rcps
    return request, kwargs


_Loaded = tuple[
    Request,
    "list[Policy] | tuple[()]",
    "Policy | None",
    "Policy | None",
    "Policy | None",
    "list[list[Policy]] | None",
    "list[list[Policy]] | None",
]


def _load(obj: Any, cache: PolicyCache | None) -> _Loaded:
    """`load_case`, as the positional arguments of `evaluate.decide` (but `explain`)."""
    if not isinstance(obj, dict):
        raise EngineInputError("a simulation case must be a JSON object", "")
    request = _request(obj.get("request"))
    if cache is None:
        cache = _default_cache
    find = cache.find

    identity = obj.get("identityPolicies")
    if identity is None:
        identity = ()
    else:
        if not isinstance(identity, list):
            raise EngineInputError(
                "identityPolicies must be a list of policy documents", "/identityPolicies"
            )
        policies = []
        for i, doc in enumerate(identity):
            policy = find(doc)
            if policy is None:
                policy = cache.compile(doc, f"/identityPolicies/{i}")
            policies.append(policy)
        identity = policies
    single: list[Policy | None] = []
    for field, principals in _SINGLE_POLICIES:
        doc = obj.get(field)
        if doc is not None:
            policy = find(doc, principals)
            if policy is None:
                policy = cache.compile(doc, "/" + field, principals=principals)
            doc = policy
        single.append(doc)
    scps = obj.get("scps")
    if scps is not None:
        scps = _levels(scps, "scps", cache, False)
    rcps = obj.get("rcps")
    if rcps is not None:
        rcps = _levels(rcps, "rcps", cache, True)
    return request, identity, single[0], single[1], single[2], scps, rcps


def _request(req: Any) -> Request:
    if req is None:
        raise EngineInputError("the case has no request", "/request")
    if not isinstance(req, dict):
        raise EngineInputError(
            "request must be an object with principal, action and resource", "/request"
        )
    principal = req.get("principal")
    action = req.get("action")
    resource = req.get("resource")
    if not (
        type(principal) is str
        and principal
        and type(action) is str
        and action
        and type(resource) is str
        and resource
    ):
        for name, value in (("principal", principal), ("action", action), ("resource", resource)):
            if not isinstance(value, str) or not value:
                raise EngineInputError(
                    f"request.{name} is missing"
                    if value is None
                    else f"request.{name} must be a non-empty string",
                    "/request/" + name,
                )
    account = req.get("resourceAccount")
    if account is None:
        account = arn_account(resource)
    elif not isinstance(account, str) or not account:
        raise EngineInputError(
            "request.resourceAccount must be an account id (a string)", "/request/resourceAccount"
        )
    return Request(principal, action, resource, account, _context(req.get("context")))


def arn_account(arn: str) -> str | None:
    """The account in an ARN's fifth field, or None (S3 ARNs, `*`)."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4]:
        return parts[4]
    return None


def _context(values: Any) -> Context:
    if values is None:
        return Context()
    if not isinstance(values, dict):
        raise EngineInputError(
            "request.context must map condition keys to values", "/request/context"
        )
    if _ONLY_STR.issuperset(map(type, values.values())) and _ONLY_STR.issuperset(map(type, values)):
        return Context.from_json(values)  # the usual case: strings only, checked in C
    for key, value in values.items():
        if type(value) is str and type(key) is str:
            continue
        if not isinstance(value, _SCALARS):
            if not isinstance(value, list):
                raise EngineInputError(
                    "a context value must be a string or a list of strings",
                    "/request/context" + pointer(key),
                )
            for i, item in enumerate(value):
                if not isinstance(item, _SCALARS):
                    raise EngineInputError(
                        "a context list may only hold strings",
                        "/request/context" + pointer(key, i),
                    )
        if type(key) is not str:  # only possible when called from Python
            return _eager_context(values)
    return Context.from_json(values)


def _eager_context(values: dict[Any, Any]) -> Context:
    context = Context()
    for key, value in values.items():
        context.set(key, value)
    return context


def _levels(levels: Any, field: str, cache: PolicyCache, principals: bool) -> list[list[Policy]]:
    """The compiled levels of `scps` or `rcps` (shared by the cases that spell them alike: do
    not change them)."""
    key = None
    if type(levels) is list:
        try:
            key = (field, _marshal(levels, 2))
        except ValueError:  # not JSON data (only possible when called from Python)
            pass
        else:
            found = cache._levels.get(key)
            if found is not None:
                return found
    compiled = _compile_levels(levels, field, cache, principals)
    if key is not None:
        known = cache._levels
        if len(known) >= cache.size:
            del known[next(iter(known))]
        known[key] = compiled
    return compiled


def _compile_levels(
    levels: Any, field: str, cache: PolicyCache, principals: bool
) -> list[list[Policy]]:
    if not isinstance(levels, list):
        raise EngineInputError(
            f"{field} must be a list of levels, each a list of policy documents", "/" + field
        )
    find, compile_ = cache.find, cache.compile
    out = []
    for i, level in enumerate(levels):
        if not isinstance(level, list):
            raise EngineInputError(
                f"each level of {field} must be a list of policy documents (root first)",
                f"/{field}/{i}",
            )
        policies = []
        for j, doc in enumerate(level):
            policy = find(doc, principals)
            if policy is None:
                policy = compile_(doc, f"/{field}/{i}/{j}", principals=principals)
            policies.append(policy)
        out.append(policies)
    return out


def answer(evaluation: Evaluation, *, explain: bool = False) -> dict[str, Any]:
    """The answer for a case, as `simulate_case` gives it."""
    out: dict[str, Any] = {
        "decision": evaluation.decision.value,
        "message": evaluation.message,
        "decisive": evaluation.decisive_paths(),
    }
    if explain:
        out["reason"] = evaluation.reason
        out["trace"] = [p.to_dict() for p in evaluation.trace]
    return out


_ANSWER_HEADS = {
    decision: f'{{"decision": "{decision.value}", "message": ' for decision in Decision
}


def answer_json(evaluation: Evaluation) -> str:
    """`answer(evaluation)` as one line of JSON, exactly as `json.JSONEncoder().encode` writes
    it (the batch path: no dict, no generic encoder)."""
    paths = evaluation.decisive_paths()
    head = _ANSWER_HEADS[evaluation.decision] + _json_string(evaluation.message)
    if not paths:
        return head + ', "decisive": []}'
    return f'{head}, "decisive": [{", ".join([_json_string(p) for p in paths])}]}}'


def error(message: str, path: str = "") -> dict[str, Any]:
    return {"error": {"message": message, "path": path}}


# -- the batch path: one line of JSON text in, one line out -----------------------------------
#
# Most of a line is policies, and most of those a batch has met before (managed policies,
# boundaries, SCPs). `answer_line` reads the case's top level with the json module's own
# scanner and, where a policy (or a whole `scps`/`rcps` field) starts, looks for the exact text
# of one it has met more than once: found, it takes the compiled policy and skips the text
# without parsing it again (equal text, equal JSON value). Where such a text would end is
# guessed from how policies are usually written (`...}]}`: the last statement, the Statement
# list, the policy) and the guess only stands if the whole text is one already known. Anything
# out of the ordinary (a syntax error, a field of the wrong type, a bad policy, a line that is
# not a case) is left to the general path, `json.loads` and `simulate_case`, which says what is
# wrong in its own words.

_MAX_TEXTS = 4096
_scan_value = _JSONDecoder().scan_once  # what json.loads uses for each value
_WHITESPACE = " \t\n\r"  # JSON's
_POLICY_END = "}]}"  # how a policy's text usually ends
_LEVELS_END = "}]}]]"  # and a whole scps/rcps field's


class _Fallback(Exception):
    """The line is not for the fast path: take the general one."""


def answer_line(line: str, cache: PolicyCache) -> str | None:
    """The answer to one batch line (no explanation) as a line of JSON, exactly as
    `simulate_case` would give it; None when the line needs the general path (the caller then
    runs `json.loads` and `simulate_case`)."""
    try:
        loaded = _read_line(line, cache)
        return answer_json(decide(*loaded, False))
    except Exception:  # noqa: BLE001 - the general path answers it, in its own words
        return None


def _skip(s: str, i: int) -> int:
    """The index of the first character at or after i that is not JSON whitespace."""
    while s[i] in _WHITESPACE:
        i += 1
    return i


def _read_line(s: str, cache: PolicyCache) -> _Loaded:
    """`_load(json.loads(s), cache)` for the lines that need nothing more; raises otherwise."""
    # Whitespace is skipped inline where json.dumps puts one space (", ", ": ").
    i = _skip(s, 0)
    if s[i] != "{":
        raise _Fallback
    i = _skip(s, i + 1)
    request: Any = _Fallback
    identity: Any = None
    boundary = session = resource = scps = rcps = None
    while True:
        if s[i] != '"':
            raise _Fallback
        key, i = _scanstring(s, i + 1)
        if s[i] != ":":
            i = _skip(s, i)
            if s[i] != ":":
                raise _Fallback
        i += 1
        if s[i] == " ":
            i += 1
        if s[i] in _WHITESPACE:
            i = _skip(s, i)
        if key == "request":
            request, i = _scan_value(s, i)
        elif key == "identityPolicies":
            identity, i = _policy_list(s, i, cache)
        elif key == "scps":
            scps, i = _levels_text(s, i, cache, key)
        elif key == "permissionBoundary":
            boundary, i = _policy_text(s, i, cache)
        elif key == "resourcePolicy":
            resource, i = _policy_text(s, i, cache)
        elif key == "sessionPolicy":
            session, i = _policy_text(s, i, cache)
        elif key == "rcps":
            rcps, i = _levels_text(s, i, cache, key)
        else:
            _, i = _scan_value(s, i)
        c = s[i]
        if c in _WHITESPACE:
            i = _skip(s, i)
            c = s[i]
        if c == ",":
            i += 1
            if s[i] == " ":
                i += 1
            if s[i] in _WHITESPACE:
                i = _skip(s, i)
            continue
        if c != "}":
            raise _Fallback
        break
    i += 1
    n = len(s)
    while i < n and s[i] in _WHITESPACE:
        i += 1
    if i != n or request is _Fallback:
        raise _Fallback

    # As `_load` does it, in its order.
    req = _request(request)
    policies: Any = ()
    if identity is not None:
        policies = [_policy(item, cache, False, s) for item in identity]
    if boundary is not None:
        boundary = _policy(boundary, cache, False, s)
    if session is not None:
        session = _policy(session, cache, False, s)
    if resource is not None:
        resource = _policy(resource, cache, True, s)
    if scps is not None:
        scps = _levels_of(scps, "scps", cache, s)
    if rcps is not None:
        rcps = _levels_of(rcps, "rcps", cache, s)
    return req, policies, boundary, session, resource, scps, rcps


def _policy_text(s: str, i: int, cache: PolicyCache) -> tuple[Any, int]:
    """The policy that starts at s[i]: (a cache entry, or (document, start, end)), and where
    its text ends. A JSON null is None."""
    end = s.find(_POLICY_END, i) + len(_POLICY_END)
    if end > i:
        entry = cache._texts.get(s[i:end])
        if entry is not None:
            return entry, end
    document, end = _scan_value(s, i)
    if document is None:
        return None, end
    return (document, i, end), end


def _policy_list(s: str, i: int, cache: PolicyCache) -> tuple[list[Any], int]:
    if s[i] != "[":
        raise _Fallback
    i = _skip(s, i + 1)
    items: list[Any] = []
    if s[i] == "]":
        return items, i + 1
    while True:
        item, i = _policy_text(s, i, cache)
        if item is None:
            raise _Fallback
        items.append(item)
        c = s[i]
        if c in _WHITESPACE:
            i = _skip(s, i)
            c = s[i]
        if c == ",":
            i += 1
            if s[i] == " ":
                i += 1
            if s[i] in _WHITESPACE:
                i = _skip(s, i)
            continue
        if c != "]":
            raise _Fallback
        return items, i + 1


def _policy(item: Any, cache: PolicyCache, principals: bool, s: str) -> Policy:
    """The compiled policy for what `_policy_text` found."""
    if type(item) is list:  # a cache entry: [policy, where its principal is, used]
        if item[1] is not None and not principals:
            raise _Fallback
        item[2] = True
        return item[0]
    document, start, end = item
    if type(document) is not dict:
        raise _Fallback
    entry = cache._find_entry(document)
    if entry is None:  # met for the first time: compile it, remember its text next time
        return cache.compile(document, "", principals=principals)
    if entry[1] is not None and not principals:
        raise _Fallback
    entry[2] = True
    _remember_text(cache._texts, s[start:end], entry)
    return entry[0]


def _levels_text(s: str, i: int, cache: PolicyCache, field: str) -> tuple[Any, int]:
    end = s.find(_LEVELS_END, i) + len(_LEVELS_END)
    if end > i:
        compiled = cache._level_texts.get((field, s[i:end]))
        if compiled is not None:
            return compiled, end
    value, end = _scan_value(s, i)
    if value is None:
        return None, end
    return (value, i, end), end


def _levels_of(item: Any, field: str, cache: PolicyCache, s: str) -> list[list[Policy]] | None:
    if item is None or type(item) is list:  # absent, or compiled levels
        return item
    value, start, end = item
    if type(value) is not list:
        raise _Fallback
    try:
        key = (field, _marshal(value, 2))
    except ValueError:
        raise _Fallback from None
    compiled = cache._levels.get(key)
    if compiled is None:  # met for the first time
        return _levels(value, field, cache, field == "rcps")
    _remember_text(cache._level_texts, (field, s[start:end]), compiled)
    return compiled


def _remember_text(texts: dict[Any, Any], key: Any, value: Any) -> None:
    if len(texts) >= _MAX_TEXTS:
        texts.clear()
    texts[key] = value


def simulate_case_json(obj: Any, *, cache: PolicyCache | None = None) -> str | None:
    """`simulate_case(obj, cache=cache)` without the explanation, as one line of JSON; None when
    the answer is an error (then `simulate_case` says which)."""
    try:
        return answer_json(decide(*_load(obj, cache), False))
    except Exception:  # noqa: BLE001 - simulate_case answers it, in its own words
        return None


def simulate_case(
    obj: Any, *, explain: bool = False, cache: PolicyCache | None = None
) -> dict[str, Any]:
    """Answer one simulation case: `{"decision", "message", "decisive"}` (with `"reason"` and
    `"trace"` when `explain`), or `{"error": {"message", "path"}}`. Never raises."""
    try:
        request, policies = load_case(obj, cache=cache)
        evaluation = evaluate(request, explain=explain, **policies)
        return answer(evaluation, explain=explain)
    except EngineInputError as exc:
        return error(exc.message, exc.path)
    except RecursionError:
        return error("the case is nested too deeply to evaluate")
    except Exception as exc:  # noqa: BLE001 - a batch must answer every line
        return error(f"internal error while evaluating the case: {type(exc).__name__}: {exc}")
