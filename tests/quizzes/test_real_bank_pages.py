"""The real bank (lessons/questions/) renders: every question, with every explanation, on a page."""

import pytest
from django.urls import reverse

from iamlab.quizzes import services
from iamlab.quizzes.bank import get_bank
from iamlab.quizzes.models import QuizSession

pytestmark = pytest.mark.django_db


def test_every_bank_question_shows_on_the_review_page(alice_client, alice):
    questions = list(get_bank().questions.values())
    assert questions, "the real bank is empty"
    session = QuizSession.objects.create(
        user=alice, mode=QuizSession.PRACTICE, question_ids=[q.id for q in questions]
    )
    services.submit(session)
    response = alice_client.get(reverse("quiz:review", args=[session.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="review-item"') == len(questions)
    assert body.count("right answer</span>") == sum(q.pick for q in questions)
    assert "is no longer in the bank" not in body


def test_a_bank_question_page_renders_its_options(alice_client, alice):
    question = sorted(get_bank().questions.values(), key=lambda q: q.id)[0]
    session = QuizSession.objects.create(
        user=alice, mode=QuizSession.PRACTICE, question_ids=[question.id]
    )
    body = alice_client.get(reverse("quiz:question", args=[session.pk, 1])).content.decode()
    assert body.count('name="choice"') == len(question.options)
