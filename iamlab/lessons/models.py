"""Lessons as loaded from their files (one row per version), learners' attempts, and gradings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class LessonVersion(models.Model):
    """One loaded state of a lesson file. A changed file makes a new row; the newest is `current`.
    Attempts point at the row they started with, so an edit never breaks an attempt."""

    lesson_id = models.CharField(max_length=100, db_index=True)
    version = models.PositiveIntegerField(default=0, help_text="the file's `version`")
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the file and includes")
    path = models.CharField(max_length=1000)
    mtime = models.FloatField(default=0, help_text="the file's modification time when read")
    order = models.IntegerField(default=0)
    data = models.JSONField(default=dict, blank=True, help_text="the parsed lesson")
    setup_text = models.TextField(blank=True, help_text="the merged setup, as scenario YAML")
    first_account = models.CharField(max_length=12, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="FILE:LINE:COLUMN: message")
    current = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lesson_id", "content_hash"], name="lesson_version_unique_content"
            ),
            models.UniqueConstraint(
                fields=["lesson_id"], condition=Q(current=True), name="lesson_one_current_version"
            ),
        ]
        ordering = ["order", "lesson_id"]

    def __str__(self) -> str:
        return f"{self.lesson_id} v{self.version}"

    @property
    def broken(self) -> bool:
        return bool(self.problems)


class Attempt(models.Model):
    """A learner working through one lesson in their own sandbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_attempts"
    )
    lesson_id = models.CharField(max_length=100)
    lesson_version = models.PositiveIntegerField(default=0)
    lesson_row = models.ForeignKey(
        LessonVersion, on_delete=models.PROTECT, related_name="attempts", null=True
    )
    sandbox = models.ForeignKey(
        "sandbox.Sandbox", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    hints_used = models.JSONField(default=dict, blank=True, help_text="step id -> hints revealed")
    gradings = models.PositiveIntegerField(default=0)
    best_score = models.IntegerField(null=True, blank=True)
    last_score = models.IntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "lesson_id"], name="attempt_user_lesson")]
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} on {self.lesson_id}"


class Grade(models.Model):
    """One grading of an attempt: the score and every check's result (history is kept)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="grades")
    graded_at = models.DateTimeField(auto_now_add=True)
    score = models.IntegerField()
    passed = models.BooleanField()
    results = models.JSONField(default=list)

    class Meta:
        ordering = ["-graded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.score}"
