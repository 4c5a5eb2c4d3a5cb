"""The audit pages: credential report (table and CSV), Access Advisor, Access Analyzer and the
best-practice scorecard, run as the acting principal."""

import csv
import io
import json

import pytest

from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import iam, principals
from iamlab.web import console_context

pytestmark = pytest.mark.django_db

ACCOUNT = "111122223333"
SCENARIO = f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      admin:
        policies: [arn:aws:iam::aws:policy/AdministratorAccess]
      dev:
        access_keys: [{{id: AKIADEV0000000000001, secret: dev-secret}}]
        inline_policies:
          s3:
            Version: '2012-10-17'
            Statement:
              - {{Effect: Allow, Action: ['s3:GetObject', 'iam:GetUser'], Resource: '*'}}
    buckets:
      shared-reports:
        policy:
          Version: '2012-10-17'
          Statement:
            - Effect: Allow
              Principal: {{AWS: 'arn:aws:iam::444455556666:root'}}
              Action: s3:GetObject
              Resource: 'arn:aws:s3:::shared-reports/*'
"""


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def sandbox(owner):
    return load_scenario(SCENARIO, name="audit", owner=owner)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def act_as(client, sandbox, arn):
    session = client.session
    session[f"{console_context.SESSION_PREFIX}{sandbox.pk}"] = arn
    session.save()


def url(sandbox, rest):
    return f"/sandbox/{sandbox.pk}/{rest}"


# ------------------------------------------------------------------------ credential report
def test_credential_report_generate_then_table_then_csv(signed_in, sandbox):
    first = signed_in.get(url(sandbox, "credential-report/"))
    assert first.status_code == 200
    assert "No current report" in first.content.decode()
    assert "Download CSV" not in first.content.decode()
    made = signed_in.post(url(sandbox, "credential-report/generate/"), follow=True)
    body = made.content.decode()
    assert "Credential report generated." in body
    assert "&lt;root_account&gt;" in body and f"arn:aws:iam::{ACCOUNT}:user/dev" in body
    download = signed_in.get(url(sandbox, "credential-report/download/"))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    assert download["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:3] == ["user", "arn", "user_creation_time"]
    assert [r[0] for r in rows[1:]] == ["<root_account>", "admin", "dev"]
    dev = dict(zip(rows[0], rows[3], strict=True))
    assert dev["access_key_1_active"] == "true"
    assert dev["password_enabled"] == "false"


def test_credential_report_as_a_principal_without_permission_shows_access_denied(
    signed_in, sandbox
):
    act_as(signed_in, sandbox, f"arn:aws:iam::{ACCOUNT}:user/dev")
    page = signed_in.post(url(sandbox, "credential-report/generate/"), follow=True)
    body = page.content.decode()
    assert (
        "AccessDenied: User: arn:aws:iam::111122223333:user/dev is not authorized to perform: "
        "iam:GenerateCredentialReport"
    ) in body
    download = signed_in.get(url(sandbox, "credential-report/download/"))
    assert download.status_code == 302


# ----------------------------------------------------------------------------- Access Advisor
def test_access_advisor_lists_entities_and_services(signed_in, sandbox):
    iam.get_user(principals.as_user(sandbox, "dev"), UserName="dev")  # dev uses IAM once
    page = signed_in.get(url(sandbox, "access-advisor/"))
    body = page.content.decode()
    assert "Choose an entity" in body
    assert "?arn=arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Fdev" in body
    page = signed_in.get(
        url(sandbox, "access-advisor/"), {"arn": f"arn:aws:iam::{ACCOUNT}:user/dev"}
    )
    body = page.content.decode()
    assert ">iam<" in body and ">s3<" in body
    assert "Not accessed in the tracking period" in body  # s3 was never used
    assert f"arn:aws:iam::{ACCOUNT}:user/dev</td>" in body  # iam last accessed by dev


# ---------------------------------------------------------------------------- Access Analyzer
def test_access_analyzer_create_find_archive_and_unarchive(signed_in, sandbox):
    page = signed_in.get(url(sandbox, "access-analyzer/"))
    assert "No analyzer yet" in page.content.decode()
    made = signed_in.post(
        url(sandbox, "access-analyzer/"), {"do": "create", "type": "ACCOUNT"}, follow=True
    )
    body = made.content.decode()
    assert "Analyzer iamlab-external created" in body
    assert "arn:aws:s3:::shared-reports" in body
    assert 'badge badge-warn">Active' in body
    from iamlab.sandbox.services import access_analyzer

    root = principals.as_root(sandbox)
    analyzer = access_analyzer.list_analyzers(root)["analyzers"][0]["arn"]
    finding = access_analyzer.list_findings_v2(root, analyzerArn=analyzer)["findings"][0]["id"]
    archived = signed_in.post(
        url(sandbox, "access-analyzer/"),
        {"do": "archive", "analyzer": analyzer, "finding": finding},
        follow=True,
    )
    assert "Finding archived." in archived.content.decode()
    assert (
        access_analyzer.list_findings_v2(root, analyzerArn=analyzer)["findings"][0]["status"]
        == "ARCHIVED"
    )
    signed_in.post(
        url(sandbox, "access-analyzer/"),
        {"do": "unarchive", "analyzer": analyzer, "finding": finding},
    )
    assert (
        access_analyzer.list_findings_v2(root, analyzerArn=analyzer)["findings"][0]["status"]
        == "ACTIVE"
    )


def test_access_analyzer_policy_validation(signed_in, sandbox):
    bad = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"}],
        }
    )
    page = signed_in.post(
        url(sandbox, "access-analyzer/"),
        {"do": "validate", "policy": bad, "policy_type": "IDENTITY_POLICY"},
    )
    body = page.content.decode()
    assert "validation-findings" in body
    assert "GetObjekt" in body
    good = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
            ],
        }
    )
    page = signed_in.post(
        url(sandbox, "access-analyzer/"),
        {"do": "validate", "policy": good, "policy_type": "IDENTITY_POLICY"},
    )
    assert "No findings: the policy is valid." in page.content.decode()


def test_hostile_policy_text_is_inert_in_validation(signed_in, sandbox):
    page = signed_in.post(
        url(sandbox, "access-analyzer/"),
        {"do": "validate", "policy": "<script>alert(1)</script>", "policy_type": "IDENTITY_POLICY"},
    )
    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# -------------------------------------------------------------------------------- scorecard
def test_scorecard_shows_pass_and_fail_with_fixes(signed_in, sandbox):
    page = signed_in.get(url(sandbox, "scorecard/"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'badge-allow">Pass' in body and 'badge-deny">Fail' in body
    from iamlab.sandbox import audit
    from iamlab.sandbox.models import Account

    checks = audit.scorecard(Account.objects.get(sandbox=sandbox))
    failing = [c for c in checks if not c.passed]
    assert failing
    for check in failing:
        assert f'data-check="{check.id}"' in body
        assert check.fix.replace("'", "&#x27;")[:30] in body


# -------------------------------------------------------------------------------- isolation
@pytest.mark.parametrize(
    "rest",
    [
        "credential-report/",
        "credential-report/download/",
        "access-advisor/",
        "access-analyzer/",
        "scorecard/",
        "cli/",
        "graph/",
        "graph/graph.json",
        "simulator/",
    ],
)
def test_another_learners_sandbox_is_404_on_every_tool(client, sandbox, learner, rest):
    client.force_login(learner("intruder"))
    assert client.get(url(sandbox, rest)).status_code == 404


@pytest.mark.parametrize("rest", ["credential-report/generate/", "access-analyzer/", "cli/"])
def test_another_learner_cannot_post_to_the_tools(client, sandbox, learner, rest):
    client.force_login(learner("intruder"))
    assert (
        client.post(url(sandbox, rest), {"do": "create", "line": "aws iam list-users"}).status_code
        == 404
    )


def test_a_report_still_being_generated_says_so(signed_in, sandbox):
    iam.generate_credential_report(principals.as_root(sandbox))  # STARTED, not yet complete
    body = signed_in.get(url(sandbox, "credential-report/")).content.decode()
    assert "The report is being generated" in body
    assert "Download CSV" not in body
