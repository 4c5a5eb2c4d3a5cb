"""The dashboard: friendly empty state, continue where you left off, recent attempts and
scores, progress by topic and domain, the quiz review count."""

import pytest

from iamlab.lessons import services as lessons
from iamlab.lessons.grader import apply_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_new_learner_sees_friendly_empty_states(signed_in):
    page = signed_in.get("/dashboard/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "No attempts yet" in body
    assert "Nothing in progress. Next up:" in body
    assert "Design Secure Architectures (30%)" in body
    assert "Design Cost-Optimized Architectures (20%)" in body  # shown even without lessons
    assert "Nothing due for review" in body


def test_continue_and_recent_attempts_with_scores(signed_in, owner):
    attempt = lessons.start_attempt(owner, "cross-account-role")
    lessons.grade(attempt)
    body = signed_in.get("/dashboard/").content.decode()
    assert "Continue where you left off" in body
    assert 'href="/lessons/cross-account-role/">Continue</a>' in body
    assert "Cross-account access with a role" in body
    attempt.refresh_from_db()
    assert f'<td class="num">{attempt.last_score}</td>' in body
    assert "in progress" in body


def test_progress_counts_done_lessons(signed_in, owner):
    attempt = lessons.start_attempt(owner, "cross-account-role")
    for step in lessons.get_lesson("cross-account-role").steps:
        for action in step.solution:
            apply_action(attempt.sandbox, action)
    assert lessons.grade(attempt).passed
    body = signed_in.get("/dashboard/").content.decode()
    progress = lessons.progress(owner)["topics"]["cross-account"]
    assert progress["done"] == 1
    assert f'<progress value="1" max="{progress["total"]}" aria-label="cross account">' in body
    assert "1 of" in body and "lessons done" in body


def test_quiz_due_count_is_shown(signed_in, monkeypatch):
    from iamlab.quizzes import services as quizzes

    monkeypatch.setattr(quizzes, "due_count", lambda user: 4)
    body = signed_in.get("/dashboard/").content.decode()
    assert '<span class="due-count">4</span>' in body


def test_dashboard_needs_sign_in(client):
    page = client.get("/dashboard/")
    assert page.status_code == 302 and "/accounts/signin/" in page["Location"]
