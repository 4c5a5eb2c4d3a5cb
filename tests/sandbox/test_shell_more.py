"""The CLI pane's identity-provider commands (`aws iam ...-saml-provider`,
`...-open-id-connect-provider`) and its `aws ec2` commands for instances and their instance
profiles."""

import json

import pytest

from iamlab.sandbox.models import Ec2Instance, IdentityProvider
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import principals
from iamlab.sandbox.shell import new_state, run, services
from iamlab.sandbox.shell.commands import operation_name

ACCOUNT = "111122223333"
THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.example.com"
SCENARIO = f"""
format: 1
clock: {{now: 2026-03-01T10:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      admin:
        policies: [arn:aws:iam::aws:policy/AdministratorAccess]
      viewer:
        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
    roles:
      app:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: sts:AssumeRole}}
    instance_profiles:
      app-profile: {{role: app}}
      other-profile: {{}}
"""


def metadata() -> str:
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'entityID="https://idp.example.com">'
        "<md:IDPSSODescriptor>" + "<md:Extensions/>" * 80 + "</md:IDPSSODescriptor>"
        "</md:EntityDescriptor>"
    )


@pytest.fixture
def sandbox(db):
    return load_scenario(SCENARIO, name="shell-more")


@pytest.fixture
def sh(sandbox):
    state = new_state()

    def go(line, as_="admin"):
        return run(sandbox, line, state, default_caller=principals.as_user(sandbox, as_))

    return go


def test_provider_and_ec2_operations_are_named_as_the_api_names_them():
    assert operation_name("create_saml_provider") == "CreateSAMLProvider"
    assert operation_name("list_open_id_connect_providers") == "ListOpenIDConnectProviders"
    assert (
        operation_name("add_client_id_to_open_id_connect_provider")
        == "AddClientIDToOpenIDConnectProvider"
    )
    table = services()
    assert "create-open-id-connect-provider" in table["iam"]
    assert "update-open-id-connect-provider-thumbprint" in table["iam"]
    assert set(table["ec2"]) == {
        "associate-iam-instance-profile",
        "describe-iam-instance-profile-associations",
        "describe-instances",
        "disassociate-iam-instance-profile",
        "replace-iam-instance-profile-association",
        "run-instances",
    }
    options = [p.option for p in table["iam"]["create-saml-provider"].params]
    assert options == ["--saml-metadata-document", "--name", "--tags"]


def test_oidc_provider_through_the_pane(sh):
    out = sh(
        "aws iam create-open-id-connect-provider --url https://token.example.com "
        f"--client-id-list my-app sts.amazonaws.com --thumbprint-list {THUMB} "
        "--tags Key=team,Value=ci"
    )
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["OpenIDConnectProviderArn"] == OIDC_ARN
    got = json.loads(
        sh(f"aws iam get-open-id-connect-provider --open-id-connect-provider-arn {OIDC_ARN}").stdout
    )
    assert got["ClientIDList"] == ["my-app", "sts.amazonaws.com"]
    assert got["Tags"] == [{"Key": "team", "Value": "ci"}]
    out = sh(
        "aws iam remove-client-id-from-open-id-connect-provider "
        f"--open-id-connect-provider-arn {OIDC_ARN} --client-id my-app"
    )
    assert out.exit_code == 0 and out.stdout == ""
    assert IdentityProvider.objects.get().client_ids == ["sts.amazonaws.com"]
    listed = json.loads(sh("aws iam list-open-id-connect-providers").stdout)
    assert listed == {"OpenIDConnectProviderList": [{"Arn": OIDC_ARN}]}


def test_aws_errors_reach_the_pane_with_the_operations_name(sh):
    out = sh(
        "aws iam create-open-id-connect-provider --url http://token.example.com "
        f"--thumbprint-list {THUMB}"
    )
    assert out.exit_code == 254
    assert out.stderr == (
        "\nAn error occurred (InvalidInput) when calling the CreateOpenIDConnectProvider "
        "operation: Invalid Open ID Connect Provider URL\n"
    )
    out = sh(
        f"aws iam delete-open-id-connect-provider --open-id-connect-provider-arn {OIDC_ARN}",
        as_="viewer",
    )
    assert "(AccessDenied) when calling the DeleteOpenIDConnectProvider operation" in out.stderr
    out = sh("aws iam create-saml-provider --name corp")
    assert out.exit_code == 252
    assert out.stderr.endswith(
        "aws: error: the following arguments are required: --saml-metadata-document\n"
    )


def test_saml_provider_through_the_pane(sh):
    doc = metadata()
    assert len(doc) >= 1000
    out = sh(f"aws iam create-saml-provider --name corp --saml-metadata-document '{doc}'")
    assert out.exit_code == 0, out.stderr
    arn = json.loads(out.stdout)["SAMLProviderArn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"
    got = json.loads(sh(f"aws iam get-saml-provider --saml-provider-arn {arn}").stdout)
    assert got["SAMLMetadataDocument"] == doc
    out = sh(f"aws iam get-saml-provider --saml-provider-arn {arn}", as_="viewer")
    assert out.exit_code == 0  # ReadOnlyAccess reads providers
    assert sh(f"aws iam delete-saml-provider --saml-provider-arn {arn}").exit_code == 0
    assert not IdentityProvider.objects.exists()


def test_ec2_instance_profile_commands(sh):
    launched = json.loads(
        sh("aws ec2 run-instances --image-id ami-1 --iam-instance-profile Name=app-profile").stdout
    )
    instance = launched["Instances"][0]["InstanceId"]
    described = json.loads(sh("aws ec2 describe-instances").stdout)
    assert described["Reservations"][0]["Instances"][0]["InstanceId"] == instance
    out = sh(
        "aws ec2 describe-iam-instance-profile-associations "
        f"--filters Name=instance-id,Values={instance}"
    )
    associations = json.loads(out.stdout)["IamInstanceProfileAssociations"]
    assert len(associations) == 1
    association = associations[0]["AssociationId"]
    out = sh(
        "aws ec2 replace-iam-instance-profile-association "
        f"--association-id {association} --iam-instance-profile Name=other-profile"
    )
    assert out.exit_code == 0, out.stderr
    new = json.loads(out.stdout)["IamInstanceProfileAssociation"]["AssociationId"]
    assert Ec2Instance.objects.get().instance_profile.name == "other-profile"
    out = sh(f"aws ec2 disassociate-iam-instance-profile --association-id {association}")
    assert out.exit_code == 254
    assert "(InvalidAssociationID.NotFound) when calling the DisassociateIamInstanceProfile" in (
        out.stderr
    )
    out = sh(f"aws ec2 disassociate-iam-instance-profile --association-id {new}")
    assert json.loads(out.stdout)["IamInstanceProfileAssociation"]["State"] == "disassociating"
    assert Ec2Instance.objects.get().instance_profile is None
    out = sh(
        "aws ec2 associate-iam-instance-profile "
        f"--instance-id {instance} --iam-instance-profile Name=app-profile",
        as_="viewer",
    )
    assert "(UnauthorizedOperation) when calling the AssociateIamInstanceProfile" in out.stderr
    assert Ec2Instance.objects.get().instance_profile is None


def test_help_lists_the_ec2_service(sh):
    assert "aws ec2 <command>" in sh("help").stdout
    out = sh("aws ec2 replace-iam-instance-profile-association help")
    assert "ReplaceIamInstanceProfileAssociation" in out.stdout
    assert "    --association-id <value>" in out.stdout
