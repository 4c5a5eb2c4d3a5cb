"""`lessons check`: every problem as FILE:LINE:COLUMN: message, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

BROKEN = Path(__file__).parent / "broken"


def _check(*paths: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("lessons", "check", *paths, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


@pytest.mark.django_db
def test_the_whole_catalog_is_clean():
    output, code = _check()
    assert code == 0, output
    last = output.strip().splitlines()[-1]
    assert last.endswith("lessons OK")
    assert int(last.split()[0]) >= 5


# file, line, column, words of the message
PROBLEMS = [
    ("syntax-error.yaml", 6, 1, "not valid YAML"),
    ("unknown-key.yaml", 12, 1, "unknown key 'stepz'"),
    ("unknown-key.yaml", 12, 1, "did you mean 'steps'?"),
    ("unknown-key.yaml", 18, 5, "did you mean 'hints'?"),
    ("wrong-types.yaml", 4, 10, "version: expected a whole number, found text 'one'"),
    ("wrong-types.yaml", 6, 17, "'no-such-topic' is not one of"),
    ("wrong-types.yaml", 7, 10, "list at least one of the domains"),
    ("wrong-types.yaml", 8, 13, "'expert' is not one of: beginner, intermediate, advanced"),
    ("wrong-types.yaml", 18, 32, "cost: expected a whole number"),
    ("wrong-types.yaml", 20, 9, "a check needs exactly one kind (found exists, absent)"),
    ("wrong-types.yaml", 25, 51, "days: expected a whole number, found text 'soon'"),
    ("references.yaml", 10, 17, "prerequisites[0]: no lesson 'no-such-lesson'"),
    ("references.yaml", 11, 8, "no quiz question 'no-such-question'"),
    ("references.yaml", 21, 26, "no user named 'ghost' in account 111122223333"),
    ("references.yaml", 24, 40, "no group named 'Devs'"),
    ("references.yaml", 29, 46, "no policy named 'NoSuchPolicy'"),
    ("references.yaml", 31, 15, "no operation 'no_such_operation'"),
    ("references.yaml", 41, 13, "duplicate check id 'one'"),
    ("bad-policy.yaml", 19, 25, 'invalid policy: Syntax errors in policy. Effect must be "Allow"'),
    ("bad-policy.yaml", 38, 13, "invalid policy: Policy document should not specify a principal"),
    ("bad-setup.yaml", 16, 20, "no group named 'NoSuchGroup'"),
    ("bad-setup.yaml", 25, 38, "no group named 'Admins'"),
    ("missing-include.yaml", 1, 5, "the id 'wrong-name' must equal the file name"),
    ("missing-include.yaml", 11, 12, "no shared piece 'three-accounts'"),
]


@pytest.fixture(scope="module")
def broken_output(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return _check(str(BROKEN))


@pytest.mark.parametrize(("name", "line", "column", "words"), PROBLEMS)
def test_each_problem_is_reported_with_its_place(broken_output, name, line, column, words):
    output, code = broken_output
    assert code == 1
    prefix = f"{BROKEN.relative_to(Path.cwd()) / name}:{line}:{column}: "
    lines = [text for text in output.splitlines() if text.startswith(prefix)]
    assert any(words in text for text in lines), f"{prefix}{words!r} not in:\n{output}"


def test_the_last_line_counts_problems_and_lessons(broken_output):
    output, _ = broken_output
    problems = [line for line in output.splitlines() if ".yaml:" in line]
    assert output.strip().splitlines()[-1] == f"{len(problems)} problems in 7 lessons"
    assert "Traceback" not in output


@pytest.mark.django_db
def test_one_file_can_be_checked_alone():
    output, code = _check(str(BROKEN / "unknown-key.yaml"))
    assert code == 1
    assert output.strip().splitlines()[-1] == "2 problems in 1 lessons"


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00id: x")
    output, code = _check(str(path))
    assert code == 1
    assert "cannot read the file" in output


def test_check_on_a_database_never_migrated_says_what_to_do(tmp_path):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "manage.py", "lessons", "check"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "run `python manage.py migrate` first" in result.stderr
    assert "Traceback" not in result.stderr
