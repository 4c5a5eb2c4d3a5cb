"""The CLI pane: a terminal-like page where each POSTed line runs through
`iamlab.sandbox.shell` as the principal the learner acts as (or a profile)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from iamlab.sandbox import shell
from iamlab.throttle.limits import rate_limited

from .access import get_own_sandbox
from .tools_common import acting_caller, sandbox_page, tool_url

MAX_LINE = 20_000  # a pasted policy fits; a megabyte of text does not
MAX_HISTORY = 60
MAX_KEPT_OUTPUT = 20_000  # characters of one command's output kept in the history


def _kept(entry: dict) -> dict:
    """The entry as the session keeps it: very long output is cut (the reply had it whole)."""
    if len(entry["stdout"]) <= MAX_KEPT_OUTPUT:
        return entry
    cut = entry["stdout"][:MAX_KEPT_OUTPUT]
    note = f"Output cut to {MAX_KEPT_OUTPUT} characters in the history; run the command again."
    return {**entry, "stdout": cut + "\n", "notes": [*entry["notes"], note]}


def _keys(sandbox_id: int) -> tuple[str, str]:
    return f"cli:{sandbox_id}:state", f"cli:{sandbox_id}:history"


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("cli")
def cli_pane(request: HttpRequest, sandbox_id: int) -> HttpResponse:
    sandbox = get_own_sandbox(request, sandbox_id)
    state_key, history_key = _keys(sandbox.pk)
    history = list(request.session.get(history_key, []))
    if request.method == "POST":
        line = request.POST.get("line", "")
        if len(line) > MAX_LINE:
            entry = {
                "line": line[:200] + "…",
                "stdout": "",
                "stderr": f"The pane takes lines of at most {MAX_LINE} characters.\n",
                "notes": [],
                "exit_code": 2,
            }
        else:
            state = request.session.get(state_key) or shell.new_state()
            result = shell.run(sandbox, line, state, default_caller=acting_caller(request, sandbox))
            request.session[state_key] = state
            if result.clear:
                request.session[history_key] = []
                if getattr(request, "htmx", False):
                    response = HttpResponse("")
                    response["HX-Reswap"] = "innerHTML"
                    return response
                return redirect(tool_url(sandbox, "cli"))
            entry = {
                "line": line,
                "stdout": result.stdout,
                "stderr": result.stderr,
                "notes": result.notes,
                "exit_code": result.exit_code,
            }
        history = (history + [_kept(entry)])[-MAX_HISTORY:]
        request.session[history_key] = history
        if getattr(request, "htmx", False):
            return render(request, "tools/_cli_entry.html", {"entry": entry})
        return redirect(tool_url(sandbox, "cli"))
    state = request.session.get(state_key) or shell.new_state()
    caller = acting_caller(request, sandbox)
    context = sandbox_page(request, sandbox, "cli", caller)
    context.update(
        history=history,
        profiles=sorted(state.get("profiles", {})),
        help_text=shell.run(sandbox, "help", shell.new_state()).stdout,
    )
    return render(request, "tools/cli.html", context)
