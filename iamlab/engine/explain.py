"""Explanations: AWS's denial messages, a plain-English reason, and a readable trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Decision, PolicyKind, StatementTrace
from .principals import Match

if TYPE_CHECKING:
    from .evaluate import Evaluation, _Evaluator
    from .policy import Statement

# AWS's words for each kind of policy, as its AccessDenied messages use them.
_AWS_NAMES = {
    "identity": "an identity-based policy",
    "boundary": "a permissions boundary",
    "session": "a session policy",
    "resource": "a resource-based policy",
    "trust": "a resource-based policy",
    "scp": "a service control policy",
    "rcp": "a resource control policy",
}
_NO_ALLOW = {
    "identity": "no identity-based policy",
    "boundary": "no permissions boundary",
    "session": "no session policy",
    "resource": "no resource-based policy",
    "trust": "no resource-based policy",
    "scp": "no service control policy",
    "rcp": "no resource control policy",
}

_ALLOW_REASONS = {
    "allow:no-permission-needed": "{action} needs no permission: AWS lets every caller use it.",
    "allow:root": (
        "{who} is the account's root user, which has full access to its own account's "
        "resources unless an SCP or an explicit deny says otherwise."
    ),
    "allow:root-resource": "The resource-based policy lets {who} in.",
    "allow:root-trust": "The role's trust policy lets {who} assume it.",
    "allow:resource-direct": (
        "The resource-based policy names {who} directly, so within its account that is enough "
        "on its own (no identity-based policy, boundary or session policy has to allow it)."
    ),
    "allow:resource-role": (
        "The resource-based policy names the role behind this session; that grant still has to "
        "fit within the role's permissions boundary and the session policy, and it does."
    ),
    "allow:identity": (
        "An identity-based policy allows {action} on this resource{caps}, and no policy denies it."
    ),
    "allow:cross-account": (
        "This is a cross-account request: the caller's identity-based policy{caps} allows it "
        "and the resource's policy in the other account allows it too. Both sides must allow."
    ),
}

_DENY_REASONS = {
    "scp": "A service control policy of the caller's organization denies {action}. "
    "An explicit deny wins over any allow, and SCPs bind even administrators.",
    "rcp": "A resource control policy on the resource's account denies {action}. "
    "An explicit deny wins over any allow.",
    "identity": "An identity-based policy explicitly denies {action}. "
    "An explicit deny wins over any allow.",
    "boundary": "The permissions boundary explicitly denies {action}. "
    "An explicit deny wins over any allow.",
    "session": "The session policy explicitly denies {action}. "
    "An explicit deny wins over any allow.",
    "resource": "The resource-based policy explicitly denies {action} to this caller. "
    "An explicit deny wins over any allow.",
    "trust": "The role's trust policy explicitly denies this caller. "
    "An explicit deny wins over any allow.",
}

_NO_ALLOW_REASONS = {
    "scp": "At least one level of the organization has no SCP that allows {action}: every level "
    "from the root down to the account must allow an action for anyone in the account to use it.",
    "identity": "Nothing allows {action} here: no identity-based policy of {who} allows it on this "
    "resource{rp}. Without an allow, AWS denies by default (an implicit deny).",
    "boundary": "An identity-based policy allows {action}, but the permissions boundary does not: "
    "a boundary only sets the maximum, so both must allow.",
    "session": "An identity-based policy allows {action}, but the session policy passed when the "
    "session was created does not: a session gets only what both allow.",
    "resource": "{rp_need}",
    "trust": "The role's trust policy does not let {who} assume the role. A trust policy must "
    "name the caller (or its account, and then the caller's own policies must allow "
    "sts:AssumeRole too).",
}


def aws_message(ev: Evaluation) -> str:
    """AWS's message for the evaluation: its AccessDenied wording, or what is allowed."""
    req = ev.request
    if ev.decision is Decision.ALLOWED:
        return f"{ev.caller.arn} is allowed to perform {req.action} on resource: {req.resource}"
    head = (
        f"User: {ev.caller.arn} is not authorized to perform: {req.action} "
        f"on resource: {req.resource}"
    )
    kind = ev.basis.partition(":")[2]
    if ev.decision is Decision.EXPLICIT_DENY:
        return f"{head} with an explicit deny in {_AWS_NAMES.get(kind, 'a policy')}"
    return f"{head} because {_NO_ALLOW.get(kind, 'no policy')} allows the {req.action} action"


def reason(ev: Evaluation) -> str:
    """The plain-English reason for the evaluation's decision."""
    req = ev.request
    who = ev.caller.describe()
    action = req.action
    kind = ev.basis.partition(":")[2]
    if ev.decision is Decision.ALLOWED:
        caps = ""
        labels = {d.kind for d in ev.decisive}
        if PolicyKind.BOUNDARY in labels:
            caps += " (within the permissions boundary)"
        if PolicyKind.SESSION in labels:
            caps += " (within the session policy)"
        template = _ALLOW_REASONS.get(ev.basis, "Allowed.")
        return template.format(who=who, action=action, caps=caps)
    if ev.decision is Decision.EXPLICIT_DENY:
        return _DENY_REASONS.get(kind, "A policy explicitly denies it.").format(action=action)
    cross = bool(
        req.resource_account and ev.caller.account and req.resource_account != ev.caller.account
    )
    if cross:
        rp_need = (
            f"This is a cross-account request, so the resource's own policy (in account "
            f"{req.resource_account}) must allow {who} or its account too, and nothing there does."
        )
        rp = " (and for a cross-account request the resource's policy must allow it as well)"
    else:
        rp_need = (
            f"The resource-based policy must allow {who} explicitly for this service (role trust "
            "policies and KMS key policies are not satisfied by identity-based policies alone), "
            "and it does not."
        )
        rp = ", and no resource-based policy grants it either"
    template = _NO_ALLOW_REASONS.get(kind, "Nothing allows it (an implicit deny).")
    return template.format(action=action, who=who, rp=rp, rp_need=rp_need)


def describe(ev: Evaluation) -> None:
    """Fill in the evaluation's AWS message and plain-English reason (an `Evaluation` also works
    them out by itself when they are first read)."""
    ev.message = aws_message(ev)
    ev.reason = reason(ev)


def trace_statement(
    ev: _Evaluator, stmt: Statement, path: str, with_principal: bool
) -> tuple[StatementTrace, Match]:
    """Match one statement element by element, recording why each matched or not."""
    action = ev.action
    if stmt.actions is not None:
        hit = stmt.actions.which(ev.action_lower)
        a_ok = hit is not None
        a_why = (
            f"Action {hit!r} matches {action}"
            if a_ok
            else f"none of Action {list(stmt.actions.patterns)} matches {action}"
        )
    else:
        assert stmt.not_actions is not None
        hit = stmt.not_actions.which(ev.action_lower)
        a_ok = hit is None
        a_why = (
            f"{action} is not in NotAction {list(stmt.not_actions.patterns)}"
            if a_ok
            else f"NotAction {hit!r} excludes {action}"
        )

    r_ok = stmt.resource_matches(ev.resource, ev.context)
    if stmt.resources is not None:
        values = [r.text for r in stmt.resources]
        r_why = (
            f"Resource {values} matches {ev.resource}"
            if r_ok
            else f"none of Resource {values} matches {ev.resource}"
        )
    elif stmt.not_resources is not None:
        values = [r.text for r in stmt.not_resources]
        r_why = (
            f"{ev.resource} is not in NotResource {values}"
            if r_ok
            else f"NotResource {values} excludes {ev.resource}"
        )
    else:
        r_why = "no Resource element: the statement is about the resource it is attached to"

    match = Match.DIRECT
    p_ok: bool | None = None
    p_why = ""
    if with_principal:
        match = ev._principal(stmt)
        p_ok = match is not Match.NONE
        caller = ev.caller.arn
        if stmt.principal is not None:
            named = stmt.principal.values()
            p_why = {
                Match.DIRECT: f"Principal {named} names {caller}",
                Match.ROLE: f"Principal {named} names the role behind the session {caller}",
                Match.ACCOUNT: f"Principal {named} names the account of {caller}",
                Match.NONE: f"Principal {named} does not name {caller}",
            }[match]
        elif stmt.not_principal is not None:
            named = stmt.not_principal.values()
            if p_ok and not stmt.allow and ev.has_boundary and ev.caller.is_iam:
                p_why = (
                    "a Deny with NotPrincipal always applies to a principal that has a "
                    "permissions boundary"
                )
            elif p_ok:
                p_why = (
                    f"NotPrincipal {named} does not exclude {caller} "
                    "(AWS needs the caller's account listed too)"
                )
            else:
                p_why = f"NotPrincipal {named} excludes {caller}"
        else:
            p_why = "the statement names no principal"

    if stmt.condition is not None:
        c_ok, c_traces = stmt.condition.evaluate(ev.context, explain=True)
    else:
        c_ok, c_traces = True, []

    trace = StatementTrace(
        path=path + stmt.path,
        index=stmt.index,
        sid=stmt.sid,
        effect=stmt.effect,
        action_matched=a_ok,
        action_reason=a_why,
        resource_matched=r_ok,
        resource_reason=r_why,
        principal_matched=p_ok,
        principal_reason=p_why,
        conditions_matched=c_ok,
        conditions=list(c_traces),
    )
    return trace, match


def render_text(ev: Evaluation) -> str:
    """The whole explanation as text for a terminal."""
    words = {
        Decision.ALLOWED: "ALLOWED",
        Decision.EXPLICIT_DENY: "DENIED (explicit deny)",
        Decision.IMPLICIT_DENY: "DENIED (implicit deny: nothing allowed it)",
    }
    lines = [
        f"Decision: {words[ev.decision]}",
        f"Request:  {ev.request.principal} → {ev.request.action} on {ev.request.resource}",
        "",
        ev.message,
        "",
        f"Why: {ev.reason}",
    ]
    if ev.decisive:
        lines += ["", "Deciding statements:"]
        for d in ev.decisive:
            sid = f" (Sid {d.sid})" if d.sid else ""
            lines.append(f"  - {d.effect} in {d.label}{sid} at {d.path}")
    if ev.trace:
        lines += ["", "Trace:"]
        for p in ev.trace:
            lines.append(f"  {p.label} [{p.path}] → {p.outcome}")
            for s in p.statements:
                sid = f" {s.sid}" if s.sid else ""
                verdict = "APPLIES" if s.applies else "does not apply"
                lines.append(f"    statement {s.index}{sid} ({s.effect}): {verdict}")
                mark = {True: "✓", False: "✗"}
                lines.append(f"      {mark[s.action_matched]} {s.action_reason}")
                lines.append(f"      {mark[s.resource_matched]} {s.resource_reason}")
                if s.principal_matched is not None:
                    lines.append(f"      {mark[s.principal_matched]} {s.principal_reason}")
                for c in s.conditions:
                    lines.append(f"      {mark[c.matched]} {c.operator} {c.key}: {c.reason}")
    return "\n".join(lines)
