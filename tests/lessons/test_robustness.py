"""Whatever an author writes, the checker answers with problems, never a traceback."""

from __future__ import annotations

import re
import textwrap

import pytest

from iamlab.lessons import references
from iamlab.lessons.loader import read_lesson_file

HEAD = textwrap.dedent(
    """\
    id: {id}
    title: t
    summary: s
    version: 1
    order: 1
    topics: [users]
    domains: [secure]
    difficulty: beginner
    minutes: 5
    acting_as: "arn:aws:iam::111122223333:user/admin"
    """
)
ADMIN = "arn:aws:iam::111122223333:user/admin"
STEP = "{id: a, title: t, instructions: i, explanation: e, "

WEIRD = {
    "accounts-list": (
        "setup: {accounts: [1, 2]}\nsteps: text\n",
        "setup.accounts: expected a mapping",
    ),
    "account-list": (
        "setup: {accounts: {'111122223333': [1]}}\nsteps: [5, {id: a}]\n",
        "steps[1]: missing required key 'title'",
    ),
    "users-list": (
        "setup: {accounts: {'111122223333': {users: [admin]}}}\nsteps:\n  - "
        + STEP
        + "checks: 5, solution: [1, {as: x, call: y}]}\n",
        "'y' is not MODULE.operation",
    ),
    "include-number": (
        "setup: {include: 7}\nsteps:\n  - "
        + STEP
        + "checks: [{id: c, message: m, can: 5}], solution: []}\n",
        "include lists names",
    ),
    "setup-list": ("setup: []\nsteps: []\neditable: [5, {user: a, group: b}]\n", "give one of"),
    "document-list": (
        "setup: {accounts: {'111122223333': {users: {admin: {}},\n"
        "  policies: {P: {document: [1]}}}}}\n"
        "steps:\n  - " + STEP + "checks: [{id: c, message: m, exists: {type: user, name: a}}], "
        "solution: [{clock: 5}, {as: '" + ADMIN + "', call: iam.create_policy, "
        "params: {PolicyName: X, PolicyDocument: [1]}}]}\n",
        "a policy document is a mapping or JSON text",
    ),
    "path-in-include": ("setup: {include: [../../etc/passwd]}\nsteps: []\n", "not a shared piece"),
    "not-json": (
        "setup: {accounts: {'111122223333': {users: {admin: {}}}}}\nsteps:\n  - "
        + STEP
        + "checks: [{id: c, message: m, exists: {type: role, name: R}}], solution: [{as: '"
        + ADMIN
        + "', call: iam.create_role, params: {RoleName: R, AssumeRolePolicyDocument: 'nope'}}]}\n",
        "invalid policy",
    ),
}
LINE = re.compile(r"^.+\.yaml:\d+:\d+: .+")


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WEIRD))
def test_odd_input_gives_problems_with_places(tmp_path, name):
    body, words = WEIRD[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(HEAD.format(id=name) + body)
    lesson = read_lesson_file(path, tmp_path)
    assert lesson.broken
    assert all(LINE.match(p) for p in lesson.problems), lesson.problems
    assert any(words in p for p in lesson.problems), lesson.problems


@pytest.mark.django_db
def test_a_top_level_list_is_a_problem(tmp_path):
    path = tmp_path / "listed.yaml"
    path.write_text("- just a list\n")
    assert read_lesson_file(path, tmp_path).problems == [
        f"{path}:1:1: expected a mapping (key: value), found a list"
    ]


@pytest.mark.django_db
def test_a_failure_of_the_checker_itself_is_reported_as_a_problem(tmp_path, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(references, "check", crash)
    path = tmp_path / "fine.yaml"
    path.write_text(
        HEAD.format(id="fine")
        + "setup: {accounts: {'111122223333': {users: {admin: {}}}}}\nsteps: []\n"
    )
    problems = read_lesson_file(path, tmp_path).problems
    assert len(problems) == 1
    assert "the checker failed on this file (KeyError" in problems[0]
