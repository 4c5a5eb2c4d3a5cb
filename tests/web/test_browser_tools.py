"""In Chromium: the simulator highlights the deciding statement; the CLI pane creates a user,
assumes a role and is denied with AWS's message; the credential report downloads as CSV; the
account graph draws. Screenshots of these pages go to docs/screenshots/."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from iamlab.sandbox.scenario import load_scenario

ACCOUNT = "111122223333"
SCENARIO = f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    alias: tooling
    groups:
      devs:
        inline_policies:
          read:
            Version: '2012-10-17'
            Statement:
              - {{Sid: ReadBuckets, Effect: Allow, Action: ['s3:Get*', 's3:List*'], Resource: '*'}}
              - {{Sid: AssumeReader, Effect: Allow, Action: sts:AssumeRole, Resource: 'arn:aws:iam::{ACCOUNT}:role/reader'}}
    users:
      dev:
        groups: [devs]
        inline_policies:
          guardrail:
            Version: '2012-10-17'
            Statement:
              - {{Sid: NeverDeleteBuckets, Effect: Deny, Action: 's3:DeleteBucket', Resource: '*'}}
    roles:
      reader:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {{Effect: Allow, Principal: {{AWS: 'arn:aws:iam::{ACCOUNT}:root'}}, Action: sts:AssumeRole}}
        inline_policies:
          look:
            Version: '2012-10-17'
            Statement:
              - {{Effect: Allow, Action: ['iam:Get*', 'iam:List*'], Resource: '*'}}
"""  # noqa: E501


@pytest.fixture
def console_errors(signed_in_page):
    """Errors the page logs (a Content-Security-Policy violation would show up here)."""
    errors = []
    signed_in_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


@pytest.fixture
def sandbox(signed_in_page):
    return load_scenario(SCENARIO, name="tools", owner=signed_in_page.learner)


def test_simulator_highlights_the_deciding_statement(
    signed_in_page, live_server, sandbox, screenshot, console_errors
):
    page = signed_in_page
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/simulator/")
    page.get_by_label("Principal").select_option(label=f"user dev · {ACCOUNT}")
    page.locator("#sim-actions").fill("s3:DeleteBucket\ns3:GetObject")
    page.get_by_role("button", name="Run simulation").click()
    deny = page.locator(".sim-result[data-decision=explicitDeny]")
    expect(deny).to_be_visible()
    expect(deny.locator(".sim-message")).to_contain_text(
        f"User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: s3:DeleteBucket "
        "on resource: * with an explicit deny in an identity-based policy"
    )
    marked = deny.locator(".policy-line.line-deny")
    expect(marked.filter(has_text="NeverDeleteBuckets")).to_have_count(1)
    expect(deny.locator(".policy-line.line-deny", has_text="ReadBuckets")).to_have_count(0)
    allow = page.locator(".sim-result[data-decision=allowed]")
    expect(allow.locator(".policy-line.line-allow", has_text="ReadBuckets")).to_have_count(1)
    assert "actions=s3%3ADeleteBucket" in page.url  # the result is bookmarkable
    page.reload()
    expect(page.locator(".sim-result[data-decision=explicitDeny]")).to_be_visible()
    # the explanation trace opens
    deny.get_by_text("Full explanation trace").click()
    expect(deny.locator(".trace-statements").first).to_be_visible()
    screenshot(page, "simulator")
    assert console_errors == []


def run(page, line):
    before = page.locator("#terminal .cli-entry[data-line]").count()
    page.locator("#cli-line").fill(line)
    page.locator("#cli-line").press("Enter")
    expect(page.locator("#terminal .cli-entry[data-line]")).to_have_count(before + 1)
    return page.locator("#terminal .cli-entry[data-line]").last


def test_cli_creates_a_user_assumes_a_role_and_is_denied(
    signed_in_page, live_server, sandbox, screenshot, console_errors
):
    page = signed_in_page
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/cli/")
    entry = run(page, "aws iam create-user --user-name bob")
    expect(entry).to_contain_text('"UserName": "bob"')
    entry = run(page, "aws iam create-access-key --user-name dev")
    expect(entry).to_contain_text("saved this key as profile 'dev'")
    entry = run(
        page,
        f"aws sts assume-role --role-arn arn:aws:iam::{ACCOUNT}:role/reader "
        "--role-session-name audit --profile dev",
    )
    expect(entry).to_contain_text('"AssumedRoleId"')
    expect(entry).to_contain_text("Saved these temporary credentials as profile 'audit'")
    entry = run(page, "aws iam create-user --user-name eve --profile audit")
    expect(entry.locator(".error")).to_have_text(
        re.compile(
            r"An error occurred \(AccessDenied\) when calling the CreateUser operation: User: "
            rf"arn:aws:sts::{ACCOUNT}:assumed-role/reader/audit is not authorized to perform: "
            rf"iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/eve because no "
            r"identity-based policy allows the iam:CreateUser action"
        )
    )
    # Up recalls the last command
    page.locator("#cli-line").press("ArrowUp")
    expect(page.locator("#cli-line")).to_have_value(
        "aws iam create-user --user-name eve --profile audit"
    )
    page.locator("#cli-line").fill("")
    screenshot(page, "cli")
    page.reload()  # the history survives a reload
    expect(page.locator("#terminal .cli-entry[data-line]")).to_have_count(4)
    assert console_errors == []


def test_credential_report_downloads_as_csv(signed_in_page, live_server, sandbox, screenshot):
    page = signed_in_page
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/credential-report/")
    expect(page.get_by_text("No current report")).to_be_visible()
    page.get_by_role("button", name="Generate report").click()
    expect(page.locator("table.credential-report")).to_contain_text(
        f"arn:aws:iam::{ACCOUNT}:user/dev"
    )
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0:2] == ["user", "arn"]
    assert [r[0] for r in rows[1:]] == ["<root_account>", "dev"]
    screenshot(page, "credential-report")


def test_account_graph_draws(signed_in_page, live_server, sandbox, screenshot, console_errors):
    page = signed_in_page
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/graph/")
    graph = page.locator("#account-graph")
    expect(graph).to_have_attribute("data-ready", re.compile(r"^[1-9]\d*$"))
    expect(graph.locator("canvas").first).to_be_attached()
    expect(page.locator("table.assume-table")).to_contain_text(f"arn:aws:iam::{ACCOUNT}:user/dev")
    screenshot(page, "account-graph")
    assert console_errors == []


def test_audit_pages_render(signed_in_page, live_server, sandbox, screenshot):
    page = signed_in_page
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/scorecard/")
    expect(page.locator("table.scorecard tbody tr").first).to_be_visible()
    screenshot(page, "scorecard")
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/access-analyzer/")
    page.get_by_role("button", name="Create analyzer").click()
    expect(page.get_by_text("Analyzer iamlab-external created")).to_be_visible()
    screenshot(page, "access-analyzer")


def test_standalone_simulator_with_action_completion(signed_in_page, live_server, screenshot):
    page = signed_in_page
    page.goto(f"{live_server.url}/simulator/")
    picker = page.get_by_label("Find an action")
    picker.fill("s3:GetObjectAc")
    expect(page.locator("#sim-action-list option[value='s3:GetObjectAcl']")).to_be_attached()
    picker.fill("s3:GetObjectAcl")
    picker.press("Enter")
    expect(page.locator("#sim-actions")).to_have_value(re.compile(r"\ns3:GetObjectAcl$"))
    page.get_by_role("button", name="Run simulation").click()
    expect(page.locator(".sim-result")).to_have_count(4)
    deny = page.locator(".sim-result[data-decision=explicitDeny]")
    expect(deny.locator(".policy-line.line-deny", has_text="NeverDelete")).to_have_count(1)
    expect(
        page.locator(".sim-result[data-decision=allowed] .policy-line.line-allow").first
    ).to_be_visible()
    screenshot(page, "simulator-standalone")
