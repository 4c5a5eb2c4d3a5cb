"""Find any question by id: the bank's, or a generated one rebuilt from its seed."""

from __future__ import annotations

from functools import lru_cache

from .bank import Question, get_bank
from .generator import ID_PATTERN, generate_by_id


@lru_cache(maxsize=2048)
def _generated(question_id: str) -> Question | None:
    return generate_by_id(question_id)


def get_question(question_id: str) -> Question | None:
    if ID_PATTERN.match(question_id):
        return _generated(question_id)
    return get_bank().questions.get(question_id)


def is_generated(question_id: str) -> bool:
    return bool(ID_PATTERN.match(question_id))
