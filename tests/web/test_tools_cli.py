"""The CLI pane page: one POSTed line → the AWS CLI's output, as the acting principal, with
profiles remembered per sandbox in the session."""

import json

import pytest

from iamlab.sandbox.models import IamUser
from iamlab.sandbox.scenario import load_scenario
from iamlab.web import console_context

pytestmark = pytest.mark.django_db

ACCOUNT = "111122223333"
SCENARIO = f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      dev:
        inline_policies:
          assume:
            Version: '2012-10-17'
            Statement:
              - {{Effect: Allow, Action: sts:AssumeRole, Resource: 'arn:aws:iam::{ACCOUNT}:role/reader'}}
    roles:
      reader:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {{Effect: Allow, Principal: {{AWS: 'arn:aws:iam::{ACCOUNT}:root'}}, Action: sts:AssumeRole}}
"""  # noqa: E501


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def sandbox(owner):
    return load_scenario(SCENARIO, name="cli", owner=owner)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def run(client, sandbox, line):
    return client.post(f"/sandbox/{sandbox.pk}/cli/", {"line": line}, HTTP_HX_REQUEST="true")


def test_page_renders_with_help(signed_in, sandbox):
    page = signed_in.get(f"/sandbox/{sandbox.pk}/cli/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="terminal"' in body and "aws configure set aws_access_key_id" in body


def test_a_command_runs_as_the_acting_principal(signed_in, sandbox):
    out = run(signed_in, sandbox, "aws iam create-user --user-name bob")
    assert out.status_code == 200
    body = out.content.decode()
    assert "&quot;UserName&quot;: &quot;bob&quot;" in body
    assert IamUser.objects.filter(sandbox=sandbox, name="bob").exists()


def test_denied_with_awss_message_as_another_principal(signed_in, sandbox):
    session = signed_in.session
    session[f"{console_context.SESSION_PREFIX}{sandbox.pk}"] = f"arn:aws:iam::{ACCOUNT}:user/dev"
    session.save()
    body = run(signed_in, sandbox, "aws iam create-user --user-name eve").content.decode()
    assert (
        "An error occurred (AccessDenied) when calling the CreateUser operation: User: "
        f"arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: iam:CreateUser"
    ) in body
    assert 'class="error"' in body


def test_profiles_persist_between_requests_and_history_on_reload(signed_in, sandbox):
    session = signed_in.session
    session[f"{console_context.SESSION_PREFIX}{sandbox.pk}"] = f"arn:aws:iam::{ACCOUNT}:user/dev"
    session.save()
    run(
        signed_in,
        sandbox,
        f"aws sts assume-role --role-arn arn:aws:iam::{ACCOUNT}:role/reader --role-session-name s1",
    )
    who = run(signed_in, sandbox, "aws sts get-caller-identity --profile s1").content.decode()
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/s1" in who
    page = signed_in.get(f"/sandbox/{sandbox.pk}/cli/").content.decode()
    assert "get-caller-identity --profile s1" in page
    assert 'mono">s1</span>' in page


def test_clear_empties_the_history(signed_in, sandbox):
    run(signed_in, sandbox, "aws sts get-caller-identity")
    before = signed_in.get(f"/sandbox/{sandbox.pk}/cli/").content.decode()
    assert 'data-line="aws sts get-caller-identity"' in before
    cleared = run(signed_in, sandbox, "clear")
    assert cleared["HX-Reswap"] == "innerHTML"
    page = signed_in.get(f"/sandbox/{sandbox.pk}/cli/").content.decode()
    assert 'data-line="aws sts get-caller-identity"' not in page


def test_without_htmx_the_post_redirects_back(signed_in, sandbox):
    out = signed_in.post(f"/sandbox/{sandbox.pk}/cli/", {"line": "aws iam list-users"})
    assert out.status_code == 302 and out["Location"] == f"/sandbox/{sandbox.pk}/cli/"


def test_hostile_input_is_inert(signed_in, sandbox):
    body = run(
        signed_in, sandbox, "aws iam create-user --user-name '<script>alert(1)</script>'"
    ).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
    assert "ValidationError" in body


def test_oversized_lines_are_refused(signed_in, sandbox):
    body = run(signed_in, sandbox, "aws iam list-users " + "x" * 30000).content.decode()
    assert "at most 20000 characters" in body


def test_sandboxes_keep_separate_profiles(signed_in, sandbox, owner):
    other = load_scenario(SCENARIO, name="cli-2", owner=owner)
    signed_in.post(
        f"/sandbox/{sandbox.pk}/cli/",
        {"line": "aws configure set aws_access_key_id AKIAX --profile p"},
    )
    body = run(signed_in, other, "aws configure list-profiles").content.decode()
    assert json.dumps("p") not in body and ">p\n" not in body


def test_long_output_is_whole_in_the_reply_but_cut_in_the_history(signed_in, sandbox):
    from iamlab.web import tools_cli

    reply = run(signed_in, sandbox, "aws iam list-policies").content.decode()
    assert len(reply) > tools_cli.MAX_KEPT_OUTPUT  # every AWS managed policy
    history = signed_in.session[f"cli:{sandbox.pk}:history"]
    assert len(history[-1]["stdout"]) <= tools_cli.MAX_KEPT_OUTPUT + 1
    assert "Output cut to" in history[-1]["notes"][-1]
