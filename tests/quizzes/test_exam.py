"""Timed exams: SAA-C03's shape, flags, no feedback, a server-side deadline, auto-submit."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from iamlab.quizzes import services
from iamlab.quizzes.models import Answer, QuizSession, ReviewCard

pytestmark = pytest.mark.django_db

IDS = ["fx-explicit-deny-wins", "fx-scp-limits-root", "fx-temporary-credentials"]


def exam(user, minutes=10, started=None):
    started = started or timezone.now()
    return QuizSession.objects.create(
        user=user,
        mode=QuizSession.EXAM,
        question_ids=IDS,
        started_at=started,
        deadline=started + timedelta(minutes=minutes),
    )


def deadline_attr(response):
    return re.search(r'data-deadline="([^"]+)"', response.content.decode()).group(1)


def test_the_saa_c03_preset_is_65_questions_in_130_minutes(alice_client, alice, fixture_bank):
    before = timezone.now()
    alice_client.post(reverse("quiz:start_exam"), {"preset": "saa-c03"})
    session = QuizSession.objects.get(user=alice)
    assert session.mode == "exam" and len(session.question_ids) == 65
    assert len(set(session.question_ids)) == 65
    assert timedelta(minutes=130) <= session.deadline - before <= timedelta(minutes=130, seconds=5)


def test_a_custom_exam_takes_count_minutes_and_domains(alice_client, alice, fixture_bank):
    alice_client.post(
        reverse("quiz:start_exam"),
        {"count": 1, "minutes": 5, "domains": ["resilient"], "include_generated": ""},
    )
    session = QuizSession.objects.get(user=alice)
    assert session.question_ids == ["fx-keys-long-term"]
    assert session.deadline - session.started_at == timedelta(minutes=5)


def test_an_impossible_choice_starts_nothing(alice_client, alice, fixture_bank):
    response = alice_client.post(
        reverse("quiz:start_exam"),
        {"count": 5, "minutes": 5, "topics": ["federation"], "include_generated": ""},
        follow=True,
    )
    assert not QuizSession.objects.exists()
    assert "No questions fit" in response.content.decode()


def test_the_exam_page_has_a_timer_a_navigator_and_no_feedback(alice_client, alice, fixture_bank):
    session = exam(alice)
    url = reverse("quiz:question", args=[session.pk, 1])
    response = alice_client.get(url)
    body = response.content.decode()
    assert "data-quiz-timer" in body and "quiz/exam.js" in body
    assert body.count('class="quiz-nav-item') == 3
    assert "hx-post" not in body  # exam answers are plain posts, no feedback fragment
    response = alice_client.post(url, {"choice": "1"})
    assert response["Location"] == reverse("quiz:question", args=[session.pk, 2])
    body = alice_client.get(url).content.decode()
    assert "Not quite." not in body and "Correct." not in body
    assert "Order does not matter" not in body  # no explanation before submitting
    assert 'value="1" checked' in body  # the saved choice is shown again


def test_an_exam_answer_can_be_changed_before_submitting(alice_client, alice, fixture_bank):
    session = exam(alice)
    url = reverse("quiz:question", args=[session.pk, 1])
    alice_client.post(url, {"choice": "1"})
    alice_client.post(url, {"choice": "0"})
    assert Answer.objects.get(session=session).chosen == [0]


def test_reloading_keeps_the_deadline(alice_client, alice, fixture_bank):
    session = exam(alice, minutes=30)
    url = reverse("quiz:question", args=[session.pk, 1])
    first = deadline_attr(alice_client.get(url))
    later = session.started_at + timedelta(minutes=12)
    with mock.patch("django.utils.timezone.now", return_value=later):
        response = alice_client.get(url)
    assert deadline_attr(response) == first == session.deadline.isoformat()
    assert "data-quiz-timer-text>18:00<" in response.content.decode()  # counted by the server


def test_flags_are_kept_and_shown_in_the_navigator(alice_client, alice, fixture_bank):
    session = exam(alice)
    alice_client.post(reverse("quiz:flag", args=[session.pk, 2]))
    session.refresh_from_db()
    assert session.flagged == ["fx-scp-limits-root"]
    body = alice_client.get(reverse("quiz:question", args=[session.pk, 2])).content.decode()
    assert "is-flagged" in body and "Remove flag" in body
    alice_client.post(reverse("quiz:flag", args=[session.pk, 2]))
    session.refresh_from_db()
    assert session.flagged == []


def test_submitting_scores_and_schedules_missed_questions(alice_client, alice, fixture_bank):
    session = exam(alice)
    alice_client.post(reverse("quiz:question", args=[session.pk, 1]), {"choice": "0"})
    alice_client.post(reverse("quiz:question", args=[session.pk, 2]), {"choice": "3"})
    assert not ReviewCard.objects.exists()  # nothing is revealed before submitting
    response = alice_client.post(reverse("quiz:submit", args=[session.pk]))
    assert response["Location"] == reverse("quiz:results", args=[session.pk])
    session.refresh_from_db()
    assert session.correct_count == 1 and session.scaled_score == 400
    assert not session.auto_submitted
    missed = set(ReviewCard.objects.values_list("question_id", flat=True))
    assert missed == {"fx-scp-limits-root", "fx-temporary-credentials"}  # wrong and unanswered


def test_time_up_submits_the_exam_automatically(alice_client, alice, fixture_bank):
    session = exam(alice, minutes=10)
    alice_client.post(reverse("quiz:question", args=[session.pk, 1]), {"choice": "0"})
    after = session.deadline + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=after):
        response = alice_client.get(reverse("quiz:question", args=[session.pk, 2]))
    assert response["Location"] == reverse("quiz:results", args=[session.pk])
    session.refresh_from_db()
    assert session.auto_submitted and session.submitted_at == session.deadline
    assert session.correct_count == 1


def test_an_answer_after_the_deadline_is_refused(alice_client, alice, fixture_bank):
    started = timezone.now() - timedelta(minutes=20)
    session = exam(alice, minutes=10, started=started)  # its deadline passed 10 minutes ago
    response = alice_client.post(reverse("quiz:question", args=[session.pk, 1]), {"choice": "0"})
    assert response["Location"] == reverse("quiz:results", args=[session.pk])
    assert not Answer.objects.exists()
    session.refresh_from_db()
    assert session.auto_submitted and session.scaled_score == 100


def test_record_answer_raises_once_time_is_up(alice, fixture_bank):
    session = exam(alice, minutes=1)
    with pytest.raises(services.QuizClosed):
        services.record_answer(
            session,
            question_id=IDS[0],
            chosen=[0],
            now=session.deadline + timedelta(milliseconds=1),
        )


def test_results_are_not_shown_before_submitting(alice_client, alice, fixture_bank):
    session = exam(alice)
    for name in ("quiz:results", "quiz:review"):
        response = alice_client.get(reverse(name, args=[session.pk]))
        assert response["Location"] == reverse("quiz:session", args=[session.pk])
