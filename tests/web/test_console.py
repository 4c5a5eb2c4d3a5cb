"""The sandbox console's views with Django's test client: isolation, changes through the service
layer as the acting principal, AWS errors in the page, htmx fragments, stale forms."""

import json

import pytest

from iamlab.sandbox.models import AccessKey, Account, IamUser, ManagedPolicy, Sandbox
from iamlab.sandbox.services import iam, principals

pytestmark = pytest.mark.django_db

BAD_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*",
      "Condition": {"StringEquals": {"aws:username": }}
    }
  ]
}"""

GOOD_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    },
    indent=2,
)


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def sandbox(owner, free_play):
    return free_play(owner)


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def url(sandbox, rest=""):
    return f"/sandbox/{sandbox.pk}/{rest}"


def post(client, sandbox, rest, data=None, **extra):
    sandbox.refresh_from_db()
    return client.post(url(sandbox, rest), {"version": sandbox.version, **(data or {})}, **extra)


# ------------------------------------------------------------------ sandboxes


def test_empty_sandbox_list_invites_to_start(signed_in):
    body = signed_in.get("/sandbox/").content.decode()
    assert "No sandbox yet" in body
    assert "New free-play sandbox" in body


def test_new_free_play_sandbox_then_delete(signed_in, owner):
    response = signed_in.post("/sandbox/new/")
    sandbox = Sandbox.objects.get(owner=owner)
    assert response["Location"] == url(sandbox)
    assert sandbox.name == "free-play-1"
    assert Account.objects.filter(sandbox=sandbox).count() == 2
    signed_in.post("/sandbox/new/")
    assert set(Sandbox.objects.filter(owner=owner).values_list("name", flat=True)) == {
        "free-play-1",
        "free-play-2",
    }
    signed_in.post(url(sandbox, "delete/"))
    assert not Sandbox.objects.filter(pk=sandbox.pk).exists()


def test_dashboard_counts_and_names_the_acting_principal(signed_in, sandbox):
    caller = principals.as_root(sandbox)
    iam.create_user(caller, UserName="alice")
    body = signed_in.get(url(sandbox)).content.decode()
    assert "IAM dashboard" in body
    assert "arn:aws:iam::111122223333:root" in body
    assert '<div class="stat">1</div><div class="stat-label">Users</div>' in body


OWNER_ONLY_GETS = [
    "",
    "users/",
    "users/create/",
    "users/alice/",
    "users/alice/tab/security-credentials/",
    "groups/",
    "roles/",
    "policies/",
    "policies/create/",
    "identity-providers/",
    "account/",
]
OWNER_ONLY_POSTS = [
    "delete/",
    "act-as/",
    "switch-role/",
    "users/create/",
    "do/user/delete/alice/",
    "users/alice/access-keys/create/",
    "validate-policy",
]


@pytest.mark.parametrize("rest", OWNER_ONLY_GETS)
def test_another_learners_sandbox_pages_are_404(client, sandbox, learner, rest):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    client.force_login(learner("intruder"))
    assert client.get(url(sandbox, rest)).status_code == 404


@pytest.mark.parametrize("rest", OWNER_ONLY_POSTS)
def test_another_learners_sandbox_changes_are_404_and_change_nothing(
    client, sandbox, learner, rest
):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    client.force_login(learner("intruder"))
    response = client.post(url(sandbox, rest), {"principal": "x", "text": "{}"})
    assert response.status_code == 404
    assert Sandbox.objects.filter(pk=sandbox.pk).exists()
    assert IamUser.objects.filter(sandbox=sandbox, name="alice").exists()
    assert not AccessKey.objects.filter(sandbox=sandbox).exists()


def test_a_sandbox_without_owner_is_404(client, learner, free_play):
    template = free_play(None, name="instructor-template")
    client.force_login(learner())
    assert client.get(url(template)).status_code == 404


def test_console_needs_sign_in(client, sandbox):
    response = client.get(url(sandbox, "users/"))
    assert response.status_code == 302
    assert "/accounts/signin/" in response["Location"]


# ------------------------------------------------------------------ users


def test_create_user_as_root(signed_in, sandbox):
    response = post(signed_in, sandbox, "users/create/", {"name": "alice", "path": "/eng/"})
    assert response.status_code == 302
    assert response["Location"] == url(sandbox, "users/alice/")
    user = IamUser.objects.get(sandbox=sandbox, name="alice")
    assert user.path == "/eng/"
    listing = signed_in.get(url(sandbox, "users/")).content.decode()
    assert f'href="/sandbox/{sandbox.pk}/users/alice/"' in listing


def test_duplicate_user_shows_awss_error_in_the_form(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    response = post(signed_in, sandbox, "users/create/", {"name": "alice"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "EntityAlreadyExists" in body
    assert "User with name alice already exists." in body
    assert 'value="alice"' in body


def test_invalid_user_name_is_a_validation_error_not_a_500(signed_in, sandbox):
    response = post(signed_in, sandbox, "users/create/", {"name": "bad name!"})
    assert response.status_code == 400
    assert "ValidationError" in response.content.decode()
    assert not IamUser.objects.filter(sandbox=sandbox).exists()


def test_acting_as_a_user_without_permissions_is_access_denied(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="intern")
    intern_arn = "arn:aws:iam::111122223333:user/intern"
    response = post(signed_in, sandbox, "act-as/", {"principal": intern_arn})
    assert response.status_code == 302
    assert signed_in.session[f"iamlab.principal.{sandbox.pk}"] == intern_arn
    page = signed_in.get(url(sandbox, "users/")).content.decode()
    assert f'<option value="{intern_arn}" selected>' in page
    assert "You can't see this list as" in page
    response = post(signed_in, sandbox, "users/create/", {"name": "mallory"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "AccessDenied" in body
    assert (
        f"User: {intern_arn} is not authorized to perform: iam:CreateUser on resource: "
        "arn:aws:iam::111122223333:user/mallory because no identity-based policy allows "
        "the iam:CreateUser action"
    ) in body
    assert not IamUser.objects.filter(sandbox=sandbox, name="mallory").exists()


def test_switcher_refuses_a_principal_from_elsewhere(signed_in, sandbox):
    post(signed_in, sandbox, "act-as/", {"principal": "arn:aws:iam::999999999999:root"})
    assert f"iamlab.principal.{sandbox.pk}" not in signed_in.session


def test_switcher_falls_back_to_root_when_the_user_is_gone(signed_in, sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="temp")
    post(signed_in, sandbox, "act-as/", {"principal": "arn:aws:iam::111122223333:user/temp"})
    iam.delete_user(principals.as_root(sandbox), UserName="temp")
    body = signed_in.get(url(sandbox)).content.decode()
    assert "is no longer available" in body
    assert '<span class="principal-current"' in body
    assert "arn:aws:iam::111122223333:root</span>" in body


def test_user_tabs_full_page_and_htmx_fragment(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    full = signed_in.get(url(sandbox, "users/alice/tab/groups/"))
    assert full.status_code == 200
    assert full.content.decode().startswith("<!doctype html>")
    assert "User groups membership" in full.content.decode()
    fragment = signed_in.get(
        url(sandbox, "users/alice/tab/groups/"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tab-panel"
    )
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="tab-panel">')
    assert "<html" not in body
    assert "User groups membership" in body
    assert "HX-Request" in fragment["Vary"]


def test_list_search_fragment(signed_in, sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.create_user(root, UserName="bob")
    response = signed_in.get(
        url(sandbox, "users/") + "?q=ali", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="page-content"
    )
    body = response.content.decode()
    assert "<html" not in body
    assert ">alice</a>" in body
    assert ">bob</a>" not in body


def test_unknown_tab_is_404(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    assert signed_in.get(url(sandbox, "users/alice/tab/nope/")).status_code == 404


def test_access_key_secret_is_shown_once(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    response = post(signed_in, sandbox, "users/alice/access-keys/create/")
    assert response["Location"] == url(sandbox, "users/alice/tab/security-credentials/")
    key = AccessKey.objects.get(sandbox=sandbox, user__name="alice")
    first = signed_in.get(response["Location"]).content.decode()
    assert "This is the only time the secret access key can be viewed." in first
    assert key.access_key_id in first
    secret = first.split('id="new-key-secret">')[1].split("<")[0]
    assert len(secret) == 40
    again = signed_in.get(response["Location"]).content.decode()
    assert secret not in again
    assert key.access_key_id in again  # still listed, without its secret


def test_deactivate_and_delete_access_key(signed_in, sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    key_id = iam.create_access_key(root, UserName="alice")["AccessKey"]["AccessKeyId"]
    post(
        signed_in,
        sandbox,
        "do/user/update-access-key/alice/",
        {"key_id": key_id, "status": "Inactive"},
    )
    assert AccessKey.objects.get(access_key_id=key_id).status == "Inactive"
    post(signed_in, sandbox, "do/user/delete-access-key/alice/", {"key_id": key_id})
    assert not AccessKey.objects.filter(access_key_id=key_id).exists()


def test_delete_user_with_keys_is_a_delete_conflict_shown_on_the_user(signed_in, sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.create_access_key(root, UserName="alice")
    response = post(signed_in, sandbox, "do/user/delete/alice/")
    assert response["Location"] == url(sandbox, "users/alice/")
    body = signed_in.get(response["Location"]).content.decode()
    assert "DeleteConflict" in body
    assert IamUser.objects.filter(sandbox=sandbox, name="alice").exists()


def test_tags_and_groups(signed_in, sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.create_group(root, GroupName="devs")
    post(signed_in, sandbox, "do/user/tag/alice/", {"key": "team", "value": "blue"})
    post(signed_in, sandbox, "do/user/add-to-group/alice/", {"group": "devs"})
    user = IamUser.objects.get(sandbox=sandbox, name="alice")
    assert user.tags == {"team": "blue"}
    assert list(user.memberships.values_list("group__name", flat=True)) == ["devs"]
    group_page = signed_in.get(url(sandbox, "groups/devs/")).content.decode()
    assert ">alice</a>" in group_page


def test_attach_and_detach_an_aws_managed_policy(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    post(signed_in, sandbox, "do/user/attach/alice/", {"policy_arn": arn})
    page = signed_in.get(url(sandbox, "users/alice/")).content.decode()
    assert ">ReadOnlyAccess</a>" in page
    post(signed_in, sandbox, "do/user/detach/alice/", {"policy_arn": arn})
    page = signed_in.get(url(sandbox, "users/alice/")).content.decode()
    assert ">ReadOnlyAccess</a>" not in page
    assert "No permissions policies" in page


def test_attach_a_policy_that_does_not_exist_shows_awss_error(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    response = post(
        signed_in,
        sandbox,
        "do/user/attach/alice/",
        {"policy_arn": "arn:aws:iam::aws:policy/NoSuchPolicyAtAll"},
    )
    body = signed_in.get(response["Location"]).content.decode()
    assert "NoSuchEntity" in body


# ------------------------------------------------------------------ policies and the editor


def test_create_policy_refuses_a_malformed_document_with_awss_message(signed_in, sandbox):
    response = post(
        signed_in, sandbox, "policies/create/", {"name": "Broken", "document": BAD_POLICY}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "MalformedPolicyDocument" in body
    assert 'id="aws-error"' in body
    assert "data-policy-editor" in body  # the editor comes back with the text as typed
    assert "aws:username&quot;: }}" in body
    assert not ManagedPolicy.objects.filter(sandbox=sandbox).exists()


def test_create_then_edit_policy_makes_a_new_default_version(signed_in, sandbox):
    response = post(
        signed_in, sandbox, "policies/create/", {"name": "Reader", "document": GOOD_POLICY}
    )
    assert response["Location"] == url(sandbox, "policies/Reader/")
    edited = GOOD_POLICY.replace("s3:ListAllMyBuckets", "s3:GetObject")
    response = post(signed_in, sandbox, "policies/Reader/", {"document": edited})
    assert response.status_code == 302
    policy = ManagedPolicy.objects.get(sandbox=sandbox, name="Reader")
    default = policy.versions.get(is_default=True)
    assert default.version_id == "v2"
    assert "s3:GetObject" in default.document
    versions = signed_in.get(url(sandbox, "policies/Reader/tab/versions/")).content.decode()
    assert "v1" in versions and "Set as default" in versions


def test_stale_form_saves_nothing_and_says_so(signed_in, sandbox):
    post(signed_in, sandbox, "policies/create/", {"name": "Reader", "document": GOOD_POLICY})
    sandbox.refresh_from_db()
    old_version = sandbox.version
    iam.create_user(principals.as_root(sandbox), UserName="other-tab")  # another tab's change
    response = signed_in.post(
        url(sandbox, "policies/Reader/"),
        {"version": old_version, "document": GOOD_POLICY.replace("ListAllMyBuckets", "GetObject")},
    )
    assert response.status_code == 409
    assert "changed in another tab" in response.content.decode()
    policy = ManagedPolicy.objects.get(sandbox=sandbox, name="Reader")
    assert policy.versions.count() == 1


def test_inline_policy_create_edit_delete(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    response = post(
        signed_in,
        sandbox,
        "users/alice/inline/new/",
        {"name": "list-buckets", "document": GOOD_POLICY},
    )
    assert response["Location"] == url(sandbox, "users/alice/")
    edit = signed_in.get(url(sandbox, "users/alice/inline/list-buckets/")).content.decode()
    assert "s3:ListAllMyBuckets" in edit
    bad = post(signed_in, sandbox, "users/alice/inline/list-buckets/", {"document": BAD_POLICY})
    assert bad.status_code == 400
    assert "MalformedPolicyDocument" in bad.content.decode()
    post(signed_in, sandbox, "do/user/delete-inline/alice/", {"policy_name": "list-buckets"})
    page = signed_in.get(url(sandbox, "users/alice/")).content.decode()
    assert "list-buckets" not in page


def test_role_trust_policy_and_switch_role(signed_in, sandbox):
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    iam.attach_user_policy(
        root, UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    response = post(signed_in, sandbox, "roles/create/", {"name": "Auditor", "document": trust})
    assert response["Location"] == url(sandbox, "roles/Auditor/")
    page = signed_in.get(url(sandbox, "roles/Auditor/tab/trust-relationships/")).content.decode()
    assert "sts:AssumeRole" in page
    post(signed_in, sandbox, "act-as/", {"principal": "arn:aws:iam::111122223333:user/alice"})
    response = post(
        signed_in,
        sandbox,
        "switch-role/",
        {"account_id": "111122223333", "role_name": "Auditor", "session_name": "audit"},
    )
    assert response["Location"] == url(sandbox)
    acting = signed_in.session[f"iamlab.principal.{sandbox.pk}"]
    assert acting == "arn:aws:sts::111122223333:assumed-role/Auditor/audit"
    body = signed_in.get(url(sandbox)).content.decode()
    assert "Role sessions" in body
    assert "Auditor/audit" in body


def test_updating_a_trust_policy_with_a_mistake_is_refused(signed_in, sandbox):
    root = principals.as_root(sandbox)
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    iam.create_role(root, RoleName="App", AssumeRolePolicyDocument=trust)
    response = post(
        signed_in, sandbox, "roles/App/tab/trust-relationships/", {"document": BAD_POLICY}
    )
    assert response.status_code == 400
    assert "MalformedPolicyDocument" in response.content.decode()


def test_aws_managed_policy_page(signed_in, sandbox):
    body = signed_in.get(url(sandbox, "policies/aws/ReadOnlyAccess/")).content.decode()
    assert "arn:aws:iam::aws:policy/ReadOnlyAccess" in body
    assert signed_in.get(url(sandbox, "policies/aws/NoSuchThing/")).status_code == 404


def test_policy_list_filters_aws_managed_as_a_fragment(signed_in, sandbox):
    response = signed_in.get(
        url(sandbox, "policies/") + "?scope=aws&q=ReadOnlyAccess",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="policy-table",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="policy-table">')
    assert ">ReadOnlyAccess</a>" in body


def test_account_alias(signed_in, sandbox):
    post(signed_in, sandbox, "do/account/create-alias/", {"alias": "my-dev"})
    body = signed_in.get(url(sandbox, "account/")).content.decode()
    assert "my-dev" in body


PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_hostile_tag_from_a_scenario_is_rendered_as_text(signed_in, sandbox):
    # AWS refuses "<" in tags, but instructors' scenario files write rows directly.
    root = principals.as_root(sandbox)
    iam.create_user(root, UserName="alice")
    IamUser.objects.filter(sandbox=sandbox, name="alice").update(tags={"note": PAYLOAD})
    body = signed_in.get(url(sandbox, "users/alice/tab/tags/")).content.decode()
    assert PAYLOAD not in body
    assert ESCAPED in body


def test_hostile_user_name_is_echoed_as_text_in_awss_error(signed_in, sandbox):
    response = post(signed_in, sandbox, "users/create/", {"name": PAYLOAD})
    body = response.content.decode()
    assert response.status_code == 400
    assert PAYLOAD not in body
    assert ESCAPED in body


def test_hostile_policy_text_is_rendered_as_text(signed_in, sandbox):
    document = GOOD_POLICY.replace(
        '"Resource": "*"',
        f'"Resource": "*", "Condition": {{"StringEquals": {{"aws:username": "{PAYLOAD}"}}}}',
    )
    response = post(signed_in, sandbox, "policies/create/", {"name": "Odd", "document": document})
    assert response.status_code == 302, response.content.decode()
    for page in ("policies/Odd/", "policies/Odd/?edit=1"):
        body = signed_in.get(url(sandbox, page)).content.decode()
        assert PAYLOAD not in body
        assert ESCAPED in body


def test_bucket_policy_saved_through_the_service_layer(signed_in, sandbox):
    response = post(signed_in, sandbox, "buckets/", {"name": "team-reports"})
    assert response["Location"] == url(sandbox, "buckets/team-reports/")
    page = signed_in.get(response["Location"]).content.decode()
    assert 'data-kind="resource"' in page
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::team-reports/*",
                }
            ],
        }
    )
    response = post(signed_in, sandbox, "buckets/team-reports/", {"document": policy})
    assert response.status_code == 302
    from iamlab.sandbox.models import Bucket

    assert Bucket.objects.get(sandbox=sandbox, name="team-reports").policy == policy
    bad = post(signed_in, sandbox, "buckets/team-reports/", {"document": BAD_POLICY})
    assert bad.status_code == 400
    assert '<span class="alert-title">MalformedPolicy</span>' in bad.content.decode()  # S3's code
    assert Bucket.objects.get(sandbox=sandbox, name="team-reports").policy == policy


def test_pages_show_no_template_comments(signed_in, sandbox):
    for rest in ["policies/create/", "roles/create/", "users/", "buckets/"]:
        body = signed_in.get(url(sandbox, rest)).content.decode()
        assert "{#" not in body and "{%" not in body, rest


def test_permissions_boundary_set_and_removed(signed_in, sandbox):
    iam.create_user(principals.as_root(sandbox), UserName="alice")
    arn = "arn:aws:iam::aws:policy/PowerUserAccess"
    post(signed_in, sandbox, "do/user/put-boundary/alice/", {"policy_arn": arn})
    assert IamUser.objects.get(sandbox=sandbox, name="alice").boundary_arn == arn
    page = signed_in.get(url(sandbox, "users/alice/")).content.decode()
    assert "Remove boundary" in page
    post(signed_in, sandbox, "do/user/delete-boundary/alice/")
    assert IamUser.objects.get(sandbox=sandbox, name="alice").boundary_arn == ""


def test_unknown_action_is_404(signed_in, sandbox):
    assert post(signed_in, sandbox, "do/user/explode/alice/").status_code == 404


def test_base_template_sends_csrf_token_with_htmx_and_turns_off_its_inline_style(
    signed_in, sandbox
):
    body = signed_in.get(url(sandbox)).content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in body
    assert '<body hx-headers=\'{"X-CSRFToken": "' in body
    assert 'src="/static/django_htmx/htmx-2.min.js"' in body
    assert "<script>" not in body and "style=" not in body and "onclick" not in body


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "/static/css/app.css" in html


def test_password_policy_saved_then_refused_when_out_of_range(signed_in, sandbox):
    from iamlab.sandbox.models import Account

    post(
        signed_in,
        sandbox,
        "do/account/update-password-policy/",
        {"MinimumPasswordLength": "14", "RequireSymbols": "on"},
    )
    account = Account.objects.get(sandbox=sandbox, account_id="111122223333")
    assert account.password_policy["MinimumPasswordLength"] == 14
    assert account.password_policy["RequireSymbols"] is True
    assert account.password_policy["RequireNumbers"] is False
    response = post(
        signed_in, sandbox, "do/account/update-password-policy/", {"MinimumPasswordLength": "3"}
    )
    body = signed_in.get(response["Location"]).content.decode()
    assert "ValidationError" in body
    account.refresh_from_db()
    assert account.password_policy["MinimumPasswordLength"] == 14


def test_role_create_offers_trust_policy_starting_points(signed_in, sandbox):
    body = signed_in.get(url(sandbox, "roles/create/") + "?trusted=ec2").content.decode()
    assert "ec2.amazonaws.com" in body
    assert 'href="?trusted=lambda"' in body
    default = signed_in.get(url(sandbox, "roles/create/")).content.decode()
    assert "arn:aws:iam::111122223333:root" in default
