"""What every sandbox console page shares: who the learner acts as, and how pages render.

The learner acts as one principal per sandbox — the root user of an account, an IAM user, or an
active role session — chosen with the principal switcher and kept in the Django session under
`iamlab.principal.<sandbox id>`. Every change the console makes is a service call as that
principal, so AWS's authorization applies exactly as it would in the real console.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from iamlab.sandbox.models import Account, IamUser, Sandbox, StsSession
from iamlab.sandbox.services import principals
from iamlab.sandbox.services.errors import AwsError, ConcurrentModification

SESSION_PREFIX = "iamlab.principal."


@dataclass(frozen=True)
class PrincipalChoice:
    arn: str
    label: str
    group: str  # "Root users", "IAM users", "Role sessions"


def _key(sandbox: Sandbox) -> str:
    return f"{SESSION_PREFIX}{sandbox.pk}"


def principal_choices(sandbox: Sandbox) -> list[PrincipalChoice]:
    """The root user of each account, each IAM user and each unexpired role session.

    Kept on the sandbox object for the rest of the request (a page asks more than once);
    a change made through `run` starts from a fresh object on the next request."""
    cached = getattr(sandbox, "_principal_choices", None)
    if cached is not None and cached[0] == sandbox.version:
        return list(cached[1])
    choices = _principal_choices(sandbox)
    sandbox._principal_choices = (sandbox.version, tuple(choices))
    return choices


def _principal_choices(sandbox: Sandbox) -> list[PrincipalChoice]:
    choices: list[PrincipalChoice] = []
    for account in Account.objects.filter(sandbox=sandbox).order_by("id"):
        name = f" ({account.alias})" if account.alias else ""
        choices.append(
            PrincipalChoice(account.root_arn, f"root — {account.account_id}{name}", "Root users")
        )
    users = IamUser.objects.filter(sandbox=sandbox).select_related("account").order_by("name")
    for user in users:
        choices.append(
            PrincipalChoice(user.arn, f"{user.name} — {user.account.account_id}", "IAM users")
        )
    sessions = (
        StsSession.objects.filter(sandbox=sandbox, role__isnull=False, expires__gt=sandbox.now())
        .exclude(session_name="")
        .select_related("role", "account")
        .order_by("role__name", "session_name", "-created")
    )
    seen: set[str] = set()
    for session in sessions:
        arn = session.arn
        if arn in seen:
            continue
        seen.add(arn)
        label = f"{session.role.name}/{session.session_name} — {session.account.account_id}"
        choices.append(PrincipalChoice(arn, label, "Role sessions"))
    return choices


def acting_arn(request: HttpRequest, sandbox: Sandbox) -> str:
    return request.session.get(_key(sandbox), "")


def set_acting_arn(request: HttpRequest, sandbox: Sandbox, arn: str) -> None:
    request.session[_key(sandbox)] = arn


def acting_caller(request: HttpRequest, sandbox: Sandbox) -> principals.Caller:
    """The caller the learner acts as; the first account's root user when none is chosen or the
    chosen principal no longer exists (deleted user, expired session)."""
    arn = acting_arn(request, sandbox)
    if arn:
        try:
            caller = principals.as_principal(sandbox, arn)
        except AwsError:
            caller = None
        else:
            expired_session = caller.session is not None and caller.session.pk is None
            if not expired_session:
                return caller
        request.session.pop(_key(sandbox), None)
        messages.info(request, f"{arn} is no longer available: you act as the root user again.")
    return principals.as_root(sandbox)


def sandbox_context(request: HttpRequest, sandbox: Sandbox, **extra: object) -> dict:
    """Template context every sandbox page uses (the principal bar needs it)."""
    caller = extra.pop("caller", None) or acting_caller(request, sandbox)
    choices = principal_choices(sandbox)
    groups: dict[str, list[PrincipalChoice]] = {}
    for choice in choices:
        groups.setdefault(choice.group, []).append(choice)
    return {
        "sandbox": sandbox,
        "caller": caller,
        "account": caller.account,
        "principal_groups": groups,
        "section": extra.pop("section", ""),
        **extra,
    }


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    partial: str = "content",
    status: int = 200,
) -> HttpResponse:
    """One view, two answers: the whole page, or only `template#partial` for an htmx request
    that targets the page's content (tabs, filters). Boosted navigation gets the whole page."""
    if (
        request.htmx
        and not request.htmx.boosted
        and request.htmx.target in ("page-content", partial)
    ):
        return render(request, f"{template}#{partial}", context, status=status)
    return render(request, template, context, status=status)


@dataclass
class Outcome:
    """What a console change gave: its result, or the AWS error it raised."""

    result: dict | None = None
    error: AwsError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def stale(self) -> bool:
        return isinstance(self.error, ConcurrentModification)


def posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def run(request: HttpRequest, sandbox: Sandbox, call) -> Outcome:  # noqa: ANN001
    """Run `call(caller)` (a service call) as the acting principal, checking the form's version.

    A form carries the sandbox version it was made from; the service layer refuses the write
    (ConcurrentModification) when the sandbox changed since, e.g. in another browser tab.
    """
    version = posted_version(request)
    if version is not None:
        sandbox.version = version
    caller = acting_caller(request, sandbox)
    try:
        return Outcome(result=call(caller))
    except AwsError as error:
        return Outcome(error=error)


STALE_MESSAGE = (
    "This sandbox changed in another tab or window since this page was loaded, so nothing was "
    "saved. The page now shows the current state: check it and try again."
)


def report(request: HttpRequest, outcome: Outcome, success: str) -> None:
    """Tell the learner how a change went, as a message shown on the next page."""
    if outcome.ok:
        messages.success(request, success)
    elif outcome.stale:
        messages.warning(request, STALE_MESSAGE)
    else:
        messages.error(request, f"{outcome.error.code}: {outcome.error.message}")
