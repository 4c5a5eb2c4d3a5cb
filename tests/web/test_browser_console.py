"""The web app in a real browser (Debian's Chromium through pytest-playwright): sign-up, the
policy editor's inline problems and refused save, isolation between learners, and hostile text
staying inert. Screenshots of the main pages go to docs/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from iamlab.sandbox.models import IamUser, ManagedPolicy
from iamlab.sandbox.services import iam, principals

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = "<script>window.__xss = 1</script>"

# Line 5 holds the mistake: an Effect AWS does not know.
MISTAKE = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Alow",
      "Action": "s3:ListAllMyBuckets",
      "Resource": "*"
    }
  ]
}"""


@pytest.fixture
def csp_violations(page):
    """Console messages about the Content-Security-Policy refusing something (should be none)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


def replace_editor_text(page, text: str) -> None:
    """Replace the whole document, as a paste would (CodeMirror's own API: typing it key by key
    would auto-close brackets), then check the editor and the form field agree."""
    page.evaluate(
        """text => {
            const view = document.querySelector("#policy-document").policyEditor;
            view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}});
            view.focus();
        }""",
        text,
    )
    assert page.locator("#policy-document").input_value() == text


def put_cursor_after(page, marker: str) -> None:
    page.evaluate(
        """marker => {
            const view = document.querySelector("#policy-document").policyEditor;
            const at = view.state.doc.toString().indexOf(marker) + marker.length;
            view.dispatch({selection: {anchor: at}});
            view.focus();
        }""",
        marker,
    )


def test_sign_up_in_the_browser(live_server, page, screenshot, csp_violations):
    page.goto(f"{live_server.url}/")
    screenshot(page, "home")
    page.get_by_role("link", name="Create a free account").click()
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    page.get_by_label("Username").fill("browser-learner")
    page.get_by_label("E-mail address").fill("browser-learner@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    screenshot(page, "sign-up")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    expect(page.locator(".usermenu-name")).to_have_text("browser-learner")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert IamUser.objects.count() == 0  # an iamlab account, not an IAM user
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    assert csp_violations == []


def test_policy_mistake_shown_inline_and_save_refused(
    live_server, signed_in_page, screenshot, csp_violations
):
    page = signed_in_page
    page.goto(f"{live_server.url}/sandbox/")
    expect(page.get_by_role("heading", name="No sandbox yet")).to_be_visible()
    screenshot(page, "sandboxes-empty")
    page.get_by_role("button", name="New free-play sandbox").first.click()
    expect(page.get_by_role("heading", name="IAM dashboard")).to_be_visible()
    screenshot(page, "iam-dashboard")

    page.get_by_role("link", name="Policies", exact=True).click()
    page.get_by_role("link", name="Create policy").first.click()
    expect(page.locator(".cm-editor")).to_be_visible()  # CodeMirror replaced the textarea
    expect(page.locator("textarea#policy-document")).to_be_hidden()
    page.get_by_label("Policy name").fill("ListBuckets")
    replace_editor_text(page, MISTAKE.replace("Alow", "Allow"))
    # Type the mistake: one key press turns "Allow" into "Alow".
    put_cursor_after(page, '"Effect": "Al')
    page.keyboard.press("Delete")
    assert page.locator("#policy-document").input_value() == MISTAKE

    # The engine's problem appears inline on line 5, where the mistake is, as you type.
    line5 = page.locator(".cm-content .cm-line").nth(4)
    expect(line5.locator(".cm-lintRange-error")).to_have_text('"Alow"', timeout=10_000)
    expect(page.locator("#policy-problems li.error")).to_have_text(
        re.compile(r'^Line 5, column 17: .*Effect must be "Allow" or "Deny"')
    )
    expect(page.locator("#policy-problems-status")).to_have_text(re.compile("1 error"))
    screenshot(page, "policy-editor-problem")

    # Saving anyway: the service layer refuses it with AWS's error, next to the editor.
    page.get_by_role("button", name="Create policy").click()
    error = page.locator("#aws-error")
    expect(error).to_contain_text("MalformedPolicyDocument")
    expect(error).to_contain_text('Effect must be "Allow" or "Deny"; found "Alow".')
    assert not ManagedPolicy.objects.filter(name="ListBuckets").exists()
    # The text typed is still there, in the editor, to fix.
    expect(page.locator(".cm-content")).to_contain_text('"Effect": "Alow"')
    screenshot(page, "policy-save-refused")

    # Fixed, it saves and shows the policy.
    replace_editor_text(page, MISTAKE.replace("Alow", "Allow"))
    expect(page.locator("#policy-problems-status")).to_have_text(
        "No problems found.", timeout=10_000
    )
    page.get_by_role("button", name="Create policy").click()
    expect(page.get_by_role("heading", name="ListBuckets")).to_be_visible()
    assert ManagedPolicy.objects.filter(name="ListBuckets").exists()
    assert csp_violations == []


def test_completion_offers_action_names(live_server, signed_in_page, free_play):
    page = signed_in_page
    sandbox = free_play(page.learner)
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/policies/create/")
    replace_editor_text(page, MISTAKE.replace('"s3:ListAllMyBuckets"', '"s3:"'))
    put_cursor_after(page, '"Action": "s3:')
    page.keyboard.type("GetObj")
    page.keyboard.press("Control+Space")
    options = page.locator(".cm-tooltip-autocomplete li")
    expect(options.first).to_be_visible(timeout=10_000)
    expect(page.locator(".cm-tooltip-autocomplete")).to_contain_text("s3:GetObject")


def test_console_pages_and_tabs(live_server, signed_in_page, free_play, screenshot):
    page = signed_in_page
    sandbox = free_play(page.learner)
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.create_group(root, GroupName="developers")
    iam.add_user_to_group(root, GroupName="developers", UserName="alice")
    iam.attach_user_policy(
        root, UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    base = f"{live_server.url}/sandbox/{sandbox.pk}"
    page.goto(f"{base}/users/")
    expect(page.get_by_role("link", name="alice")).to_be_visible()
    screenshot(page, "users")
    page.get_by_role("link", name="alice").click()
    expect(page.get_by_role("link", name="ReadOnlyAccess")).to_be_visible()
    # A tab loads as an htmx fragment, and the address bar follows (reload/bookmark work).
    page.get_by_role("link", name="Security credentials").click()
    page.wait_for_url(f"{base}/users/alice/tab/security-credentials/")
    page.get_by_role("button", name="Create access key").click()
    expect(
        page.get_by_text("This is the only time the secret access key can be viewed.")
    ).to_be_visible()
    secret = page.locator("#new-key-secret").inner_text()
    assert len(secret) == 40
    screenshot(page, "user-security-credentials")
    page.reload()
    expect(page.locator("#new-key-secret")).to_have_count(0)
    expect(page.get_by_role("heading", name="Access keys (1)")).to_be_visible()
    page.go_back()
    page.wait_for_url(re.compile(r".*/users/alice/"))

    # Act as alice (read-only): creating a user is denied with AWS's message.
    page.goto(f"{base}/users/")
    page.get_by_label("Acting as").select_option(label="alice — 111122223333")
    page.get_by_role("button", name="Switch").click()
    expect(page.locator(".principal-current")).to_have_text("arn:aws:iam::111122223333:user/alice")
    page.get_by_role("link", name="Create user").first.click()
    page.get_by_label("User name").fill("mallory")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#aws-error")).to_contain_text(
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
        "iam:CreateUser on resource: arn:aws:iam::111122223333:user/mallory"
    )
    screenshot(page, "access-denied")
    assert not IamUser.objects.filter(name="mallory").exists()


def test_trust_policy_tab_loads_its_editor(live_server, signed_in_page, free_play, screenshot):
    page = signed_in_page
    sandbox = free_play(page.learner)
    trust = MISTAKE.replace("Alow", "Allow").replace(
        '"Action": "s3:ListAllMyBuckets",\n      "Resource": "*"',
        '"Principal": {"Service": "ec2.amazonaws.com"},\n      "Action": "sts:AssumeRole"',
    )
    iam.create_role(
        principals.as_root(sandbox), RoleName="WebServer", AssumeRolePolicyDocument=trust
    )
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/roles/WebServer/")
    page.get_by_role("link", name="Trust relationships").click()
    # The tab came as an htmx fragment; its editor was set up all the same.
    page.wait_for_url(re.compile(r".*/roles/WebServer/tab/trust-relationships/$"))
    expect(page.locator(".cm-editor")).to_be_visible()
    expect(page.locator(".cm-content")).to_contain_text("ec2.amazonaws.com")
    expect(page.locator("#policy-problems-status")).to_have_text(
        "No problems found.", timeout=10_000
    )
    screenshot(page, "role-trust-relationships")
    # Another tab, then Back: the page comes from htmx's history cache, editor included.
    page.get_by_role("link", name="Permissions", exact=True).click()
    page.wait_for_url(re.compile(r".*/roles/WebServer/tab/permissions/$"))
    expect(page.locator(".cm-editor")).to_have_count(0)
    page.go_back()
    page.wait_for_url(re.compile(r".*/roles/WebServer/tab/trust-relationships/$"))
    expect(page.locator(".cm-editor")).to_have_count(1)
    expect(page.locator(".cm-content")).to_contain_text("ec2.amazonaws.com")


def test_another_learners_sandbox_urls_give_404(live_server, page, learner, free_play):
    owner = learner("owner")
    sandbox = free_play(owner)
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    intruder = learner("intruder")
    sign_in(page, live_server.url, intruder.username)
    for rest in ["", "users/", "users/alice/", "users/alice/tab/security-credentials/", "roles/"]:
        response = page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/{rest}")
        assert response.status == 404, rest
        expect(page.get_by_role("heading", name="We couldn't find that page")).to_be_visible()
    page.goto(f"{live_server.url}/sandbox/")
    expect(page.get_by_role("heading", name="No sandbox yet")).to_be_visible()


def test_hostile_text_stays_inert(live_server, signed_in_page, free_play):
    page = signed_in_page
    sandbox = free_play(page.learner)
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    IamUser.objects.filter(sandbox=sandbox, name="alice").update(tags={"note": PAYLOAD})
    document = MISTAKE.replace("Alow", "Allow").replace(
        '"Resource": "*"',
        f'"Resource": "*", "Condition": {{"StringEquals": {{"aws:username": "{PAYLOAD}"}}}}',
    )
    iam.create_policy(root, PolicyName="Odd", PolicyDocument=document)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = f"{live_server.url}/sandbox/{sandbox.pk}"

    page.goto(f"{base}/users/alice/tab/tags/")
    expect(page.get_by_text(PAYLOAD)).to_be_visible()
    page.goto(f"{base}/policies/Odd/")
    expect(page.locator("pre.policy-json")).to_contain_text(PAYLOAD)
    page.goto(f"{base}/policies/Odd/?edit=1")
    expect(page.locator(".cm-content")).to_contain_text(PAYLOAD)
    page.goto(f"{base}/users/create/")
    page.get_by_label("User name").fill(PAYLOAD)
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#aws-error")).to_contain_text(PAYLOAD)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []


def test_phone_width_and_keyboard(live_server, signed_in_page, free_play, screenshot):
    page = signed_in_page
    sandbox = free_play(page.learner)
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/sandbox/{sandbox.pk}/users/alice/")
    # Nothing wider than the screen: the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "phone-user")
    # The first Tab reaches the skip link, which jumps to the content.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*#main$"))
