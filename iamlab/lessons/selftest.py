"""`lessons selftest`: a lesson's setup must fail at least one check, and its reference solution
must pass them all. Each lesson runs in a transaction that is rolled back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import transaction

from iamlab.sandbox.scenario import ScenarioError, load_scenario
from iamlab.sandbox.services.errors import AwsError

from .grader import apply_action, run_checks
from .lesson import Lesson
from .loader import LessonFile
from .references import first_account


@dataclass
class SelftestResult:
    lesson_id: str
    ok: bool
    failures: list[str] = field(default_factory=list)


class _Rollback(Exception):
    pass


def _lesson(lesson_file: LessonFile) -> Lesson:
    import yaml

    setup = yaml.safe_load(lesson_file.setup_text) or {}
    return Lesson.from_data(lesson_file.data, lesson_file.setup_text, first_account(setup) or "")


def selftest(lesson_file: LessonFile) -> SelftestResult:
    result = SelftestResult(lesson_file.lesson_id, ok=False)
    if lesson_file.broken:
        result.failures = [
            f"the lesson has problems (run `lessons check`): {p}" for p in lesson_file.problems
        ]
        return result
    lesson = _lesson(lesson_file)
    try:
        with transaction.atomic():
            _run(lesson, result)
            raise _Rollback
    except _Rollback:
        pass
    result.ok = not result.failures
    return result


def _run(lesson: Lesson, result: SelftestResult) -> None:
    try:
        sandbox = load_scenario(lesson.setup_text, name=f"selftest-{uuid.uuid4().hex[:16]}")
    except ScenarioError as exc:
        result.failures.append(f"the setup does not load: {exc}")
        return
    before = run_checks(lesson, sandbox)
    if all(c.passed for c in before):
        result.failures.append("every check already passes on the starting sandbox")
    for step in lesson.steps:
        for i, action in enumerate(step.solution):
            try:
                apply_action(sandbox, action)
            except AwsError as exc:
                what = action.call or "clock"
                result.failures.append(
                    f"step {step.id}: solution action {i + 1} ({what}) failed: "
                    f"{exc.code}: {exc.message}"
                )
                return
            except Exception as exc:  # noqa: BLE001 - a sandbox bug is reported, not raised
                what = action.call or "clock"
                result.failures.append(
                    f"step {step.id}: solution action {i + 1} ({what}) crashed: "
                    f"{type(exc).__name__}: {exc}"
                )
                return
            sandbox.refresh_from_db()
    for check in run_checks(lesson, sandbox):
        if not check.passed:
            result.failures.append(
                f"step {check.step_id}: check {check.check_id} fails after the solution: "
                f"{check.detail}"
            )
