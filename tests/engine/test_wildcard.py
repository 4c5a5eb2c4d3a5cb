"""`*` and `?` matching: the cases AWS documents, pieces with literal wildcards, and worst cases."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.engine.wildcard import is_wildcard_free, matcher, matcher_from_pieces


@contextmanager
def time_limit(seconds: int):
    """Fail (instead of hanging) if the block takes longer than `seconds`."""

    def on_alarm(signum, frame):  # noqa: ARG001
        raise TimeoutError(f"took longer than {seconds}s: the matcher is not linear")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


CASES = [
    # pattern, subject, expected
    pytest.param(
        "s3:GetObject", "s3:GetObject", True, id="a pattern without wildcards matches itself"
    ),
    pytest.param(
        "s3:GetObject",
        "s3:GetObjectAcl",
        False,
        id="a pattern without wildcards is not a prefix match",
    ),
    pytest.param("s3:GetObject", "s3:getobject", False, id="matching is case-sensitive by default"),
    pytest.param("", "", True, id="the empty pattern matches the empty string"),
    pytest.param("", "a", False, id="the empty pattern matches nothing else"),
    pytest.param("*", "", True, id="a lone star matches the empty string"),
    pytest.param("*", "arn:aws:s3:::bucket/a/b", True, id="a lone star matches anything"),
    pytest.param("**", "anything", True, id="two stars are one star"),
    pytest.param("s3:Get*", "s3:GetObject", True, id="a trailing star matches a suffix"),
    pytest.param("s3:Get*", "s3:Get", True, id="a trailing star matches nothing at all"),
    pytest.param("s3:Get*", "s3:PutObject", False, id="a trailing star still needs the prefix"),
    pytest.param("*Object", "s3:GetObject", True, id="a leading star matches a prefix"),
    pytest.param("*Object", "s3:GetObjects", False, id="a leading star still needs the suffix"),
    pytest.param("*Obj*", "s3:GetObjectAcl", True, id="a star on each side finds the middle"),
    pytest.param(
        "*Obj*", "s3:GetBucket", False, id="a star on each side needs the middle somewhere"
    ),
    pytest.param(
        "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y:z", True, id="a star crosses slashes and colons"
    ),
    pytest.param("a*b*c", "abc", True, id="middle stars may match nothing"),
    pytest.param("a*b*c", "aXbYc", True, id="middle stars match runs"),
    pytest.param("a*b*c", "aXcYb", False, id="segments must appear in order"),
    pytest.param("a*b*c", "abcb", False, id="the last segment is anchored at the end"),
    pytest.param("a*a", "a", False, id="first and last segments may not overlap"),
    pytest.param("a*a", "aa", True, id="first and last segments may touch"),
    pytest.param("ab*ba", "aba", False, id="overlapping anchors do not share a character"),
    pytest.param("?", "x", True, id="a question mark matches exactly one character"),
    pytest.param("?", "", False, id="a question mark needs a character"),
    pytest.param("?", "xy", False, id="a question mark matches only one character"),
    pytest.param("us-east-?", "us-east-1", True, id="a question mark at the end"),
    pytest.param("us-?ast-1", "us-east-1", True, id="a question mark in the middle"),
    pytest.param("???", "a/b", True, id="question marks match slashes"),
    pytest.param("a?c*", "abcdef", True, id="a question mark in the first segment"),
    pytest.param("*x?z", "wxyz", True, id="a question mark in the last segment"),
    pytest.param("*x?z*", "axbxyzc", True, id="a segment with a hole is found after a false start"),
    pytest.param("*x?z*", "axbxyc", False, id="a segment with a hole that never fits"),
    pytest.param("*?*", "", False, id="star, hole, star needs one character"),
    pytest.param("*?*", "q", True, id="star, hole, star matches one character"),
    pytest.param("*??*??*", "abc", False, id="holes in separate segments add up"),
    pytest.param("*??*??*", "abcd", True, id="holes in separate segments are found"),
    pytest.param(
        "a?b?c", "a.b.c", True, id="only wildcards in the pattern are special (dots are not)"
    ),
    pytest.param("a.b", "axb", False, id="a dot is a plain character"),
    pytest.param("[ab]", "a", False, id="brackets are plain characters"),
    pytest.param("[ab]", "[ab]", True, id="brackets match themselves"),
    pytest.param("*ab*ab*", "abab", True, id="repeated segments are found one after the other"),
    pytest.param("*ab*ab*", "aba", False, id="repeated segments do not share characters"),
    pytest.param(
        "home/*/docs/?.txt", "home/alice/docs/a.txt", True, id="a realistic S3 key pattern"
    ),
]


@pytest.mark.parametrize(("pattern", "subject", "expected"), CASES)
def test_matcher(pattern: str, subject: str, expected: bool) -> None:
    assert matcher(pattern)(subject) is expected


IGNORE_CASE = [
    pytest.param(
        "s3:getobject", "S3:GetObject", True, id="ignoring case, a plain pattern matches any case"
    ),
    pytest.param("S3:GET*", "s3:getobject", True, id="ignoring case, a prefix pattern matches"),
    pytest.param("*OBJECT", "s3:GetObject", True, id="ignoring case, a suffix pattern matches"),
    pytest.param("*tob*", "s3:GETOBJECT", True, id="ignoring case, a contains pattern matches"),
    pytest.param("s3:g?t*ct", "S3:GETOBJECT", True, id="ignoring case, a general pattern matches"),
    pytest.param("s3:put*", "s3:GetObject", False, id="ignoring case still compares the letters"),
]


@pytest.mark.parametrize(("pattern", "subject", "expected"), IGNORE_CASE)
def test_matcher_ignoring_case(pattern: str, subject: str, expected: bool) -> None:
    assert matcher(pattern, ignore_case=True)(subject) is expected


PIECES = [
    pytest.param([("a*", True)], "abc", True, id="a live star in a piece is a wildcard"),
    pytest.param([("a*", False)], "abc", False, id="a literal star in a piece is not a wildcard"),
    pytest.param([("a*", False)], "a*", True, id="a literal star matches a star"),
    pytest.param([("a?", False)], "ab", False, id="a literal question mark is not a wildcard"),
    pytest.param([("a?", False)], "a?", True, id="a literal question mark matches itself"),
    pytest.param(
        [("home/", True), ("al*ce", False), ("/*", True)],
        "home/al*ce/x",
        True,
        id="a substituted value with a star matches only that star",
    ),
    pytest.param(
        [("home/", True), ("al*ce", False), ("/*", True)],
        "home/alice/x",
        False,
        id="a substituted value's star does not match other characters",
    ),
    pytest.param(
        [("*", True), ("*", False), ("*", True)],
        "x*y",
        True,
        id="a literal star between two live stars is searched for",
    ),
    pytest.param(
        [("*", True), ("*", False), ("*", True)],
        "xy",
        False,
        id="a literal star between two live stars must be there",
    ),
    pytest.param([], "", True, id="no pieces match the empty string"),
    pytest.param([], "x", False, id="no pieces match nothing else"),
]


@pytest.mark.parametrize(("pieces", "subject", "expected"), PIECES)
def test_matcher_from_pieces(pieces: list[tuple[str, bool]], subject: str, expected: bool) -> None:
    assert matcher_from_pieces(pieces)(subject) is expected


def test_matcher_from_pieces_can_ignore_case() -> None:
    m = matcher_from_pieces([("Home/", True), ("AL*CE", False), ("*", True)], ignore_case=True)
    assert m("home/al*ce/x")
    assert not m("home/alice/x")


def test_matchers_are_cached_per_pattern_and_case_mode() -> None:
    assert matcher("s3:Get*") is matcher("s3:Get*")
    assert matcher("s3:Get*") is not matcher("s3:Get*", ignore_case=True)
    assert matcher_from_pieces([("a", True), ("*", False)]) is matcher_from_pieces(
        [("a", True), ("*", False)]
    )


def test_all_live_pieces_share_the_plain_matcher() -> None:
    assert matcher_from_pieces([("s3:", True), ("Get*", True)]) is matcher("s3:Get*")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("abc", True), ("a*", False), ("a?", False), ("", True)],
)
def test_is_wildcard_free(pattern: str, expected: bool) -> None:
    assert is_wildcard_free(pattern) is expected


# -- worst cases: these would take forever with a backtracking matcher ----------------------------

SUBJECT = "a" * 10_000


def test_fifty_stars_then_a_missing_b_returns_quickly() -> None:
    pattern = "*a" * 50 + "*b"
    with time_limit(5):
        assert matcher(pattern)(SUBJECT) is False


def test_fifty_stars_that_do_match_return_quickly() -> None:
    pattern = "*a" * 50 + "*"
    with time_limit(5):
        assert matcher(pattern)(SUBJECT) is True


def test_a_segment_that_almost_matches_everywhere_returns_quickly() -> None:
    pattern = "*" + "a" * 40 + "?b*" + "a*" * 20
    with time_limit(5):
        assert matcher(pattern)(SUBJECT) is False


def test_question_marks_among_many_stars_return_quickly() -> None:
    pattern = "*?a" * 50 + "*?b"
    with time_limit(5):
        assert matcher(pattern)(SUBJECT) is False
        assert matcher(pattern)(SUBJECT + "b") is True


# -- against a simple reference -------------------------------------------------------------------


def reference(pattern: str, subject: str) -> bool:
    """Textbook dynamic programming over (pattern position, subject position)."""
    n = len(subject)
    row = [True] + [False] * n  # pattern prefix of length 0
    for p in pattern:
        new = [False] * (n + 1)
        if p == "*":
            new[0] = row[0]
            for j in range(1, n + 1):
                new[j] = row[j] or new[j - 1]
        else:
            for j in range(1, n + 1):
                new[j] = row[j - 1] and (p == "?" or p == subject[j - 1])
        row = new
    return row[n]


@settings(max_examples=400, deadline=None)
@given(
    pattern=st.text(alphabet="ab*?/", max_size=10),
    subject=st.text(alphabet="ab/", max_size=12),
)
def test_matcher_agrees_with_the_reference(pattern: str, subject: str) -> None:
    assert matcher(pattern)(subject) is reference(pattern, subject)
