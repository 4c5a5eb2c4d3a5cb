"""More console pages in a real browser (Debian's Chromium): assign a virtual MFA device with the
"fill codes" helper, then create an instance profile holding a role."""

import json
import re

import pytest
from playwright.sync_api import expect

from iamlab.sandbox.models import InstanceProfile, MfaDevice
from iamlab.sandbox.services import iam, mfa, principals

pytestmark = pytest.mark.django_db(transaction=True)

EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


@pytest.fixture
def csp_violations(page):
    seen: list[str] = []
    page.on(
        "console",
        lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return seen


def test_assign_mfa_with_fill_codes_then_instance_profile_with_role(
    live_server, signed_in_page, free_play, screenshot, csp_violations
):
    page = signed_in_page
    sandbox = free_play(page.learner)
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.create_role(root, RoleName="web-server", AssumeRolePolicyDocument=EC2_TRUST)
    base = f"{live_server.url}/sandbox/{sandbox.pk}"

    # --- virtual MFA: create the device, read the secret, fill the codes, enable
    page.goto(f"{base}/users/alice/tab/security-credentials/")
    page.get_by_role("link", name="Assign MFA device").click()
    expect(page.get_by_role("heading", name="Assign a virtual MFA device to alice")).to_be_visible()
    page.get_by_label("Device name").fill("alice-phone")
    page.get_by_role("button", name="Next").click()
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    expect(page.locator("#mfa-seed")).to_have_text(mfa.base32_seed(device))
    page.get_by_role("button", name="Fill codes for me (sandbox only)").click()
    expect(page.get_by_label("MFA code 1")).to_have_value(re.compile(r"^\d{6}$"))
    expect(page.get_by_label("MFA code 2")).to_have_value(re.compile(r"^\d{6}$"))
    screenshot(page, "console-mfa-assign")
    page.get_by_role("button", name="Add MFA").click()
    page.wait_for_url(re.compile(r".*/users/alice/tab/security-credentials/$"))
    expect(page.locator("#messages")).to_contain_text("MFA device assigned to alice.")
    row = page.get_by_role("row").filter(has_text=device.serial_number)
    expect(row.locator(".badge")).to_have_text("assigned")
    device.refresh_from_db()
    assert device.user.name == "alice"

    # --- instance profile holding the role
    page.get_by_role("link", name="Instance profiles").click()
    expect(page.get_by_role("heading", name=re.compile("^Instance profiles"))).to_be_visible()
    page.get_by_label("Instance profile name").fill("web-server-profile")
    page.get_by_label("Role (optional)").select_option("web-server")
    page.get_by_role("button", name="Create instance profile").click()
    page.wait_for_url(re.compile(r".*/instance-profiles/web-server-profile/$"))
    expect(page.locator("#messages")).to_contain_text(
        "Instance profile web-server-profile created with role web-server."
    )
    expect(page.get_by_role("link", name="web-server", exact=True)).to_be_visible()
    screenshot(page, "console-instance-profile")
    profile = InstanceProfile.objects.get(sandbox=sandbox, name="web-server-profile")
    assert profile.role.name == "web-server"
    assert csp_violations == []
