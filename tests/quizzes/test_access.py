"""Isolation (another learner's session is a 404) and instructors (compose is 403 for others)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from iamlab.quizzes import services
from iamlab.quizzes.models import QuizSession, QuizTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_exam(alice, fixture_bank):
    return QuizSession.objects.create(
        user=alice,
        mode=QuizSession.EXAM,
        question_ids=["fx-explicit-deny-wins"],
        deadline=timezone.now() + timezone.timedelta(minutes=5),
    )


@pytest.mark.parametrize(
    ("method", "name", "extra"),
    [
        ("get", "quiz:session", []),
        ("get", "quiz:question", [1]),
        ("post", "quiz:question", [1]),
        ("post", "quiz:flag", [1]),
        ("post", "quiz:submit", []),
        ("get", "quiz:results", []),
        ("get", "quiz:review", []),
    ],
)
def test_another_learners_session_is_not_found(client, bob, alices_exam, method, name, extra):
    client.force_login(bob)
    url = reverse(name, args=[alices_exam.pk, *extra])
    response = getattr(client, method)(url, {"choice": "0"} if method == "post" else None)
    assert response.status_code == 404
    alices_exam.refresh_from_db()
    assert alices_exam.submitted_at is None and alices_exam.flagged == []
    assert not alices_exam.answers.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, alices_exam):
    response = client.get(reverse("quiz:question", args=[alices_exam.pk, 1]))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_history_only_lists_the_learners_own_results(alice, bob, fixture_bank):
    session = services.start_practice(alice, count=1, include_generated=False)
    services.submit(session)
    assert [p.session_id for p in services.history(alice)] == [session.pk]
    assert services.history(bob) == []


def test_compose_is_forbidden_to_learners(client, bob):
    client.force_login(bob)
    assert client.get(reverse("quiz:compose")).status_code == 403
    assert client.post(reverse("quiz:compose"), {"title": "x", "count": 3}).status_code == 403
    assert not QuizTemplate.objects.exists()


def test_staff_compose_a_quiz_that_learners_can_start(client, alice, bob, fixture_bank):
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    assert client.get(reverse("quiz:compose")).status_code == 200
    response = client.post(
        reverse("quiz:compose"),
        {"title": "Keys week", "topics": ["access-keys"], "count": 2, "minutes": 15},
    )
    assert response.status_code == 302
    template = QuizTemplate.objects.get()
    assert (template.topics, template.count, template.minutes) == (["access-keys"], 2, 15)
    assert template.include_generated is False  # an unticked box
    client.force_login(bob)
    assert "Keys week" in client.get(reverse("quiz:home")).content.decode()
    client.post(reverse("quiz:start_template", args=[template.pk]))
    session = QuizSession.objects.get(user=bob)
    assert session.mode == "exam" and session.template == template
    assert sorted(session.question_ids) == ["fx-keys-long-term", "fx-temporary-credentials"]
    assert session.deadline - session.started_at == timezone.timedelta(minutes=15)


def test_members_of_the_instructors_group_may_compose(client, charlie):
    charlie.groups.add(Group.objects.create(name="instructors"))
    client.force_login(charlie)
    assert client.get(reverse("quiz:compose")).status_code == 200
    assert services.is_instructor(charlie)
