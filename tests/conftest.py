"""Shared fixtures: the personas every test can use to prove isolation.

alice owns what is being tested, bob is another learner, charlie must see nothing of either.
"""

import pytest


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="unused-in-tests")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(username="bob", password="unused-in-tests")


@pytest.fixture
def charlie(django_user_model):
    return django_user_model.objects.create_user(username="charlie", password="unused-in-tests")
