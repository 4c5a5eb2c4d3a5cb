"""Quiz pages: home, practice questions (htmx feedback), timed exams, results, review, compose.

Every view needs a signed-in learner, who only ever sees their own sessions (another learner's
session is a 404). An exam's deadline lives in the database: looking at an exam whose time is up
submits it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamlab.quizzes import services
from iamlab.quizzes.forms import ComposeForm, ExamForm, PracticeForm
from iamlab.quizzes.models import QuizSession, QuizTemplate
from iamlab.quizzes.questions import get_question
from iamlab.quizzes.scoring import MAX_SCORE, MIN_SCORE, PASSING_SCORE


def _own_session(request: HttpRequest, session_id: int) -> QuizSession:
    return get_object_or_404(QuizSession, pk=session_id, user=request.user)


def _question_url(session: QuizSession, number: int) -> str:
    return reverse("quiz:question", args=[session.pk, number])


# ----------------------------------------------------------------------------- home


def _chart(points: list[services.HistoryPoint]) -> dict | None:
    """An SVG line chart of scaled scores, computed here so the template only draws it."""
    if not points:
        return None
    width, height, pad = 600, 220, 30
    span = MAX_SCORE - MIN_SCORE

    def y(score: int) -> float:
        return round(pad + (height - 2 * pad) * (MAX_SCORE - score) / span, 1)

    step = (width - 2 * pad) / max(1, len(points) - 1)
    dots = [
        {
            "x": round(pad + i * step, 1) if len(points) > 1 else width / 2,
            "y": y(p.score),
            "point": p,
        }
        for i, p in enumerate(points)
    ]
    return {
        "width": width,
        "height": height,
        "dots": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "pass_y": y(PASSING_SCORE),
        "top_y": y(MAX_SCORE),
        "bottom_y": y(MIN_SCORE),
        "left": pad,
        "right": width - pad,
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    points = services.history(user)
    open_sessions = QuizSession.objects.filter(user=user, submitted_at__isnull=True)[:10]
    return render(
        request,
        "quiz/home.html",
        {
            "practice_form": PracticeForm(auto_id="practice_%s"),
            "exam_form": ExamForm(auto_id="exam_%s"),
            "due": services.due_count(user),
            "history": list(reversed(points)),
            "chart": _chart(points),
            "open_sessions": [s for s in open_sessions if not services.close_if_expired(s)],
            "templates": QuizTemplate.objects.all()[:20],
            "is_instructor": services.is_instructor(user),
            "exam_questions": services.EXAM_QUESTIONS,
            "exam_minutes": services.EXAM_MINUTES,
            "passing": PASSING_SCORE,
        },
    )


# ----------------------------------------------------------------------------- starting


@login_required
@require_POST
def start_practice(request: HttpRequest) -> HttpResponse:
    form = PracticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the practice settings: " + _errors(form))
        return redirect("quiz:home")
    data = form.cleaned_data
    session = services.start_practice(
        request.user,
        count=data["count"],
        topics=data["topics"],
        domains=data["domains"],
        include_generated=data["include_generated"],
    )
    return _begin(request, session)


@login_required
@require_POST
def start_exam(request: HttpRequest) -> HttpResponse:
    if request.POST.get("preset") == "saa-c03":
        session = services.start_exam(request.user)
        return _begin(request, session)
    form = ExamForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the exam settings: " + _errors(form))
        return redirect("quiz:home")
    data = form.cleaned_data
    session = services.start_exam(
        request.user,
        count=data["count"],
        minutes=data["minutes"],
        topics=data["topics"],
        domains=data["domains"],
        include_generated=data["include_generated"],
    )
    return _begin(request, session)


@login_required
@require_POST
def start_review(request: HttpRequest) -> HttpResponse:
    session = services.start_review(request.user)
    if session is None:
        messages.info(request, "Nothing is due for review today.")
        return redirect("quiz:home")
    return _begin(request, session)


@login_required
@require_POST
def start_template(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(QuizTemplate, pk=template_id)
    return _begin(request, services.start_from_template(request.user, template))


def _begin(request: HttpRequest, session: QuizSession) -> HttpResponse:
    if not session.question_ids:
        session.delete()
        messages.error(request, "No questions fit that choice of topics and domains.")
        return redirect("quiz:home")
    return redirect(_question_url(session, 1))


def _errors(form) -> str:  # noqa: ANN001
    return "; ".join(f"{field}: {' '.join(errs)}" for field, errs in form.errors.items())


# ----------------------------------------------------------------------------- one session


@login_required
@require_GET
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own_session(request, session_id)
    services.close_if_expired(session)
    if session.is_submitted:
        return redirect("quiz:results", session.pk)
    answered = set(services.answers_by_question(session))
    for number, qid in enumerate(session.question_ids, start=1):
        if qid not in answered:
            return redirect(_question_url(session, number))
    return redirect(_question_url(session, 1))


def _question_context(request: HttpRequest, session: QuizSession, number: int) -> dict:
    if not 1 <= number <= session.total:
        raise Http404("no such question in this quiz")
    qid = session.question_ids[number - 1]
    question = get_question(qid)
    if question is None:
        raise Http404("this question is no longer in the bank")
    answers = services.answers_by_question(session)
    answer = answers.get(qid)
    show_feedback = answer is not None and not session.is_exam
    navigator = [
        {
            "number": n,
            "answered": q in answers,
            "flagged": q in session.flagged,
            "current": n == number,
            "url": _question_url(session, n),
        }
        for n, q in enumerate(session.question_ids, start=1)
    ]
    chosen = set(answer.chosen) if answer else set()
    return {
        "session": session,
        "number": number,
        "question": question,
        "question_id": qid,
        "answer": answer,
        "chosen": chosen,
        "options": [
            {"index": i, "option": o, "chosen": i in chosen} for i, o in enumerate(question.options)
        ],
        "show_feedback": show_feedback,
        "navigator": navigator,
        "answered_count": len(answers),
        "flagged": qid in session.flagged,
        "previous_url": _question_url(session, number - 1) if number > 1 else None,
        "next_url": _question_url(session, number + 1) if number < session.total else None,
        "deadline_iso": session.deadline.isoformat() if session.deadline else "",
        "now_iso": timezone.now().isoformat(),
        "time_left": _clock(session.deadline - timezone.now()) if session.deadline else "",
    }


def _clock(left) -> str:  # noqa: ANN001
    """Time left as the timer shows it (H:MM:SS or M:SS), for the page before JavaScript runs."""
    total = max(0, int(left.total_seconds()))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@login_required
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, session_id: int, number: int) -> HttpResponse:
    session = _own_session(request, session_id)
    if services.close_if_expired(session):
        messages.info(request, "Time is up: your exam was submitted automatically.")
        return redirect("quiz:results", session.pk)
    if session.is_submitted:
        return redirect("quiz:review", session.pk)
    error = ""
    if request.method == "POST":
        context = _question_context(request, session, number)
        try:
            chosen = [int(v) for v in request.POST.getlist("choice")]
            services.record_answer(session, question_id=context["question_id"], chosen=chosen)
        except ValueError as exc:  # InvalidAnswer, or a choice that is not a number
            error = str(exc) if isinstance(exc, services.InvalidAnswer) else "unknown option"
        except services.QuizClosed:
            messages.info(request, "Time is up: your exam was submitted automatically.")
            return redirect("quiz:results", session.pk)
        if not error and session.is_exam:
            # No feedback in an exam: go on to the next question (or stay on the last one).
            return redirect(context["next_url"] or _question_url(session, number))
    context = _question_context(request, session, number)
    context["error"] = error
    if request.htmx and request.method == "POST":
        return render(request, "quiz/question.html#question-body", context)
    return render(request, "quiz/question.html", context)


@login_required
@require_POST
def flag(request: HttpRequest, session_id: int, number: int) -> HttpResponse:
    session = _own_session(request, session_id)
    if services.close_if_expired(session):
        return redirect("quiz:results", session.pk)
    if not 1 <= number <= session.total:
        raise Http404("no such question in this quiz")
    services.toggle_flag(session, question_id=session.question_ids[number - 1])
    return redirect(_question_url(session, number))


@login_required
@require_POST
def submit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own_session(request, session_id)
    if not services.close_if_expired(session):
        services.submit(session)
    return redirect("quiz:results", session.pk)


@login_required
@require_GET
def results(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own_session(request, session_id)
    services.close_if_expired(session)
    if not session.is_submitted:
        return redirect("quiz:session", session.pk)
    return render(
        request,
        "quiz/results.html",
        {"session": session, "results": services.results(session), "passing": PASSING_SCORE},
    )


@login_required
@require_GET
def review(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _own_session(request, session_id)
    services.close_if_expired(session)
    if not session.is_submitted:
        # No answers or explanations before an exam is over.
        return redirect("quiz:session", session.pk)
    return render(
        request,
        "quiz/review.html",
        {"session": session, "items": services.review_items(session)},
    )


# ----------------------------------------------------------------------------- instructors


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    if not services.is_instructor(request.user):
        raise PermissionDenied("only instructors compose quizzes")
    form = ComposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        template = services.compose_template(
            request.user,
            title=data["title"],
            topics=data["topics"],
            domains=data["domains"],
            count=data["count"],
            minutes=data["minutes"],
            include_generated=data["include_generated"],
        )
        messages.success(request, f"Quiz “{template.title}” saved: learners can start it now.")
        return redirect("quiz:compose")
    return render(
        request,
        "quiz/compose.html",
        {"form": form, "templates": QuizTemplate.objects.filter(created_by=request.user)},
    )
