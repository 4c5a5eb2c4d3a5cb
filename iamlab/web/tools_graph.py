"""The account graph: who can assume which role (each pair decided by the engine, trust policy
and identity policies together, as for a real sts:AssumeRole call), and through which groups and
policies each principal gets its permissions."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from iamlab.sandbox.models import (
    Account,
    GroupMembership,
    IamGroup,
    IamUser,
    InlinePolicy,
    PolicyAttachment,
    Role,
    Sandbox,
)
from iamlab.sandbox.services import authz

from .access import get_own_sandbox
from .tools_common import sandbox_page

MAX_PAIRS = 2500  # principals × roles decided with the engine; beyond, the graph says so


def _trusted(trust_policy: str, key: str) -> list[str]:
    """The principals of type `key` ("Service", "AWS") an Allow statement of the trust policy
    names."""
    try:
        document = json.loads(trust_policy)
    except ValueError:
        return []
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if not isinstance(principal, dict):
            continue
        names = principal.get(key)
        for name in [names] if isinstance(names, str) else names or []:
            if isinstance(name, str) and name not in found:
                found.append(name)
    return found


def build_graph(sandbox: Sandbox) -> dict[str, Any]:
    """Cytoscape elements ({"nodes": [...], "edges": [...]}) plus the assume-role pairs and
    whether the pair limit cut the computation short."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: list[dict[str, Any]] = []

    def node(node_id: str, label: str, kind: str, **extra: Any) -> str:
        nodes.setdefault(node_id, {"data": {"id": node_id, "label": label, "kind": kind, **extra}})
        return node_id

    def edge(source: str, target: str, label: str, kind: str) -> None:
        edge_id = f"{kind}:{source}->{target}:{label}"
        edges.append(
            {
                "data": {
                    "id": edge_id,
                    "source": source,
                    "target": target,
                    "label": label,
                    "kind": kind,
                }
            }
        )

    accounts = list(Account.objects.filter(sandbox=sandbox).order_by("id"))
    for account in accounts:
        label = f"account {account.account_id}" + (f" ({account.alias})" if account.alias else "")
        node(account.root_arn, label, "account")
    users = list(IamUser.objects.filter(sandbox=sandbox).select_related("account").order_by("name"))
    groups = list(
        IamGroup.objects.filter(sandbox=sandbox).select_related("account").order_by("name")
    )
    roles = list(Role.objects.filter(sandbox=sandbox).select_related("account").order_by("name"))
    for user in users:
        node(user.arn, user.name, "user", account=user.account.account_id)
    for group in groups:
        node(group.arn, group.name, "group", account=group.account.account_id)
    for role in roles:
        node(role.arn, role.name, "role", account=role.account.account_id)
    arn_of = {
        "user": {u.pk: u.arn for u in users},
        "group": {g.pk: g.arn for g in groups},
        "role": {r.pk: r.arn for r in roles},
    }

    def owner(row: Any) -> str | None:
        for kind in ("user", "group", "role"):
            pk = getattr(row, f"{kind}_id")
            if pk is not None:
                return arn_of[kind].get(pk)
        return None

    for membership in GroupMembership.objects.filter(sandbox=sandbox):
        user_arn = arn_of["user"].get(membership.user_id)
        group_arn = arn_of["group"].get(membership.group_id)
        if user_arn and group_arn:
            edge(user_arn, group_arn, "member of", "member")
    for attachment in PolicyAttachment.objects.filter(sandbox=sandbox).select_related(
        "policy__account"
    ):
        source = owner(attachment)
        arn = attachment.policy_arn
        if source is None:
            continue
        kind = "aws-policy" if attachment.aws_policy_arn else "policy"
        node(arn, arn.rsplit("/", 1)[-1], kind)
        edge(source, arn, "attached", "attached")
    for inline in InlinePolicy.objects.filter(sandbox=sandbox):
        source = owner(inline)
        if source is None:
            continue
        node_id = f"inline:{source}:{inline.name}"
        node(node_id, inline.name, "inline")
        edge(source, node_id, "inline policy", "inline")

    assumes: list[dict[str, str]] = []
    sources = [u.arn for u in users] + [r.arn for r in roles]
    truncated = len(sources) * len(roles) > MAX_PAIRS
    for role in roles:
        for trusted in _trusted(role.trust_policy, "AWS"):
            if trusted in nodes:  # an account, user or role of this sandbox
                edge(trusted, role.arn, "trusted by trust policy", "trust")
        for service in _trusted(role.trust_policy, "Service"):
            node(f"service:{service}", service, "service")
            edge(f"service:{service}", role.arn, "can assume", "assume")
            assumes.append({"source": service, "role": role.arn, "how": "service principal"})
        if truncated:
            continue
        for arn in sources:
            if arn == role.arn:
                continue
            answer = authz.authorize(sandbox, arn, "sts:AssumeRole", role.arn, explain=False)
            if answer.allowed:
                edge(arn, role.arn, "can assume", "assume")
                assumes.append({"source": arn, "role": role.arn, "how": "sts:AssumeRole"})
    return {
        "nodes": list(nodes.values()),
        "edges": edges,
        "assumes": assumes,
        "truncated": truncated,
    }


@login_required
@require_GET
def graph_page(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    graph = build_graph(sandbox)
    labels = {n["data"]["id"]: n["data"]["label"] for n in graph["nodes"]}
    permissions: dict[str, list[str]] = {}
    for e in graph["edges"]:
        if e["data"]["kind"] in ("member", "attached", "inline"):
            via = e["data"]["label"]
            permissions.setdefault(e["data"]["source"], []).append(
                f"{via}: {labels.get(e['data']['target'], e['data']['target'])}"
            )
    context = sandbox_page(request, sandbox, "graph")
    context.update(
        graph=graph,
        labels=labels,
        permissions=sorted(
            ((labels.get(k, k), k, v) for k, v in permissions.items()), key=lambda t: t[0]
        ),
    )
    return render(request, "tools/graph.html", context)


@login_required
@require_GET
def graph_json(request: HttpRequest, sandbox_id: int) -> JsonResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    graph = build_graph(sandbox)
    return JsonResponse(
        {
            "elements": {"nodes": graph["nodes"], "edges": graph["edges"]},
            "truncated": graph["truncated"],
        }
    )
