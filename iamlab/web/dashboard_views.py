"""The learner's dashboard: progress by topic and exam domain, where to continue, recent
attempts and scores, and the quiz questions due for review."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from iamlab.lessons import services as lessons

DOMAIN_NAMES = {
    "secure": "Design Secure Architectures (30%)",
    "resilient": "Design Resilient Architectures (26%)",
    "high-performing": "Design High-Performing Architectures (24%)",
    "cost-optimized": "Design Cost-Optimized Architectures (20%)",
}


def _due_count(user) -> int | None:  # noqa: ANN001
    try:
        from iamlab.quizzes import services as quizzes
    except ImportError:
        return None
    due = getattr(quizzes, "due_count", None)
    return due(user) if due is not None else None


def _rows(
    data: dict[str, dict[str, int]], names: dict[str, str] | None = None, *, keep_empty=False
) -> list[dict]:
    rows = []
    for key, counts in data.items():
        if not counts["total"] and not keep_empty:
            continue
        rows.append(
            {
                "key": key,
                "name": (names or {}).get(key, key.replace("-", " ")),
                "done": counts["done"],
                "total": counts["total"],
                "percent": round(100 * counts["done"] / counts["total"]) if counts["total"] else 0,
            }
        )
    return rows


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    cards = {c.id: c for c in lessons.catalog(user)}
    progress = lessons.progress(user)
    attempts = list(lessons.Attempt.objects.filter(user=user).order_by("-started_at", "-pk")[:8])
    in_progress = next((a for a in attempts if a.finished_at is None), None)
    recent = [{"attempt": a, "card": cards.get(a.lesson_id)} for a in attempts]
    done = sum(1 for c in cards.values() if c.status == "done" and not c.broken)
    total = sum(1 for c in cards.values() if not c.broken)
    suggestion = next((c for c in cards.values() if c.status == "new" and not c.broken), None)
    context = {
        "topics": _rows(progress["topics"]),
        "domains": _rows(progress["domains"], DOMAIN_NAMES, keep_empty=True),
        "continue_attempt": in_progress,
        "continue_card": cards.get(in_progress.lesson_id) if in_progress else None,
        "recent": recent,
        "due": _due_count(user),
        "done": done,
        "total": total,
        "suggestion": suggestion,
    }
    return render(request, "dashboard/dashboard.html", context)
