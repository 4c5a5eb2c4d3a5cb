"""`lessons selftest` and `lessons load` over the whole catalog, and the ways a lesson fails."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from iamlab.lessons.loader import read_lesson_file
from iamlab.lessons.models import LessonVersion
from iamlab.lessons.selftest import selftest

from .conftest import TINY

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("lessons", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


def test_every_lesson_of_the_catalog_passes_its_selftest():
    output, code = _run("selftest")
    assert code == 0, output
    assert "FAIL" not in output
    assert output.strip().splitlines()[-1].endswith("lessons passed")


@pytest.mark.parametrize(
    "lesson_id",
    [
        "secure-root-user",
        "groups-not-users",
        "policy-anatomy",
        "lambda-least-privilege",
        "cross-account-role",
    ],
)
def test_the_five_framework_lessons_pass_one_by_one(lesson_id):
    output, code = _run("selftest", lesson_id)
    assert code == 0, output
    assert f"OK    {lesson_id}" in output


def test_a_lesson_whose_solution_falls_short_fails(lessons_folder):
    path = lessons_folder / "tiny.yaml"
    path.write_text(
        TINY.replace(
            "params: {GroupName: Devs, UserName: bob}", "params: {GroupName: Devs, UserName: admin}"
        )
    )
    result = selftest(read_lesson_file(path, lessons_folder))
    assert not result.ok
    assert any("check bob-in-devs fails after the solution" in f for f in result.failures)


def test_a_lesson_that_passes_from_the_start_fails(lessons_folder):
    path = lessons_folder / "tiny.yaml"
    passing = TINY.replace("bob: {}", "bob: {groups: [Devs]}").replace(
        "Admins: {policies: [AdministratorAccess]}",
        "Admins: {policies: [AdministratorAccess]}\n        Devs: {}",
    )
    path.write_text(passing)
    result = selftest(read_lesson_file(path, lessons_folder))
    assert not result.ok
    assert "every check already passes on the starting sandbox" in result.failures


def test_a_solution_action_the_sandbox_refuses_fails_with_its_error(lessons_folder):
    path = lessons_folder / "tiny.yaml"
    path.write_text(
        TINY.replace(
            'as: "arn:aws:iam::111122223333:user/admin"\n        call: iam.create_group',
            'as: "arn:aws:iam::111122223333:user/bob"\n        call: iam.create_group',
            1,
        )
    )
    result = selftest(read_lesson_file(path, lessons_folder))
    assert not result.ok
    assert any(
        "solution action 1 (iam.create_group) failed: AccessDenied" in f for f in result.failures
    )


def test_selftest_by_id_reports_the_failing_lesson_and_exits_1(lessons_folder):
    output, code = _run("selftest", "broken")
    assert code == 1
    assert "FAIL  broken" in output
    assert "version: expected a whole number" in output


def test_selftest_leaves_no_sandbox_behind(lessons_folder):
    from iamlab.sandbox.models import Sandbox

    _run("selftest", "tiny")
    assert not Sandbox.objects.exists()


def test_load_stores_every_lesson_with_broken_ones_marked(lessons_folder):
    output, code = _run("load")
    assert code == 0
    assert "tiny v1: ok" in output
    assert "broken v0: BROKEN" in output
    assert output.strip().splitlines()[-1] == "2 lessons loaded, 1 broken"
    assert LessonVersion.objects.filter(current=True).count() == 2
    _run("load")  # loading unchanged files again adds no version
    assert LessonVersion.objects.count() == 2
    (lessons_folder / "broken.yaml").unlink()
    _run("load")
    assert list(LessonVersion.objects.filter(current=True).values_list("lesson_id", flat=True)) == [
        "tiny"
    ]
