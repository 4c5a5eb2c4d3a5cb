"""Limits on what one learner can make the servers do: simulations, grading and CLI commands are
rate limited; free-play sandboxes are capped; oversized requests are refused."""

import pytest
from django.test import override_settings
from django.urls import reverse

from iamlab.sandbox.models import Sandbox
from iamlab.sandbox.scenario import load_scenario
from iamlab.web.sandbox_views import MAX_FREE_PLAY_SANDBOXES

pytestmark = pytest.mark.django_db

EMPTY = """
format: 1
accounts:
  '111122223333': {}
"""


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def sandbox(alice):
    return load_scenario(EMPTY, name="limits", owner=alice)


@override_settings(IAMLAB_RATE_LIMITS={"simulate": (2, 60)})
def test_the_simulator_answers_429_past_the_limit(signed_in, sandbox):
    url = f"/sandbox/{sandbox.pk}/simulator/?actions=s3:GetObject&resource=*"
    assert [signed_in.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert signed_in.get("/simulator/").status_code == 429  # the same budget
    assert "Slow down" in signed_in.get(url).content.decode()


@override_settings(IAMLAB_RATE_LIMITS={"cli": (1, 60)})
def test_the_cli_pane_answers_429_past_the_limit(signed_in, sandbox):
    url = f"/sandbox/{sandbox.pk}/cli/"
    first = signed_in.post(url, {"line": "aws sts get-caller-identity"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    second = signed_in.post(url, {"line": "aws sts get-caller-identity"}, HTTP_HX_REQUEST="true")
    assert second.status_code == 429


@override_settings(IAMLAB_RATE_LIMITS={"grade": (1, 60)})
def test_grading_answers_429_past_the_limit(signed_in):
    signed_in.post(reverse("lesson_start", args=["policy-anatomy"]))
    url = reverse("lesson_check", args=["policy-anatomy"])
    assert signed_in.post(url).status_code in (200, 302)
    assert signed_in.post(url).status_code == 429


def test_free_play_sandboxes_are_capped_with_a_clear_message(signed_in, alice):
    for _ in range(MAX_FREE_PLAY_SANDBOXES):
        signed_in.post(reverse("sandbox_create"))
    assert Sandbox.objects.filter(owner=alice, lesson="").count() == MAX_FREE_PLAY_SANDBOXES
    refused = signed_in.post(reverse("sandbox_create"), follow=True)
    assert Sandbox.objects.filter(owner=alice, lesson="").count() == MAX_FREE_PLAY_SANDBOXES
    assert "the most a learner may keep" in refused.content.decode()


def test_an_oversized_request_body_is_refused(signed_in, sandbox):
    big = "x" * (1024 * 1024 + 1)
    response = signed_in.post(f"/sandbox/{sandbox.pk}/cli/", {"line": big})
    assert response.status_code == 400
