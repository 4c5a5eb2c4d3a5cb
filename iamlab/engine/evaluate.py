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
    StatementTrace,
)
from .policy import Policy, Statement, compile_policy
from .principals import Caller, CallerKind, Match, classify

# Actions anyone may call whatever the policies say ("No permissions are required to perform this
# operation", STS API reference).
_ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})


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


@dataclass(slots=True)
class Evaluation:
    decision: Decision
    basis: str  # what decided, e.g. "deny:identity", "no-allow:scp", "allow:resource-direct"
    request: Request
    caller: Caller
    decisive: list[Decisive]
    trace: list[PolicyTrace]
    message: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED

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


def _compiled(policy: PolicyLike, path: str) -> Policy:
    if isinstance(policy, Policy):
        return policy
    try:
        return compile_policy(policy)
    except EngineInputError as exc:
        raise EngineInputError(exc.message, path + exc.path) from None


@dataclass(slots=True)
class _Hit:
    kind: PolicyKind
    label: str
    path: str
    statement: Statement
    match: Match = Match.DIRECT

    def decisive(self) -> Decisive:
        s = self.statement
        return Decisive(self.kind, self.label, self.path + s.path, s.sid, s.effect)


class _Scan:
    """Allow and deny statements found in one group of policies."""

    __slots__ = ("allows", "denies")

    def __init__(self) -> None:
        self.allows: list[_Hit] = []
        self.denies: list[_Hit] = []


def _label(kind: PolicyKind, policy: Policy, index: int | None, level: int | None = None) -> str:
    if policy.name:
        return policy.name
    base = {
        PolicyKind.IDENTITY: "identity-based policy",
        PolicyKind.BOUNDARY: "permissions boundary",
        PolicyKind.SESSION: "session policy",
        PolicyKind.RESOURCE: "resource-based policy",
        PolicyKind.TRUST: "role trust policy",
        PolicyKind.SCP: "service control policy",
        PolicyKind.RCP: "resource control policy",
    }[kind]
    if level is not None:
        return f"{base} #{(index or 0) + 1} at organization level {level + 1}"
    if index is not None:
        return f"{base} #{index + 1}"
    return base


class _Evaluator:
    __slots__ = (
        "request",
        "action",
        "action_lower",
        "resource",
        "context",
        "caller",
        "explain",
        "trace",
        "has_boundary",
    )

    def __init__(self, request: Request, caller: Caller, explain: bool, has_boundary: bool):
        self.request = request
        self.action = request.action
        self.action_lower = request.action.lower()
        self.resource = request.resource
        self.context = request.context
        self.caller = caller
        self.explain = explain
        self.trace: list[PolicyTrace] = []
        self.has_boundary = has_boundary

    def scan(self, policy: Policy, kind: PolicyKind, label: str, path: str, out: _Scan) -> None:
        """Match every statement of one policy against the request."""
        with_principal = kind in (PolicyKind.RESOURCE, PolicyKind.TRUST)
        if self.explain:
            ptrace = PolicyTrace(kind=kind, label=label, path=path)
            self.trace.append(ptrace)
            allowed = denied = False
            for stmt in policy.statements:
                st, hit_match = self._trace_statement(stmt, path, with_principal)
                ptrace.statements.append(st)
                if st.applies:
                    hit = _Hit(kind, label, path, stmt, hit_match)
                    if stmt.allow:
                        out.allows.append(hit)
                        allowed = True
                    else:
                        out.denies.append(hit)
                        denied = True
            ptrace.outcome = "deny" if denied else "allow" if allowed else "none"
            return
        action_lower, resource, context = self.action_lower, self.resource, self.context
        for stmt in policy.statements:
            if not stmt.action_matches(action_lower):
                continue
            if not stmt.resource_matches(resource, context):
                continue
            match = Match.DIRECT
            if with_principal:
                match = self._principal(stmt)
                if match is Match.NONE:
                    continue
            if (
                stmt.condition is not None
                and not stmt.condition.evaluate(context, explain=False)[0]
            ):
                continue
            (out.allows if stmt.allow else out.denies).append(_Hit(kind, label, path, stmt, match))

    def _principal(self, stmt: Statement) -> Match:
        if stmt.principal is not None:
            return stmt.principal.match(self.caller)[0]
        if stmt.not_principal is not None:
            if not stmt.allow and self.has_boundary and self.caller.is_iam:
                # "The NotPrincipal element with a Deny effect will always deny any IAM principal
                # that has a permissions boundary policy attached" (Permissions boundaries page).
                return Match.DIRECT
            return Match.NONE if stmt.not_principal.excludes(self.caller) else Match.DIRECT
        return Match.NONE  # a resource-based statement with no principal names nobody

    def _trace_statement(
        self, stmt: Statement, path: str, with_principal: bool
    ) -> tuple[StatementTrace, Match]:
        return _explain.trace_statement(self, stmt, path, with_principal)


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
    caller = classify(request.principal)
    if not isinstance(request.action, str) or ":" not in request.action:
        raise EngineInputError(
            "the action must be written service:Action, e.g. s3:GetObject", "/request/action"
        )
    if not isinstance(request.resource, str) or not request.resource:
        raise EngineInputError("the resource must be an ARN or *", "/request/resource")
    ev = _Evaluator(request, caller, explain, permission_boundary is not None)
    service = ev.action_lower.split(":", 1)[0]
    resource_account = request.resource_account or caller.account
    same_account = caller.account is not None and resource_account == caller.account

    identity, boundary, session, resource = _Scan(), _Scan(), _Scan(), _Scan()
    iam_caller = caller.is_iam
    applies_identity = iam_caller and caller.kind != CallerKind.ROOT

    if applies_identity:
        for i, p in enumerate(identity_policies):
            pol = _compiled(p, f"/identityPolicies/{i}")
            ev.scan(
                pol,
                PolicyKind.IDENTITY,
                _label(PolicyKind.IDENTITY, pol, i),
                f"/identityPolicies/{i}",
                identity,
            )
        if permission_boundary is not None:
            pol = _compiled(permission_boundary, "/permissionBoundary")
            ev.scan(
                pol,
                PolicyKind.BOUNDARY,
                _label(PolicyKind.BOUNDARY, pol, None),
                "/permissionBoundary",
                boundary,
            )
        if session_policy is not None:
            pol = _compiled(session_policy, "/sessionPolicy")
            ev.scan(
                pol,
                PolicyKind.SESSION,
                _label(PolicyKind.SESSION, pol, None),
                "/sessionPolicy",
                session,
            )

    rp_kind = PolicyKind.TRUST if service == "sts" else PolicyKind.RESOURCE
    if resource_policy is not None:
        pol = _compiled(resource_policy, "/resourcePolicy")
        ev.scan(pol, rp_kind, _label(rp_kind, pol, None), "/resourcePolicy", resource)

    scp_levels: list[_Scan] = []
    if scps and iam_caller:
        for level, policies in enumerate(scps):
            scan = _Scan()
            for j, p in enumerate(policies):
                path = f"/scps/{level}/{j}"
                pol = _compiled(p, path)
                ev.scan(pol, PolicyKind.SCP, _label(PolicyKind.SCP, pol, j, level), path, scan)
            scp_levels.append(scan)

    rcp_denies: list[_Hit] = []
    if rcps and _rcp_applies(service):
        for level, policies in enumerate(rcps):
            scan = _Scan()
            for j, p in enumerate(policies):
                path = f"/rcps/{level}/{j}"
                pol = _compiled(p, path)
                ev.scan(pol, PolicyKind.RCP, _label(PolicyKind.RCP, pol, j, level), path, scan)
            rcp_denies.extend(scan.denies)

    def done(decision: Decision, basis: str, hits: list[_Hit]) -> Evaluation:
        result = Evaluation(
            decision=decision,
            basis=basis,
            request=request,
            caller=caller,
            decisive=[h.decisive() for h in hits],
            trace=ev.trace,
        )
        _explain.describe(result)
        return result

    if ev.action_lower in _ALWAYS_ALLOWED:
        return done(Decision.ALLOWED, "allow:no-permission-needed", [])

    # 1. Explicit denies, wherever they are.
    for scan in scp_levels:
        if scan.denies:
            return done(Decision.EXPLICIT_DENY, "deny:scp", scan.denies)
    if rcp_denies:
        return done(Decision.EXPLICIT_DENY, "deny:rcp", rcp_denies)
    if identity.denies:
        return done(Decision.EXPLICIT_DENY, "deny:identity", identity.denies)
    if boundary.denies:
        return done(Decision.EXPLICIT_DENY, "deny:boundary", boundary.denies)
    if session.denies:
        return done(Decision.EXPLICIT_DENY, "deny:session", session.denies)
    if resource.denies:
        return done(Decision.EXPLICIT_DENY, "deny:" + rp_kind.value, resource.denies)

    # 2. Every level of the organization must allow (SCPs).
    scp_allows: list[_Hit] = []
    for scan in scp_levels:
        if not scan.allows:
            return done(Decision.IMPLICIT_DENY, "no-allow:scp", [])
        scp_allows.extend(scan.allows)

    rp_best = max((h.match for h in resource.allows), default=Match.NONE)
    rp_hits = [h for h in resource.allows if h.match is rp_best]

    # Services and identity providers have no identity-based policies: only the resource's
    # policy can let them in.
    if not iam_caller:
        if rp_best is Match.DIRECT:
            return done(Decision.ALLOWED, "allow:resource-direct", rp_hits)
        return done(Decision.IMPLICIT_DENY, "no-allow:" + rp_kind.value, [])

    # Role trust policies and KMS key policies must allow explicitly, even within the account.
    strict = resource_policy is not None and (service == "kms" or service == "sts")

    if caller.kind == CallerKind.ROOT:
        if same_account and not strict:
            return done(Decision.ALLOWED, "allow:root", scp_allows)
        if rp_best is not Match.NONE:
            return done(Decision.ALLOWED, "allow:root-" + rp_kind.value, rp_hits + scp_allows)
        return done(Decision.IMPLICIT_DENY, "no-allow:" + rp_kind.value, [])

    boundary_ok = permission_boundary is None or bool(boundary.allows)
    session_ok = session_policy is None or bool(session.allows)
    identity_ok = bool(identity.allows)
    capped = boundary.allows + session.allows

    if same_account:
        # A trust policy or key policy naming the caller still needs the caller's boundary and
        # session policy to allow the action (IAM User Guide: "Update a role trust policy").
        if rp_best is Match.DIRECT and (not strict or (boundary_ok and session_ok)):
            hits = rp_hits + (capped if strict else []) + scp_allows
            return done(Decision.ALLOWED, "allow:resource-direct", hits)
        if rp_best is Match.ROLE and boundary_ok and session_ok:
            return done(Decision.ALLOWED, "allow:resource-role", rp_hits + capped + scp_allows)
        if identity_ok and boundary_ok and session_ok and (not strict or rp_best is not Match.NONE):
            hits = identity.allows + capped + (rp_hits if strict else []) + scp_allows
            return done(Decision.ALLOWED, "allow:identity", hits)
        # A caller the policy names directly lacks only what its boundary or session allows.
        named = rp_best is Match.DIRECT
        return done(
            Decision.IMPLICIT_DENY,
            _missing(identity_ok or named, boundary_ok, session_ok, strict, rp_kind),
            [],
        )

    # Cross-account: the caller's side and the resource's side must both allow.
    if identity_ok and boundary_ok and session_ok and rp_best is not Match.NONE:
        return done(
            Decision.ALLOWED, "allow:cross-account", identity.allows + capped + rp_hits + scp_allows
        )
    return done(
        Decision.IMPLICIT_DENY, _missing(identity_ok, boundary_ok, session_ok, True, rp_kind), []
    )


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
