"""`manage.py quizzes check`: problems as FILE:LINE:COLUMN, exit 1 on any, `N questions OK` last."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .conftest import FIXTURES


def run(*args):
    out = StringIO()
    call_command("quizzes", "check", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_passes_the_fixture_bank():
    lines = run(str(FIXTURES / "questions"), "--lessons", str(FIXTURES / "lessons"))
    assert lines[-1] == "4 questions OK"


def test_it_fails_with_every_problem_and_exit_status_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: Bad_Id\n  stem: ''\n")
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("quizzes", "check", str(bad), stdout=out)
    assert caught.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert any(
        line.endswith(
            "bad.yaml:1:7: id 'Bad_Id' must be a slug: lowercase letters, digits and single hyphens"
        )
        for line in lines
    )
    assert any(line.endswith("bad.yaml:2:9: stem must not be empty") for line in lines)
    assert any("bad.yaml:1:3: the question has no 'options'" in line for line in lines)
    assert "0 questions OK" in str(caught.value)


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("quizzes", "check", str(tmp_path / "nope.yaml"), stdout=out)
    assert out.getvalue().strip().endswith("nope.yaml:1:1: no such file")


def test_the_real_bank_passes_with_at_least_100_questions():
    lines = run()
    count = int(lines[-1].split()[0])
    assert lines[-1] == f"{count} questions OK"
    assert count >= 100
