"""`aws iam simulate-custom-policy --cli-input-json` documents in, the API's response out.

Input: the SimulateCustomPolicy request (IAM API Reference): `PolicyInputList` and
`PermissionsBoundaryPolicyInputList` (policy documents as JSON text; objects are accepted too),
`ActionNames`, `ResourceArns` (default `["*"]`), `ResourcePolicy`, `ResourceOwner`, `CallerArn`,
`ContextEntries` ([{ContextKeyName, ContextKeyValues, ContextKeyType}]), `ResourceHandlingOption`
(accepted, not needed: the engine has no EC2 scenarios to enforce), `MaxItems` and `Marker`.

Output: `{"EvaluationResults": [...], "IsTruncated": false}` with one `EvaluationResult` per
action and resource, as the API has long answered (AWS has since announced one result per action
that aggregates the resources; the per-resource answers are the same). Each result holds
`EvalActionName`, `EvalResourceName`, `EvalDecision`, `MatchedStatements`, `MissingContextValues`,
`EvalDecisionDetails` (cross-account: how the caller's side and the resource's side decided; `{}`
within one account; left out for `*` within one account), `PermissionsBoundaryDecisionDetail`
(when a boundary is given) and, for a resource other than `*`, `ResourceSpecificResults` (which
then holds the missing context values, as the API does).

Matched statements are the statements that decided (for a deny, only the denying ones) with
`SourcePolicyId` "PolicyInputList.N", "PermissionsBoundaryPolicyInputList.1" or
"ResourcePolicy", and the statement's place in the policy text: `StartPosition` just after its
opening brace and `EndPosition` just after its closing brace (1-based lines and columns, as in the
AWS CLI reference's example).

`MissingContextValues` lists the condition keys (and policy variables) of the statements whose
action matches that the request context lacks.

Where the API's rules leave room: without `CallerArn` the caller is a user placeholder
(`arn:aws:iam::<ResourceOwner or 123456789012>:user/SimulatedCaller`) in the resource's account;
`CallerArn` may be any principal the engine knows, not only an IAM user. A resource's account is
the one in its ARN, else `ResourceOwner`, else the caller's.
"""

from __future__ import annotations

import json
from typing import Any

from .case import arn_account, error
from .evaluate import Evaluation, Request, evaluate
from .model import Context, Decision, EngineInputError, PolicyKind, PolicyTrace
from .policy import Policy, compile_policy
from .variables import variable_names

PLACEHOLDER_ACCOUNT = "123456789012"
_KEY_TYPES = frozenset(
    {
        "string",
        "stringList",
        "numeric",
        "numericList",
        "boolean",
        "booleanList",
        "ip",
        "ipList",
        "binary",
        "binaryList",
        "date",
        "dateList",
    }
)
_IDENTITY_TYPE = "IAM Policy"
_BOUNDARY_TYPE = "Permissions Boundary Policy"
_RESOURCE_TYPE = "Resource Policy"


def is_cli_input(obj: Any) -> bool:
    """Is this a simulate-custom-policy request (rather than a simulation case)?"""
    return (
        isinstance(obj, dict)
        and "request" not in obj
        and ("PolicyInputList" in obj or "ActionNames" in obj)
    )


class _Source:
    """One input policy: its id in the answer, its compiled form and its statements' places."""

    __slots__ = ("source_id", "source_type", "policy", "spans")

    def __init__(self, source_id: str, source_type: str, text: str, path: str) -> None:
        self.source_id = source_id
        self.source_type = source_type
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise EngineInputError(
                f"the policy is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                path,
            ) from None
        try:
            self.policy: Policy = compile_policy(document)
        except EngineInputError as exc:
            raise EngineInputError(f"in the policy text: {exc.message}", path) from None
        self.spans = statement_spans(text)

    def statement(self, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {
            "SourcePolicyId": self.source_id,
            "SourcePolicyType": self.source_type,
        }
        if index < len(self.spans):
            (l1, c1), (l2, c2) = self.spans[index]
            out["StartPosition"] = {"Line": l1, "Column": c1}
            out["EndPosition"] = {"Line": l2, "Column": c2}
        return out


def simulate_custom_policy(obj: Any) -> dict[str, Any]:
    """The SimulateCustomPolicy response for a --cli-input-json document; never raises.

    Input it cannot use gives `{"error": {"message", "path"}}` as simulation cases do.
    """
    try:
        return _simulate(obj)
    except EngineInputError as exc:
        return error(exc.message, exc.path)
    except RecursionError:
        return error("the input is nested too deeply")
    except Exception as exc:  # noqa: BLE001 - callers rely on an answer
        return error(f"internal error while simulating: {type(exc).__name__}: {exc}")


def _simulate(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise EngineInputError("the input must be a JSON object", "")
    identity = [
        _Source(f"PolicyInputList.{i + 1}", _IDENTITY_TYPE, text, f"/PolicyInputList/{i}")
        for i, text in enumerate(_policy_texts(obj, "PolicyInputList", required=True))
    ]
    boundaries = _policy_texts(obj, "PermissionsBoundaryPolicyInputList")
    if len(boundaries) > 1:
        raise EngineInputError(
            "only one permissions boundary can be simulated",
            "/PermissionsBoundaryPolicyInputList",
        )
    boundary = (
        _Source(
            "PermissionsBoundaryPolicyInputList.1",
            _BOUNDARY_TYPE,
            boundaries[0],
            "/PermissionsBoundaryPolicyInputList/0",
        )
        if boundaries
        else None
    )
    resource_text = obj.get("ResourcePolicy")
    resource_source = None
    if resource_text is not None:
        resource_source = _Source(
            "ResourcePolicy",
            _RESOURCE_TYPE,
            _text(resource_text, "/ResourcePolicy"),
            "/ResourcePolicy",
        )

    actions = _strings(obj, "ActionNames", required=True)
    for i, action in enumerate(actions):
        if "*" in action or "?" in action:
            raise EngineInputError("action names cannot hold wildcards", f"/ActionNames/{i}")
    resources = _strings(obj, "ResourceArns") or ["*"]

    owner = _owner(obj.get("ResourceOwner"))
    caller = obj.get("CallerArn")
    if caller is not None and (not isinstance(caller, str) or not caller):
        raise EngineInputError("CallerArn must be an ARN", "/CallerArn")
    if caller is None and resource_source is not None:
        raise EngineInputError(
            "CallerArn is required with a ResourcePolicy: its Principal element needs a caller "
            "to match",
            "/CallerArn",
        )
    principal = caller or f"arn:aws:iam::{owner or PLACEHOLDER_ACCOUNT}:user/SimulatedCaller"
    context = _context(obj.get("ContextEntries"))
    _check_handling(obj.get("ResourceHandlingOption"))

    sources: dict[str, _Source] = {f"/identityPolicies/{i}": s for i, s in enumerate(identity)}
    if boundary is not None:
        sources["/permissionBoundary"] = boundary
    if resource_source is not None:
        sources["/resourcePolicy"] = resource_source

    results = []
    for action in actions:
        for resource in resources:
            account = (arn_account(resource) or owner) if caller is not None else None
            request = Request(principal, action, resource, account, context)
            evaluation = evaluate(
                request,
                identity_policies=[s.policy for s in identity],
                permission_boundary=boundary.policy if boundary else None,
                resource_policy=resource_source.policy if resource_source else None,
                explain=True,
            )
            results.append(_result(evaluation, sources))
    return _page(obj, results)


def _result(evaluation: Evaluation, sources: dict[str, _Source]) -> dict[str, Any]:
    request = evaluation.request
    # For a named resource (not "*"), AWS gives the missing context values in
    # ResourceSpecificResults rather than at the top.
    named = request.resource != "*"
    decision = evaluation.decision.value
    matched = _matched_statements(evaluation, sources)
    missing = _missing_context(evaluation, sources)
    result: dict[str, Any] = {
        "EvalActionName": request.action,
        "EvalResourceName": request.resource,
        "EvalDecision": decision,
        "MatchedStatements": matched,
        "MissingContextValues": [] if named else missing,
    }
    details = _decision_details(evaluation)
    if details is not None:
        result["EvalDecisionDetails"] = details
    boundary = next((p for p in evaluation.trace if p.kind is PolicyKind.BOUNDARY), None)
    if "/permissionBoundary" in sources:
        allowed = boundary is not None and boundary.outcome == "allow"
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": allowed}
    if named:
        specific: dict[str, Any] = {
            "EvalResourceName": request.resource,
            "EvalResourceDecision": decision,
            "MatchedStatements": matched,
            "MissingContextValues": missing,
        }
        if details:
            specific["EvalDecisionDetails"] = details
        if "PermissionsBoundaryDecisionDetail" in result:
            specific["PermissionsBoundaryDecisionDetail"] = result[
                "PermissionsBoundaryDecisionDetail"
            ]
        result["ResourceSpecificResults"] = [specific]
    return result


def _split_path(path: str) -> tuple[str, int]:
    """The policy's path and the statement's index: "/identityPolicies/0/Statement/2" gives
    ("/identityPolicies/0", 2)."""
    head, _, tail = path.partition("/Statement")
    index = tail.lstrip("/")
    return head, int(index) if index.isdigit() else 0


def _matched_statements(
    evaluation: Evaluation, sources: dict[str, _Source]
) -> list[dict[str, Any]]:
    out = []
    for decisive in evaluation.decisive:
        head, index = _split_path(decisive.path)
        source = sources.get(head)
        if source is not None:
            out.append(source.statement(index))
    return out


def _missing_context(evaluation: Evaluation, sources: dict[str, _Source]) -> list[str]:
    """Condition keys and variables of the statements whose action matches, that the context
    lacks."""
    context = evaluation.request.context
    seen: set[str] = set()
    missing: list[str] = []

    def note(key: str) -> None:
        low = key.lower()
        if low not in seen:
            seen.add(low)
            if key not in context:
                missing.append(key)

    for ptrace in evaluation.trace:
        source = sources.get(ptrace.path)
        if source is None:
            continue
        statements = source.policy.statements
        with_variables = source.policy.variables_enabled
        for st in ptrace.statements:
            if not st.action_matched or st.index >= len(statements):
                continue
            document = statements[st.index].document
            if with_variables:
                for element in ("Resource", "NotResource"):
                    for text in _as_list(document.get(element)):
                        for name in variable_names(text):
                            note(name)
            block = document.get("Condition")
            if isinstance(block, dict):
                for keys in block.values():
                    if not isinstance(keys, dict):
                        continue
                    for key, values in keys.items():
                        note(key)
                        if with_variables:
                            for text in _as_list(values):
                                for name in variable_names(text):
                                    note(name)
    return missing


def _side(traces: list[PolicyTrace], kinds: tuple[PolicyKind, ...]) -> Decision:
    outcomes = [p.outcome for p in traces if p.kind in kinds]
    if "deny" in outcomes:
        return Decision.EXPLICIT_DENY
    if "allow" in outcomes:
        return Decision.ALLOWED
    return Decision.IMPLICIT_DENY


def _decision_details(evaluation: Evaluation) -> dict[str, str] | None:
    request, caller = evaluation.request, evaluation.caller
    account = request.resource_account or caller.account
    if account == caller.account:
        return None if request.resource == "*" else {}
    traces = evaluation.trace
    identity = _side(traces, (PolicyKind.IDENTITY,))
    if identity is not Decision.EXPLICIT_DENY and any(
        p.kind is PolicyKind.BOUNDARY for p in traces
    ):
        boundary = _side(traces, (PolicyKind.BOUNDARY,))
        if boundary is Decision.EXPLICIT_DENY or identity is Decision.ALLOWED:
            identity = boundary  # the boundary caps what the identity-based policies allow
    resource = _side(traces, (PolicyKind.RESOURCE, PolicyKind.TRUST))
    return {_IDENTITY_TYPE: identity.value, _RESOURCE_TYPE: resource.value}


def _page(obj: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    marker = obj.get("Marker")
    start = 0
    if marker is not None:
        if not (isinstance(marker, str) and marker.isdigit()):
            raise EngineInputError("Marker must be a Marker from an earlier answer", "/Marker")
        start = int(marker)
    max_items = obj.get("MaxItems")
    if max_items is None:
        page = results[start:]
    elif isinstance(max_items, int) and not isinstance(max_items, bool) and 1 <= max_items <= 1000:
        page = results[start : start + max_items]
    else:
        raise EngineInputError("MaxItems must be a number from 1 to 1000", "/MaxItems")
    answer: dict[str, Any] = {"EvaluationResults": page}
    end = start + len(page)
    answer["IsTruncated"] = end < len(results)
    if end < len(results):
        answer["Marker"] = str(end)
    return answer


# -- input checks -----------------------------------------------------------------------------


def _text(value: Any, path: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # a document given as an object rather than as its text
        return json.dumps(value, indent=2)
    raise EngineInputError("a policy must be given as its JSON text (a string)", path)


def _policy_texts(obj: dict[str, Any], field: str, *, required: bool = False) -> list[str]:
    value = obj.get(field)
    if value is None:
        if required:
            raise EngineInputError(f"{field} is required", "/" + field)
        return []
    if not isinstance(value, list):
        raise EngineInputError(f"{field} must be a list of policy documents", "/" + field)
    return [_text(item, f"/{field}/{i}") for i, item in enumerate(value)]


def _strings(obj: dict[str, Any], field: str, *, required: bool = False) -> list[str]:
    value = obj.get(field)
    if value is None:
        if required:
            raise EngineInputError(f"{field} is required", "/" + field)
        return []
    if not isinstance(value, list) or (required and not value):
        raise EngineInputError(f"{field} must be a non-empty list of strings", "/" + field)
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item:
            raise EngineInputError(f"{field} must hold non-empty strings", f"/{field}/{i}")
    return value


def _owner(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value.isdigit() and len(value) == 12:
            return value
        parts = value.split(":")
        if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit() and len(parts[4]) == 12:
            return parts[4]
    raise EngineInputError(
        "ResourceOwner must be an account ARN such as arn:aws:iam::112233445566:root",
        "/ResourceOwner",
    )


def _context(entries: Any) -> Context:
    context = Context()
    if entries is None:
        return context
    if not isinstance(entries, list):
        raise EngineInputError("ContextEntries must be a list", "/ContextEntries")
    for i, entry in enumerate(entries):
        path = f"/ContextEntries/{i}"
        if not isinstance(entry, dict):
            raise EngineInputError(
                "a context entry must be an object with ContextKeyName and ContextKeyValues", path
            )
        name = entry.get("ContextKeyName")
        if not isinstance(name, str) or not name:
            raise EngineInputError(
                "ContextKeyName must be a condition key", path + "/ContextKeyName"
            )
        values = entry.get("ContextKeyValues", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise EngineInputError(
                "ContextKeyValues must be a list of strings", path + "/ContextKeyValues"
            )
        key_type = entry.get("ContextKeyType", "string")
        if key_type not in _KEY_TYPES:
            raise EngineInputError(
                f"ContextKeyType must be one of {', '.join(sorted(_KEY_TYPES))}",
                path + "/ContextKeyType",
            )
        if not values:
            continue  # a key without values is a key the request does not carry
        if key_type.endswith("List") or len(values) > 1:
            context.set(name, list(values))
        else:
            context.set(name, values[0])
    return context


def _check_handling(value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise EngineInputError(
            "ResourceHandlingOption must be a scenario name such as EC2-VPC-InstanceStore",
            "/ResourceHandlingOption",
        )


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


# -- where statements sit in the policy text --------------------------------------------------

_decoder = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def _skip(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in _WHITESPACE:
        i += 1
    return i


def statement_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) of each statement of a policy's text, as 1-based (line, column) just after
    the statement's opening brace and just after its closing brace, as AWS reports them (the
    simulate-custom-policy example in the AWS CLI reference). [] when not found."""
    from .jsontext import line_column  # only this path needs it: keep `simulate`'s start-up lean

    try:
        offsets = _statement_offsets(text)
    except (ValueError, IndexError):
        return []
    return [(line_column(text, a + 1), line_column(text, b)) for a, b in offsets]


def _statement_offsets(text: str) -> list[tuple[int, int]]:
    i = _skip(text, 0)
    if text[i] != "{":
        return []
    spans: list[tuple[int, int]] = []
    i = _skip(text, i + 1)
    if text[i] == "}":
        return []
    while True:
        if text[i] != '"':
            return []
        key, i = json.decoder.scanstring(text, i + 1)
        i = _skip(text, i)
        if text[i] != ":":
            return []
        i = _skip(text, i + 1)
        if key == "Statement":
            spans = []
            if text[i] == "[":
                i = _skip(text, i + 1)
                while text[i] != "]":
                    _, end = _decoder.raw_decode(text, i)
                    spans.append((i, end))
                    i = _skip(text, end)
                    if text[i] == ",":
                        i = _skip(text, i + 1)
                i += 1
            else:
                _, end = _decoder.raw_decode(text, i)
                spans.append((i, end))
                i = end
        else:
            _, i = _decoder.raw_decode(text, i)
        i = _skip(text, i)
        if text[i] == ",":
            i = _skip(text, i + 1)
            continue
        return spans
