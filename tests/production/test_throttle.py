"""Rate limits: counted in the database, per user and scope, with a clear 429 past the limit."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from iamlab.throttle.limits import allow, rate_limited
from iamlab.throttle.models import Window

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 29, 12, 0, 5, tzinfo=UTC)


@override_settings(IAMLAB_RATE_LIMITS={"simulate": (3, 60)})
def test_the_fourth_request_in_a_window_is_refused(alice):
    answers = [allow(alice, "simulate", now=NOW)[0] for _ in range(4)]
    assert answers == [True, True, True, False]
    assert Window.objects.get(user=alice, scope="simulate").count == 4


@override_settings(IAMLAB_RATE_LIMITS={"simulate": (1, 60)})
def test_a_new_window_starts_afresh(alice):
    assert allow(alice, "simulate", now=NOW)[0]
    assert not allow(alice, "simulate", now=NOW + timedelta(seconds=30))[0]
    assert allow(alice, "simulate", now=NOW + timedelta(seconds=60))[0]


@override_settings(IAMLAB_RATE_LIMITS={"grade": (1, 60)})
def test_learners_and_scopes_are_counted_apart(alice, bob):
    assert allow(alice, "grade", now=NOW)[0]
    assert allow(bob, "grade", now=NOW)[0]
    assert allow(alice, "simulate", now=NOW)[0]
    assert not allow(alice, "grade", now=NOW)[0]


@override_settings(IAMLAB_RATE_LIMITS={"grade": (2, 60)})
def test_the_decorator_answers_429_with_retry_after(alice):
    view = rate_limited("grade")(lambda request: HttpResponse("graded"))
    request = RequestFactory().post("/grade")
    request.user = alice
    statuses = [view(request).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = view(request)
    assert "at most 2 grade requests every 60 seconds" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 60
