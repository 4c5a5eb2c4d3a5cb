"""The lesson catalog and player: start an attempt, safe Markdown, Check my work (htmx),
hints with their cost, reset, the solution after three gradings, broken lessons, isolation."""

import pytest

from iamlab.lessons import services as lessons
from iamlab.lessons.grader import apply_action
from iamlab.lessons.models import LessonVersion
from iamlab.sandbox.models import Sandbox
from iamlab.web import console_context
from iamlab.web.lesson_markdown import render_markdown

pytestmark = pytest.mark.django_db

LESSON = "cross-account-role"


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def start(client):
    return client.post(f"/lessons/{LESSON}/start/")


def test_catalog_lists_lessons_and_filters(signed_in):
    page = signed_in.get("/lessons/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f'data-lesson="{LESSON}"' in body
    only = signed_in.get("/lessons/", {"topic": "cross-account"}).content.decode()
    assert f'data-lesson="{LESSON}"' in only
    assert 'data-lesson="secure-root-user"' not in only
    none = signed_in.get("/lessons/", {"status": "done"}).content.decode()
    assert "No lesson matches" in none
    fragment = signed_in.get(
        "/lessons/",
        {"difficulty": "beginner"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="lesson-cards",
    ).content.decode()
    assert fragment.startswith('<div id="lesson-cards">')
    assert f'data-lesson="{LESSON}"' not in fragment  # an intermediate lesson


def test_player_before_starting_offers_to_start(signed_in):
    body = signed_in.get(f"/lessons/{LESSON}/").content.decode()
    assert "Start the lesson" in body
    markdown = '<code class="language-sh">aws iam create-group --group-name Developers'
    assert markdown in body  # the Markdown was rendered


def test_start_creates_the_learners_sandbox_and_acts_as_the_lessons_principal(signed_in, owner):
    response = start(signed_in)
    assert response.status_code == 302
    attempt = lessons.current_attempt(owner, LESSON)
    assert attempt is not None and attempt.sandbox.owner == owner
    key = f"{console_context.SESSION_PREFIX}{attempt.sandbox.pk}"
    assert signed_in.session[key] == "arn:aws:iam::111122223333:user/admin"
    body = signed_in.get(f"/lessons/{LESSON}/").content.decode()
    assert "Check my work" in body
    assert f"/sandbox/{attempt.sandbox.pk}/cli/" in body
    assert "principal-bar" in body
    start(signed_in)  # starting again continues the same attempt
    assert lessons.current_attempt(owner, LESSON).pk == attempt.pk


def test_check_my_work_shows_each_check_then_passes_after_the_solution(signed_in, owner):
    start(signed_in)
    attempt = lessons.current_attempt(owner, LESSON)
    first = signed_in.post(f"/lessons/{LESSON}/check/", HTTP_HX_REQUEST="true").content.decode()
    assert first.startswith('<div id="lesson-checks"')
    assert 'data-check="dana-in-developers" data-passed="false"' in first
    assert "Add dana to the group Developers" in first
    assert "Lesson complete" not in first
    lesson = lessons.get_lesson(LESSON)
    for step in lesson.steps:
        for action in step.solution:
            apply_action(attempt.sandbox, action)
    done = signed_in.post(f"/lessons/{LESSON}/check/", HTTP_HX_REQUEST="true").content.decode()
    assert "All checks pass" in done
    assert "Lesson complete" in done
    assert 'data-passed="false"' not in done
    attempt.refresh_from_db()
    assert attempt.finished_at is not None


def test_hints_reveal_one_at_a_time_with_their_cost(signed_in, owner):
    start(signed_in)
    url = f"/lessons/{LESSON}/?step=target-role"
    assert "Reveal a hint (−5 points)" in signed_in.get(url).content.decode()
    signed_in.post(f"/lessons/{LESSON}/hint/", {"step": "target-role"})
    body = signed_in.get(url).content.decode()
    assert "CreateRole takes the trust policy" in body
    assert "The policy&#x27;s ARN" not in body and "The policy's ARN" not in body
    signed_in.post(f"/lessons/{LESSON}/hint/", {"step": "target-role"})
    body = signed_in.get(url).content.decode()
    assert "arn:aws:iam::444455556666:policy/ProdArtifactsWrite" in body
    assert "Reveal a hint" not in body
    assert lessons.current_attempt(owner, LESSON).hints_used == {"target-role": 2}


def test_solution_after_three_gradings(signed_in):
    start(signed_in)
    for _ in range(2):
        signed_in.post(f"/lessons/{LESSON}/check/")
    assert (
        "Reference solution for this step"
        not in signed_in.get(f"/lessons/{LESSON}/").content.decode()
    )
    signed_in.post(f"/lessons/{LESSON}/check/")
    body = signed_in.get(f"/lessons/{LESSON}/").content.decode()
    assert "Reference solution for this step" in body
    assert "Developers" in body.split("Reference solution for this step")[1]


def test_reset_gives_a_fresh_sandbox(signed_in, owner):
    start(signed_in)
    old = lessons.current_attempt(owner, LESSON).sandbox_id
    response = signed_in.post(f"/lessons/{LESSON}/reset/")
    assert response.status_code == 302
    new = lessons.current_attempt(owner, LESSON).sandbox_id
    assert new != old
    assert not Sandbox.objects.filter(pk=old).exists()


def test_steps_navigation(signed_in):
    body = signed_in.get(f"/lessons/{LESSON}/?step=assume-it").content.decode()
    assert 'aria-current="step"' in body
    assert "5. Prove it: assume the role as dana" in body
    assert "Test yourself" in body  # the last step points to the quiz


def test_unknown_lesson_is_404_and_broken_lesson_shows_problems(signed_in):
    assert signed_in.get("/lessons/no-such-lesson/").status_code == 404
    LessonVersion.objects.create(
        lesson_id="broken-one",
        content_hash="x" * 64,
        path="lessons/broken-one.yaml",
        problems=["lessons/broken-one.yaml:3:1: steps: required"],
    )
    page = signed_in.get("/lessons/broken-one/")
    assert page.status_code == 200
    assert "lessons/broken-one.yaml:3:1: steps: required" in page.content.decode()


def test_another_learner_cannot_use_my_attempt(client, signed_in, owner, learner):
    start(signed_in)
    client.force_login(learner("intruder"))
    assert client.post(f"/lessons/{LESSON}/check/").status_code == 404
    assert client.post(f"/lessons/{LESSON}/reset/").status_code == 404
    body = client.get(f"/lessons/{LESSON}/").content.decode()
    assert "Start the lesson" in body  # their own view, with no attempt


def test_markdown_is_rendered_safely():
    html = render_markdown(
        "**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "<img" not in html
    assert 'href="javascript' not in html


def test_the_players_switcher_changes_the_principal_and_stays_on_the_step(signed_in, owner):
    start(signed_in)
    attempt = lessons.current_attempt(owner, LESSON)
    dana = "arn:aws:iam::111122223333:user/dana"
    response = signed_in.post(
        f"/lessons/{LESSON}/act-as/", {"principal": dana, "step": "assume-it"}
    )
    assert response["Location"] == f"/lessons/{LESSON}/?step=assume-it"
    key = f"{console_context.SESSION_PREFIX}{attempt.sandbox.pk}"
    assert signed_in.session[key] == dana
    body = signed_in.get(response["Location"]).content.decode()
    assert (
        f'<span class="principal-current" title="The ARN this sandbox acts as">{dana}</span>'
        in (body)
    )
    refused = signed_in.post(
        f"/lessons/{LESSON}/act-as/", {"principal": "arn:aws:iam::999999999999:user/x"}
    )
    assert refused.status_code == 302
    assert signed_in.session[key] == dana
