"""Review: every question with the learner's answer, the right one and every explanation."""

import pytest
from django.urls import reverse
from django.utils import timezone

from iamlab.quizzes import services
from iamlab.quizzes.models import QuizSession

pytestmark = pytest.mark.django_db


def test_the_review_page_shows_answers_right_answers_and_explanations(
    alice_client, alice, fixture_bank
):
    ids = ["fx-explicit-deny-wins", "fx-temporary-credentials", "fx-scp-limits-root"]
    session = QuizSession.objects.create(
        user=alice,
        mode=QuizSession.EXAM,
        question_ids=ids,
        deadline=timezone.now() + timezone.timedelta(minutes=5),
        flagged=["fx-scp-limits-root"],
    )
    services.record_answer(session, question_id=ids[0], chosen=[0])
    services.record_answer(session, question_id=ids[1], chosen=[0, 2])
    services.submit(session)
    response = alice_client.get(reverse("quiz:review", args=[session.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="review-item"') == 3
    for qid in ids:
        for option in fixture_bank.questions[qid].options:
            assert option.explanation in body
    assert body.count("your answer</span>") == 3  # one choice, then two
    assert body.count("right answer</span>") == 4  # 1 + 2 + 1 right options
    assert ">right</span>" in body and ">wrong</span>" in body and "not answered" in body
    assert ">flagged</span>" in body


def test_review_items_mark_each_option(alice, fixture_bank):
    session = QuizSession.objects.create(
        user=alice, mode=QuizSession.PRACTICE, question_ids=["fx-temporary-credentials"]
    )
    services.record_answer(session, question_id="fx-temporary-credentials", chosen=[1, 3])
    services.submit(session)
    [item] = services.review_items(session)
    assert item.answered and not item.correct
    assert [(o.chosen, o.correct) for o in item.options] == [
        (False, True),
        (True, True),
        (False, False),
        (True, False),
        (False, False),
    ]


def test_results_by_domain_and_topic(alice_client, alice, fixture_bank):
    ids = ["fx-explicit-deny-wins", "fx-keys-long-term", "fx-temporary-credentials"]
    session = QuizSession.objects.create(user=alice, mode=QuizSession.PRACTICE, question_ids=ids)
    services.record_answer(session, question_id=ids[0], chosen=[0])
    services.record_answer(session, question_id=ids[1], chosen=[1])
    services.submit(session)
    res = services.results(session)
    assert [(t.slug, t.correct, t.total) for t in res.by_domain] == [
        ("secure", 1, 2),
        ("resilient", 0, 1),
    ]
    topics = {t.slug: (t.correct, t.total) for t in res.by_topic}
    assert topics == {"policy-anatomy": (1, 1), "access-keys": (0, 2), "roles-sts": (0, 1)}
    assert res.score == 400 and not res.passed
    body = alice_client.get(reverse("quiz:results", args=[session.pk])).content.decode()
    assert 'data-testid="score">400<' in body
    assert "Design Secure Architectures" in body and "Access keys" in body
