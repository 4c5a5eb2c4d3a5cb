"""Practice: feedback and explanations after each question (htmx fragment or full page)."""

import pytest
from django.urls import reverse

from iamlab.quizzes import services
from iamlab.quizzes.models import Answer, QuizSession, ReviewCard

pytestmark = pytest.mark.django_db


def practice(user, ids):
    return QuizSession.objects.create(user=user, mode=QuizSession.PRACTICE, question_ids=ids)


def test_home_needs_a_signed_in_user(client):
    response = client.get(reverse("quiz:home"))
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_starting_practice_draws_questions_and_opens_the_first(alice_client, alice, fixture_bank):
    response = alice_client.post(
        reverse("quiz:start_practice"), {"count": 3, "topics": [], "include_generated": ""}
    )
    session = QuizSession.objects.get(user=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("quiz:question", args=[session.pk, 1])
    assert session.mode == "practice" and len(session.question_ids) == 3
    assert set(session.question_ids) <= set(fixture_bank.questions)


def test_practice_by_topic_only_takes_questions_on_that_topic(alice, fixture_bank):
    session = services.start_practice(
        alice, count=10, topics=["access-keys"], include_generated=False
    )
    assert sorted(session.question_ids) == ["fx-keys-long-term", "fx-temporary-credentials"]


def test_practice_fills_up_with_generated_questions(alice, fixture_bank):
    session = services.start_practice(alice, count=8, include_generated=True)
    generated = [q for q in session.question_ids if q.startswith("gen-")]
    assert len(session.question_ids) == 8 and len(generated) == 4


def test_the_question_page_shows_the_stem_and_no_answer_yet(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-explicit-deny-wins"])
    response = alice_client.get(reverse("quiz:question", args=[session.pk, 1]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Order does not matter" not in body  # explanations only after answering
    assert 'hx-post="' in body and 'name="choice"' in body


def test_an_htmx_answer_returns_the_feedback_fragment(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-explicit-deny-wins", "fx-scp-limits-root"])
    response = alice_client.post(
        reverse("quiz:question", args=[session.pk, 1]), {"choice": "1"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="question-body"')
    assert "<html" not in body
    assert "Not quite." in body
    # every option's explanation is shown, and the right answer is marked
    for option in fixture_bank.questions["fx-explicit-deny-wins"].options:
        assert option.explanation in body
    assert "right answer" in body
    answer = Answer.objects.get(session=session)
    assert answer.chosen == [1] and answer.correct is False
    # the progress line above the question is updated out of band
    assert 'id="quiz-progress" hx-swap-oob="true">Practice · 1 of 2 answered<' in body


def test_a_plain_post_renders_the_whole_page_with_feedback(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-explicit-deny-wins"])
    response = alice_client.post(reverse("quiz:question", args=[session.pk, 1]), {"choice": "0"})
    body = response.content.decode()
    assert "<html" in body and "Correct." in body
    assert "Finish and see results" in body  # the last question offers to finish


def test_the_first_answer_stands_in_practice(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-explicit-deny-wins"])
    url = reverse("quiz:question", args=[session.pk, 1])
    alice_client.post(url, {"choice": "1"})
    alice_client.post(url, {"choice": "0"})
    assert Answer.objects.get(session=session).correct is False


def test_a_multiple_response_question_needs_the_right_count(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-temporary-credentials"])
    url = reverse("quiz:question", args=[session.pk, 1])
    response = alice_client.post(url, {"choice": ["0"]})
    assert "Choose 2 options." in response.content.decode()
    assert not Answer.objects.exists()
    alice_client.post(url, {"choice": ["0", "1"]})
    assert Answer.objects.get(session=session).correct is True


def test_a_generated_question_can_be_answered(alice_client, alice, fixture_bank):
    qid = "gen-decision-easy-7"
    session = practice(alice, [qid])
    question = services.get_question(qid)
    right = sorted(question.correct_indices)[0]
    response = alice_client.post(
        reverse("quiz:question", args=[session.pk, 1]), {"choice": str(right)}
    )
    body = response.content.decode()
    assert "Correct." in body
    assert "Decision: " in body  # the engine's trace is offered


def test_a_missed_practice_question_goes_to_the_review_queue(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-explicit-deny-wins", "fx-scp-limits-root"])
    alice_client.post(reverse("quiz:question", args=[session.pk, 1]), {"choice": "2"})
    alice_client.post(reverse("quiz:question", args=[session.pk, 2]), {"choice": "0"})
    assert list(ReviewCard.objects.values_list("question_id", flat=True)) == [
        "fx-explicit-deny-wins"
    ]


def test_finishing_practice_scores_it(alice_client, alice, fixture_bank):
    session = practice(alice, ["fx-explicit-deny-wins", "fx-scp-limits-root"])
    alice_client.post(reverse("quiz:question", args=[session.pk, 1]), {"choice": "0"})
    response = alice_client.post(reverse("quiz:submit", args=[session.pk]))
    assert response["Location"] == reverse("quiz:results", args=[session.pk])
    session.refresh_from_db()
    assert (session.correct_count, session.scaled_score) == (1, 550)
