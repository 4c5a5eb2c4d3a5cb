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
times cheaper than compiling it (see docs/performance.md).
"""

from __future__ import annotations

from marshal import dumps as _marshal
from typing import Any

from .evaluate import Evaluation, Request, evaluate
from .model import Context, EngineInputError, pointer
from .policy import Policy, compile_policy

# field, evaluate()'s argument, whether the policy may name principals
_SINGLE_POLICIES = (
    ("permissionBoundary", "permission_boundary", False),
    ("sessionPolicy", "session_policy", False),
    ("resourcePolicy", "resource_policy", True),
)
_SCALARS = (str, bool, int, float)


class PolicyCache:
    """Compiled policies by their content, oldest dropped first once `size` are held.

    The key is the document's `marshal` serialisation (format 2, which has no back-references),
    exact about JSON types (`true` is not `1`). For a typical policy it takes about 1.7 us,
    against 4 us for `repr`, 6 us for a sorted `json.dumps` and 24 us to compile the policy
    (docs/performance.md). Documents that differ only in the order of their keys are compiled
    once each.
    """

    __slots__ = ("size", "_policies")

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        # key -> (policy, pointer to its first Principal/NotPrincipal or None)
        self._policies: dict[bytes, tuple[Policy, str | None]] = {}

    def compile(self, document: Any, path: str, *, principals: bool = False) -> Policy:
        """The compiled policy; EngineInputError paths are made relative to the case.

        `principals`: may the policy name principals (resource-based policies and RCPs)?
        """
        if type(document) is not dict:
            raise EngineInputError("a policy document must be a JSON object", path)
        try:
            key: bytes | None = _marshal(document, 2)
        except ValueError:  # not JSON data (only possible when called from Python)
            key = None
        policies = self._policies
        entry = None if key is None else policies.get(key)
        if entry is None:
            try:
                policy = compile_policy(document)
            except EngineInputError as exc:
                raise EngineInputError(exc.message, path + exc.path) from None
            entry = (policy, _principal_at(policy))
            if key is not None:
                if len(policies) >= self.size:
                    del policies[next(iter(policies))]
                policies[key] = entry
        if entry[1] is not None and not principals:
            raise EngineInputError(
                "only resource-based policies name principals: this kind of policy applies to "
                "whoever it is attached to, so it cannot have a Principal or NotPrincipal",
                path + entry[1],
            )
        return entry[0]

    def clear(self) -> None:
        self._policies.clear()

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
    if not isinstance(obj, dict):
        raise EngineInputError("a simulation case must be a JSON object", "")
    request = _request(obj.get("request"))
    compile_ = (_default_cache if cache is None else cache).compile

    kwargs: dict[str, Any] = {}
    identity = obj.get("identityPolicies")
    if identity is not None:
        if not isinstance(identity, list):
            raise EngineInputError(
                "identityPolicies must be a list of policy documents", "/identityPolicies"
            )
        kwargs["identity_policies"] = [
            compile_(doc, f"/identityPolicies/{i}") for i, doc in enumerate(identity)
        ]
    for field, argument, principals in _SINGLE_POLICIES:
        doc = obj.get(field)
        if doc is not None:
            kwargs[argument] = compile_(doc, "/" + field, principals=principals)
    for field, principals in (("scps", False), ("rcps", True)):
        levels = obj.get(field)
        if levels is not None:
            kwargs[field] = _levels(levels, field, compile_, principals)
    return request, kwargs


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
    context = Context()
    if values is None:
        return context
    if not isinstance(values, dict):
        raise EngineInputError(
            "request.context must map condition keys to values", "/request/context"
        )
    for key, value in values.items():
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
        context.set(key, value)
    return context


def _levels(levels: Any, field: str, compile_: Any, principals: bool) -> list[list[Policy]]:
    if not isinstance(levels, list):
        raise EngineInputError(
            f"{field} must be a list of levels, each a list of policy documents", "/" + field
        )
    out = []
    for i, level in enumerate(levels):
        if not isinstance(level, list):
            raise EngineInputError(
                f"each level of {field} must be a list of policy documents (root first)",
                f"/{field}/{i}",
            )
        out.append(
            [
                compile_(doc, f"/{field}/{i}/{j}", principals=principals)
                for j, doc in enumerate(level)
            ]
        )
    return out


def answer(evaluation: Evaluation, *, explain: bool = False) -> dict[str, Any]:
    """The answer for a case, as `simulate_case` gives it."""
    out: dict[str, Any] = {
        "decision": evaluation.decision.value,
        "message": evaluation.message,
        "decisive": [d.path for d in evaluation.decisive],
    }
    if explain:
        out["reason"] = evaluation.reason
        out["trace"] = [p.to_dict() for p in evaluation.trace]
    return out


def error(message: str, path: str = "") -> dict[str, Any]:
    return {"error": {"message": message, "path": path}}


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
