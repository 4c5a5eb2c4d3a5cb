"""The policy simulator: for a principal of the sandbox (or policies pasted in), a decision per
action with AWS's message, the deciding statements highlighted in the policy text and the
engine's whole explanation."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from iamlab.engine import EngineInputError, simulate_case
from iamlab.engine import catalog as engine_catalog
from iamlab.sandbox.services import authz, principals
from iamlab.sandbox.services.errors import AwsError
from iamlab.throttle.limits import rate_limited

from .access import get_own_sandbox
from .tools_common import (
    acting_caller,
    condition_keys,
    parse_context,
    policy_view,
    principal_choices,
    sandbox_page,
    split_actions,
)

MAX_ACTIONS = 20
BADGES = {
    "allowed": ("allowed", "badge-allow"),
    "explicitDeny": ("explicit deny", "badge-deny"),
    "implicitDeny": ("implicit deny", "badge-warn"),
}


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _decisive(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, effect) of the deciding statements, from either answer shape."""
    out = []
    for item in data.get("decisive") or []:
        if isinstance(item, dict):
            out.append((str(item.get("path", "")), str(item.get("effect", ""))))
        else:
            out.append((str(item), ""))
    return out


def _effects_from_trace(data: dict[str, Any], decisive: list[tuple[str, str]]) -> list:
    """Fill in the effect of deciding statements given by path alone (simulate_case)."""
    effects = {
        s.get("path"): s.get("effect", "")
        for p in data.get("trace") or []
        for s in p.get("statements") or []
    }
    return [(path, effect or effects.get(path, "")) for path, effect in decisive]


def _result(action: str, data: dict[str, Any], documents: dict[str, tuple]) -> dict[str, Any]:
    decision = data.get("decision", "")
    label, badge = BADGES.get(decision, (decision, "badge-neutral"))
    decisive = _effects_from_trace(data, _decisive(data))
    views = []
    for entry in data.get("trace") or []:
        path = entry.get("path", "")
        if path not in documents:
            continue
        name, kind, document = documents[path]
        views.append(
            policy_view(
                entry.get("label") or name,
                entry.get("kind") or kind,
                path,
                document,
                decisive,
                entry.get("outcome", "none"),
            )
        )
    return {
        "action": action,
        "decision": decision,
        "label": label,
        "badge": badge,
        "message": data.get("message", ""),
        "reason": data.get("reason", ""),
        "decisive": data.get("decisive") or [],
        "policies": views,
        "trace": data.get("trace") or [],
    }


# --------------------------------------------------------------------------- sandbox mode
def _sandbox_documents(sandbox, caller, action: str, resource: str) -> dict[str, tuple]:
    """The documents authorize() evaluates, by their JSON pointer in the request."""
    try:
        return authz.authorizer(sandbox, caller=caller).documents(action, resource)
    except AwsError:  # without documents the page still shows the decisions
        return {}


@login_required
@require_GET
@rate_limited("simulate")
def sandbox_simulator(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    choices = principal_choices(sandbox)
    arns = {c.arn for c in choices}
    current = acting_caller(request, sandbox)
    arns.add(current.arn)
    principal = request.GET.get("principal") or current.arn
    actions = split_actions(request.GET.get("actions", ""))
    resource = request.GET.get("resource", "").strip() or "*"
    context_text = request.GET.get("context", "")
    context, problems = parse_context(context_text)
    results = []
    caller = None
    if principal not in arns:
        problems.append("Choose a principal of this sandbox.")
    else:
        try:
            caller = (
                current if principal == current.arn else principals.as_principal(sandbox, principal)
            )
        except AwsError as exc:
            problems.append(exc.message)
    if len(actions) > MAX_ACTIONS:
        problems.append(f"Simulate at most {MAX_ACTIONS} actions at once.")
        actions = actions[:MAX_ACTIONS]
    keys: list[str] = []
    if caller is not None:
        documents = _sandbox_documents(sandbox, caller, actions[0] if actions else "*", resource)
        keys = condition_keys([d for _, _, d in documents.values()])
        if not problems:
            for action in actions:
                try:
                    auth = authz.authorize(
                        sandbox, caller.arn, action, resource, context=context, caller=caller
                    )
                except (EngineInputError, AwsError, ValueError) as exc:
                    problems.append(f"{action}: {getattr(exc, 'message', str(exc))}")
                    continue
                docs = _sandbox_documents(sandbox, caller, action, resource)
                results.append(_result(action, auth.to_dict(trace=True), docs))
    context_data = sandbox_page(request, sandbox, "simulator", current)
    context_data.update(
        choices=choices,
        principal=principal,
        actions_text="\n".join(actions),
        resource=resource,
        context_text=context_text,
        suggested_keys=keys,
        results=results,
        problems=problems,
        submitted=bool(actions) or "principal" in request.GET,
    )
    if _is_htmx(request):
        return render(request, "tools/_simulator_results.html", context_data)
    return render(request, "tools/simulator_sandbox.html", context_data)


# ------------------------------------------------------------------------- standalone mode
SAMPLE_IDENTITY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadReports",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket"],
                "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"],
            },
            {
                "Sid": "NeverDelete",
                "Effect": "Deny",
                "Action": "s3:DeleteObject",
                "Resource": "*",
            },
        ],
    },
    indent=2,
)
FIELDS = ("identity", "boundary", "session", "resource_policy", "scps")
FIELD_LABELS = {
    "identity": "Identity-based policies",
    "boundary": "Permissions boundary",
    "session": "Session policy",
    "resource_policy": "Resource-based policy",
    "scps": "Service control policies",
}


def _documents_field(name: str, text: str, problems: list[str]) -> list[Any] | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        problems.append(f"{FIELD_LABELS[name]}: not valid JSON ({exc})")
        return None
    return value if isinstance(value, list) else [value]


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("simulate")
def standalone_simulator(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    values = {
        "principal": "arn:aws:iam::111122223333:user/alice",
        "actions": "s3:GetObject\ns3:DeleteObject\ns3:PutObject",
        "resource": "arn:aws:s3:::reports/q1.csv",
        "resource_account": "",
        "context": "",
        "identity": SAMPLE_IDENTITY,
        "boundary": "",
        "session": "",
        "resource_policy": "",
        "scps": "",
    }
    problems: list[str] = []
    results = []
    if data is not None:
        values = {key: data.get(key, "") for key in values}
        actions = split_actions(values["actions"])
        if not actions:
            problems.append("Give at least one action, e.g. s3:GetObject.")
        if len(actions) > MAX_ACTIONS:
            problems.append(f"Simulate at most {MAX_ACTIONS} actions at once.")
            actions = actions[:MAX_ACTIONS]
        context, context_problems = parse_context(values["context"])
        problems += context_problems
        docs = {name: _documents_field(name, values[name], problems) for name in FIELDS}
        case: dict[str, Any] = {"identityPolicies": docs["identity"] or []}
        documents: dict[str, tuple] = {}
        for i, doc in enumerate(docs["identity"] or []):
            documents[f"/identityPolicies/{i}"] = (
                f"identity-based policy #{i + 1}",
                "identity",
                doc,
            )
        for name, key in (
            ("boundary", "permissionBoundary"),
            ("session", "sessionPolicy"),
            ("resource_policy", "resourcePolicy"),
        ):
            if docs[name]:
                if len(docs[name]) > 1:
                    problems.append(f"{FIELD_LABELS[name]}: give one policy document.")
                case[key] = docs[name][0]
                documents[f"/{key}"] = (FIELD_LABELS[name], name, docs[name][0])
        if docs["scps"]:
            case["scps"] = [docs["scps"]]
            for i, doc in enumerate(docs["scps"]):
                documents[f"/scps/0/{i}"] = (f"service control policy #{i + 1}", "scp", doc)
        if not problems:
            for action in actions:
                request_ = {
                    "principal": values["principal"].strip(),
                    "action": action,
                    "resource": values["resource"].strip() or "*",
                    "context": context,
                }
                if values["resource_account"].strip():
                    request_["resourceAccount"] = values["resource_account"].strip()
                answer = simulate_case({**case, "request": request_}, explain=True)
                if "error" in answer:
                    error = answer["error"]
                    where = f" (at {error['path']})" if error.get("path") else ""
                    problems.append(f"{action}: {error.get('message')}{where}")
                    continue
                results.append(_result(action, answer, documents))
    all_docs = []
    for name in FIELDS:
        try:
            value = json.loads(values[name]) if values[name].strip() else None
        except ValueError:
            value = None
        all_docs += value if isinstance(value, list) else [value]
    context_data = {
        "values": values,
        "fields": [(name, FIELD_LABELS[name], values[name]) for name in FIELDS],
        "results": results,
        "problems": problems,
        "submitted": data is not None,
        "suggested_keys": condition_keys(all_docs),
    }
    if _is_htmx(request):
        return render(request, "tools/_simulator_results.html", context_data)
    return render(request, "tools/simulator_standalone.html", context_data)


@require_GET
def action_suggestions(request: HttpRequest) -> JsonResponse:
    """Action names from the AWS catalog that start with ?q= (case-insensitive), at most 30."""
    query = request.GET.get("q", "").strip().lower()[:100]
    if len(query) < 2:
        return JsonResponse({"actions": []})
    names = [n for n in engine_catalog.all_action_names() if n.lower().startswith(query)]
    return JsonResponse({"actions": sorted(names, key=str.lower)[:30]})
