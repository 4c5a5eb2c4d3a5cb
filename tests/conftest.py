"""Shared fixtures: the personas every test can use to prove isolation.

alice owns what is being tested, bob is another learner, charlie must see nothing of either.
"""

import os

import pytest
from hypothesis import settings

# Property and fuzz tests replay the same examples on every run, so CI is repeatable; set
# IAMLAB_FUZZ=explore to search new ones (what a failure finds, hypothesis prints as a reproducer).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("explore" if os.environ.get("IAMLAB_FUZZ") == "explore" else "repeatable")


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="unused-in-tests")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user(username="bob", password="unused-in-tests")


@pytest.fixture
def charlie(django_user_model):
    return django_user_model.objects.create_user(username="charlie", password="unused-in-tests")
