"""The annotated example in docs/lesson-format.md is a lesson the checker accepts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from iamlab.lessons.loader import read_lesson_file
from iamlab.lessons.schema import CHECK_KINDS

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "lesson-format.md"


def _example() -> str:
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(), flags=re.S | re.M)
    return blocks[0]


@pytest.mark.django_db
def test_the_documented_example_has_no_problems(tmp_path):
    (tmp_path / "shared").mkdir()
    shutil.copy(ROOT / "lessons" / "shared" / "two-accounts.yaml", tmp_path / "shared")
    path = tmp_path / "cross-account-role.yaml"
    path.write_text(_example())
    lesson = read_lesson_file(path, tmp_path)
    assert lesson.problems == []
    assert [s["id"] for s in lesson.data["steps"]] == ["source-group", "target-role", "assume-it"]


def test_every_check_kind_is_documented():
    text = DOC.read_text()
    for kind in CHECK_KINDS:
        assert re.search(rf"^\| `{kind}`|/ `{kind}` \|", text, flags=re.M), kind
