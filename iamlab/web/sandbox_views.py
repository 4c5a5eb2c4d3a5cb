"""The learner's sandboxes: list, new free-play sandbox, delete, and the principal switcher."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from iamlab.sandbox.models import Sandbox
from iamlab.sandbox.scenario import load_scenario

from .access import get_own_sandbox
from .console_context import principal_choices, set_acting_arn

# Two empty accounts: enough to practise everything, cross-account access included.
FREE_PLAY_SCENARIO = """\
format: 1
description: Free play — two empty AWS accounts of your own.
accounts:
  '111122223333':
    name: Development
  '444455556666':
    name: Production
"""


@login_required
def sandbox_list(request: HttpRequest) -> HttpResponse:
    sandboxes = Sandbox.objects.filter(owner=request.user).order_by("-created_at")
    return render(request, "sandbox/list.html", {"sandboxes": sandboxes})


# Free-play sandboxes a learner may keep at once (lesson attempts have one each, apart).
MAX_FREE_PLAY_SANDBOXES = 10


def _free_play_name(request: HttpRequest) -> str:
    taken = set(Sandbox.objects.filter(owner=request.user).values_list("name", flat=True))
    number = 1
    while f"free-play-{number}" in taken:
        number += 1
    return f"free-play-{number}"


@login_required
@require_POST
def sandbox_create(request: HttpRequest) -> HttpResponse:
    owned = Sandbox.objects.filter(owner=request.user, lesson="").count()
    if owned >= MAX_FREE_PLAY_SANDBOXES:
        messages.error(
            request,
            f"You have {owned} free-play sandboxes, the most a learner may keep. "
            "Delete one you no longer need, then create a new one.",
        )
        return redirect("sandbox_list")
    sandbox = load_scenario(FREE_PLAY_SCENARIO, name=_free_play_name(request), owner=request.user)
    messages.success(
        request,
        f"Sandbox {sandbox.name} is ready: two empty accounts. You act as the root user of "
        "111122223333 — create an IAM user for daily work, as AWS recommends.",
    )
    return redirect("sandbox_home", sandbox_id=sandbox.pk)


@login_required
@require_POST
def sandbox_delete(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    name = sandbox.name
    sandbox.delete()
    messages.success(request, f"Sandbox {name} deleted.")
    return redirect("sandbox_list")


@login_required
@require_POST
def act_as(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    """The principal switcher: act as another principal of this sandbox from now on."""
    sandbox = get_own_sandbox(request, sandbox_id)
    arn = request.POST.get("principal", "")
    choices = {choice.arn: choice for choice in principal_choices(sandbox)}
    if arn in choices:
        set_acting_arn(request, sandbox, arn)
        messages.info(request, f"You now act as {choices[arn].label}.")
    else:
        messages.error(request, "That principal is not in this sandbox (any more).")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if not next_url.startswith(f"/sandbox/{sandbox.pk}/"):
        next_url = ""
    return redirect(next_url or "sandbox_home", **({} if next_url else {"sandbox_id": sandbox.pk}))
