"""The checker validates the arguments of `instance_profile` and `role_settings` checks, each
problem at its line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iamlab.lessons.loader import read_lesson_file

LESSON = textwrap.dedent(
    """\
    id: kinds
    title: "New check kinds"
    summary: "x"
    version: 1
    order: 1
    topics: [instance-profiles]
    domains: [secure]
    difficulty: beginner
    minutes: 5
    setup:
      accounts:
        "111122223333":
          roles:
            Web:
              trust_policy:
                Version: "2012-10-17"
                Statement:
                  - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
          instance_profiles:
            WebProfile: {role: Web}
          users:
            admin: {policies: [AdministratorAccess]}
    acting_as: "arn:aws:iam::111122223333:user/admin"
    steps:
      - id: one
        title: One
        instructions: Do it.
        explanation: Done.
        checks:
    {checks}
        solution: []
    """
)


def _problems(tmp_path: Path, checks: str) -> list[str]:
    body = textwrap.indent(textwrap.dedent(checks), "      ")
    path = tmp_path / "kinds.yaml"
    path.write_text(LESSON.replace("{checks}\n", body))
    return [p.split(":", 1)[1] for p in read_lesson_file(path, tmp_path).problems]


@pytest.mark.django_db
def test_good_arguments_have_no_problems(tmp_path):
    assert (
        _problems(
            tmp_path,
            """\
            - id: a
              instance_profile: {instance: web-01, profile: WebProfile, role: Web}
              message: m
            - id: b
              role_settings: {role: Web, max_session_duration: 3600, description: ""}
              message: m
            """,
        )
        == []
    )


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        (
            "- id: a\n  role_settings: {role: Web}\n  message: m\n",
            "31:24: steps[0].checks[0].role_settings: role_settings needs at least one of: "
            "max_session_duration, description",
        ),
        (
            "- id: a\n  role_settings: {role: Web, max_session_duration: 1800}\n  message: m\n",
            "31:58: steps[0].checks[0].role_settings.max_session_duration: must be at least 3600",
        ),
        (
            "- id: a\n  role_settings: {role: Web, max_session_duration: 43201}\n  message: m\n",
            "a role's maximum session duration is at most 43200 seconds",
        ),
        (
            "- id: a\n  role_settings: {role: Web, max_session_duration: 1h}\n  message: m\n",
            "max_session_duration: expected a whole number",
        ),
        (
            "- id: a\n  role_settings: {role: Ghost, description: x}\n  message: m\n",
            "no role named 'Ghost' in account 111122223333",
        ),
        (
            "- id: a\n  instance_profile: {instance: web-01}\n  message: m\n",
            "missing required key 'profile'",
        ),
        (
            "- id: a\n  instance_profile: {instance: web-01, profile: Nope}\n  message: m\n",
            "no instance profile named 'Nope' in account 111122223333",
        ),
        (
            "- id: a\n  instance_profile: {instance: w, profile: WebProfile, role: Db}\n"
            "  message: m\n",
            "no role named 'Db'",
        ),
        (
            "- id: a\n  instance_profile: {instance: w, profile: WebProfile, roles: [Web]}\n"
            "  message: m\n",
            "unknown key 'roles'",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_arguments_are_problems_at_their_place(tmp_path, checks, expected):
    problems = _problems(tmp_path, checks)
    assert any(expected in p for p in problems), problems
