"""More console pages with Django's test client: detail pages read as the acting principal
(AccessDenied in place of the data), instance profiles, EC2 instances, virtual MFA, role settings
and tags, policy tags, identity providers; isolation and escaping."""

import json

import pytest

from iamlab.sandbox.models import (
    Ec2Instance,
    IdentityProvider,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    Role,
)
from iamlab.sandbox.services import iam, mfa, principals, resources

pytestmark = pytest.mark.django_db

ACCOUNT = "111122223333"
INTERN = f"arn:aws:iam::{ACCOUNT}:user/intern"
PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

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


def allow(*actions):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def sandbox(owner, free_play):
    return free_play(owner)


@pytest.fixture
def root(sandbox):
    return principals.as_root(sandbox)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def url(sandbox, rest=""):
    return f"/sandbox/{sandbox.pk}/{rest}"


def post(client, sandbox, rest, data=None, **extra):
    sandbox.refresh_from_db()
    return client.post(url(sandbox, rest), {"version": sandbox.version, **(data or {})}, **extra)


def get(client, sandbox, rest):
    response = client.get(url(sandbox, rest))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def act_as_intern(client, sandbox, root, *actions):
    """Create the IAM user intern (allowed only `actions`) and act as intern."""
    iam.create_user(root, UserName="intern")
    if actions:
        iam.put_user_policy(
            root, UserName="intern", PolicyName="few", PolicyDocument=allow(*actions)
        )
    response = post(client, sandbox, "act-as/", {"principal": INTERN})
    assert response.status_code == 302
    assert client.session[f"iamlab.principal.{sandbox.pk}"] == INTERN


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def denied_text(action, resource):
    return f"User: {INTERN} is not authorized to perform: {action} on resource: {resource}"


# ------------------------------------------------------------------ detail pages as the principal


def test_user_tabs_each_read_as_the_acting_principal(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    key_id = iam.create_access_key(root, UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.attach_user_policy(
        root, UserName="alice", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    act_as_intern(
        signed_in,
        sandbox,
        root,
        "iam:GetUser",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:ListGroupsForUser",
    )
    body = get(signed_in, sandbox, "users/alice/")
    assert "ReadOnlyAccess" in body
    assert "AccessDenied" not in body
    body = get(signed_in, sandbox, "users/alice/tab/security-credentials/")
    assert "AccessDenied" in body
    assert denied_text("iam:ListAccessKeys", alice) in body
    assert key_id not in body  # the data is not shown in place of the error
    body = get(signed_in, sandbox, "users/alice/tab/tags/")
    assert denied_text("iam:ListUserTags", alice) in body


def test_user_summary_hidden_without_get_user(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    user_id = iam.get_user(root, UserName="alice")["User"]["UserId"]
    act_as_intern(signed_in, sandbox, root)
    body = get(signed_in, sandbox, "users/alice/")
    assert denied_text("iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/alice") in body
    assert user_id not in body


def test_role_tabs_denied_then_allowed(signed_in, sandbox, root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/app"
    act_as_intern(signed_in, sandbox, root, "iam:ListAttachedRolePolicies", "iam:ListRolePolicies")
    body = get(signed_in, sandbox, "roles/app/tab/trust-relationships/")
    assert denied_text("iam:GetRole", role_arn) in body
    assert "ec2.amazonaws.com" not in body
    body = get(signed_in, sandbox, "roles/app/")  # permissions tab: allowed
    assert "Permissions policies" in body
    assert body.count('role="alert"') == 1  # only the summary is denied
    body = get(signed_in, sandbox, "roles/app/tab/tags/")
    assert denied_text("iam:ListRoleTags", role_arn) in body


def test_group_and_policy_pages_denied_for_a_user_without_permissions(signed_in, sandbox, root):
    iam.create_group(root, GroupName="devs")
    iam.create_user(root, UserName="alice")
    iam.add_user_to_group(root, GroupName="devs", UserName="alice")
    policy_arn = iam.create_policy(root, PolicyName="Reader", PolicyDocument=allow("s3:Get*"))[
        "Policy"
    ]["Arn"]
    act_as_intern(signed_in, sandbox, root)
    body = get(signed_in, sandbox, "groups/devs/")
    assert denied_text("iam:GetGroup", f"arn:aws:iam::{ACCOUNT}:group/devs") in body
    assert f'href="/sandbox/{sandbox.pk}/users/alice/"' not in body
    body = get(signed_in, sandbox, "policies/Reader/")
    assert denied_text("iam:GetPolicyVersion", policy_arn) in body
    assert "s3:Get*" not in body
    for tab, action in [
        ("entities", "iam:ListEntitiesForPolicy"),
        ("versions", "iam:ListPolicyVersions"),
        ("tags", "iam:ListPolicyTags"),
    ]:
        assert denied_text(action, policy_arn) in get(
            signed_in, sandbox, f"policies/Reader/tab/{tab}/"
        )


def test_denied_tab_as_an_htmx_fragment(signed_in, sandbox, root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    act_as_intern(signed_in, sandbox, root)
    response = signed_in.get(
        url(sandbox, "roles/app/tab/tags/"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-panel"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="tab-panel">')
    assert "<html" not in body
    assert "iam:ListRoleTags" in body


# ------------------------------------------------------------------ instance profiles


def test_create_instance_profile_with_a_role_then_remove_and_delete(signed_in, sandbox, root):
    iam.create_role(root, RoleName="web", AssumeRolePolicyDocument=EC2_TRUST)
    response = post(
        signed_in, sandbox, "instance-profiles/", {"name": "web-profile", "role": "web"}
    )
    assert response["Location"] == url(sandbox, "instance-profiles/web-profile/")
    profile = InstanceProfile.objects.get(sandbox=sandbox, name="web-profile")
    assert profile.role.name == "web"
    listing = get(signed_in, sandbox, "instance-profiles/")
    assert f'href="/sandbox/{sandbox.pk}/instance-profiles/web-profile/"' in listing
    assert "web-profile" in get(signed_in, sandbox, "roles/web/")  # the role lists its profile
    # a profile that still holds a role can't be deleted: AWS's DeleteConflict
    response = post(signed_in, sandbox, "instance-profiles/web-profile/delete/")
    assert response["Location"] == url(sandbox, "instance-profiles/web-profile/")
    assert any("DeleteConflict" in m for m in messages_of(response))
    assert InstanceProfile.objects.filter(pk=profile.pk).exists()
    post(signed_in, sandbox, "instance-profiles/web-profile/remove-role/", {"role": "web"})
    profile.refresh_from_db()
    assert profile.role is None
    post(signed_in, sandbox, "instance-profiles/web-profile/add-role/", {"role": "web"})
    profile.refresh_from_db()
    assert profile.role.name == "web"
    post(signed_in, sandbox, "instance-profiles/web-profile/remove-role/", {"role": "web"})
    response = post(signed_in, sandbox, "instance-profiles/web-profile/delete/")
    assert response["Location"] == url(sandbox, "instance-profiles/")
    assert not InstanceProfile.objects.filter(pk=profile.pk).exists()


def test_instance_profile_duplicate_and_invalid_names_show_awss_errors(signed_in, sandbox, root):
    iam.create_instance_profile(root, InstanceProfileName="p1")
    response = post(signed_in, sandbox, "instance-profiles/", {"name": "p1"})
    assert response.status_code == 409
    assert "Instance Profile p1 already exists." in response.content.decode()
    response = post(signed_in, sandbox, "instance-profiles/", {"name": PAYLOAD})
    body = response.content.decode()
    assert response.status_code == 400
    assert "ValidationError" in body
    assert PAYLOAD not in body
    assert ESCAPED in body


def test_instance_profiles_as_a_user_without_permissions(signed_in, sandbox, root):
    iam.create_instance_profile(root, InstanceProfileName="p1")
    act_as_intern(signed_in, sandbox, root)
    listing = get(signed_in, sandbox, "instance-profiles/")
    assert "You can't see this list as" in listing
    body = get(signed_in, sandbox, "instance-profiles/p1/")
    assert (
        denied_text("iam:GetInstanceProfile", f"arn:aws:iam::{ACCOUNT}:instance-profile/p1") in body
    )
    assert "Instance profile ID" not in body
    response = post(signed_in, sandbox, "instance-profiles/", {"name": "p2"})
    assert response.status_code == 403
    assert "iam:CreateInstanceProfile" in response.content.decode()
    assert not InstanceProfile.objects.filter(sandbox=sandbox, name="p2").exists()


def test_adding_a_role_needs_pass_role(signed_in, sandbox, root):
    iam.create_role(root, RoleName="web", AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_instance_profile(root, InstanceProfileName="p1")
    act_as_intern(
        signed_in, sandbox, root, "iam:AddRoleToInstanceProfile", "iam:GetInstanceProfile"
    )
    response = post(signed_in, sandbox, "instance-profiles/p1/add-role/", {"role": "web"})
    assert any("iam:PassRole" in m for m in messages_of(response))
    assert InstanceProfile.objects.get(sandbox=sandbox, name="p1").role is None


# ------------------------------------------------------------------ EC2 instances


def test_launch_instances_and_associate_a_profile(signed_in, sandbox, root):
    iam.create_role(root, RoleName="web", AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_instance_profile(root, InstanceProfileName="p1")
    iam.add_role_to_instance_profile(root, InstanceProfileName="p1", RoleName="web")
    post(signed_in, sandbox, "ec2/instances/", {"profile": "p1"})
    post(signed_in, sandbox, "ec2/instances/", {"profile": ""})
    with_profile, without = Ec2Instance.objects.filter(sandbox=sandbox).order_by("id")
    assert with_profile.instance_profile.name == "p1"
    assert without.instance_profile is None
    listing = get(signed_in, sandbox, "ec2/instances/")
    assert with_profile.instance_id in listing and without.instance_id in listing
    assert f"ec2/instances/{without.instance_id}/associate/" in listing
    assert f"ec2/instances/{with_profile.instance_id}/associate/" not in listing
    post(signed_in, sandbox, f"ec2/instances/{without.instance_id}/associate/", {"profile": "p1"})
    without.refresh_from_db()
    assert without.instance_profile.name == "p1"
    # the instance already has one: AWS's IncorrectState, nothing changes
    response = post(
        signed_in, sandbox, f"ec2/instances/{without.instance_id}/associate/", {"profile": "p1"}
    )
    assert any("existing association" in m for m in messages_of(response))


def test_launch_with_an_unknown_profile_is_awss_error_not_a_500(signed_in, sandbox):
    response = post(signed_in, sandbox, "ec2/instances/", {"profile": "nope"})
    assert response.status_code == 400
    assert "Invalid IAM Instance Profile name" in response.content.decode()
    assert not Ec2Instance.objects.filter(sandbox=sandbox).exists()


def test_launch_denied_for_a_user_without_permissions(signed_in, sandbox, root):
    act_as_intern(signed_in, sandbox, root)
    response = post(signed_in, sandbox, "ec2/instances/", {"profile": ""})
    assert response.status_code == 403
    assert "UnauthorizedOperation" in response.content.decode()
    assert not Ec2Instance.objects.filter(sandbox=sandbox).exists()


# ------------------------------------------------------------------ virtual MFA


def _start_mfa(client, sandbox, user="alice", device="alice-phone"):
    response = post(
        client, sandbox, f"users/{user}/mfa/assign/", {"step": "create", "device_name": device}
    )
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def test_assign_virtual_mfa_with_codes_from_the_seed(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    location = _start_mfa(signed_in, sandbox)
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    assert device.user is None  # created, not yet assigned
    page = signed_in.get(location).content.decode()
    assert mfa.base32_seed(device) in page
    assert device.serial_number in page
    # wrong codes: AWS's InvalidAuthenticationCode, still unassigned
    serial = device.serial_number
    response = post(
        signed_in,
        sandbox,
        "users/alice/mfa/assign/",
        {"step": "enable", "serial": serial, "code1": "000000", "code2": "000000"},
    )
    assert response.status_code == 403
    assert "Authentication code for device is not valid." in response.content.decode()
    # codes a learner computes from the seed, as an authenticator app would
    now = sandbox.now()
    code1 = mfa.totp(mfa.seed(device), now, offset_steps=-1)
    code2 = mfa.totp(mfa.seed(device), now)
    response = post(
        signed_in,
        sandbox,
        "users/alice/mfa/assign/",
        {"step": "enable", "serial": serial, "code1": code1, "code2": code2},
    )
    assert response["Location"] == url(sandbox, "users/alice/tab/security-credentials/")
    device.refresh_from_db()
    assert device.user.name == "alice" and device.enabled is not None
    tab = get(signed_in, sandbox, "users/alice/tab/security-credentials/")
    assert serial in tab and "assigned" in tab


def test_fill_codes_helper_fills_codes_that_enable_the_device(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    _start_mfa(signed_in, sandbox)
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    response = post(
        signed_in,
        sandbox,
        "users/alice/mfa/assign/",
        {"step": "enable", "serial": device.serial_number, "fill": "1"},
    )
    body = response.content.decode()
    assert "sandbox only" in body
    device.refresh_from_db()
    assert device.user is None  # filling is not enabling
    expected = mfa.totp(mfa.seed(device), sandbox.now())
    assert f'value="{expected}"' in body
    codes = [
        body.split('name="code1" value="')[1].split('"')[0],
        body.split('name="code2" value="')[1].split('"')[0],
    ]
    response = post(
        signed_in,
        sandbox,
        "users/alice/mfa/assign/",
        {"step": "enable", "serial": device.serial_number, "code1": codes[0], "code2": codes[1]},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.user.name == "alice"


def test_deactivate_then_delete_a_virtual_mfa_device(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    _start_mfa(signed_in, sandbox)
    device = MfaDevice.objects.get(sandbox=sandbox, name="alice-phone")
    serial = device.serial_number
    # assigned devices can't be deleted: AWS's DeleteConflict
    sandbox.refresh_from_db()  # the page's write moved the version on
    now = sandbox.now()
    iam.enable_mfa_device(
        principals.as_root(sandbox),
        UserName="alice",
        SerialNumber=serial,
        AuthenticationCode1=mfa.totp(mfa.seed(device), now, offset_steps=-1),
        AuthenticationCode2=mfa.totp(mfa.seed(device), now),
    )
    back = url(sandbox, "users/alice/tab/security-credentials/")
    response = post(signed_in, sandbox, "mfa/delete/", {"serial": serial, "back": back})
    assert response["Location"] == back
    assert any("DeleteConflict" in m for m in messages_of(response))
    post(signed_in, sandbox, "do/user/deactivate-mfa/alice/", {"serial": serial})
    device.refresh_from_db()
    assert device.user is None
    tab = get(signed_in, sandbox, "users/alice/tab/security-credentials/")
    assert "Unassigned virtual MFA devices" in tab
    post(signed_in, sandbox, "mfa/delete/", {"serial": serial, "back": back})
    assert not MfaDevice.objects.filter(pk=device.pk).exists()


def test_mfa_assign_denied_for_a_user_without_permissions(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    act_as_intern(signed_in, sandbox, root)
    response = post(
        signed_in, sandbox, "users/alice/mfa/assign/", {"step": "create", "device_name": "x"}
    )
    assert response.status_code == 403
    assert "iam:CreateVirtualMFADevice" in response.content.decode()
    assert not MfaDevice.objects.filter(sandbox=sandbox).exists()


def test_mfa_step_two_for_an_unknown_device_is_404(signed_in, sandbox, root):
    iam.create_user(root, UserName="alice")
    response = signed_in.get(
        url(sandbox, f"users/alice/mfa/assign/?step=enable&serial=arn:aws:iam::{ACCOUNT}:mfa/x")
    )
    assert response.status_code == 404


# ------------------------------------------------------------------ role settings, tags


def test_role_description_and_max_session_duration(signed_in, sandbox, root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    post(
        signed_in,
        sandbox,
        "roles/app/settings/",
        {"description": "Runs the web tier", "max_session_duration": "7200"},
    )
    role = Role.objects.get(sandbox=sandbox, name="app")
    assert (role.description, role.max_session_duration) == ("Runs the web tier", 7200)
    assert "Runs the web tier" in get(signed_in, sandbox, "roles/app/")
    response = post(
        signed_in,
        sandbox,
        "roles/app/settings/",
        {"description": "x", "max_session_duration": "50000"},
    )
    assert any("ValidationError" in m and "maxSessionDuration" in m for m in messages_of(response))
    role.refresh_from_db()
    assert (role.description, role.max_session_duration) == ("Runs the web tier", 7200)


def test_role_and_policy_tags(signed_in, sandbox, root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_policy(root, PolicyName="Reader", PolicyDocument=allow("s3:Get*"))
    post(signed_in, sandbox, "do/role/tag/app/", {"key": "team", "value": "web"})
    post(signed_in, sandbox, "do/policy/tag/Reader/", {"key": "cost-center", "value": "42"})
    assert Role.objects.get(sandbox=sandbox, name="app").tags == {"team": "web"}
    assert ManagedPolicy.objects.get(sandbox=sandbox, name="Reader").tags == {"cost-center": "42"}
    assert "team" in get(signed_in, sandbox, "roles/app/tab/tags/")
    assert "cost-center" in get(signed_in, sandbox, "policies/Reader/tab/tags/")
    post(signed_in, sandbox, "do/role/untag/app/", {"key": "team"})
    post(signed_in, sandbox, "do/policy/untag/Reader/", {"key": "cost-center"})
    assert Role.objects.get(sandbox=sandbox, name="app").tags == {}
    assert ManagedPolicy.objects.get(sandbox=sandbox, name="Reader").tags == {}


def test_role_tag_denied_for_a_user_without_permissions(signed_in, sandbox, root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    act_as_intern(signed_in, sandbox, root)
    response = post(signed_in, sandbox, "do/role/tag/app/", {"key": "team", "value": "web"})
    assert any("iam:TagRole" in m for m in messages_of(response))
    assert Role.objects.get(sandbox=sandbox, name="app").tags == {}


def test_hostile_role_tag_is_rendered_as_text(signed_in, sandbox, root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    Role.objects.filter(sandbox=sandbox, name="app").update(tags={"note": PAYLOAD})
    body = get(signed_in, sandbox, "roles/app/tab/tags/")
    assert PAYLOAD not in body
    assert ESCAPED in body


# ------------------------------------------------------------------ identity providers


def _saml_provider(sandbox, metadata="<EntityDescriptor/>"):
    root = principals.as_root(sandbox)
    return IdentityProvider.objects.create(
        sandbox=sandbox,
        account=root.account,
        type="SAML",
        name="CorpIdP",
        saml_metadata=metadata,
        created=sandbox.now(),
    )


def test_identity_provider_details(signed_in, sandbox):
    root = principals.as_root(sandbox)
    _saml_provider(sandbox, metadata=f"<EntityDescriptor>{PAYLOAD}</EntityDescriptor>")
    IdentityProvider.objects.create(
        sandbox=sandbox,
        account=root.account,
        type="OIDC",
        name="token.actions.githubusercontent.com",
        client_ids=["sts.amazonaws.com"],
        thumbprints=["a" * 40],
        created=sandbox.now(),
    )
    listing = get(signed_in, sandbox, "identity-providers/")
    assert f'href="/sandbox/{sandbox.pk}/identity-providers/saml/CorpIdP"' in listing
    saml = get(signed_in, sandbox, "identity-providers/saml/CorpIdP")
    assert "&lt;EntityDescriptor&gt;" in saml
    assert PAYLOAD not in saml and ESCAPED in saml
    oidc = get(signed_in, sandbox, "identity-providers/oidc/token.actions.githubusercontent.com")
    assert "sts.amazonaws.com" in oidc and "a" * 40 in oidc
    assert "AssumeRoleWithWebIdentity" in oidc


def test_identity_provider_denied_for_a_user_without_permissions(signed_in, sandbox, root):
    _saml_provider(sandbox, metadata="<EntityDescriptor>secret-cert</EntityDescriptor>")
    act_as_intern(signed_in, sandbox, root)
    body = get(signed_in, sandbox, "identity-providers/saml/CorpIdP")
    assert "iam:GetSAMLProvider" in body
    assert "is not authorized" in body
    assert "secret-cert" not in body


# ------------------------------------------------------------------ isolation


def _populate(sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_instance_profile(root, InstanceProfileName="p1")
    resources.run_instances(root, ImageId="ami-0abcdef1234567890")
    _saml_provider(sandbox)
    return Ec2Instance.objects.get(sandbox=sandbox).instance_id


OTHER_GETS = [
    "instance-profiles/",
    "instance-profiles/p1/",
    "ec2/instances/",
    "users/alice/mfa/assign/",
    "identity-providers/saml/CorpIdP",
    "roles/app/tab/tags/",
]
OTHER_POSTS = [
    ("instance-profiles/", {"name": "evil"}),
    ("instance-profiles/p1/delete/", {}),
    ("instance-profiles/p1/add-role/", {"role": "app"}),
    ("ec2/instances/", {"profile": ""}),
    ("users/alice/mfa/assign/", {"step": "create", "device_name": "evil"}),
    ("roles/app/settings/", {"description": "evil", "max_session_duration": "3600"}),
    ("do/role/tag/app/", {"key": "evil", "value": "1"}),
]


@pytest.mark.parametrize("rest", OTHER_GETS)
def test_another_learners_pages_are_404(client, sandbox, learner, rest):
    _populate(sandbox)
    client.force_login(learner("intruder"))
    assert client.get(url(sandbox, rest)).status_code == 404


@pytest.mark.parametrize(("rest", "data"), OTHER_POSTS)
def test_another_learners_changes_are_404_and_change_nothing(client, sandbox, learner, rest, data):
    _populate(sandbox)
    version = sandbox.version
    client.force_login(learner("intruder"))
    assert client.post(url(sandbox, rest), {"version": version, **data}).status_code == 404
    sandbox.refresh_from_db()
    assert sandbox.version == version
    assert InstanceProfile.objects.get(sandbox=sandbox).name == "p1"
    assert Role.objects.get(sandbox=sandbox, name="app").tags == {}
    assert not MfaDevice.objects.filter(sandbox=sandbox).exists()


def test_another_learners_instance_is_404_on_associate(client, sandbox, learner):
    instance_id = _populate(sandbox)
    client.force_login(learner("intruder"))
    response = client.post(
        url(sandbox, f"ec2/instances/{instance_id}/associate/"), {"profile": "p1"}
    )
    assert response.status_code == 404
    assert Ec2Instance.objects.get(sandbox=sandbox).instance_profile is None


def test_profile_created_but_role_refused_without_pass_role(signed_in, sandbox, root):
    iam.create_role(root, RoleName="web", AssumeRolePolicyDocument=EC2_TRUST)
    act_as_intern(
        signed_in,
        sandbox,
        root,
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
        "iam:GetInstanceProfile",
    )
    response = post(signed_in, sandbox, "instance-profiles/", {"name": "p1", "role": "web"})
    assert response["Location"] == url(sandbox, "instance-profiles/p1/")
    [message] = [m for m in messages_of(response) if "p1" in m]
    assert message.startswith("Instance profile p1 created, but the role was not added: ")
    assert "iam:PassRole" in message
    assert InstanceProfile.objects.get(sandbox=sandbox, name="p1").role is None


def test_role_page_offers_the_settings_form_with_current_values(signed_in, sandbox, root):
    iam.create_role(
        root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST, MaxSessionDuration=10800
    )
    body = get(signed_in, sandbox, "roles/app/")
    assert f'action="/sandbox/{sandbox.pk}/roles/app/settings/"' in body
    assert 'name="max_session_duration" value="10800"' in body


@pytest.mark.parametrize(
    "rest", ["instance-profiles/", "ec2/instances/", "users/alice/mfa/assign/"]
)
def test_new_pages_answer_htmx_with_their_content_only(signed_in, sandbox, root, rest):
    iam.create_user(root, UserName="alice")
    full = signed_in.get(url(sandbox, rest)).content.decode()
    response = signed_in.get(
        url(sandbox, rest), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="page-content"
    )
    fragment = response.content.decode()
    assert response.status_code == 200
    assert "<html" in full and "<html" not in fragment
    assert 'class="sidenav"' not in fragment
    assert '<nav class="breadcrumbs"' in fragment
    assert "HX-Target" in response["Vary"]


def test_aws_managed_policy_document_needs_get_policy_version(signed_in, sandbox, root):
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert "&quot;Statement&quot;" in get(signed_in, sandbox, "policies/aws/ReadOnlyAccess/")
    act_as_intern(signed_in, sandbox, root)
    body = get(signed_in, sandbox, "policies/aws/ReadOnlyAccess/")
    assert denied_text("iam:GetPolicyVersion", arn) in body
    assert "&quot;Statement&quot;" not in body


def test_new_secret_key_is_shown_even_when_the_keys_cannot_be_listed(signed_in, sandbox, root):
    act_as_intern(signed_in, sandbox, root, "iam:CreateAccessKey")
    response = post(signed_in, sandbox, "users/intern/access-keys/create/")
    assert response.status_code == 302
    body = get(signed_in, sandbox, "users/intern/tab/security-credentials/")
    assert denied_text("iam:ListAccessKeys", INTERN) in body
    assert 'id="new-key-secret"' in body


def test_instance_profile_tags(signed_in, sandbox, root):
    iam.create_instance_profile(root, InstanceProfileName="p1")
    response = post(
        signed_in, sandbox, "do/instance-profile/tag/p1/", {"key": "env", "value": "prod"}
    )
    assert response["Location"] == url(sandbox, "instance-profiles/p1/")
    assert InstanceProfile.objects.get(sandbox=sandbox, name="p1").tags == {"env": "prod"}
    assert "prod" in get(signed_in, sandbox, "instance-profiles/p1/")
    post(signed_in, sandbox, "do/instance-profile/untag/p1/", {"key": "env"})
    assert InstanceProfile.objects.get(sandbox=sandbox, name="p1").tags == {}
