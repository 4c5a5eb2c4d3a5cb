"""Hostile lesson files and scenarios (issue 5): random YAML text, random structures under the
lesson's keys, broken indentation, huge numbers, anchors and aliases.

The lesson checker (`read_lesson_file`, what `lessons check` and the catalog use) must turn every
one into problems, never let an exception escape, never fall back on its "the checker failed"
safety net, and give every problem as `FILE:LINE:COLUMN: message`. The scenario loader raises
nothing but ScenarioError, each problem with its line and column. An alias bomb ("billion
laughs") is refused quickly instead of being expanded.
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlab.lessons.loader import read_lesson_file
from iamlab.lessons.schema.vocabulary import STEP_KEYS, TOP_KEYS
from iamlab.sandbox.scenario import ScenarioError, load_scenario

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SOURCE = Path(getattr(django_settings, "LESSONS_DIR", django_settings.BASE_DIR / "lessons"))
GOOD_LESSON = (SOURCE / "secure-root-user.yaml").read_text(encoding="utf-8")
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): \S")
CHECKER_FAILED = "the checker failed on this file"
QUICK = 5.0  # seconds: a refused bomb must not take longer than this

SCENARIO_KEYS = ["format", "description", "clock", "accounts", "organization", "activity"]
ACCOUNT_KEYS = ["alias", "root", "users", "groups", "roles", "policies", "buckets"]
CHECK_KINDS = ["user_exists", "user_in_group", "access", "root_has_no_access_keys", "group"]
WORDS = st.sampled_from(
    [
        *TOP_KEYS,
        *STEP_KEYS,
        *SCENARIO_KEYS,
        *ACCOUNT_KEYS,
        *CHECK_KINDS,
        "111122223333",
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:user/alice",
        "iam.create_user",
        "UserName",
        "as",
        "call",
        "params",
        "clock",
        "text",
        "cost",
        "include",
        "two-accounts",
        "../../etc/passwd",
        "secure",
        "beginner",
        "-1d",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    WORDS,
)
STRUCTURES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(WORDS, st.text(max_size=6)), inner, max_size=5),
    ),
    max_leaves=30,
)
YAML_TOKENS = st.sampled_from(
    [*"abc:-[]{}&*!|>'\"#?,%@` \t\n", "\n  ", "\n- ", ": ", "&x ", "*x", "!!str ", "---\n", "...\n"]
)
YAML_TEXT = st.lists(st.one_of(YAML_TOKENS, WORDS), max_size=40).map("".join)


# ---------------------------------------------------------------------------------- helpers
def check_lesson_text(text: str) -> list[str]:
    """Run the checker on `text` as a lesson file; assert the problems are well formed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "secure-root-user.yaml"  # the good lesson's id: no id problem
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        found = read_lesson_file(path, SOURCE)
    for problem in found.problems:
        assert CHECKER_FAILED not in problem, problem
        match = LOCATED.match(problem)
        assert match, f"a problem without FILE:LINE:COLUMN: {problem!r}"
        assert match["file"] == str(path) or "/shared/" in match["file"], problem
    return found.problems


def check_scenario_text(text: str) -> None:
    """Load `text` as a scenario: either a sandbox or a ScenarioError with located problems."""
    try:
        load_scenario(text, name=f"fuzz-{uuid.uuid4().hex[:12]}")
    except ScenarioError as exc:
        assert exc.problems, "a ScenarioError without problems"
        for problem in exc.problems:
            assert problem.line is not None and problem.line >= 1, str(problem)
            assert problem.column is not None and problem.column >= 1, str(problem)


def dump(value: object) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True)


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """The "billion laughs": each level lists the previous one `width` times (10**9 leaves)."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * width)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- lesson checker
@FUZZ
@given(YAML_TEXT)
def test_random_yaml_text_as_a_lesson(text):
    problems = check_lesson_text(text)
    assert problems, "a random text passed as a lesson"


@FUZZ
@given(st.text(max_size=200))
def test_random_unicode_as_a_lesson(text):
    assert check_lesson_text(text)


@FUZZ
@given(st.dictionaries(st.sampled_from(TOP_KEYS), STRUCTURES, max_size=len(TOP_KEYS)))
def test_random_structures_under_the_lesson_keys(data):
    assert check_lesson_text(dump(data))


@FUZZ
@given(st.sampled_from(TOP_KEYS), STRUCTURES)
def test_a_good_lesson_with_one_key_replaced(key, value):
    lesson = yaml.safe_load(GOOD_LESSON)
    lesson[key] = value
    check_lesson_text(dump(lesson))  # may pass when the value happens to fit: no crash is the point


@FUZZ
@given(st.sampled_from(STEP_KEYS), STRUCTURES, st.integers(min_value=0, max_value=5))
def test_a_good_lesson_with_a_step_key_replaced(key, value, index):
    lesson = yaml.safe_load(GOOD_LESSON)
    steps = lesson["steps"]
    steps[index % len(steps)][key] = value
    check_lesson_text(dump(lesson))


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000), st.integers(min_value=-6, max_value=6)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_broken_indentation(changes):
    lines = GOOD_LESSON.splitlines()
    for where, shift in changes:
        i = where % len(lines)
        stripped = lines[i].lstrip(" ")
        depth = len(lines[i]) - len(stripped)
        lines[i] = " " * max(depth + shift, 0) + stripped
    check_lesson_text("\n".join(lines) + "\n")


@FUZZ
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=40))
def test_a_good_lesson_cut_short(start, length):
    lines = GOOD_LESSON.splitlines()
    start %= len(lines)
    check_lesson_text("\n".join(lines[:start] + lines[start + length :]) + "\n")


def test_a_control_character_in_a_lesson_is_located():
    (problem,) = check_lesson_text("id: secure-root-user\ntitle: bell\x07\n")
    assert ":2:12: not valid YAML: unacceptable character #x0007" in problem


def test_a_check_with_no_account_to_refer_to_is_located_at_the_check():
    lesson = yaml.safe_load(GOOD_LESSON)
    lesson["setup"]["accounts"] = {}
    problems = check_lesson_text(dump(lesson))
    assert any("root_has_no_access_keys: the setup has no account" in p for p in problems)


@pytest.mark.parametrize(
    "value",
    ["1" + "0" * 500, "-1" + "0" * 500, "1e999", "-.inf", ".nan", "0x" + "f" * 300, "9" * 5000],
)
def test_huge_numbers(value):
    for key in ("version:", "order:", "minutes:"):
        text = re.sub(rf"^{key} .*$", f"{key} {value}", GOOD_LESSON, count=1, flags=re.M)
        problems = check_lesson_text(text)
        assert any(key.rstrip(":") in p for p in problems), (key, value, problems)
    hint = GOOD_LESSON.replace("cost: 5", f"cost: {value}", 1)
    assert any("cost" in p for p in check_lesson_text(hint))


BOMB_PLACES = {  # key path -> (text of the good lesson, replacement referring to the bomb)
    "title": ('title: "Lock away the root user"', "title: *a9"),
    "topics": ("topics: [root-user, best-practices]", "topics: *a9"),
    "setup": ("\nsetup:\n", "\nsetup: *a9\nx-setup:\n"),
    "setup.description": ("  description: A young", "  description: *a9\n  x-description: A young"),
    "setup.accounts": ("  accounts:\n", "  accounts: *a9\n  x-accounts:\n"),
    "editable": ("\neditable:\n", "\neditable: *a9\nx-editable:\n"),
    "steps": ("\nsteps:\n", "\nsteps: *a9\nx-steps:\n"),
    "steps[0].hints": ("    hints:\n", "    hints: *a9\n    x-hints:\n"),
    "steps[0].checks[0]": ("root_has_no_access_keys: {}", "root_has_no_access_keys: *a9"),
    "quiz": ("\nquiz: [", "\nquiz: *a9\nx-quiz: ["),
}


@pytest.mark.parametrize("place", list(BOMB_PLACES))
def test_a_billion_laughs_in_a_lesson_is_refused_quickly(place):
    old, new = BOMB_PLACES[place]
    assert old in GOOD_LESSON, f"the lesson changed: {old!r}"
    text = alias_bomb() + GOOD_LESSON.replace(old, new, 1)  # anchors first, as unknown keys
    started = time.monotonic()
    problems = check_lesson_text(text)
    elapsed = time.monotonic() - started
    assert elapsed < QUICK, f"{place}: {elapsed:.1f}s"
    assert any(":1:1: " in p and "unknown key 'a0'" in p for p in problems), problems[:3]
    # the key that refers to the bomb has a problem of its own (an alias points at the
    # anchor's node, so the line is the anchor's)
    assert any(f": {place}" in p for p in problems), [p for p in problems if "unknown" not in p]


def test_an_alias_cycle_is_refused():
    text = GOOD_LESSON.replace("\nsetup:\n", "\nsetup: &loop\n  loop: *loop\n", 1)
    assert check_lesson_text(text)


# ---------------------------------------------------------------------------- scenario loader
@FUZZ
@given(YAML_TEXT)
def test_random_yaml_text_as_a_scenario(text):
    check_scenario_text(text)


@FUZZ
@given(st.dictionaries(st.sampled_from(SCENARIO_KEYS), STRUCTURES, max_size=6))
def test_random_structures_as_a_scenario(data):
    check_scenario_text(dump(data))


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["111122223333", "444455556666", "1", "abc"]),
        st.dictionaries(st.sampled_from(ACCOUNT_KEYS), STRUCTURES, max_size=4),
        max_size=2,
    )
)
def test_random_accounts_in_a_scenario(accounts):
    check_scenario_text(dump({"format": 1, "accounts": accounts}))


@FUZZ
@given(st.text(max_size=200))
def test_random_unicode_as_a_scenario(text):
    check_scenario_text(text)


def test_a_control_character_in_a_scenario_is_located():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("format: 1\ndescription: bell\x07\n", name="control-character")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (2, 18), str(problem)


@pytest.mark.parametrize("digits", [30, 4299, 5000, 100_000])
@pytest.mark.parametrize(
    "template",
    [
        "format: {n}\n",
        "format: 1\naccounts:\n  '111122223333':\n    roles:\n      r:\n"
        "        trust_policy: {{Version: '2012-10-17', Statement: []}}\n"
        "        max_session_duration: {n}\n",
    ],
)
def test_huge_numbers_in_a_scenario(template, digits):
    check_scenario_text(template.format(n="9" * digits))
    with pytest.raises(ScenarioError):  # none of them is a valid value
        load_scenario(template.format(n="9" * digits), name=f"huge-{uuid.uuid4().hex[:8]}")


@pytest.mark.parametrize("depth", [200, 5000])
def test_deep_nesting(depth):
    nested = "[" * depth + "]" * depth
    check_scenario_text(f"format: 1\ndescription: {nested}\n")
    assert check_lesson_text(GOOD_LESSON.replace("\nquiz: [", f"\nx-deep: {nested}\nquiz: [", 1))


def test_a_billion_laughs_scenario_is_refused_quickly():
    bomb = alias_bomb()
    for tail in ("description: *a9\n", "accounts: *a9\n", "accounts:\n  '111122223333': *a9\n"):
        text = "format: 1\n" + bomb.replace("a0:", "x-a0:") + tail
        started = time.monotonic()
        with pytest.raises(ScenarioError) as caught:
            load_scenario(text, name=f"bomb-{uuid.uuid4().hex[:8]}")
        assert time.monotonic() - started < QUICK
        for problem in caught.value.problems:
            assert problem.line is not None and problem.column is not None
