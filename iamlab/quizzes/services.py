"""What the web layer (and the dashboard) may do with quizzes: keyword-only, typed functions.

Practice gives feedback after every answer; a timed exam keeps its deadline in the database, takes
answers only until then and is submitted automatically once it has passed; review shows everything
after submission. Every missed question becomes an FSRS card (the `fsrs` package) and comes back in
the learner's daily review queue.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from fsrs import Card, Rating, Scheduler

from . import generator
from .bank import Question, get_bank
from .models import Answer, QuizSession, QuizTemplate, ReviewCard
from .questions import get_question
from .scoring import PASSING_SCORE, Tally, scaled_score
from .vocab import DOMAINS, domain_title, topic_title

EXAM_QUESTIONS = 65
EXAM_MINUTES = 130
MAX_QUESTIONS = 100
MAX_MINUTES = 300
REVIEW_BATCH = 20

# No learning steps: a missed question comes back the next day, then at FSRS's growing intervals.
# Fuzzing off so that the schedule is the same every time (and in tests).
_SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


class QuizClosed(Exception):
    """The session takes no more answers: it was submitted or its time is up."""


class InvalidAnswer(ValueError):
    """The chosen options do not fit the question (wrong count, unknown option)."""


# ----------------------------------------------------------------------------- roles


def is_instructor(user) -> bool:  # noqa: ANN001
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.groups.filter(name="instructors").exists())


# ----------------------------------------------------------------------------- choosing questions


def _fits(question: Question, topics: Sequence[str], domains: Sequence[str]) -> bool:
    if topics and not set(question.topics) & set(topics):
        return False
    return not (domains and question.domain not in domains)


def _generated_fit(topics: Sequence[str], domains: Sequence[str]) -> bool:
    """Generated questions are all about policy evaluation, in the Secure domain."""
    return (not topics or "policy-anatomy" in topics) and (not domains or "secure" in domains)


def select_questions(
    *,
    count: int,
    topics: Sequence[str] = (),
    domains: Sequence[str] = (),
    include_generated: bool = True,
    rng: random.Random | None = None,
) -> list[str]:
    """Up to `count` question ids: bank questions that fit first, then generated ones if allowed."""
    rng = rng or random.Random()
    pool = sorted(q.id for q in get_bank().questions.values() if _fits(q, topics, domains))
    chosen = rng.sample(pool, min(count, len(pool)))
    missing = count - len(chosen)
    if missing > 0 and include_generated and _generated_fit(topics, domains):
        chosen += generator.random_ids(rng, missing)
    rng.shuffle(chosen)
    return chosen


def _clean(slugs: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    return [s for s in dict.fromkeys(slugs) if s in allowed]


def start_practice(
    user,  # noqa: ANN001
    *,
    count: int = 10,
    topics: Sequence[str] = (),
    domains: Sequence[str] = (),
    include_generated: bool = True,
    title: str = "",
    template: QuizTemplate | None = None,
) -> QuizSession:
    from .vocab import TOPICS

    topics, domains = _clean(topics, TOPICS), _clean(domains, DOMAINS)
    count = max(1, min(count, MAX_QUESTIONS))
    ids = select_questions(
        count=count, topics=topics, domains=domains, include_generated=include_generated
    )
    return QuizSession.objects.create(
        user=user,
        mode=QuizSession.PRACTICE,
        title=title or "Practice",
        question_ids=ids,
        template=template,
    )


def start_exam(
    user,  # noqa: ANN001
    *,
    count: int = EXAM_QUESTIONS,
    minutes: int = EXAM_MINUTES,
    topics: Sequence[str] = (),
    domains: Sequence[str] = (),
    include_generated: bool = True,
    title: str = "",
    template: QuizTemplate | None = None,
    now: datetime | None = None,
) -> QuizSession:
    """A timed exam; its deadline is stored now, so a reload never resets the clock."""
    from .vocab import TOPICS

    topics, domains = _clean(topics, TOPICS), _clean(domains, DOMAINS)
    count = max(1, min(count, MAX_QUESTIONS))
    minutes = max(1, min(minutes, MAX_MINUTES))
    now = now or timezone.now()
    ids = select_questions(
        count=count, topics=topics, domains=domains, include_generated=include_generated
    )
    default_title = (
        "SAA-C03 practice exam"
        if (count, minutes) == (EXAM_QUESTIONS, EXAM_MINUTES)
        else "Custom timed exam"
    )
    return QuizSession.objects.create(
        user=user,
        mode=QuizSession.EXAM,
        title=title or default_title,
        question_ids=ids,
        started_at=now,
        deadline=now + timedelta(minutes=minutes),
        template=template,
    )


def start_from_template(user, template: QuizTemplate) -> QuizSession:  # noqa: ANN001
    kwargs = {
        "count": template.count,
        "topics": template.topics,
        "domains": template.domains,
        "include_generated": template.include_generated,
        "title": template.title,
        "template": template,
    }
    if template.minutes:
        return start_exam(user, minutes=template.minutes, **kwargs)
    return start_practice(user, **kwargs)


def start_review(user, *, now: datetime | None = None) -> QuizSession | None:  # noqa: ANN001
    """A practice-style session of the questions due today, or None when nothing is due."""
    ids = due_question_ids(user, now=now)[:REVIEW_BATCH]
    if not ids:
        return None
    return QuizSession.objects.create(
        user=user, mode=QuizSession.REVIEW, title="Spaced review", question_ids=ids
    )


def compose_template(
    user,  # noqa: ANN001
    *,
    title: str,
    topics: Sequence[str] = (),
    domains: Sequence[str] = (),
    count: int = 10,
    minutes: int | None = None,
    include_generated: bool = True,
) -> QuizTemplate:
    if not is_instructor(user):
        raise PermissionError("only instructors compose quizzes")
    from .vocab import TOPICS

    return QuizTemplate.objects.create(
        title=title.strip() or "Untitled quiz",
        created_by=user,
        topics=_clean(topics, TOPICS),
        domains=_clean(domains, DOMAINS),
        count=max(1, min(count, MAX_QUESTIONS)),
        minutes=max(1, min(minutes, MAX_MINUTES)) if minutes else None,
        include_generated=include_generated,
    )


# ----------------------------------------------------------------------------- answering


def close_if_expired(session: QuizSession, *, now: datetime | None = None) -> bool:
    """Submit an exam whose time is up (whenever it is next looked at). True if it did."""
    if session.is_submitted or not session.time_is_up(now):
        return False
    submit(session, now=session.deadline, auto=True)
    return True


def answers_by_question(session: QuizSession) -> dict[str, Answer]:
    return {a.question_id: a for a in session.answers.all()}


def record_answer(
    session: QuizSession,
    *,
    question_id: str,
    chosen: Iterable[int],
    now: datetime | None = None,
) -> Answer:
    """Save the learner's choice. Practice and review answer once; an exam may change answers."""
    now = now or timezone.now()
    if close_if_expired(session, now=now) or session.is_submitted:
        raise QuizClosed("this quiz has been submitted")
    if question_id not in session.question_ids:
        raise InvalidAnswer("that question is not part of this quiz")
    question = get_question(question_id)
    if question is None:
        raise InvalidAnswer("that question is no longer in the bank")
    picked = sorted(set(chosen))
    if any(i < 0 or i >= len(question.options) for i in picked):
        raise InvalidAnswer("unknown option")
    if len(picked) != question.pick:
        raise InvalidAnswer(
            "choose one option" if question.pick == 1 else f"choose {question.pick} options"
        )
    correct = question.is_correct(picked)
    with transaction.atomic():
        existing = session.answers.select_for_update().filter(question_id=question_id).first()
        if existing is not None and not session.is_exam:
            return existing  # feedback was shown already: the first answer stands
        if existing is not None:
            existing.chosen, existing.correct, existing.answered_at = picked, correct, now
            existing.save(update_fields=["chosen", "correct", "answered_at"])
            return existing
        answer = Answer.objects.create(
            session=session,
            question_id=question_id,
            chosen=picked,
            correct=correct,
            answered_at=now,
        )
    if not session.is_exam:
        _schedule(session.user, question_id, correct, now)
    return answer


def toggle_flag(session: QuizSession, *, question_id: str) -> bool:
    """Flag or unflag a question for review before submitting; returns the new state."""
    if session.is_submitted or question_id not in session.question_ids:
        return question_id in session.flagged
    flagged = list(session.flagged)
    if question_id in flagged:
        flagged.remove(question_id)
    else:
        flagged.append(question_id)
    session.flagged = flagged
    session.save(update_fields=["flagged"])
    return question_id in flagged


def submit(session: QuizSession, *, now: datetime | None = None, auto: bool = False) -> QuizSession:
    """Finish the session: score it and schedule every missed question for spaced review."""
    if session.is_submitted:
        return session
    now = now or timezone.now()
    answers = answers_by_question(session)
    correct = sum(1 for qid in session.question_ids if qid in answers and answers[qid].correct)
    session.correct_count = correct
    session.scaled_score = scaled_score(correct, session.total)
    session.submitted_at = now
    session.auto_submitted = auto
    session.save(update_fields=["correct_count", "scaled_score", "submitted_at", "auto_submitted"])
    if session.is_exam:
        # Practice and review answers were scheduled as they came; an exam's are scheduled now.
        for qid in session.question_ids:
            answer = answers.get(qid)
            _schedule(session.user, qid, bool(answer and answer.correct), now)
    return session


# ----------------------------------------------------------------------------- spaced repetition


def _schedule(user, question_id: str, correct: bool, now: datetime) -> None:  # noqa: ANN001
    """Missed questions get (or lapse) a card; a right answer only advances an existing card."""
    card_row = ReviewCard.objects.filter(user=user, question_id=question_id).first()
    if card_row is None and correct:
        return
    card = Card.from_dict(card_row.card) if card_row else Card()
    card, _log = _SCHEDULER.review_card(card, Rating.Good if correct else Rating.Again, now)
    if card_row is None:
        ReviewCard.objects.create(
            user=user,
            question_id=question_id,
            card=card.to_dict(),
            due=card.due,
            reviews=1,
            lapses=1,
            updated_at=now,
        )
        return
    card_row.card = card.to_dict()
    card_row.due = card.due
    card_row.reviews += 1
    card_row.lapses += 0 if correct else 1
    card_row.updated_at = now
    card_row.save()


def _end_of_day(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=local.tzinfo)


def due_question_ids(user, *, now: datetime | None = None) -> list[str]:  # noqa: ANN001
    """Questions whose card is due by the end of today, most overdue first."""
    end = _end_of_day(now or timezone.now())
    ids = ReviewCard.objects.filter(user=user, due__lt=end).order_by("due", "pk")
    return [qid for qid in ids.values_list("question_id", flat=True) if get_question(qid)]


def due_count(user, *, now: datetime | None = None) -> int:  # noqa: ANN001
    """How many missed questions are due for review today (for the dashboard)."""
    return len(due_question_ids(user, now=now))


# ----------------------------------------------------------------------------- results


@dataclass(slots=True)
class Results:
    session: QuizSession
    correct: int
    total: int
    score: int
    passed: bool
    by_domain: list[Tally] = field(default_factory=list)
    by_topic: list[Tally] = field(default_factory=list)


def results(session: QuizSession) -> Results:
    answers = answers_by_question(session)
    domains: dict[str, Tally] = {}
    topics: dict[str, Tally] = {}
    correct = 0
    for qid in session.question_ids:
        question = get_question(qid)
        ok = qid in answers and answers[qid].correct
        correct += ok
        if question is None:
            continue
        tally = domains.setdefault(
            question.domain, Tally(question.domain, domain_title(question.domain))
        )
        tally.total += 1
        tally.correct += ok
        for slug in question.topics:
            t = topics.setdefault(slug, Tally(slug, topic_title(slug)))
            t.total += 1
            t.correct += ok
    score = (
        session.scaled_score
        if session.scaled_score is not None
        else scaled_score(correct, session.total)
    )
    order = list(DOMAINS)
    return Results(
        session=session,
        correct=correct,
        total=session.total,
        score=score,
        passed=score >= PASSING_SCORE,
        by_domain=sorted(domains.values(), key=lambda t: order.index(t.slug)),
        by_topic=sorted(topics.values(), key=lambda t: (t.percent, t.title)),
    )


@dataclass(slots=True)
class ReviewOption:
    index: int
    text: str
    correct: bool
    chosen: bool
    explanation: str


@dataclass(slots=True)
class ReviewItem:
    number: int
    question_id: str
    question: Question | None
    answered: bool
    correct: bool
    flagged: bool
    options: list[ReviewOption]


def review_items(session: QuizSession) -> list[ReviewItem]:
    """Every question with the learner's answer, the right one and every option's explanation."""
    answers = answers_by_question(session)
    items = []
    for number, qid in enumerate(session.question_ids, start=1):
        question = get_question(qid)
        answer = answers.get(qid)
        chosen = set(answer.chosen) if answer else set()
        options = [
            ReviewOption(i, o.text, o.correct, i in chosen, o.explanation)
            for i, o in enumerate(question.options if question else ())
        ]
        items.append(
            ReviewItem(
                number=number,
                question_id=qid,
                question=question,
                answered=answer is not None,
                correct=bool(answer and answer.correct),
                flagged=qid in session.flagged,
                options=options,
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    session_id: int
    mode: str
    title: str
    submitted_at: datetime
    score: int
    correct: int
    total: int
    passed: bool


def history(user, *, limit: int = 30) -> list[HistoryPoint]:  # noqa: ANN001
    """The learner's submitted sessions, oldest first (the last `limit`), for charts."""
    rows = (
        QuizSession.objects.filter(user=user, submitted_at__isnull=False)
        .order_by("-submitted_at")
        .only(
            "id", "mode", "title", "submitted_at", "scaled_score", "correct_count", "question_ids"
        )[:limit]
    )
    points = [
        HistoryPoint(
            session_id=s.pk,
            mode=s.mode,
            title=s.title,
            submitted_at=s.submitted_at,
            score=s.scaled_score or 100,
            correct=s.correct_count or 0,
            total=s.total,
            passed=(s.scaled_score or 0) >= PASSING_SCORE,
        )
        for s in rows
    ]
    points.reverse()
    return points
