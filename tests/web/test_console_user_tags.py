"""The user page's Tags tab, drawn by the tags partial that roles, policies and instance
profiles use: the user's own empty-state text, and forms that post to the user's actions."""

import pytest

from iamlab.sandbox.models import IamUser
from iamlab.sandbox.services import iam, principals

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, learner):
    owner = learner("owner")
    client.force_login(owner)
    return client, owner


def _tab(client, sandbox):
    return client.get(f"/sandbox/{sandbox.pk}/users/alice/tab/tags/").content.decode()


def test_user_tags_tab_without_tags_says_what_user_tags_are_for(signed_in, free_play):
    client, owner = signed_in
    sandbox = free_play(owner)
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    body = _tab(client, sandbox)
    assert "Tags (0)" in body
    assert "Tags can drive access through aws:PrincipalTag conditions" in body
    assert "they are principal tags (aws:PrincipalTag) in the role&#x27;s sessions" not in body
    assert f'action="/sandbox/{sandbox.pk}/do/user/tag/alice/"' in body


def test_user_tags_tab_lists_tags_with_a_remove_form_each(signed_in, free_play):
    client, owner = signed_in
    sandbox = free_play(owner)
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    body = _tab(client, sandbox)
    assert "Tags (1)" in body
    assert ">team</td>" in body and ">blue</td>" in body
    assert f'action="/sandbox/{sandbox.pk}/do/user/untag/alice/"' in body
    sandbox.refresh_from_db()
    client.post(
        f"/sandbox/{sandbox.pk}/do/user/untag/alice/", {"version": sandbox.version, "key": "team"}
    )
    assert IamUser.objects.get(sandbox=sandbox, name="alice").tags == {}
