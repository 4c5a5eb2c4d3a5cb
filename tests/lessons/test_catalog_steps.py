"""Steps of catalog lessons graded with the new check kinds: each step's checks fail before
its solution and pass after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from iamlab.lessons.grader import apply_action, run_checks
from iamlab.lessons.loader import read_lesson_file
from iamlab.lessons.selftest import _lesson
from iamlab.sandbox.scenario import load_scenario

LESSONS = Path(__file__).resolve().parents[2] / "lessons"

pytestmark = pytest.mark.django_db


def _start(lesson_id: str):
    lesson_file = read_lesson_file(LESSONS / f"{lesson_id}.yaml", LESSONS)
    assert lesson_file.problems == []
    lesson = _lesson(lesson_file)
    return lesson, load_scenario(lesson.setup_text, name=f"steps-{lesson_id}")


def _solve(lesson, sandbox, step_id: str, actions: slice = slice(None)) -> None:
    step = next(s for s in lesson.steps if s.id == step_id)
    for action in step.solution[actions]:
        apply_action(sandbox, action)
        sandbox.refresh_from_db()


def _detail(lesson, sandbox, check_id: str) -> tuple[bool, str]:
    result = next(r for r in run_checks(lesson, sandbox) if r.check_id == check_id)
    return result.passed, result.detail


def _step_passes(lesson, sandbox, step_id: str) -> bool:
    return all(r.passed for r in run_checks(lesson, sandbox) if r.step_id == step_id)


def test_helpdesk_short_sessions_is_graded_on_max_session_duration():
    lesson, sandbox = _start("helpdesk-mfa-elevation")
    assert lesson.version >= 2
    assert not _step_passes(lesson, sandbox, "short-sessions")
    passed, detail = _detail(lesson, sandbox, "one-hour-sessions")
    assert not passed
    assert "43200 seconds (12 hours), not 3600 seconds (1 hour)" in detail
    _solve(lesson, sandbox, "low-standing")
    _solve(lesson, sandbox, "require-mfa")
    assert not _step_passes(lesson, sandbox, "short-sessions")  # earlier steps do not pass it
    _solve(lesson, sandbox, "short-sessions")
    assert _step_passes(lesson, sandbox, "short-sessions")


def test_instance_profiles_checks_the_association_itself():
    lesson, sandbox = _start("instance-profiles")
    assert lesson.version >= 2
    _solve(lesson, sandbox, "role-for-ec2")
    # the profile made and holding the role, but not yet associated with the instance
    _solve(lesson, sandbox, "profile", slice(0, 2))
    passed, detail = _detail(lesson, sandbox, "profile-on-instance")
    assert not passed
    assert "i-0ca7f00d5e1f1e555 (photo-resizer) has no instance profile associated" in detail
    assert _detail(lesson, sandbox, "profile-exists")[0]  # the old check alone would pass
    _solve(lesson, sandbox, "profile", slice(2, None))
    passed, detail = _detail(lesson, sandbox, "profile-on-instance")
    assert passed, detail
    assert _step_passes(lesson, sandbox, "profile")


def test_an_empty_profile_on_the_instance_does_not_pass():
    from iamlab.sandbox.services import iam, principals, resources_compute

    lesson, sandbox = _start("instance-profiles")
    admin = principals.as_user(sandbox, "admin")
    iam.create_instance_profile(admin, InstanceProfileName="PhotoResizer")
    resources_compute.associate_iam_instance_profile(
        admin, InstanceId="i-0ca7f00d5e1f1e555", IamInstanceProfile={"Name": "PhotoResizer"}
    )
    passed, detail = _detail(lesson, sandbox, "profile-on-instance")
    assert not passed
    assert "PhotoResizer on i-0ca7f00d5e1f1e555 (photo-resizer) holds no role" in detail
