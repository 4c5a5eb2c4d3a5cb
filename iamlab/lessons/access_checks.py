"""Access checks: `can`, `cannot`, and least privilege (`allowed_actions`), decided by the
sandbox's `authorize` (the engine), with the deciding statement in the detail."""

from __future__ import annotations

from typing import Any

from iamlab.engine import Decision
from iamlab.engine import catalog as action_catalog
from iamlab.sandbox.services import authz

from .checkrun import Result, Run, sentence


def _statement_text(decisive: list[Any]) -> str:
    if not decisive:
        return ""
    parts = []
    for d in decisive:
        sid = f" (Sid {d.sid})" if d.sid else ""
        parts.append(f"{d.effect} statement{sid} of {d.label} [{d.kind.value} policy]")
    return "Deciding: " + "; ".join(parts) + "."


def _authorize(run: Run, args: dict[str, Any]) -> authz.Authorization:
    ask = run.authorizer(args["principal"])
    return ask(args["action"], args["resource"], context=args.get("context") or None)


def check_can(run: Run, args: dict[str, Any]) -> Result:
    result = _authorize(run, args)
    request = f"{args['action']} on {args['resource']} by {args['principal']}"
    if result.allowed:
        return True, f"Allowed: {request}. {_statement_text(result.evaluation.decisive)}".strip()
    why = result.reason or result.message
    if result.decision is Decision.EXPLICIT_DENY:
        statements = _statement_text(result.evaluation.decisive)
        return False, f"Explicitly denied: {request}. {why} {statements}".strip()
    return False, f"Not allowed: {request}. {why}".strip()


def check_cannot(run: Run, args: dict[str, Any]) -> Result:
    result = _authorize(run, args)
    request = f"{args['action']} on {args['resource']} by {args['principal']}"
    if result.allowed:
        statements = _statement_text(result.evaluation.decisive)
        return False, f"Still allowed: {request}. {result.reason} {statements}".strip()
    return True, f"Denied ({result.decision.value}): {request}. {result.reason}".strip()


def allowed_actions(run: Run, principal: str, resources: list[str], services: list[str]) -> set:
    """Every action of the services the principal may perform on any of the resources, as AWS
    spells it (s3:GetObject).

    The policies are gathered once (the sandbox's `authz.authorizer`), then the engine
    evaluates each action: hundreds of actions cost the queries of one request per resource.
    """
    ask = run.authorizer(principal)
    allowed: set[str] = set()
    actions = [f"{s.lower()}:{a}" for s in services for a in action_catalog.action_names(s.lower())]
    for resource in resources:
        for action in actions:
            if action not in allowed and ask.allowed(action, resource):
                allowed.add(action)
    return allowed


def aws_spelling(action: str) -> str:
    """An action as AWS's catalog spells it (s3:abortmultipartupload -> s3:AbortMultipartUpload);
    as given when the catalog does not know it."""
    service, _, name = action.partition(":")
    info = action_catalog.action_info(service.lower(), name)
    if info is None or not info.get("name"):
        return action
    return f"{service.lower()}:{info['name']}"


def _some(items: list[str], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def check_allowed_actions(run: Run, args: dict[str, Any]) -> Result:
    got = allowed_actions(run, args["principal"], args["resources"], args["services"])
    got_lower = {a.lower(): aws_spelling(a) for a in got}
    expected_list = args.get("exactly", args.get("within", []))
    expected = {a.lower(): aws_spelling(a) for a in expected_list}
    extra = sorted(got_lower[a] for a in got_lower if a not in expected)
    missing = sorted(expected[a] for a in expected if a not in got_lower)
    parts = []
    if extra:
        parts.append(f"allowed but not needed ({len(extra)}): {_some(extra)}")
    if "exactly" in args and missing:
        parts.append(f"needed but not allowed: {', '.join(missing)}")
    if parts:
        return False, sentence("; ".join(parts))
    shown = ", ".join(sorted(got_lower.values())) or "nothing"
    return True, f"Allowed exactly what is needed: {shown}."
