"""Sign up, sign in, sign out and password reset, with Django's test client."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_home_explains_iamlab_to_visitors(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Learn AWS IAM by doing it" in body
    assert 'href="/accounts/signup/"' in body


def test_home_sends_signed_in_learners_to_their_dashboard(client, learner):
    client.force_login(learner())
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_sign_up_creates_the_account_and_signs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    user = get_user_model().objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_shows_errors_next_to_the_fields(client, learner):
    learner("taken")
    response = client.post(
        "/accounts/signup/",
        {"username": "taken", "email": "x@example.com", "password1": "a", "password2": "b"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "A user with that username already exists." in body
    assert 'aria-invalid="true"' in body
    assert get_user_model().objects.filter(username="taken").count() == 1


def test_sign_up_refuses_an_email_already_used(client, learner):
    learner("first")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "second",
            "email": "FIRST@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "An account with this e-mail address already exists." in response.content.decode()
    assert not get_user_model().objects.filter(username="second").exists()


def test_sign_up_ignores_an_offsite_next_url(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/",
        {
            "username": "careful",
            "email": "careful@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response["Location"] == "/dashboard/"


def test_sign_in_and_sign_out(client, learner):
    user = learner()
    response = client.post("/accounts/signin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    page = client.get("/sandbox/")
    assert user.username in page.content.decode()
    assert 'action="/accounts/signout/"' in page.content.decode()
    response = client.post("/accounts/signout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_refused_with_a_message(client, learner):
    user = learner()
    response = client.post("/accounts/signin/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_reset_by_email_link(client, learner):
    user = learner()
    response = client.post("/accounts/password-reset/", {"email": user.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your iamlab password"
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "another-long-passphrase-77"
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/complete/"
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_link_works_once(client, learner):
    user = learner()
    client.post("/accounts/password-reset/", {"email": user.email})
    path = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    first = client.get(path, follow=True)
    new = "another-long-passphrase-77"
    client.post(first.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    again = client.get(path, follow=True)
    assert "This link is invalid or has already been used." in again.content.decode()


def test_sandbox_pages_ask_anonymous_visitors_to_sign_in(client):
    response = client.get("/sandbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/signin/?next=/sandbox/")


def test_not_found_page_is_helpful(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn't find that page" in body
    assert 'href="/sandbox/"' in body


def test_main_navigation_marks_the_current_section(client, learner):
    client.force_login(learner())
    body = client.get("/sandbox/").content.decode()
    assert '<a href="/sandbox/" aria-current="page">Sandbox</a>' in body
    assert '<a href="/lessons/">Lessons</a>' in body
