"""The console's identity providers (create SAML and OIDC providers, read and delete them as the
acting principal) and the EC2 instances page's replace/remove of an instance profile; what a
limited principal sees, what another learner gets (404), and hostile input shown inert."""

import json

import pytest

from iamlab.sandbox.models import Ec2Instance, IdentityProvider
from iamlab.sandbox.services import iam, principals, resources_compute

pytestmark = pytest.mark.django_db

ACCOUNT = "111122223333"
INTERN = f"arn:aws:iam::{ACCOUNT}:user/intern"
PAYLOAD = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.example.com"
SAML_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"
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


def metadata(inside: str = "") -> str:
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="https://idp.example.com"><md:Organization>{inside}</md:Organization>'
        + "<md:Extensions/>" * 80
        + "</md:EntityDescriptor>"
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


def post(client, sandbox, rest, data=None):
    sandbox.refresh_from_db()
    return client.post(url(sandbox, rest), {"version": sandbox.version, **(data or {})})


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def act_as_intern(client, sandbox, root, *actions):
    iam.create_user(root, UserName="intern")
    if actions:
        iam.put_user_policy(
            root,
            UserName="intern",
            PolicyName="few",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
                }
            ),
        )
    response = post(client, sandbox, "act-as/", {"principal": INTERN})
    assert response.status_code == 302


OIDC_FORM = {
    "kind": "oidc",
    "url": "https://token.example.com",
    "audiences": "my-app\nsts.amazonaws.com",
    "thumbprints": THUMB,
}


# ------------------------------------------------------------------------- identity providers
def test_create_an_oidc_provider_from_the_form(signed_in, sandbox):
    response = post(signed_in, sandbox, "identity-providers/", OIDC_FORM)
    assert response.status_code == 302
    assert response["Location"] == url(sandbox, "identity-providers/oidc/token.example.com")
    provider = IdentityProvider.objects.get(sandbox=sandbox)
    assert provider.client_ids == ["my-app", "sts.amazonaws.com"]
    assert provider.thumbprints == [THUMB]
    body = signed_in.get(response["Location"]).content.decode()
    assert "my-app" in body and "sts.amazonaws.com" in body and THUMB in body
    assert "https://token.example.com" in body
    listing = signed_in.get(url(sandbox, "identity-providers/")).content.decode()
    assert OIDC_ARN in listing


def test_create_a_saml_provider_from_the_form_and_delete_it(signed_in, sandbox):
    response = post(
        signed_in,
        sandbox,
        "identity-providers/",
        {"kind": "saml", "name": "corp", "metadata": metadata()},
    )
    assert response.status_code == 302
    body = signed_in.get(response["Location"]).content.decode()
    assert "&lt;md:EntityDescriptor" in body
    assert SAML_ARN in body
    response = post(signed_in, sandbox, "identity-providers/delete/", {"arn": SAML_ARN})
    assert response.status_code == 302
    assert response["Location"] == url(sandbox, "identity-providers/")
    assert f"Identity provider {SAML_ARN} deleted." in messages_of(response)
    assert not IdentityProvider.objects.filter(sandbox=sandbox).exists()


def test_awss_errors_are_shown_on_the_form_and_it_keeps_the_values(signed_in, sandbox):
    bad = {**OIDC_FORM, "url": "http://token.example.com"}
    response = post(signed_in, sandbox, "identity-providers/", bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "InvalidInput" in body and "Invalid Open ID Connect Provider URL" in body
    assert 'value="http://token.example.com"' in body
    short = post(
        signed_in, sandbox, "identity-providers/", {"kind": "saml", "name": "x", "metadata": "<a/>"}
    )
    assert short.status_code == 400
    assert "ValidationError" in short.content.decode()
    assert not IdentityProvider.objects.filter(sandbox=sandbox).exists()
    post(signed_in, sandbox, "identity-providers/", OIDC_FORM)
    again = post(signed_in, sandbox, "identity-providers/", OIDC_FORM)
    assert again.status_code == 409
    assert "EntityAlreadyExists" in again.content.decode()


def test_a_limited_principal_gets_access_denied_everywhere(signed_in, sandbox, root):
    iam.create_open_id_connect_provider(
        root, Url="https://token.example.com", ClientIDList=["secret-audience"]
    )
    act_as_intern(signed_in, sandbox, root)
    listing = signed_in.get(url(sandbox, "identity-providers/"))
    assert "iam:ListSAMLProviders" in listing.content.decode()
    response = post(
        signed_in,
        sandbox,
        "identity-providers/",
        {**OIDC_FORM, "url": "https://other.example.com"},
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "AccessDenied" in body
    assert f"User: {INTERN} is not authorized to perform: iam:CreateOpenIDConnectProvider" in body
    detail = signed_in.get(url(sandbox, "identity-providers/oidc/token.example.com"))
    text = detail.content.decode()
    assert "iam:GetOpenIDConnectProvider" in text and "is not authorized" in text
    assert "secret-audience" not in text
    response = post(signed_in, sandbox, "identity-providers/delete/", {"arn": OIDC_ARN})
    assert any(m.startswith("AccessDenied: ") for m in messages_of(response))
    assert IdentityProvider.objects.filter(sandbox=sandbox).count() == 1


def test_a_principal_allowed_only_to_read_sees_the_details(signed_in, sandbox, root):
    iam.create_open_id_connect_provider(
        root, Url="https://token.example.com", ClientIDList=["the-audience"]
    )
    act_as_intern(signed_in, sandbox, root, "iam:GetOpenIDConnectProvider")
    text = signed_in.get(url(sandbox, "identity-providers/oidc/token.example.com")).content
    assert b"the-audience" in text and b"is not authorized" not in text


def test_hostile_input_is_shown_inert(signed_in, sandbox):
    response = post(
        signed_in,
        sandbox,
        "identity-providers/",
        {**OIDC_FORM, "audiences": PAYLOAD, "thumbprints": ""},
    )
    assert response.status_code == 302
    body = signed_in.get(response["Location"]).content.decode()
    assert PAYLOAD not in body and ESCAPED in body
    saml = post(
        signed_in,
        sandbox,
        "identity-providers/",
        {"kind": "saml", "name": "corp", "metadata": metadata(PAYLOAD)},
    )
    assert saml.status_code == 302
    body = signed_in.get(saml["Location"]).content.decode()
    assert PAYLOAD not in body and ESCAPED in body
    named = post(
        signed_in,
        sandbox,
        "identity-providers/",
        {"kind": "saml", "name": PAYLOAD, "metadata": metadata()},
    )
    assert named.status_code == 400
    assert PAYLOAD not in named.content.decode()


def test_another_learner_gets_404_and_changes_nothing(client, learner, sandbox, root):
    iam.create_open_id_connect_provider(root, Url="https://token.example.com", ClientIDList=["a"])
    client.force_login(learner("intruder"))
    for rest in ("identity-providers/", "identity-providers/oidc/token.example.com"):
        assert client.get(url(sandbox, rest)).status_code == 404
    assert post(client, sandbox, "identity-providers/", OIDC_FORM).status_code == 404
    gone = post(client, sandbox, "identity-providers/delete/", {"arn": OIDC_ARN})
    assert gone.status_code == 404
    assert IdentityProvider.objects.filter(sandbox=sandbox).count() == 1


# ------------------------------------------------------------------------------ EC2 instances
@pytest.fixture
def instance(root):
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=EC2_TRUST)
    iam.create_instance_profile(root, InstanceProfileName="p1")
    iam.add_role_to_instance_profile(root, InstanceProfileName="p1", RoleName="app")
    iam.create_instance_profile(root, InstanceProfileName="p2")
    iam.create_role(root, RoleName="web", AssumeRolePolicyDocument=EC2_TRUST)
    iam.add_role_to_instance_profile(root, InstanceProfileName="p2", RoleName="web")
    answer = resources_compute.run_instances(
        root, ImageId="ami-1", IamInstanceProfile={"Name": "p1"}
    )
    return answer["Instances"][0]["InstanceId"]


def test_the_instances_page_shows_the_association_and_its_actions(signed_in, sandbox, instance):
    body = signed_in.get(url(sandbox, "ec2/instances/")).content.decode()
    row = Ec2Instance.objects.get(instance_id=instance)
    assert resources_compute.association_id(row) in body
    assert f"ec2/instances/{instance}/replace/" in body
    assert f"ec2/instances/{instance}/disassociate/" in body


def test_replace_and_remove_the_profile(signed_in, sandbox, instance):
    response = post(signed_in, sandbox, f"ec2/instances/{instance}/replace/", {"profile": "p2"})
    assert response.status_code == 302
    assert f"Instance {instance} now uses instance profile p2." in messages_of(response)
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile.name == "p2"
    response = post(signed_in, sandbox, f"ec2/instances/{instance}/disassociate/")
    assert f"Instance profile removed from {instance}." in messages_of(response)
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile is None
    # Nothing left to remove: EC2's error, as a message.
    response = post(signed_in, sandbox, f"ec2/instances/{instance}/disassociate/")
    assert any(m.startswith("InvalidAssociationID.NotFound") for m in messages_of(response))


def test_replace_without_pass_role_is_unauthorized(signed_in, sandbox, root, instance):
    act_as_intern(signed_in, sandbox, root, "ec2:*")
    response = post(signed_in, sandbox, f"ec2/instances/{instance}/replace/", {"profile": "p2"})
    shown = messages_of(response)
    assert any(m.startswith("UnauthorizedOperation") and "iam:PassRole" in m for m in shown)
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile.name == "p1"


def test_another_learner_cannot_replace_or_remove(client, learner, sandbox, instance):
    client.force_login(learner("intruder"))
    for action in ("replace", "disassociate"):
        response = post(client, sandbox, f"ec2/instances/{instance}/{action}/", {"profile": "p2"})
        assert response.status_code == 404
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile.name == "p1"


def test_audiences_and_thumbprints_from_the_detail_page(signed_in, sandbox, root):
    iam.create_open_id_connect_provider(root, Url="https://token.example.com", ClientIDList=["a"])
    page = signed_in.get(url(sandbox, "identity-providers/oidc/token.example.com"))
    assert b"identity-providers/oidc-action/add-audience/" in page.content
    response = post(
        signed_in,
        sandbox,
        "identity-providers/oidc-action/add-audience/",
        {"arn": OIDC_ARN, "value": "sts.amazonaws.com"},
    )
    assert response["Location"] == url(sandbox, "identity-providers/oidc/token.example.com")
    assert "Audience added." in messages_of(response)
    post(
        signed_in,
        sandbox,
        "identity-providers/oidc-action/remove-audience/",
        {"arn": OIDC_ARN, "value": "a"},
    )
    post(
        signed_in,
        sandbox,
        "identity-providers/oidc-action/thumbprints/",
        {"arn": OIDC_ARN, "value": f"{THUMB}\n{'b' * 40}"},
    )
    provider = IdentityProvider.objects.get(sandbox=sandbox)
    assert provider.client_ids == ["sts.amazonaws.com"]
    assert provider.thumbprints == [THUMB, "b" * 40]
    page = signed_in.get(url(sandbox, "identity-providers/oidc/token.example.com")).content
    assert f"{THUMB}\n{'b' * 40}\n</textarea>".encode() in page
    bad = post(
        signed_in,
        sandbox,
        "identity-providers/oidc-action/thumbprints/",
        {"arn": OIDC_ARN, "value": "short"},
    )
    assert any(m.startswith("ValidationError: ") for m in messages_of(bad))
    assert IdentityProvider.objects.get(sandbox=sandbox).thumbprints == [THUMB, "b" * 40]


def test_a_limited_principal_cannot_change_audiences(signed_in, sandbox, root):
    iam.create_open_id_connect_provider(root, Url="https://token.example.com", ClientIDList=["a"])
    act_as_intern(signed_in, sandbox, root, "iam:GetOpenIDConnectProvider")
    response = post(
        signed_in,
        sandbox,
        "identity-providers/oidc-action/add-audience/",
        {"arn": OIDC_ARN, "value": "evil"},
    )
    shown = messages_of(response)
    assert any("iam:AddClientIDToOpenIDConnectProvider" in m for m in shown)
    assert IdentityProvider.objects.get(sandbox=sandbox).client_ids == ["a"]
    assert post(signed_in, sandbox, "identity-providers/oidc-action/nope/").status_code == 404
