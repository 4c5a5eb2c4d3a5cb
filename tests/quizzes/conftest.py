"""Quiz test fixtures: the small fixture bank in place of the real one, and signed-in clients."""

from pathlib import Path

import pytest

from iamlab.quizzes import bank

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_bank(monkeypatch):
    """Make the app read tests/quizzes/fixtures/ instead of lessons/questions/."""
    monkeypatch.setattr(bank, "default_bank_dir", lambda: FIXTURES / "questions")
    monkeypatch.setattr(bank, "default_lessons_dir", lambda: FIXTURES / "lessons")
    bank._CACHE.clear()
    yield bank.get_bank()
    bank._CACHE.clear()


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client
