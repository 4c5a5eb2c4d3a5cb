"""Quiz sessions and answers, spaced-repetition cards, and instructors' quiz templates.

Questions are not stored in the database: a session keeps question ids, which are bank ids
(`lessons/questions/*.yaml`) or generated ids (`gen-<kind>-<difficulty>-<seed>`, rebuilt from the
seed on demand).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class QuizTemplate(models.Model):
    """A quiz an instructor composed from topics and domains; learners start sessions from it."""

    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_templates"
    )
    topics = models.JSONField(default=list, blank=True)  # topic slugs; empty = any
    domains = models.JSONField(default=list, blank=True)  # domain slugs; empty = any
    count = models.PositiveIntegerField(default=10)
    minutes = models.PositiveIntegerField(null=True, blank=True)  # None: practice, else timed
    include_generated = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class QuizSession(models.Model):
    PRACTICE = "practice"
    EXAM = "exam"
    REVIEW = "review"  # a session drawn from the spaced-repetition queue
    MODES = [(PRACTICE, "Practice"), (EXAM, "Timed exam"), (REVIEW, "Spaced review")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_sessions"
    )
    mode = models.CharField(max_length=16, choices=MODES)
    title = models.CharField(max_length=200, blank=True)
    template = models.ForeignKey(
        QuizTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    question_ids = models.JSONField(default=list)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)  # exams only; kept server-side
    submitted_at = models.DateTimeField(null=True, blank=True)
    flagged = models.JSONField(default=list, blank=True)  # question ids flagged for review
    auto_submitted = models.BooleanField(default=False)
    correct_count = models.PositiveIntegerField(null=True, blank=True)
    scaled_score = models.PositiveIntegerField(null=True, blank=True)  # 100..1000

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} #{self.pk} of {self.user}"

    @property
    def is_exam(self) -> bool:
        return self.mode == self.EXAM

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def total(self) -> int:
        return len(self.question_ids)

    @property
    def passed(self) -> bool | None:
        from .scoring import PASSING_SCORE

        return None if self.scaled_score is None else self.scaled_score >= PASSING_SCORE

    def time_is_up(self, now=None) -> bool:  # noqa: ANN001
        return self.deadline is not None and (now or timezone.now()) >= self.deadline


class Answer(models.Model):
    session = models.ForeignKey(QuizSession, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=100)
    chosen = models.JSONField(default=list)  # indices of the chosen options, in the bank's order
    correct = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "question_id"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.chosen}"


class ReviewCard(models.Model):
    """One question a learner missed, scheduled by FSRS (the `fsrs` package's Card, as JSON)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question_id = models.CharField(max_length=100)
    card = models.JSONField()  # fsrs.Card.to_dict()
    due = models.DateTimeField(db_index=True)  # copied from the card, for the due queue
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "question_id"], name="one_card_per_question")
        ]
        ordering = ["due"]

    def __str__(self) -> str:
        return f"{self.question_id} due {self.due:%Y-%m-%d %H:%M}"
