"""A small lessons folder of our own, so the services are tested against known lessons."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

TINY = textwrap.dedent(
    """\
    id: tiny
    title: "A tiny lesson"
    summary: "Make a group and put bob in it."
    version: 1
    order: 20
    topics: [groups]
    domains: [secure]
    difficulty: beginner
    minutes: 5
    setup:
      clock: {now: 2026-03-02T09:00:00Z}
      accounts:
        "111122223333":
          groups:
            Admins: {policies: [AdministratorAccess]}
          users:
            admin: {groups: [Admins]}
            bob: {}
    acting_as: "arn:aws:iam::111122223333:user/admin"
    editable:
      - group: Devs
      - user: bob
    steps:
      - id: make-group
        title: Make the group
        instructions: "Create `Devs` and add bob."
        hints:
          - {text: "CreateGroup first.", cost: 5}
          - {text: "Then AddUserToGroup.", cost: 10}
        checks:
          - id: group-exists
            exists: {type: group, name: Devs}
            message: "Create the group Devs."
          - id: bob-in-devs
            in_group: {user: bob, group: Devs}
            message: "Add bob to Devs."
        explanation: "Done."
        solution:
          - as: "arn:aws:iam::111122223333:user/admin"
            call: iam.create_group
            params: {GroupName: Devs}
          - as: "arn:aws:iam::111122223333:user/admin"
            call: iam.add_user_to_group
            params: {GroupName: Devs, UserName: bob}
      - id: keep-bob
        title: Keep bob
        instructions: "Do not delete bob."
        checks:
          - id: bob-exists
            exists: {type: user, name: bob}
            message: "bob must still exist."
        explanation: "Good."
        solution: []
    """
)


@pytest.fixture
def lessons_folder(tmp_path: Path, settings) -> Path:
    """A lessons folder with the lesson `tiny` (and a broken one, `broken`), used by services."""
    folder = tmp_path / "lessons"
    (folder / "shared").mkdir(parents=True)
    (folder / "tiny.yaml").write_text(TINY)
    (folder / "broken.yaml").write_text(
        TINY.replace("id: tiny", "id: broken")
        .replace("order: 20", "order: 10")
        .replace("version: 1", "version: first")
    )
    settings.LESSONS_DIR = folder
    settings.DEBUG = False
    return folder
