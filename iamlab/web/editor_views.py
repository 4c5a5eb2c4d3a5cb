"""JSON endpoints behind the policy editor: validation as you type, and completion.

POST /sandbox/<id>/validate-policy   kind=identity|resource|trust|..., text=...
    -> {"problems": [{severity, code, message, path, line?, column?}, ...]}
GET  /sandbox/policy-completions?field=action|condition&q=s3:Get
    -> {"items": [{"label": "s3:GetObject", "detail": "Read"}, ...]}
"""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from iamlab.engine import PolicyKind, catalog, validate_policy
from iamlab.throttle.limits import rate_limited

from .access import get_own_sandbox

MAX_TEXT = 100_000  # far above any IAM quota: the validator reports the size problem itself
MAX_ITEMS = 200
KINDS = {kind.value for kind in PolicyKind}


@login_required
@require_POST
@rate_limited("validate")
def validate(request: HttpRequest, sandbox_id: int) -> JsonResponse:
    get_own_sandbox(request, sandbox_id)
    kind = request.POST.get("kind", PolicyKind.IDENTITY.value)
    text = request.POST.get("text", "")
    if kind not in KINDS:
        return JsonResponse({"error": f"kind must be one of {sorted(KINDS)}"}, status=400)
    if len(text) > MAX_TEXT:
        return JsonResponse({"error": "The document is too long to check."}, status=400)
    problems = validate_policy(text, PolicyKind(kind))
    return JsonResponse({"problems": [p.to_dict() for p in problems]})


@lru_cache(maxsize=64)
def _service_condition_keys(service: str) -> tuple[str, ...]:
    keys: dict[str, None] = {}
    for action in catalog.action_names(service):
        for key in catalog.condition_keys_for_action(service, action):
            keys.setdefault(key, None)
    return tuple(sorted(keys))


def _action_items(query: str) -> list[dict]:
    service, sep, rest = query.partition(":")
    service = service.lower()
    if not sep:
        return [
            {"label": f"{s}:", "detail": catalog.service_name(s) or ""}
            for s in catalog.services()
            if s.startswith(service)
        ]
    if not catalog.service_exists(service):
        return []
    items = []
    for name in catalog.action_names(service):
        if name.lower().startswith(rest.lower()):
            info = catalog.action_info(service, name) or {}
            items.append({"label": f"{service}:{name}", "detail": info.get("accessLevel", "")})
    return items


def _condition_items(query: str) -> list[dict]:
    prefix, sep, _ = query.partition(":")
    low = query.lower()
    if not sep:
        prefixes = ["aws"] + [
            s for s in catalog.services() if catalog.condition_key_prefix_known(s)
        ]
        return [{"label": f"{p}:", "detail": ""} for p in prefixes if p.startswith(prefix.lower())]
    if prefix.lower() == "aws":
        keys = [(k["key"], k.get("type", "")) for k in catalog.global_condition_keys()]
    elif catalog.service_exists(prefix):
        keys = [(k, "") for k in _service_condition_keys(prefix.lower())]
    else:
        keys = []
    return [{"label": k, "detail": t} for k, t in keys if k.lower().startswith(low)]


@login_required
@require_GET
def completions(request: HttpRequest) -> JsonResponse:
    field = request.GET.get("field", "action")
    query = request.GET.get("q", "")[:200]
    items = _condition_items(query) if field == "condition" else _action_items(query)
    return JsonResponse({"items": items[:MAX_ITEMS]})
