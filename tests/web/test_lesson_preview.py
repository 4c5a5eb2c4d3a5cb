"""The instructor's lesson pages (issue 4): the whole lesson on one page with its solution, the
index of every lesson (broken ones with their problems) and a lesson's self-test. Learners get
403, anonymous visitors are sent to sign in, and a lesson's text stays inert HTML."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.shortcuts import resolve_url

pytestmark = pytest.mark.django_db

LESSON = "secure-root-user"
BROKEN = "broken-lesson"
HOSTILE = (
    "      <script>alert('owned')</script> and [a link](javascript:alert(1)) and "
    '<img src="x" onerror="alert(2)">\n'
)
# A lesson file a tired author could write: the YAML parses, the lesson does not.
BROKEN_TEXT = """\
id: broken-lesson
title: "Half written"
summary: Not finished yet.
version: one
order: 99
topics: [no-such-topic]
domains: [secure]
difficulty: beginner
minutes: 5
"""


@pytest.fixture
def lessons_dir(tmp_path, settings):
    """A lessons folder of its own: the root-user lesson (with hostile Markdown added to its first
    step's instructions), the shared pieces and questions, and a broken lesson file."""
    source = Path(getattr(django_settings, "LESSONS_DIR", django_settings.BASE_DIR / "lessons"))
    folder = tmp_path / "lessons"
    folder.mkdir()
    for sub in ("shared", "questions"):
        if (source / sub).is_dir():
            shutil.copytree(source / sub, folder / sub)
    text = (source / f"{LESSON}.yaml").read_text(encoding="utf-8")
    marker = "      Called by the root user without"
    assert marker in text, "the lesson changed: pick another line for the hostile Markdown"
    (folder / f"{LESSON}.yaml").write_text(text.replace(marker, HOSTILE + marker, 1))
    (folder / f"{BROKEN}.yaml").write_text(BROKEN_TEXT, encoding="utf-8")
    settings.LESSONS_DIR = folder
    return folder


@pytest.fixture
def instructor(learner):
    user = learner("teacher")
    group, _ = Group.objects.get_or_create(name="instructors")
    user.groups.add(group)
    return user


@pytest.fixture
def teacher(client, instructor, lessons_dir):
    client.force_login(instructor)
    return client


@pytest.fixture
def student(client, learner, lessons_dir):
    client.force_login(learner("student"))
    return client


def test_instructor_sees_the_whole_lesson_with_its_solution(teacher):
    response = teacher.get(f"/lessons/{LESSON}/preview/")
    body = response.content.decode()
    assert response.status_code == 200
    # metadata
    assert "Lock away the root user" in body
    assert "arn:aws:iam::111122223333:root" in body
    assert "root-first-steps-new-account" in body  # its quiz questions
    # a step's instructions (Markdown rendered), hints with their cost, checks, explanation
    assert '<code class="language-sh">aws iam update-access-key' in body
    assert "DeleteAccessKey with just the key id, made as the root user." in body
    assert "costs 5 points" in body
    assert 'data-check="no-root-keys"' in body
    assert "root_has_no_access_keys" in body
    # the reference solution, as readable steps, shown before any grading
    assert "As arn:aws:iam::111122223333:root: iam.delete_access_key(" in body
    assert "AccessKeyId=AKIAROOTDEPLOYKEY001" in body


def test_staff_are_instructors_too(client, learner, lessons_dir):
    staff = learner("staffer")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    assert client.get(f"/lessons/{LESSON}/preview/").status_code == 200
    assert client.get("/lessons/instructor/").status_code == 200


def test_learner_gets_a_friendly_403_everywhere(student):
    for url in (
        f"/lessons/{LESSON}/preview/",
        "/lessons/instructor/",
        f"/lessons/{LESSON}/selftest/",
    ):
        for method in ("get", "post"):
            response = getattr(student, method)(url)
            body = response.content.decode()
            assert response.status_code == 403, f"{method} {url}"
            assert "This page is for instructors" in body
            assert "delete_access_key" not in body  # no trace of the solution
    catalog = student.get("/lessons/").content.decode()
    assert "/preview/" not in catalog and "/lessons/instructor/" not in catalog


def test_anonymous_visitors_are_sent_to_sign_in(client, lessons_dir):
    for url in (f"/lessons/{LESSON}/preview/", "/lessons/instructor/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(django_settings.LOGIN_URL))
        assert f"next={url}" in response["Location"].replace("%2F", "/")
    post = client.post(f"/lessons/{LESSON}/selftest/")
    assert post.status_code == 302 and "selftest" not in post.content.decode()


def test_catalog_links_instructors_to_preview_and_index(teacher):
    body = teacher.get("/lessons/").content.decode()
    assert f'href="/lessons/{LESSON}/preview/"' in body
    assert 'href="/lessons/instructor/"' in body


def test_instructor_index_lists_every_lesson_with_the_problems_of_broken_ones(teacher, lessons_dir):
    response = teacher.get("/lessons/instructor/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-lesson="{LESSON}"' in body and f'data-lesson="{BROKEN}"' in body
    assert "1 broken" in body
    assert f'action="/lessons/{LESSON}/selftest/"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    # the version (line 4, column 10) is not a number
    assert f"{lessons_dir / BROKEN}.yaml:4:10: " in body


def test_preview_of_a_broken_lesson_shows_its_problems_as_file_line_column(teacher, lessons_dir):
    response = teacher.get(f"/lessons/{BROKEN}/preview/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "is broken" in body
    path = f"{lessons_dir / BROKEN}.yaml"
    assert f"{path}:4:10: " in body  # version: one
    assert f"{path}:6:10: " in body  # the unknown topic, inside [ ... ]
    assert "no-such-topic" in body
    assert teacher.get("/lessons/no-such-lesson/preview/").status_code == 404


def test_a_yaml_syntax_error_is_shown_at_its_place(teacher, lessons_dir):
    (lessons_dir / "bad-yaml.yaml").write_text("id: bad-yaml\ntitle: [unclosed\n")
    body = teacher.get("/lessons/bad-yaml/preview/").content.decode()
    assert f"{lessons_dir / 'bad-yaml'}.yaml:3:1: not valid YAML" in body


def test_self_test_button_runs_the_lessons_selftest(teacher):
    form = teacher.get(f"/lessons/{LESSON}/selftest/").content.decode()
    assert "Self-test this lesson" in form and "data-selftest" not in form  # GET runs nothing
    passed = teacher.post(f"/lessons/{LESSON}/selftest/").content.decode()
    assert 'data-selftest="ok"' in passed
    failed = teacher.post(f"/lessons/{BROKEN}/selftest/").content.decode()
    assert 'data-selftest="failed"' in failed
    assert "the lesson has problems" in failed
    assert teacher.post("/lessons/no-such-lesson/selftest/").status_code == 404


def test_self_test_keeps_nothing(teacher):
    from iamlab.sandbox.models import Sandbox

    before = Sandbox.objects.count()
    teacher.post(f"/lessons/{LESSON}/selftest/")
    assert Sandbox.objects.count() == before


def test_self_test_needs_a_csrf_token(instructor, lessons_dir):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(instructor)
    assert strict.post(f"/lessons/{LESSON}/selftest/").status_code == 403
    page = strict.get(f"/lessons/{LESSON}/selftest/")
    token = page.cookies[django_settings.CSRF_COOKIE_NAME].value
    ok = strict.post(f"/lessons/{LESSON}/selftest/", {"csrfmiddlewaretoken": token})
    assert ok.status_code == 200 and 'data-selftest="ok"' in ok.content.decode()


def test_hostile_markdown_in_a_lesson_is_inert(teacher):
    body = teacher.get(f"/lessons/{LESSON}/preview/").content.decode()
    assert "alert(&#x27;owned&#x27;)" in body or "alert('owned')" in body  # the text is there
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body
    assert 'href="javascript:' not in body  # the link stays text, never a live link
    assert "<img" not in body  # escaped: no element, so no onerror handler
    assert "&lt;img" in body
