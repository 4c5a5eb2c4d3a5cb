"""The scaled score: linear from the share right, 100 to 1,000, 720 to pass."""

import pytest

from iamlab.quizzes.scoring import PASSING_SCORE, scaled_score


@pytest.mark.parametrize(
    ("correct", "total", "score"),
    [(0, 65, 100), (65, 65, 1000), (45, 65, 723), (44, 65, 709), (1, 2, 550), (0, 0, 100)],
)
def test_scaled_score(correct, total, score):
    assert scaled_score(correct, total) == score


def test_the_pass_mark_needs_about_69_percent():
    assert PASSING_SCORE == 720
    assert scaled_score(45, 65) >= PASSING_SCORE > scaled_score(44, 65)
