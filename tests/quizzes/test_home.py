"""The quiz home: start buttons, the due count and the history chart (server-side SVG)."""

import re

import pytest
from django.urls import reverse

from iamlab.quizzes import services
from iamlab.quizzes.models import QuizSession

pytestmark = pytest.mark.django_db


def finished(user, ids, right):
    session = QuizSession.objects.create(user=user, mode=QuizSession.PRACTICE, question_ids=ids)
    for qid in ids[:right]:
        question = services.get_question(qid)
        services.record_answer(session, question_id=qid, chosen=sorted(question.correct_indices))
    return services.submit(session)


def test_home_offers_practice_exam_and_review(alice_client, fixture_bank):
    body = alice_client.get(reverse("quiz:home")).content.decode()
    for name in ("quiz:start_practice", "quiz:start_exam", "quiz:start_review"):
        assert f'action="{reverse(name)}"' in body
    assert "65 questions in 130 minutes" in body
    assert "No results yet" in body
    assert "Compose a quiz" not in body  # alice is no instructor


def test_home_draws_the_history_as_an_svg_line(alice_client, alice, fixture_bank):
    ids = ["fx-explicit-deny-wins", "fx-scp-limits-root"]
    finished(alice, ids, 0)
    finished(alice, ids, 2)
    body = alice_client.get(reverse("quiz:home")).content.decode()
    assert "<svg" in body and "<script" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
    points = re.search(r'<polyline points="([^"]+)"', body).group(1).split()
    assert len(points) == 2
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in points)
    assert x1 < x2 and y2 < y1  # the second, better score is drawn higher
    assert ": 1000 (" in body and ": 100 (" in body
    assert [p.score for p in services.history(alice)] == [100, 1000]


def test_no_inline_style_or_script_on_the_quiz_pages(alice_client, alice, fixture_bank):
    session = finished(alice, ["fx-explicit-deny-wins"], 1)
    for url in (
        reverse("quiz:home"),
        reverse("quiz:results", args=[session.pk]),
        reverse("quiz:review", args=[session.pk]),
    ):
        body = alice_client.get(url).content.decode()
        assert " style=" not in body and " onclick=" not in body
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
