"""Scores: the SAA-C03 scale (100 to 1,000, 720 to pass) and results by domain and topic.

AWS reports SAA-C03 results as a scaled score from 100 to 1,000 and does not publish how raw
answers map to it. iamlab uses a plain linear scale of the share of questions answered right:
`score = 100 + round(900 × correct / total)`. So 0 % is 100, 100 % is 1,000 and 720 (the pass
mark) needs at least 68.9 % right. A multiple-response question counts as right only when exactly
the right options are chosen (no partial credit); an unanswered question counts as wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_SCORE = 100
MAX_SCORE = 1000
PASSING_SCORE = 720


def scaled_score(correct: int, total: int) -> int:
    if total <= 0:
        return MIN_SCORE
    correct = max(0, min(correct, total))
    return MIN_SCORE + round((MAX_SCORE - MIN_SCORE) * correct / total)


@dataclass(slots=True)
class Tally:
    slug: str
    title: str
    correct: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0
