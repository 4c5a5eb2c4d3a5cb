"""AWS's policy evaluation logic.

Built to the IAM User Guide pages "Policy evaluation logic", "How AWS enforcement code logic
evaluates requests to allow or deny access", "Policy evaluation for requests within a single
account" and "Cross-account policy evaluation logic":

1. An explicit deny in any policy that applies wins (identity, resource, boundary, session, SCP,
   RCP).
2. SCPs (for IAM principals of an organization's accounts): every level of the path must allow.
   RCPs: `RCPFullAWSAccess` is always in effect, so only their denies matter, and only for the
   services that support RCPs.
3. The account root user has full access to its own account's resources (minus SCPs and denies).
4. Within one account, an allow in the identity side (identity policies, capped by a permissions
   boundary and a session policy) or in the resource-based policy is enough; a resource-based
   policy that names the user or role session directly is not capped by the boundary or session
   policy, one that names the role is, and one that names the account delegates to IAM.
   Role trust policies and KMS key policies must allow explicitly.
5. Across accounts, both the identity side and the resource-based policy must allow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import explain as _explain
from .model import (
    Context,
    Decision,
    EngineInputError,
    PolicyKind,
    PolicyTrace,
)
from .policy import Policy, Statement, compile_policy
from .principals import Caller, CallerKind, Match, classify

# Actions anyone may call whatever the policies say ("No permissions are required to perform this
# operation", STS API reference).
_ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})

_IDENTITY = PolicyKind.IDENTITY
_BOUNDARY = PolicyKind.BOUNDARY
_SESSION = PolicyKind.SESSION
_RESOURCE = PolicyKind.RESOURCE
_TRUST = PolicyKind.TRUST
_SCP = PolicyKind.SCP
_RCP = PolicyKind.RCP
_ALLOWED = Decision.ALLOWED
_EXPLICIT_DENY = Decision.EXPLICIT_DENY
_IMPLICIT_DENY = Decision.IMPLICIT_DENY
_DIRECT = Match.DIRECT
_ROLE = Match.ROLE
_NONE = Match.NONE
_ROOT = CallerKind.ROOT


@dataclass(slots=True)
class Request:
    principal: str
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Context = field(default_factory=Context)


@dataclass(frozen=True, slots=True)
class Decisive:
    """A statement that decided the outcome."""

    kind: PolicyKind
    label: str
    path: str
    sid: str | None
    effect: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "policy": self.label,
            "path": self.path,
            "sid": self.sid,
            "effect": self.effect,
        }


# A statement that applies to the request: (statement, how its Principal names the caller,
# where its policy sits). Where a policy sits: (kind, policy, index, organization level).
_Where = tuple[PolicyKind, Policy, int | None, int | None]
_Hit = tuple[Statement, Match, _Where]

_KIND_LABELS = {
    PolicyKind.IDENTITY: "identity-based policy",
    PolicyKind.BOUNDARY: "permissions boundary",
    PolicyKind.SESSION: "session policy",
    PolicyKind.RESOURCE: "resource-based policy",
    PolicyKind.TRUST: "role trust policy",
    PolicyKind.SCP: "service control policy",
    PolicyKind.RCP: "resource control policy",
}
_KIND_PATHS = {
    PolicyKind.BOUNDARY: "/permissionBoundary",
    PolicyKind.SESSION: "/sessionPolicy",
    PolicyKind.RESOURCE: "/resourcePolicy",
    PolicyKind.TRUST: "/resourcePolicy",
}


def _label(kind: PolicyKind, policy: Policy, index: int | None, level: int | None = None) -> str:
    if policy.name:
        return policy.name
    base = _KIND_LABELS[kind]
    if level is not None:
        return f"{base} #{(index or 0) + 1} at organization level {level + 1}"
    if index is not None:
        return f"{base} #{index + 1}"
    return base


def _policy_path(kind: PolicyKind, index: int | None, level: int | None) -> str:
    """The JSON pointer of a policy within the case."""
    if kind is _IDENTITY:
        return f"/identityPolicies/{index}"
    if kind is _SCP:
        return f"/scps/{level}/{index}"
    if kind is _RCP:
        return f"/rcps/{level}/{index}"
    return _KIND_PATHS[kind]


class Evaluation:
    """The answer: the decision, what decided it (`basis`, e.g. "deny:identity",
    "no-allow:scp", "allow:resource-direct"), the deciding statements, AWS's message, a
    plain-English reason and (when asked for) the trace. The deciding statements, the message
    and the reason are worked out when first read."""

    __slots__ = (
        "decision",
        "basis",
        "request",
        "caller",
        "trace",
        "_hits",
        "_decisive",
        "_message",
        "_reason",
    )

    def __init__(
        self,
        decision: Decision,
        basis: str,
        request: Request,
        caller: Caller,
        hits: Sequence[_Hit],
        trace: list[PolicyTrace],
    ) -> None:
        self.decision = decision
        self.basis = basis
        self.request = request
        self.caller = caller
        self.trace = trace
        self._hits = hits
        self._decisive: list[Decisive] | None = None
        self._message: str | None = None
        self._reason: str | None = None

    def __repr__(self) -> str:
        return f"Evaluation(decision={self.decision!r}, basis={self.basis!r})"

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED

    @property
    def decisive(self) -> list[Decisive]:
        found = self._decisive
        if found is None:
            found = self._decisive = [
                Decisive(
                    where[0],
                    _label(*where),
                    _policy_path(where[0], where[2], where[3]) + stmt.path,
                    stmt.sid,
                    "Allow" if stmt.allow else "Deny",
                )
                for stmt, _, where in self._hits
            ]
        return found

    @decisive.setter
    def decisive(self, value: list[Decisive]) -> None:
        self._decisive = value

    def decisive_paths(self) -> list[str]:
        """The JSON pointers of the deciding statements (cheaper than `decisive`)."""
        if self._decisive is not None:
            return [d.path for d in self._decisive]
        return [
            _policy_path(where[0], where[2], where[3]) + stmt.path for stmt, _, where in self._hits
        ]

    @property
    def message(self) -> str:
        """AWS's wording."""
        text = self._message
        if text is None:
            text = self._message = _explain.aws_message(self)
        return text

    @message.setter
    def message(self, value: str) -> None:
        self._message = value

    @property
    def reason(self) -> str:
        """Why, in plain English."""
        text = self._reason
        if text is None:
            text = self._reason = _explain.reason(self)
        return text

    @reason.setter
    def reason(self, value: str) -> None:
        self._reason = value

    def to_dict(self, *, trace: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "decision": self.decision.value,
            "message": self.message,
            "reason": self.reason,
            "decisive": [d.to_dict() for d in self.decisive],
        }
        if trace:
            out["trace"] = [p.to_dict() for p in self.trace]
        return out


PolicyLike = Policy | Mapping[str, Any]


def _compiled(policy: PolicyLike, kind: PolicyKind, index: int | None, level: int | None) -> Policy:
    if type(policy) is Policy or isinstance(policy, Policy):
        return policy
    try:
        return compile_policy(policy)
    except EngineInputError as exc:
        raise EngineInputError(exc.message, _policy_path(kind, index, level) + exc.path) from None


def _principal_match(stmt: Statement, caller: Caller, has_boundary: bool) -> Match:
    """How a resource-based statement's Principal/NotPrincipal names the caller."""
    if stmt.principal is not None:
        return stmt.principal.match(caller)[0]
    if stmt.not_principal is not None:
        if not stmt.allow and has_boundary and caller.is_iam:
            # "The NotPrincipal element with a Deny effect will always deny any IAM principal
            # that has a permissions boundary policy attached" (Permissions boundaries page).
            return _DIRECT
        return _NONE if stmt.not_principal.excludes(caller) else _DIRECT
    return _NONE  # a resource-based statement with no principal names nobody


def _scan_policy(
    tracer: _Evaluator | None,
    pol: Policy,
    where: _Where,
    service: str,
    action_lower: str,
    resource: str,
    context: Context,
    allows: list[_Hit],
    denies: list[_Hit],
) -> None:
    """One boundary or session policy: the statements about the service, or the full trace."""
    if tracer is not None:
        tracer.scan(pol, where, allows, denies)
        return
    stmts = pol.statements_about(service)
    if stmts:
        _scan(stmts, where, action_lower, resource, context, allows, denies)


def _scan(
    statements: tuple[Statement, ...],
    where: _Where,
    action_lower: str,
    resource: str,
    context: Context,
    allows: list[_Hit],
    denies: list[_Hit],
) -> None:
    """Which of a policy's statements about the service apply to the request, for policies that
    name no principals (identity-side and organization policies)."""
    for stmt in statements:
        if not stmt.action_test(action_lower):
            continue
        if not stmt.simple:
            if not stmt.resource_matches(resource, context):
                continue
            condition = stmt.condition
            if condition is not None and not condition.holds(context):
                continue
        (allows if stmt.allow else denies).append((stmt, _DIRECT, where))


def _scan_naming(
    statements: tuple[Statement, ...],
    where: _Where,
    action_lower: str,
    resource: str,
    context: Context,
    caller: Caller,
    has_boundary: bool,
    allows: list[_Hit],
    denies: list[_Hit],
) -> None:
    """Which of a resource-based policy's statements about the service apply to the request."""
    for stmt in statements:
        if not stmt.action_test(action_lower):
            continue
        if not stmt.resource_matches(resource, context):
            continue
        match = _principal_match(stmt, caller, has_boundary)
        if match is _NONE:
            continue
        condition = stmt.condition
        if condition is not None and not condition.holds(context):
            continue
        (allows if stmt.allow else denies).append((stmt, match, where))


class _Evaluator:
    """The request as the explained path (`explain.trace_statement`) reads it."""

    __slots__ = (
        "request",
        "action",
        "action_lower",
        "resource",
        "context",
        "caller",
        "trace",
        "has_boundary",
    )

    def __init__(self, request: Request, caller: Caller, has_boundary: bool) -> None:
        self.request = request
        self.action = request.action
        self.action_lower = request.action.lower()
        self.resource = request.resource
        self.context = request.context
        self.caller = caller
        self.trace: list[PolicyTrace] = []
        self.has_boundary = has_boundary

    def scan(self, policy: Policy, where: _Where, allows: list[_Hit], denies: list[_Hit]) -> None:
        """Match every statement of one policy against the request, recording why."""
        kind, _, index, level = where
        path = _policy_path(kind, index, level)
        ptrace = PolicyTrace(kind=kind, label=_label(*where), path=path)
        self.trace.append(ptrace)
        with_principal = kind is _RESOURCE or kind is _TRUST
        allowed = denied = False
        for stmt in policy.statements:
            st, hit_match = _explain.trace_statement(self, stmt, path, with_principal)
            ptrace.statements.append(st)
            if st.applies:
                if stmt.allow:
                    allows.append((stmt, hit_match, where))
                    allowed = True
                else:
                    denies.append((stmt, hit_match, where))
                    denied = True
        ptrace.outcome = "deny" if denied else "allow" if allowed else "none"

    def _principal(self, stmt: Statement) -> Match:
        return _principal_match(stmt, self.caller, self.has_boundary)


def evaluate(
    request: Request,
    *,
    identity_policies: Sequence[PolicyLike] = (),
    permission_boundary: PolicyLike | None = None,
    session_policy: PolicyLike | None = None,
    resource_policy: PolicyLike | None = None,
    scps: Sequence[Sequence[PolicyLike]] | None = None,
    rcps: Sequence[Sequence[PolicyLike]] | None = None,
    explain: bool = True,
) -> Evaluation:
    """Decide a request as AWS would. Raises EngineInputError for unusable input."""
    return decide(
        request,
        identity_policies,
        permission_boundary,
        session_policy,
        resource_policy,
        scps,
        rcps,
        explain,
    )


def decide(
    request: Request,
    identity_policies: Sequence[PolicyLike],
    permission_boundary: PolicyLike | None,
    session_policy: PolicyLike | None,
    resource_policy: PolicyLike | None,
    scps: Sequence[Sequence[PolicyLike]] | None,
    rcps: Sequence[Sequence[PolicyLike]] | None,
    explain: bool,
) -> Evaluation:
    """`evaluate()` with positional arguments (the batch path: no keyword dict to build)."""
    caller = classify(request.principal)
    action = request.action
    if not isinstance(action, str) or ":" not in action:
        raise EngineInputError(
            "the action must be written service:Action, e.g. s3:GetObject", "/request/action"
        )
    resource = request.resource
    if not isinstance(resource, str) or not resource:
        raise EngineInputError("the resource must be an ARN or *", "/request/resource")
    context = request.context
    has_boundary = permission_boundary is not None
    action_lower = action.lower()
    service = action_lower.partition(":")[0]
    tracer = _Evaluator(request, caller, has_boundary) if explain else None

    identity_allows: list[_Hit] = []
    identity_denies: list[_Hit] = []
    # The groups a case lacks keep the empty tuple (most cases have no boundary, session
    # policy or resource policy).
    boundary_allows: Sequence[_Hit] = ()
    boundary_denies: Sequence[_Hit] = ()
    session_allows: Sequence[_Hit] = ()
    session_denies: Sequence[_Hit] = ()
    resource_allows: Sequence[_Hit] = ()
    resource_denies: Sequence[_Hit] = ()
    iam_caller = caller.kind in CallerKind.IAM

    if iam_caller and caller.kind != _ROOT:
        for i, pol in enumerate(identity_policies):
            if type(pol) is not Policy:
                pol = _compiled(pol, _IDENTITY, i, None)
            if tracer is None:
                stmts = pol._by_service.get(service)
                if stmts is None:
                    stmts = pol.statements_about(service)
                if stmts:
                    where: _Where = (_IDENTITY, pol, i, None)
                    _scan(
                        stmts,
                        where,
                        action_lower,
                        resource,
                        context,
                        identity_allows,
                        identity_denies,
                    )
            else:
                tracer.scan(pol, (_IDENTITY, pol, i, None), identity_allows, identity_denies)
        if permission_boundary is not None:
            boundary_allows, boundary_denies = [], []
            pol = _compiled(permission_boundary, _BOUNDARY, None, None)
            _scan_policy(
                tracer, pol, (_BOUNDARY, pol, None, None), service, action_lower, resource,
                context, boundary_allows, boundary_denies,
            )  # fmt: skip
        if session_policy is not None:
            session_allows, session_denies = [], []
            pol = _compiled(session_policy, _SESSION, None, None)
            _scan_policy(
                tracer, pol, (_SESSION, pol, None, None), service, action_lower, resource,
                context, session_allows, session_denies,
            )  # fmt: skip

    rp_kind = _TRUST if service == "sts" else _RESOURCE
    if resource_policy is not None:
        resource_allows, resource_denies = [], []
        pol = _compiled(resource_policy, rp_kind, None, None)
        where = (rp_kind, pol, None, None)
        if tracer is None:
            stmts = pol.statements_about(service)
            if stmts:
                _scan_naming(
                    stmts,
                    where,
                    action_lower,
                    resource,
                    context,
                    caller,
                    has_boundary,
                    resource_allows,
                    resource_denies,
                )
        else:
            tracer.scan(pol, where, resource_allows, resource_denies)

    # Each level of the organization: (allows, denies).
    scp_levels: list[tuple[list[_Hit], list[_Hit]]] = []
    if scps and iam_caller:
        for level, policies in enumerate(scps):
            allows: list[_Hit] = []
            denies: list[_Hit] = []
            for j, pol in enumerate(policies):
                if type(pol) is not Policy:
                    pol = _compiled(pol, _SCP, j, level)
                if tracer is None:
                    stmts = pol._by_service.get(service)
                    if stmts is None:
                        stmts = pol.statements_about(service)
                    if stmts:
                        _scan(
                            stmts,
                            (_SCP, pol, j, level),
                            action_lower,
                            resource,
                            context,
                            allows,
                            denies,
                        )
                else:
                    tracer.scan(pol, (_SCP, pol, j, level), allows, denies)
            scp_levels.append((allows, denies))

    rcp_denies: list[_Hit] = []
    if rcps and _rcp_applies(service):
        for level, policies in enumerate(rcps):
            allows = []
            for j, pol in enumerate(policies):
                pol = _compiled(pol, _RCP, j, level)
                where = (_RCP, pol, j, level)
                if tracer is None:
                    stmts = pol.statements_about(service)
                    if stmts:
                        _scan(stmts, where, action_lower, resource, context, allows, rcp_denies)
                else:
                    tracer.scan(pol, where, allows, rcp_denies)

    trace = tracer.trace if tracer is not None else []

    if action_lower in _ALWAYS_ALLOWED:
        return Evaluation(_ALLOWED, "allow:no-permission-needed", request, caller, [], trace)

    # 1. Explicit denies, wherever they are.
    for _, denies in scp_levels:
        if denies:
            return Evaluation(_EXPLICIT_DENY, "deny:scp", request, caller, denies, trace)
    if rcp_denies:
        return Evaluation(_EXPLICIT_DENY, "deny:rcp", request, caller, rcp_denies, trace)
    if identity_denies:
        return Evaluation(_EXPLICIT_DENY, "deny:identity", request, caller, identity_denies, trace)
    if boundary_denies:
        return Evaluation(_EXPLICIT_DENY, "deny:boundary", request, caller, boundary_denies, trace)
    if session_denies:
        return Evaluation(_EXPLICIT_DENY, "deny:session", request, caller, session_denies, trace)
    if resource_denies:
        return Evaluation(
            _EXPLICIT_DENY, "deny:" + rp_kind.value, request, caller, resource_denies, trace
        )

    # 2. Every level of the organization must allow (SCPs).
    scp_allows: list[_Hit] = []
    for allows, _ in scp_levels:
        if not allows:
            return Evaluation(_IMPLICIT_DENY, "no-allow:scp", request, caller, [], trace)
        scp_allows.extend(allows)

    if resource_allows:
        rp_best = max(h[1] for h in resource_allows)
        rp_hits = [h for h in resource_allows if h[1] is rp_best]
    else:
        rp_best = _NONE
        rp_hits = []

    # Services and identity providers have no identity-based policies: only the resource's
    # policy can let them in.
    if not iam_caller:
        if rp_best is _DIRECT:
            return Evaluation(_ALLOWED, "allow:resource-direct", request, caller, rp_hits, trace)
        return Evaluation(_IMPLICIT_DENY, "no-allow:" + rp_kind.value, request, caller, [], trace)

    # Role trust policies and KMS key policies must allow explicitly, even within the account.
    strict = resource_policy is not None and (service == "kms" or service == "sts")
    resource_account = request.resource_account or caller.account
    same_account = caller.account is not None and resource_account == caller.account

    if caller.kind == _ROOT:
        if same_account and not strict:
            return Evaluation(_ALLOWED, "allow:root", request, caller, scp_allows, trace)
        if rp_best is not _NONE:
            return Evaluation(
                _ALLOWED,
                "allow:root-" + rp_kind.value,
                request,
                caller,
                rp_hits + scp_allows,
                trace,
            )
        return Evaluation(_IMPLICIT_DENY, "no-allow:" + rp_kind.value, request, caller, [], trace)

    boundary_ok = permission_boundary is None or bool(boundary_allows)
    session_ok = session_policy is None or bool(session_allows)
    identity_ok = bool(identity_allows)
    capped = [*boundary_allows, *session_allows]

    if same_account:
        # A trust policy or key policy naming the caller still needs the caller's boundary and
        # session policy to allow the action (IAM User Guide: "Update a role trust policy").
        if rp_best is _DIRECT and (not strict or (boundary_ok and session_ok)):
            hits = rp_hits + (capped if strict else []) + scp_allows
            return Evaluation(_ALLOWED, "allow:resource-direct", request, caller, hits, trace)
        if rp_best is _ROLE and boundary_ok and session_ok:
            hits = rp_hits + capped + scp_allows
            return Evaluation(_ALLOWED, "allow:resource-role", request, caller, hits, trace)
        if identity_ok and boundary_ok and session_ok and (not strict or rp_best is not _NONE):
            hits = identity_allows + capped + (rp_hits if strict else []) + scp_allows
            return Evaluation(_ALLOWED, "allow:identity", request, caller, hits, trace)
        # A caller the policy names directly lacks only what its boundary or session allows.
        named = rp_best is _DIRECT
        basis = _missing(identity_ok or named, boundary_ok, session_ok, strict, rp_kind)
        return Evaluation(_IMPLICIT_DENY, basis, request, caller, [], trace)

    # Cross-account: the caller's side and the resource's side must both allow.
    if identity_ok and boundary_ok and session_ok and rp_best is not _NONE:
        hits = identity_allows + capped + rp_hits + scp_allows
        return Evaluation(_ALLOWED, "allow:cross-account", request, caller, hits, trace)
    basis = _missing(identity_ok, boundary_ok, session_ok, True, rp_kind)
    return Evaluation(_IMPLICIT_DENY, basis, request, caller, [], trace)


def _missing(
    identity_ok: bool,
    boundary_ok: bool,
    session_ok: bool,
    needs_resource: bool,
    rp_kind: PolicyKind,
) -> str:
    if not identity_ok:
        return "no-allow:identity"
    if not boundary_ok:
        return "no-allow:boundary"
    if not session_ok:
        return "no-allow:session"
    return "no-allow:" + rp_kind.value if needs_resource else "no-allow:identity"


_RCP_CACHE: dict[str, bool] = {}


def _rcp_applies(service: str) -> bool:
    """RCPs only restrict the services that support them (AWS Organizations user guide)."""
    known = _RCP_CACHE.get(service)
    if known is None:
        from .catalog import rcp_supported

        known = _RCP_CACHE[service] = bool(rcp_supported(service))
    return known
