"""The policy simulator pages (sandbox mode and standalone) with Django's test client."""

import json
import re

import pytest

from iamlab.sandbox.scenario import load_scenario

pytestmark = pytest.mark.django_db

ACCOUNT = "111122223333"
SCENARIO = f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    groups:
      devs:
        inline_policies:
          s3-read:
            Version: '2012-10-17'
            Statement:
              - Sid: ReadFromOffice
                Effect: Allow
                Action: ['s3:Get*', 's3:List*']
                Resource: '*'
                Condition: {{IpAddress: {{'aws:SourceIp': 198.51.100.0/24}}}}
    users:
      dev:
        groups: [devs]
        inline_policies:
          no-delete:
            Version: '2012-10-17'
            Statement:
              - {{Sid: NoDelete, Effect: Deny, Action: 's3:DeleteBucket', Resource: '*'}}
"""


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def sandbox(owner):
    return load_scenario(SCENARIO, name="sim", owner=owner)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


DEV = f"arn:aws:iam::{ACCOUNT}:user/dev"


def simulate(client, sandbox, **params):
    return client.get(f"/sandbox/{sandbox.pk}/simulator/", params)


def marked_lines(html, mark):
    return re.findall(
        rf'<span class="policy-line line-{mark}" data-decisive="{mark}">'
        r'<span class="line-no" aria-hidden="true">\d+</span>(.*?)</span>',
        html,
    )


def test_page_lists_the_sandboxs_principals(signed_in, sandbox):
    page = simulate(signed_in, sandbox)
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{DEV}"' in body
    assert f'value="arn:aws:iam::{ACCOUNT}:root"' in body


def test_explicit_deny_highlights_the_denying_statement(signed_in, sandbox):
    page = simulate(signed_in, sandbox, principal=DEV, actions="s3:DeleteBucket", resource="*")
    body = page.content.decode()
    assert "explicit deny" in body
    assert (
        f"User: {DEV} is not authorized to perform: s3:DeleteBucket on resource: * with an "
        "explicit deny in an identity-based policy"
    ) in body
    # exactly the statement's six lines: { Sid Effect Action Resource }
    assert [line.strip() for line in marked_lines(body, "deny")] == [
        "{",
        "&quot;Sid&quot;: &quot;NoDelete&quot;,",
        "&quot;Effect&quot;: &quot;Deny&quot;,",
        "&quot;Action&quot;: &quot;s3:DeleteBucket&quot;,",
        "&quot;Resource&quot;: &quot;*&quot;",
        "}",
    ]
    denied = " ".join(marked_lines(body, "deny"))
    assert "NoDelete" in denied and "s3:DeleteBucket" in denied
    assert "ReadFromOffice" not in denied
    assert not marked_lines(body, "allow")


def test_allow_depends_on_the_context_keys_given(signed_in, sandbox):
    outside = simulate(signed_in, sandbox, principal=DEV, actions="s3:GetObject")
    assert "implicit deny" in outside.content.decode()
    assert not marked_lines(outside.content.decode(), "allow")
    inside = simulate(
        signed_in,
        sandbox,
        principal=DEV,
        actions="s3:GetObject",
        context="aws:SourceIp=198.51.100.7",
    )
    body = inside.content.decode()
    assert "badge-allow" in body
    assert "ReadFromOffice" in " ".join(marked_lines(body, "allow"))


def test_several_actions_each_get_a_decision_and_a_trace(signed_in, sandbox):
    page = simulate(
        signed_in, sandbox, principal=DEV, actions="s3:DeleteBucket\niam:CreateUser, s3:ListBucket"
    )
    body = page.content.decode()
    assert body.count('class="card sim-result"') == 3
    assert body.count("Full explanation trace") == 3
    assert "because no identity-based policy allows the iam:CreateUser action" in body


def test_condition_keys_of_the_principals_policies_are_suggested(signed_in, sandbox):
    body = simulate(signed_in, sandbox, principal=DEV).content.decode()
    assert 'data-add-key="aws:SourceIp"' in body


def test_htmx_gets_only_the_results_fragment(signed_in, sandbox):
    page = signed_in.get(
        f"/sandbox/{sandbox.pk}/simulator/",
        {"principal": DEV, "actions": "s3:DeleteBucket"},
        HTTP_HX_REQUEST="true",
    )
    body = page.content.decode()
    assert body.lstrip().startswith('<div id="sim-results"')
    assert "<html" not in body


def test_unknown_principal_is_refused_with_a_message(signed_in, sandbox):
    body = simulate(
        signed_in, sandbox, principal="arn:aws:iam::999999999999:user/x", actions="s3:GetObject"
    ).content.decode()
    assert "Choose a principal of this sandbox." in body
    assert 'class="card sim-result"' not in body


def test_another_learners_sandbox_is_404(client, sandbox, learner):
    client.force_login(learner("intruder"))
    assert simulate(client, sandbox).status_code == 404
    assert client.get("/sandbox/999999/simulator/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, sandbox):
    page = simulate(client, sandbox)
    assert page.status_code == 302
    assert "/accounts/signin/" in page["Location"]


def test_hostile_text_is_rendered_inert(signed_in, sandbox):
    page = simulate(
        signed_in,
        sandbox,
        principal=DEV,
        actions="s3:GetObject",
        context="aws:username=<script>alert(1)</script>",
    )
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# -------------------------------------------------------------------------------- standalone
SCP_DENY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "NoGet", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
        ],
    }
)


def test_standalone_page_has_a_sample_ready(signed_in):
    page = signed_in.get("/simulator/")
    assert page.status_code == 200
    assert "ReadReports" in page.content.decode()


def test_standalone_decides_with_an_scp_and_highlights_it(signed_in):
    identity = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
    )
    page = signed_in.post(
        "/simulator/",
        {
            "principal": "arn:aws:iam::111122223333:user/alice",
            "actions": "s3:GetObject s3:PutObject",
            "resource": "arn:aws:s3:::b/k",
            "identity": identity,
            "scps": f"[{SCP_DENY}]",
        },
    )
    body = page.content.decode()
    assert "with an explicit deny in a service control policy" in body
    assert "NoGet" in " ".join(marked_lines(body, "deny"))
    # s3:PutObject: the SCP has no allow for it, so it is denied implicitly by the SCP
    assert body.count('class="card sim-result"') == 2


def test_standalone_reports_bad_json_and_engine_errors(signed_in):
    page = signed_in.post("/simulator/", {"actions": "s3:GetObject", "identity": "{not json"})
    assert "Identity-based policies: not valid JSON" in page.content.decode()
    page = signed_in.post(
        "/simulator/",
        {
            "principal": "arn:aws:iam::111122223333:user/a",
            "actions": "s3:GetObject",
            "identity": '{"Statement": 5}',
        },
    )
    assert "/identityPolicies/0/Statement" in page.content.decode()


def test_standalone_script_in_a_policy_is_inert(signed_in):
    evil = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "x",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "<script>alert(1)</script>",
                }
            ],
        }
    )
    body = signed_in.post(
        "/simulator/",
        {
            "principal": "arn:aws:iam::111122223333:user/a",
            "actions": "s3:GetObject",
            "identity": evil,
        },
    ).content.decode()
    assert "<script>alert(1)</script>" not in body


def test_action_suggestions_come_from_the_catalog(client):
    answer = client.get("/simulator/actions/", {"q": "iam:CreateU"}).json()
    assert "iam:CreateUser" in answer["actions"]
    assert all(a.lower().startswith("iam:createu") for a in answer["actions"])
    assert client.get("/simulator/actions/", {"q": "i"}).json() == {"actions": []}


def test_a_role_session_can_be_simulated_with_its_session_policy(signed_in, owner):
    from iamlab.sandbox.services import principals, sts

    sandbox = load_scenario(
        f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      dev:
        inline_policies:
          assume:
            Version: '2012-10-17'
            Statement: [{{Effect: Allow, Action: sts:AssumeRole, Resource: '*'}}]
    roles:
      ops:
        trust_policy:
          Version: '2012-10-17'
          Statement: [{{Effect: Allow, Principal: {{AWS: '{ACCOUNT}'}}, Action: sts:AssumeRole}}]
        inline_policies:
          all-s3:
            Version: '2012-10-17'
            Statement: [{{Sid: AllS3, Effect: Allow, Action: 's3:*', Resource: '*'}}]
""",
        name="sessions",
        owner=owner,
    )
    narrow = '{"Version": "2012-10-17", "Statement": [{"Sid": "OnlyGet", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'  # noqa: E501
    sts.assume_role(
        principals.as_user(sandbox, "dev"),
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ops",
        RoleSessionName="narrow",
        Policy=narrow,
    )
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/narrow"
    body = simulate(signed_in, sandbox).content.decode()
    assert f'<option value="{session}">session ops/narrow' in body  # the simulator's own list
    body = simulate(signed_in, sandbox, principal=session, actions="s3:PutObject").content.decode()
    assert "implicit deny" in body
    assert "session policy" in body
    allowed = simulate(
        signed_in, sandbox, principal=session, actions="s3:GetObject"
    ).content.decode()
    allow_lines = " ".join(marked_lines(allowed, "allow"))
    assert "OnlyGet" in allow_lines and "AllS3" in allow_lines  # both sides allowed it


@pytest.mark.parametrize(
    ("actions", "resource", "context"),
    [
        ("foo", "*", ""),
        ("*", "not-an-arn", ""),
        ("s3:*", "arn:aws:s3:::b/*", "aws:SourceIp=not-an-ip"),
        ("<script>x</script>", "<b>", "=\nnokey\naws:CurrentTime=yesterday"),
        ("iam:" + "A" * 3000, "*", ""),
    ],
)
def test_odd_requests_get_an_answer_not_an_error(signed_in, sandbox, actions, resource, context):
    page = simulate(
        signed_in, sandbox, principal=DEV, actions=actions, resource=resource, context=context
    )
    assert page.status_code == 200
    assert "<script>x</script>" not in page.content.decode()


@pytest.mark.parametrize(
    "fields",
    [
        {"identity": "[1, 2]"},
        {"identity": "null", "boundary": '"text"'},
        {"scps": "[[]]", "resource_policy": "[{}, {}]"},
        {"principal": "", "actions": "s3:GetObject", "session": "{}"},
        {"context": "a=b\na=c\na=d", "identity": '{"Statement": []}'},
    ],
)
def test_standalone_odd_input_gets_an_answer_not_an_error(signed_in, fields):
    data = {"principal": "arn:aws:iam::111122223333:user/a", "actions": "s3:GetObject", **fields}
    page = signed_in.post("/simulator/", data)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'class="card sim-result"' in body or "could not run as asked" in body
