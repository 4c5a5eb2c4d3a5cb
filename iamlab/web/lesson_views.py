"""The lesson catalog and the lesson player: a step's instructions beside the learner's
sandbox, "Check my work", hints one at a time, reset, the solution after three gradings; and,
for instructors only, the whole lesson on one page (preview), every lesson with its problems
(instructor index) and a lesson's self-test."""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.lessons import services as lessons
from iamlab.lessons import store
from iamlab.lessons.loader import lessons_dir
from iamlab.lessons.selftest import selftest as run_selftest
from iamlab.quizzes.services import is_instructor
from iamlab.throttle.limits import rate_limited

from . import console_context
from .access import login_redirect
from .lesson_markdown import render_markdown

DIFFICULTIES = ("beginner", "intermediate", "advanced")


def _player_url(lesson_id: str, step_id: str | None = None) -> str:
    url = reverse("lesson_player", args=[lesson_id])
    return f"{url}?step={step_id}" if step_id else url


# ---------------------------------------------------------------------------------- catalog
def filter_cards(cards: list, params: Any) -> list:
    topic = params.get("topic", "")
    domain = params.get("domain", "")
    difficulty = params.get("difficulty", "")
    status = params.get("status", "")
    out = []
    for card in cards:
        if topic and topic not in card.topics:
            continue
        if domain and domain not in card.domains:
            continue
        if difficulty and card.difficulty != difficulty:
            continue
        if status == "done" and card.status != "done":
            continue
        if status == "not-done" and card.status == "done":
            continue
        out.append(card)
    return out


@login_required
@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    cards = lessons.catalog(request.user)
    shown = filter_cards(cards, request.GET)
    topics = sorted({t for c in cards for t in c.topics})
    domains = sorted({d for c in cards for d in c.domains})
    context = {
        "cards": shown,
        "total": len(cards),
        "topics": topics,
        "domains": domains,
        "difficulties": [d for d in DIFFICULTIES if any(c.difficulty == d for c in cards)],
        "selected": {
            k: request.GET.get(k, "") for k in ("topic", "domain", "difficulty", "status")
        },
        "is_instructor": is_instructor(request.user),
    }
    if getattr(request, "htmx", False) and request.htmx.target == "lesson-cards":
        return render(request, "lessons/_cards.html", context)
    return render(request, "lessons/catalog.html", context)


# ----------------------------------------------------------------------------------- player
def _attempt_for_page(user: Any, lesson_id: str):  # noqa: ANN202
    attempt = lessons.current_attempt(user, lesson_id)
    if attempt is None and hasattr(lessons, "latest_attempt"):
        attempt = lessons.latest_attempt(user, lesson_id)
    return attempt


def _revealed(attempt: Any, step: Any) -> list:
    if attempt is None:
        return []
    count = int((attempt.hints_used or {}).get(step.id, 0))
    return step.hints[:count]


def _last_checks(attempt: Any) -> tuple[list[dict[str, Any]], Any]:
    if attempt is None:
        return [], None
    grade = attempt.grades.order_by("-graded_at", "-pk").first()
    if grade is None:
        return [], None
    return list(grade.results or []), grade


def _group_checks(lesson: Any, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    titles = {s.id: s.title for s in lesson.steps}
    groups: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        groups.setdefault(check.get("step_id", ""), []).append(check)
    return [{"title": titles.get(k, k), "step_id": k, "checks": v} for k, v in groups.items()]


@login_required
@require_GET
def player(request: HttpRequest, lesson_id: str) -> HttpResponse:
    try:
        lesson = lessons.get_lesson(lesson_id)
    except lessons.LessonBroken as broken:
        return render(
            request, "lessons/broken.html", {"lesson_id": lesson_id, "problems": broken.problems}
        )
    except lessons.LessonNotFound:
        raise Http404("No such lesson.") from None
    if not lesson.steps:
        raise Http404("This lesson has no steps.")
    attempt = _attempt_for_page(request.user, lesson_id)
    step_ids = [s.id for s in lesson.steps]
    wanted = request.GET.get("step", "")
    index = step_ids.index(wanted) if wanted in step_ids else 0
    step = lesson.steps[index]
    checks, grade = _last_checks(attempt)
    solution: list[str] = []
    if attempt is not None and lessons.solution_available(attempt):
        solution = lessons.solution_steps(lesson).get(step.id, [])
    sandbox = attempt.sandbox if attempt is not None else None
    context: dict[str, Any] = {
        "lesson": lesson,
        "attempt": attempt,
        "finished": attempt is not None and attempt.finished_at is not None,
        "step": step,
        "index": index,
        "steps": lesson.steps,
        "previous": lesson.steps[index - 1] if index > 0 else None,
        "next": lesson.steps[index + 1] if index + 1 < len(lesson.steps) else None,
        "is_last": index == len(lesson.steps) - 1,
        "instructions": mark_safe(render_markdown(step.instructions)),  # noqa: S308 - nh3-clean
        "explanation": mark_safe(render_markdown(step.explanation)),  # noqa: S308 - nh3-clean
        "hints": _revealed(attempt, step),
        "hints_left": len(step.hints) - len(_revealed(attempt, step)),
        "next_hint_cost": step.hints[len(_revealed(attempt, step))].cost
        if len(_revealed(attempt, step)) < len(step.hints)
        else None,
        "check_groups": _group_checks(lesson, checks),
        "grade": grade,
        "solution": solution,
        "solution_after": lessons.SOLUTION_AFTER_GRADINGS,
        "quiz": lesson.quiz,
        "topics_query": "&".join(f"topics={t}" for t in lesson.topics),
    }
    if sandbox is not None:
        context.update(console_context.sandbox_context(request, sandbox))
        state = request.session.get(f"cli:{sandbox.pk}:history", [])
        context["cli_history"] = state[-8:]
    return render(request, "lessons/player.html", context)


def _own_attempt(request: HttpRequest, lesson_id: str):  # noqa: ANN202
    attempt = lessons.current_attempt(request.user, lesson_id)
    if attempt is None:
        raise Http404("No attempt in progress.")
    return attempt


def _act_as_lesson_principal(request: HttpRequest, attempt: Any) -> None:
    try:
        lesson = lessons.get_lesson(attempt.lesson_id)
    except lessons.LessonNotFound:
        return
    if lesson.acting_as and attempt.sandbox is not None:
        console_context.set_acting_arn(request, attempt.sandbox, lesson.acting_as)


@login_required
@require_POST
def start(request: HttpRequest, lesson_id: str) -> HttpResponse:
    try:
        lessons.get_lesson(lesson_id)
    except lessons.LessonBroken:
        return redirect(_player_url(lesson_id))
    except lessons.LessonNotFound:
        raise Http404("No such lesson.") from None
    attempt = lessons.start_attempt(request.user, lesson_id)
    _act_as_lesson_principal(request, attempt)
    return redirect(_player_url(lesson_id))


@login_required
@require_POST
@rate_limited("grade")
def check(request: HttpRequest, lesson_id: str) -> HttpResponse:
    attempt = _own_attempt(request, lesson_id)
    lesson = lessons.get_lesson(lesson_id)
    result = lessons.grade(attempt)
    attempt.refresh_from_db()
    checks = [c.to_dict() for c in result.checks]
    context = {
        "lesson": lesson,
        "attempt": attempt,
        "check_groups": _group_checks(lesson, checks),
        "grade": result,
        "just_graded": True,
        "solution_after": lessons.SOLUTION_AFTER_GRADINGS,
        "solution_ready": lessons.solution_available(attempt),
    }
    if getattr(request, "htmx", False):
        return render(request, "lessons/_checks.html", context)
    return redirect(_player_url(lesson_id, request.POST.get("step")))


@login_required
@require_POST
def hint(request: HttpRequest, lesson_id: str) -> HttpResponse:
    attempt = _own_attempt(request, lesson_id)
    step_id = request.POST.get("step", "")
    revealed = lessons.reveal_hint(attempt, step_id)
    if revealed is None:
        messages.info(request, "No more hints for this step.")
    return redirect(_player_url(lesson_id, step_id) + "#hints")


@login_required
@require_POST
def act_as(request: HttpRequest, lesson_id: str) -> HttpResponse:
    """The player's principal switcher: act as another principal of the attempt's sandbox and
    stay on the lesson's step."""
    attempt = _own_attempt(request, lesson_id)
    arn = request.POST.get("principal", "")
    choices = {c.arn: c for c in console_context.principal_choices(attempt.sandbox)}
    if arn in choices:
        console_context.set_acting_arn(request, attempt.sandbox, arn)
        messages.info(request, f"You now act as {choices[arn].label}.")
    else:
        messages.error(request, "That principal is not in this sandbox (any more).")
    return redirect(_player_url(lesson_id, request.POST.get("step")))


@login_required
@require_POST
def reset(request: HttpRequest, lesson_id: str) -> HttpResponse:
    attempt = _own_attempt(request, lesson_id)
    old = attempt.sandbox_id
    attempt = lessons.reset_attempt(attempt)
    for suffix in ("state", "history"):
        request.session.pop(f"cli:{old}:{suffix}", None)
    _act_as_lesson_principal(request, attempt)
    messages.success(request, "The sandbox is back to the lesson's starting point.")
    return redirect(_player_url(lesson_id, request.POST.get("step")))


# ------------------------------------------------------------------------------- instructors
def _instructor_only(view: Any) -> Any:
    """Instructors only (the quiz pages' rule: staff, or in the group "instructors").
    Anonymous visitors are sent to sign in; learners get a friendly 403 page, whatever the
    method (checked before the view's own method check)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return login_redirect(request)
        if not is_instructor(request.user):
            return render(request, "lessons/instructors_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _preview_steps(lesson: Any) -> list[dict[str, Any]]:
    solutions = lessons.solution_steps(lesson)
    return [
        {
            "step": step,
            "number": number,
            "instructions": mark_safe(render_markdown(step.instructions)),  # noqa: S308 - nh3
            "explanation": mark_safe(render_markdown(step.explanation)),  # noqa: S308 - nh3
            "checks": [{"check": c, "args": _pretty(c.args)} for c in step.checks],
            "solution": solutions.get(step.id, []),
        }
        for number, step in enumerate(lesson.steps, start=1)
    ]


@_instructor_only
@require_GET
def preview(request: HttpRequest, lesson_id: str) -> HttpResponse:
    """The whole lesson on one page for an instructor, solution included; a broken lesson's
    problems as FILE:LINE:COLUMN lines."""
    try:
        lesson = lessons.get_lesson(lesson_id)
    except lessons.LessonBroken as broken:
        context = {"lesson_id": lesson_id, "problems": broken.problems}
        return render(request, "lessons/preview.html", context)
    except lessons.LessonNotFound:
        raise Http404("No such lesson.") from None
    context = {
        "lesson_id": lesson_id,
        "lesson": lesson,
        "editable": [_pretty(e) for e in lesson.editable],
        "steps": _preview_steps(lesson),
    }
    return render(request, "lessons/preview.html", context)


@_instructor_only
@require_GET
def instructor(request: HttpRequest) -> HttpResponse:
    """Every lesson, broken ones with their problems, with preview and self-test buttons."""
    cards = lessons.catalog(request.user)
    return render(
        request,
        "lessons/instructor.html",
        {"cards": cards, "broken": sum(1 for c in cards if c.broken)},
    )


def _selftest_one(lesson_id: str) -> Any:
    """The `lessons selftest` of one lesson file, or None when there is no such file."""
    path = lessons_dir() / f"{lesson_id}.yaml"
    if not path.is_file():
        return None
    files = store.read_all(lessons_dir(), [path], between=False)
    return run_selftest(files[0])


@_instructor_only
@require_http_methods(["GET", "POST"])
def selftest(request: HttpRequest, lesson_id: str) -> HttpResponse:
    """GET: the self-test button; POST: run the lesson's self-test (its setup must fail a check,
    its reference solution must pass them all; nothing is kept) and show the result."""
    path = lessons_dir() / f"{lesson_id}.yaml"
    if not path.is_file():
        raise Http404("No such lesson.")
    result = _selftest_one(lesson_id) if request.method == "POST" else None
    return render(request, "lessons/selftest.html", {"lesson_id": lesson_id, "result": result})
