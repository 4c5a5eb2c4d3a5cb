"""Sign-in throttling (django-axes, as production configures it): repeated failures for one user
name from one address lock it out; others are unaffected; a success before the limit resets."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PRODUCTION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]


@pytest.fixture(autouse=True)
def production_backends():
    with override_settings(AUTHENTICATION_BACKENDS=PRODUCTION_BACKENDS, AXES_FAILURE_LIMIT=5):
        yield


def sign_in(client, username, password, address="198.51.100.7"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_the_fifth_failure_locks_the_user_name_out_even_with_the_right_password(client, alice):
    alice.set_password("right-password-123")
    alice.save()
    for _ in range(4):
        assert sign_in(client, "alice", "wrong").status_code == 200  # the form again, with errors
    locked = sign_in(client, "alice", "wrong")
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    again = sign_in(client, "alice", "right-password-123")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_user_name_and_another_address_are_not_locked(client, alice, bob):
    bob.set_password("bobs-password-123")
    bob.save()
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", "wrong", address="203.0.113.9").status_code == 200
    signed_in = sign_in(client, "bob", "bobs-password-123")
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_a_success_before_the_limit_starts_the_count_again(client, alice):
    alice.set_password("right-password-123")
    alice.save()
    for _ in range(4):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice", "right-password-123").status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "alice", "wrong").status_code == 200
