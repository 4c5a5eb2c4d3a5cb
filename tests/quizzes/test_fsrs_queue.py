"""Spaced repetition: missed questions come back with FSRS, in a daily due queue."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse
from fsrs import Card

from iamlab.quizzes import services
from iamlab.quizzes.models import QuizSession, ReviewCard

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def miss(user, qid, when=NOON):
    session = QuizSession.objects.create(user=user, mode=QuizSession.PRACTICE, question_ids=[qid])
    wrong = min(set(range(4)) - services.get_question(qid).correct_indices)
    services.record_answer(session, question_id=qid, chosen=[wrong], now=when)


def test_a_missed_question_is_due_the_next_day(alice, fixture_bank):
    miss(alice, "fx-explicit-deny-wins")
    card = ReviewCard.objects.get(user=alice)
    assert Card.from_dict(card.card).due == card.due == NOON + timedelta(days=1)
    assert services.due_count(alice, now=NOON) == 0
    assert services.due_count(alice, now=NOON + timedelta(days=1, hours=-11)) == 1  # that day


def test_a_right_answer_without_a_card_schedules_nothing(alice, fixture_bank):
    session = QuizSession.objects.create(
        user=alice, mode=QuizSession.PRACTICE, question_ids=["fx-explicit-deny-wins"]
    )
    services.record_answer(session, question_id="fx-explicit-deny-wins", chosen=[0], now=NOON)
    assert not ReviewCard.objects.exists()


def test_reviewing_right_pushes_the_card_further_out(alice_client, alice, fixture_bank):
    miss(alice, "fx-explicit-deny-wins")
    miss(alice, "fx-scp-limits-root")
    tomorrow = NOON + timedelta(days=1, hours=1)
    with mock.patch("django.utils.timezone.now", return_value=tomorrow):
        assert (
            'data-testid="due-count">2<' in alice_client.get(reverse("quiz:home")).content.decode()
        )
        response = alice_client.post(reverse("quiz:start_review"))
        session = QuizSession.objects.get(mode=QuizSession.REVIEW)
        assert response["Location"] == reverse("quiz:question", args=[session.pk, 1])
        assert sorted(session.question_ids) == ["fx-explicit-deny-wins", "fx-scp-limits-root"]
        for number, qid in enumerate(session.question_ids, start=1):
            right = sorted(services.get_question(qid).correct_indices)[0]
            alice_client.post(
                reverse("quiz:question", args=[session.pk, number]), {"choice": str(right)}
            )
    for card in ReviewCard.objects.all():
        assert card.reviews == 2 and card.lapses == 1
        assert card.due > tomorrow + timedelta(days=1)  # a longer interval than the first day
    assert services.due_count(alice, now=tomorrow) == 0


def test_missing_again_brings_it_back_soon(alice, fixture_bank):
    miss(alice, "fx-explicit-deny-wins")
    first_due = ReviewCard.objects.get().due
    miss(alice, "fx-explicit-deny-wins", when=first_due)
    card = ReviewCard.objects.get()
    assert card.lapses == 2
    assert card.due - first_due <= timedelta(days=1)


def test_nothing_due_means_no_review_session(alice_client, alice, fixture_bank):
    response = alice_client.post(reverse("quiz:start_review"), follow=True)
    assert "Nothing is due for review today." in response.content.decode()
    assert not QuizSession.objects.exists()


def test_the_queue_is_per_learner(alice, bob, fixture_bank):
    miss(alice, "fx-explicit-deny-wins")
    later = NOON + timedelta(days=2)
    assert services.due_count(alice, now=later) == 1
    assert services.due_count(bob, now=later) == 0
