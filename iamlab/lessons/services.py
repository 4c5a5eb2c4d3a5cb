"""The lessons app's public API (what the web app calls).

catalog(user) -> [LessonCard]            every lesson in path order, with the user's status
get_lesson(lesson_id) -> Lesson          or LessonNotFound (LessonBroken for a broken file)
start_attempt(user, lesson_id) -> Attempt / current_attempt(user, lesson_id) -> Attempt | None
grade(attempt) -> GradeResult            saves a Grade; keeps best and last score
reveal_hint(attempt, step_id) -> Hint | None
reset_attempt(attempt) -> Attempt        a fresh sandbox, same history
solution_available(attempt) / solution_steps(lesson)
is_editable(attempt, arn) -> bool
progress(user) -> {"topics": {...}, "domains": {...}}
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from iamlab.sandbox.models import Bucket
from iamlab.sandbox.scenario import load_scenario

from . import store
from .grader import CheckResult, GradeResult, describe_action, grade_sandbox
from .lesson import Hint, Lesson
from .models import Attempt, Grade, LessonVersion
from .schema import DOMAINS, TOPICS

SOLUTION_AFTER_GRADINGS = 3

__all__ = [
    "SOLUTION_AFTER_GRADINGS",
    "Attempt",
    "CheckResult",
    "GradeResult",
    "LessonBroken",
    "LessonCard",
    "LessonNotFound",
    "catalog",
    "current_attempt",
    "get_lesson",
    "grade",
    "is_editable",
    "latest_attempt",
    "progress",
    "reset_attempt",
    "reveal_hint",
    "revealed_hints",
    "solution_available",
    "solution_steps",
    "start_attempt",
]


class LessonNotFound(Exception):
    pass


class LessonBroken(LessonNotFound):
    """The lesson's file has problems; it is listed but cannot be used."""

    def __init__(self, lesson_id: str, problems: list[str]) -> None:
        super().__init__(f"lesson {lesson_id!r} is broken: {len(problems)} problems")
        self.problems = problems


@dataclass
class LessonCard:
    id: str
    title: str
    summary: str
    topics: list[str]
    domains: list[str]
    difficulty: str
    minutes: int
    prerequisites: list[str]
    order: int
    broken: bool
    problems: list[str] = field(default_factory=list)
    status: str = "new"  # new | started | done
    best_score: int | None = None
    last_score: int | None = None


def _sync() -> None:
    """In development, files changed since they were read are loaded again (no restart);
    the first use of an empty database loads every lesson."""
    if settings.DEBUG or not LessonVersion.objects.filter(current=True).exists():
        store.refresh()


def _current_rows() -> list[LessonVersion]:
    _sync()
    return list(LessonVersion.objects.filter(current=True).order_by("order", "lesson_id"))


def _row(lesson_id: str) -> LessonVersion:
    _sync()
    row = LessonVersion.objects.filter(lesson_id=lesson_id, current=True).first()
    if row is None:
        raise LessonNotFound(lesson_id)
    if row.broken:
        raise LessonBroken(lesson_id, row.problems)
    return row


def get_lesson(lesson_id: str) -> Lesson:
    return store.lesson_of(_row(lesson_id))


def attempt_lesson(attempt: Attempt) -> Lesson:
    """The lesson as it was when the attempt started."""
    return store.lesson_of(attempt.lesson_row)


def _status(attempts: list[Attempt]) -> tuple[str, int | None, int | None]:
    if not attempts:
        return "new", None, None
    done = any(a.finished_at is not None for a in attempts)
    scores = [a.best_score for a in attempts if a.best_score is not None]
    best = max(scores) if scores else None
    last = next((a.last_score for a in attempts if a.last_score is not None), None)
    return ("done" if done else "started"), best, last


def catalog(user: Any) -> list[LessonCard]:
    rows = _current_rows()
    attempts: dict[str, list[Attempt]] = {}
    if user is not None and getattr(user, "is_authenticated", False):
        for attempt in Attempt.objects.filter(user=user).order_by("-started_at", "-pk"):
            attempts.setdefault(attempt.lesson_id, []).append(attempt)
    cards = []
    for row in rows:
        data = row.data if isinstance(row.data, dict) else {}
        status, best, last = _status(attempts.get(row.lesson_id, []))
        cards.append(
            LessonCard(
                id=row.lesson_id,
                title=str(data.get("title") or row.lesson_id),
                summary=str(data.get("summary") or ""),
                topics=list(data.get("topics") or []),
                domains=list(data.get("domains") or []),
                difficulty=str(data.get("difficulty") or ""),
                minutes=int(data.get("minutes") or 0),
                prerequisites=list(data.get("prerequisites") or []),
                order=row.order,
                broken=row.broken,
                problems=list(row.problems),
                status=status,
                best_score=best,
                last_score=last,
            )
        )
    return cards


# ----------------------------------------------------------------------------------- attempts
def _new_sandbox(user: Any, lesson: Lesson) -> Any:
    name = f"{lesson.id[:70]}-{uuid.uuid4().hex[:12]}"
    sandbox = load_scenario(lesson.setup_text, name=name, owner=user)
    if sandbox.lesson != lesson.id:
        sandbox.lesson = lesson.id
        sandbox.save(update_fields=["lesson"])
    return sandbox


def current_attempt(user: Any, lesson_id: str) -> Attempt | None:
    """The user's attempt in progress (not finished) at this lesson, if any."""
    return (
        Attempt.objects.filter(user=user, lesson_id=lesson_id, finished_at__isnull=True)
        .select_related("lesson_row", "sandbox")
        .first()
    )


def latest_attempt(user: Any, lesson_id: str) -> Attempt | None:
    """The user's newest attempt at this lesson, finished or not."""
    return (
        Attempt.objects.filter(user=user, lesson_id=lesson_id)
        .select_related("lesson_row", "sandbox")
        .first()
    )


def start_attempt(user: Any, lesson_id: str) -> Attempt:
    existing = current_attempt(user, lesson_id)
    if existing is not None:
        return existing
    row = _row(lesson_id)
    lesson = store.lesson_of(row)
    with transaction.atomic():
        sandbox = _new_sandbox(user, lesson)
        return Attempt.objects.create(
            user=user,
            lesson_id=lesson_id,
            lesson_version=lesson.version,
            lesson_row=row,
            sandbox=sandbox,
        )


def reset_attempt(attempt: Attempt) -> Attempt:
    lesson = attempt_lesson(attempt)
    with transaction.atomic():
        old = attempt.sandbox
        attempt.sandbox = _new_sandbox(attempt.user, lesson)
        attempt.save(update_fields=["sandbox"])
        if old is not None:
            old.delete()
    return attempt


def grade(attempt: Attempt) -> GradeResult:
    lesson = attempt_lesson(attempt)
    if attempt.sandbox is None:
        reset_attempt(attempt)
    result = grade_sandbox(lesson, attempt.sandbox, attempt.hints_used or {})
    with transaction.atomic():
        Grade.objects.create(
            attempt=attempt,
            score=result.score,
            passed=result.passed,
            results=[c.to_dict() for c in result.checks],
        )
        attempt.gradings += 1
        attempt.last_score = result.score
        if attempt.best_score is None or result.score > attempt.best_score:
            attempt.best_score = result.score
        fields = ["gradings", "last_score", "best_score"]
        if result.passed and attempt.finished_at is None:
            attempt.finished_at = timezone.now()
            fields.append("finished_at")
        attempt.save(update_fields=fields)
    return result


def reveal_hint(attempt: Attempt, step_id: str) -> Hint | None:
    """The step's next hint (its cost is taken off every later score), or None when none is
    left."""
    lesson = attempt_lesson(attempt)
    step = lesson.step(step_id)
    if step is None:
        return None
    used = dict(attempt.hints_used or {})
    count = int(used.get(step_id, 0))
    if count >= len(step.hints):
        return None
    used[step_id] = count + 1
    attempt.hints_used = used
    attempt.save(update_fields=["hints_used"])
    return step.hints[count]


def revealed_hints(attempt: Attempt, step_id: str) -> list[Hint]:
    step = attempt_lesson(attempt).step(step_id)
    if step is None:
        return []
    return step.hints[: int((attempt.hints_used or {}).get(step_id, 0))]


def solution_available(attempt: Attempt) -> bool:
    return attempt.gradings >= SOLUTION_AFTER_GRADINGS or attempt.finished_at is not None


def solution_steps(lesson: Lesson) -> dict[str, list[str]]:
    """The reference solution as readable text: step id -> one text per action."""
    return {step.id: [describe_action(a) for a in step.solution] for step in lesson.steps}


# ---------------------------------------------------------------------------------- editable
def _arn_target(attempt: Attempt, arn: str) -> tuple[str, str, str] | None:
    """(kind, account, name) of an entity ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    _, _, service, _, account, rest = parts
    if service == "s3":
        name = rest.split("/", 1)[0]
        bucket = Bucket.objects.filter(sandbox=attempt.sandbox, name=name).first()
        return "bucket", (bucket.account.account_id if bucket else ""), name
    if service == "iam":
        if rest == "root":
            return "root", account, ""
        kind, _, tail = rest.partition("/")
        if kind in ("user", "group", "role", "policy", "instance-profile", "mfa"):
            return kind, account, tail.rsplit("/", 1)[-1]
        return "other", account, rest
    if service == "sts":
        return "session", account, rest
    return "other", account, rest


def is_editable(attempt: Attempt, arn: str) -> bool:
    """May the learner change this entity? Only what the lesson's `editable` lists."""
    target = _arn_target(attempt, arn)
    if target is None:
        return False
    kind, account, name = target
    lesson = attempt_lesson(attempt)
    for entry in lesson.editable:
        entry_account = entry.get("account") or lesson.first_account
        if entry["kind"] == "account":
            if account == entry["account"]:
                return True
            continue
        if entry_account != account or entry["kind"] != kind:
            continue
        if entry.get("name", "").lower() == name.lower():
            return True
    return False


# ---------------------------------------------------------------------------------- progress
def progress(user: Any) -> dict[str, dict[str, dict[str, int]]]:
    """Per topic and per domain: lessons done and lessons in total (broken lessons excluded)."""
    cards = [c for c in catalog(user) if not c.broken]
    out: dict[str, dict[str, dict[str, int]]] = {
        "topics": {t: {"done": 0, "total": 0} for t in TOPICS},
        "domains": {d: {"done": 0, "total": 0} for d in DOMAINS},
    }
    for card in cards:
        for group, keys in (("topics", card.topics), ("domains", card.domains)):
            for key in keys:
                entry = out[group].setdefault(key, {"done": 0, "total": 0})
                entry["total"] += 1
                if card.status == "done":
                    entry["done"] += 1
    return out
