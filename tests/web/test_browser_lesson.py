"""In Chromium: sign up, then do the cross-account-role lesson end to end — the CLI pane as the
principals the switcher picks, "Check my work" in the player — until every check passes. Also
the dashboard and the catalog's filters. Screenshots go to docs/screenshots/."""

import json
import re

from playwright.sync_api import expect

from tests.web.conftest import PASSWORD

TOOLING = "111122223333"
PRODUCTION = "444455556666"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ListTheBucket",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::prod-artifacts",
            },
            {
                "Sid": "ReadAndWriteObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::prod-artifacts/*",
            },
        ],
    }
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{TOOLING}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
ROLE = f"arn:aws:iam::{PRODUCTION}:role/ProdArtifactsDeployer"
ASSUME = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}],
    }
)


def sign_up(page, base_url, username):
    page.goto(f"{base_url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail address").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(lambda url: "/accounts/signup/" not in url)


def act_as(page, name, account):
    """Pick a user in the principal switcher and wait for the page to act as them."""
    page.get_by_label("Acting as").select_option(label=f"{name} — {account}")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator(".principal-current")).to_have_text(f"arn:aws:iam::{account}:user/{name}")


def cli(page, line, expect_text=None):
    before = page.locator("#terminal .cli-entry[data-line]").count()
    page.locator("#cli-line").fill(line)
    page.locator("#cli-line").press("Enter")
    entries = page.locator("#terminal .cli-entry[data-line]")
    expect(entries).to_have_count(before + 1)
    entry = entries.last
    expect(entry).to_have_attribute("data-exit", "0")
    if expect_text:
        expect(entry).to_contain_text(expect_text)
    return entry


def test_sign_up_and_do_the_cross_account_role_lesson(page, live_server, screenshot):
    base = live_server.url
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_up(page, base, "newcomer")
    page.goto(f"{base}/dashboard/")
    expect(page.get_by_text("No attempts yet")).to_be_visible()

    page.goto(f"{base}/lessons/?topic=cross-account")
    card = page.locator("[data-lesson=cross-account-role]")
    expect(card).to_be_visible()
    screenshot(page, "lesson-catalog")
    card.get_by_role("link").click()
    page.get_by_role("button", name="Start the lesson").click()
    expect(page.get_by_role("button", name="Check my work")).to_be_visible()
    player = page.url

    # Nothing done yet: Check my work shows the failing checks with what to do.
    page.get_by_role("button", name="Check my work").click()
    expect(page.locator("[data-check=dana-in-developers][data-passed=false]")).to_be_visible()

    # Step 1, in the player's CLI, as the lesson's principal (admin of the tooling account).
    cli(page, "aws sts get-caller-identity", f"arn:aws:iam::{TOOLING}:user/admin")
    cli(page, "aws iam create-group --group-name Developers", '"GroupName": "Developers"')
    cli(page, "aws iam add-user-to-group --group-name Developers --user-name dana")
    cli(page, "aws iam add-user-to-group --group-name Developers --user-name eli")

    # Steps 2 and 3 in production: switch to its admin on the CLI page.
    page.locator(".lesson-sandbox").get_by_role("link", name="CLI", exact=True).click()
    page.wait_for_url("**/cli/")
    expect(page.get_by_role("heading", name="AWS CLI")).to_be_visible()
    act_as(page, "admin", PRODUCTION)
    cli(
        page,
        f"aws iam create-policy --policy-name ProdArtifactsWrite --policy-document '{POLICY}'",
        '"PolicyName": "ProdArtifactsWrite"',
    )
    cli(
        page,
        "aws iam create-role --role-name ProdArtifactsDeployer "
        f"--assume-role-policy-document '{TRUST}'",
        ROLE,
    )
    cli(
        page,
        "aws iam attach-role-policy --role-name ProdArtifactsDeployer "
        f"--policy-arn arn:aws:iam::{PRODUCTION}:policy/ProdArtifactsWrite",
    )

    # Step 4 back in tooling; step 5 as dana.
    act_as(page, "admin", TOOLING)
    cli(
        page,
        "aws iam put-group-policy --group-name Developers "
        f"--policy-name AssumeProdArtifactsDeployer --policy-document '{ASSUME}'",
    )
    # Step 5 back in the player, with its own switcher and CLI.
    page.goto(player)
    act_as(page, "frank", TOOLING)
    assert page.url.startswith(player)
    denied = page.locator("#cli-line")
    denied.fill(f"aws sts assume-role --role-arn {ROLE} --role-session-name frank")
    denied.press("Enter")
    expect(page.locator("#terminal .cli-entry[data-line]").last.locator(".error")).to_contain_text(
        "An error occurred (AccessDenied) when calling the AssumeRole operation: User: "
        f"arn:aws:iam::{TOOLING}:user/frank is not authorized to perform: sts:AssumeRole"
    )
    act_as(page, "dana", TOOLING)
    cli(
        page,
        f"aws sts assume-role --role-arn {ROLE} --role-session-name dana",
        f"arn:aws:sts::{PRODUCTION}:assumed-role/ProdArtifactsDeployer/dana",
    )
    cli(
        page,
        "aws s3api put-object --bucket prod-artifacts --key builds/web-1.4.3.zip --body zip "
        "--profile dana",
        '"ETag"',
    )

    # Back in the player: every check passes.
    page.goto(player)
    page.get_by_role("button", name="Check my work").click()
    expect(page.get_by_text("All checks pass")).to_be_visible()
    expect(page.locator("#lesson-checks [data-passed=false]")).to_have_count(0)
    expect(page.locator("#lesson-checks [data-passed=true]")).to_have_count(12)
    screenshot(page, "lesson-player")

    page.goto(f"{base}/dashboard/")
    expect(page.locator("table.recent-attempts")).to_contain_text("Cross-account access")
    expect(page.locator("table.recent-attempts")).to_contain_text("done")
    screenshot(page, "dashboard")

    # The catalog's filters work in place (htmx) and stay in the address bar.
    page.goto(f"{base}/lessons/")
    page.get_by_label("Status").select_option("done")
    expect(page.locator("[data-lesson]")).to_have_count(1)
    expect(page.locator("[data-lesson=cross-account-role]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=done"))
    assert errors == []  # no script error, no Content-Security-Policy violation
