"""SAML and OpenID Connect identity providers through the IAM operations (iam_providers): each
operation, its validation, AWS's errors and quotas, the activity log, tags; and a provider made
through the API works for AssumeRoleWithWebIdentity."""

import json

import pytest

from iamlab.sandbox.models import ActivityEvent, IdentityProvider
from iamlab.sandbox.services import errors as e
from iamlab.sandbox.services import iam, iam_providers, sts

from .conftest import ACCOUNT, NOW, document

THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.example.com"
SAML_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"


def metadata(entity: str = "https://idp.example.com/saml", valid_until: str = "") -> str:
    """SAML 2.0 metadata of at least 1,000 characters (the API's minimum length)."""
    until = f' validUntil="{valid_until}"' if valid_until else ""
    cert = "MIIC" + "A" * 900
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"'
        f' entityID="{entity}"{until}>'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f"<ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data>"
        "</ds:KeyInfo></md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _oidc(caller, url="https://token.example.com", **extra):
    extra.setdefault("ClientIDList", ["my-app"])
    extra.setdefault("ThumbprintList", [THUMB])
    return iam.create_open_id_connect_provider(caller, Url=url, **extra)


# ------------------------------------------------------------------------------------ SAML
def test_saml_provider_lifecycle(admin):
    doc = metadata(valid_until="2030-01-01T00:00:00Z")
    answer = iam.create_saml_provider(
        admin, SAMLMetadataDocument=doc, Name="corp", Tags=[{"Key": "team", "Value": "sec"}]
    )
    assert answer == {"SAMLProviderArn": SAML_ARN, "Tags": [{"Key": "team", "Value": "sec"}]}
    got = iam.get_saml_provider(admin, SAMLProviderArn=SAML_ARN)
    assert got["SAMLMetadataDocument"] == doc
    assert got["CreateDate"] == NOW
    assert got["ValidUntil"].year == 2030
    assert got["Tags"] == [{"Key": "team", "Value": "sec"}]
    listed = iam.list_saml_providers(admin)["SAMLProviderList"]
    assert [p["Arn"] for p in listed] == [SAML_ARN]
    new = metadata(entity="https://idp2.example.com/saml")
    assert iam.update_saml_provider(admin, SAMLProviderArn=SAML_ARN, SAMLMetadataDocument=new) == {
        "SAMLProviderArn": SAML_ARN
    }
    assert iam.get_saml_provider(admin, SAMLProviderArn=SAML_ARN)["SAMLMetadataDocument"] == new
    assert iam.delete_saml_provider(admin, SAMLProviderArn=SAML_ARN) == {}
    assert iam.list_saml_providers(admin) == {"SAMLProviderList": []}
    assert not IdentityProvider.objects.exists()


def test_saml_name_and_metadata_are_validated_before_authorization(nobody):
    with pytest.raises(e.ValidationError) as caught:
        iam.create_saml_provider(nobody, SAMLMetadataDocument="<x/>", Name="bad name")
    assert caught.value.message.startswith("2 validation errors detected: ")
    assert (
        "at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1000" in caught.value.message
    )
    assert "at 'name' failed to satisfy constraint" in caught.value.message
    # Long enough, but not SAML metadata: InvalidInput, still before authorization.
    for text in ("x" * 1200, "<root>" + "y" * 1000 + "</root>"):
        with pytest.raises(e.InvalidInput, match="Could not parse metadata"):
            iam.create_saml_provider(nobody, SAMLMetadataDocument=text, Name="corp")


def test_metadata_with_a_doctype_is_refused_so_no_entity_expands(admin):
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaa">]>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">&a;'
        + " " * 1000
        + "</md:EntityDescriptor>"
    )
    with pytest.raises(e.InvalidInput):
        iam.create_saml_provider(admin, SAMLMetadataDocument=hostile, Name="corp")
    assert not IdentityProvider.objects.exists()


def test_saml_errors_after_authorization(admin, nobody):
    iam.create_saml_provider(admin, SAMLMetadataDocument=metadata(), Name="corp")
    with pytest.raises(e.EntityAlreadyExists):
        iam.create_saml_provider(admin, SAMLMetadataDocument=metadata(), Name="corp")
    missing = f"arn:aws:iam::{ACCOUNT}:saml-provider/nope"
    for call in (iam.get_saml_provider, iam.delete_saml_provider):
        with pytest.raises(e.NoSuchEntity) as caught:
            call(admin, SAMLProviderArn=missing)
        assert caught.value.message == f"Manifest not found for arn {missing}"
    with pytest.raises(e.InvalidInput, match="is not valid"):
        iam.get_saml_provider(admin, SAMLProviderArn="arn:aws:iam::111122223333:user/corp")
    with pytest.raises(e.AccessDenied) as caught:
        iam.delete_saml_provider(nobody, SAMLProviderArn=SAML_ARN)
    assert "iam:DeleteSAMLProvider on resource: " + SAML_ARN in caught.value.message
    assert IdentityProvider.objects.filter(name="corp").exists()
    event = ActivityEvent.objects.filter(action="iam:DeleteSAMLProvider").latest("pk")
    assert event.error_code == "AccessDenied" and event.resource == SAML_ARN


def test_saml_provider_quota(admin, monkeypatch):
    monkeypatch.setattr(iam_providers, "SAML_PROVIDERS_PER_ACCOUNT", 2)
    iam.create_saml_provider(admin, SAMLMetadataDocument=metadata(), Name="a")
    iam.create_saml_provider(admin, SAMLMetadataDocument=metadata(), Name="b")
    with pytest.raises(e.LimitExceeded, match="SAMLProvidersPerAccount: 2"):
        iam.create_saml_provider(admin, SAMLMetadataDocument=metadata(), Name="c")


def test_the_quotas_are_awss():
    assert iam_providers.SAML_PROVIDERS_PER_ACCOUNT == 100
    assert iam_providers.OIDC_PROVIDERS_PER_ACCOUNT == 100
    assert iam_providers.CLIENT_IDS_PER_PROVIDER == 100
    assert iam_providers.THUMBPRINTS_PER_PROVIDER == 5


# ------------------------------------------------------------------------------------ OIDC
def test_oidc_provider_lifecycle(admin):
    answer = _oidc(admin, url="https://Token.Example.com/", ClientIDList=["my-app", "my-app"])
    assert answer == {"OpenIDConnectProviderArn": OIDC_ARN}
    got = iam.get_open_id_connect_provider(admin, OpenIDConnectProviderArn=OIDC_ARN)
    assert got == {
        "Url": "token.example.com",
        "ClientIDList": ["my-app"],
        "ThumbprintList": [THUMB],
        "CreateDate": NOW,
    }
    assert iam.list_open_id_connect_providers(admin) == {
        "OpenIDConnectProviderList": [{"Arn": OIDC_ARN}]
    }
    arn = {"OpenIDConnectProviderArn": OIDC_ARN}
    iam.add_client_id_to_open_id_connect_provider(admin, **arn, ClientID="sts.amazonaws.com")
    iam.add_client_id_to_open_id_connect_provider(admin, **arn, ClientID="sts.amazonaws.com")
    iam.remove_client_id_from_open_id_connect_provider(admin, **arn, ClientID="my-app")
    iam.remove_client_id_from_open_id_connect_provider(admin, **arn, ClientID="never-there")
    other = "a" * 40
    iam.update_open_id_connect_provider_thumbprint(admin, **arn, ThumbprintList=[other])
    got = iam.get_open_id_connect_provider(admin, **arn)
    assert got["ClientIDList"] == ["sts.amazonaws.com"]
    assert got["ThumbprintList"] == [other]
    assert iam.delete_open_id_connect_provider(admin, **arn) == {}
    with pytest.raises(e.NoSuchEntity) as caught:
        iam.get_open_id_connect_provider(admin, **arn)
    assert caught.value.message == f"OpenIDConnect Provider not found for arn {OIDC_ARN}"


@pytest.mark.parametrize(
    "url",
    [
        "http://token.example.com",
        "token.example.com",
        "https://token.example.com?x=1",
        "https://token.example.com:8443",
        "https://",
        "https://<script>",
    ],
)
def test_oidc_url_must_be_an_https_url_of_a_host(admin, url):
    with pytest.raises(e.InvalidInput, match="Invalid Open ID Connect Provider URL"):
        _oidc(admin, url=url)
    assert not IdentityProvider.objects.exists()


def test_oidc_url_keeps_its_path_in_the_arn(admin):
    answer = _oidc(admin, url="https://login.example.com/tenant-1")
    assert answer["OpenIDConnectProviderArn"].endswith(":oidc-provider/login.example.com/tenant-1")


def test_oidc_parameters_are_validated_together(nobody):
    with pytest.raises(e.ValidationError) as caught:
        iam.create_open_id_connect_provider(
            nobody, Url="https://x.example.com", ClientIDList=["a" * 256], ThumbprintList=["ab"]
        )
    message = caught.value.message
    assert message.startswith("2 validation errors detected: ")
    assert "at 'clientIDList.1.member' failed" in message
    assert (
        "at 'thumbprintList.1.member' failed to satisfy constraint: Member must have length "
        "greater than or equal to 40" in message
    )
    with pytest.raises(e.ValidationError, match="thumbprintList' failed to satisfy constraint"):
        _oidc(nobody, ThumbprintList=[THUMB] * 6)
    with pytest.raises(e.ValidationError, match="'url' failed to satisfy constraint: Member must"):
        iam.create_open_id_connect_provider(nobody)


def test_oidc_duplicate_and_quotas(admin, monkeypatch):
    _oidc(admin)
    with pytest.raises(e.EntityAlreadyExists) as caught:
        _oidc(admin, url="https://token.example.com/")
    assert caught.value.http_status == 409
    monkeypatch.setattr(iam_providers, "OIDC_PROVIDERS_PER_ACCOUNT", 1)
    with pytest.raises(e.LimitExceeded, match="OpenIdConnectProvidersPerAccount: 1"):
        _oidc(admin, url="https://other.example.com")
    monkeypatch.setattr(iam_providers, "CLIENT_IDS_PER_PROVIDER", 2)
    arn = {"OpenIDConnectProviderArn": OIDC_ARN}
    iam.add_client_id_to_open_id_connect_provider(admin, **arn, ClientID="second")
    with pytest.raises(e.LimitExceeded, match="ClientIdsPerOpenIdConnectProvider: 2"):
        iam.add_client_id_to_open_id_connect_provider(admin, **arn, ClientID="third")
    assert IdentityProvider.objects.get().client_ids == ["my-app", "second"]


def test_thumbprint_update_needs_a_list(admin):
    _oidc(admin)
    with pytest.raises(e.ValidationError, match="thumbprintList' failed .* must not be null"):
        iam.update_open_id_connect_provider_thumbprint(admin, OpenIDConnectProviderArn=OIDC_ARN)


def test_a_limited_principal_is_denied_each_change_and_read(root, nobody):
    _oidc(root)
    arn = {"OpenIDConnectProviderArn": OIDC_ARN}
    calls = [
        (lambda c: iam.get_open_id_connect_provider(c, **arn), "iam:GetOpenIDConnectProvider"),
        (lambda c: iam.list_open_id_connect_providers(c), "iam:ListOpenIDConnectProviders"),
        (
            lambda c: iam.add_client_id_to_open_id_connect_provider(c, **arn, ClientID="z"),
            "iam:AddClientIDToOpenIDConnectProvider",
        ),
        (
            lambda c: iam.update_open_id_connect_provider_thumbprint(
                c, **arn, ThumbprintList=[THUMB]
            ),
            "iam:UpdateOpenIDConnectProviderThumbprint",
        ),
        (
            lambda c: iam.delete_open_id_connect_provider(c, **arn),
            "iam:DeleteOpenIDConnectProvider",
        ),
        (lambda c: iam.list_saml_providers(c), "iam:ListSAMLProviders"),
    ]
    for call, action in calls:
        with pytest.raises(e.AccessDenied) as caught:
            call(nobody)
        assert f"is not authorized to perform: {action}" in caught.value.message
    assert IdentityProvider.objects.get().client_ids == ["my-app"]


def test_a_policy_scoped_to_one_provider_allows_only_that_one(root, sandbox):
    from iamlab.sandbox.services import principals

    _oidc(root)
    _oidc(root, url="https://other.example.com")
    iam.create_user(root, UserName="ops")
    iam.put_user_policy(
        root,
        UserName="ops",
        PolicyName="one",
        PolicyDocument=document(
            {"Effect": "Allow", "Action": "iam:GetOpenIDConnectProvider", "Resource": OIDC_ARN}
        ),
    )
    ops = principals.as_user(sandbox, "ops")
    assert iam.get_open_id_connect_provider(ops, OpenIDConnectProviderArn=OIDC_ARN)["Url"]
    with pytest.raises(e.AccessDenied):
        iam.get_open_id_connect_provider(
            ops, OpenIDConnectProviderArn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/other.example.com"
        )


def test_another_accounts_provider_is_out_of_reach(admin):
    # IAM acts within the caller's account: the other account's ARN is denied, never found.
    _oidc(admin)
    foreign = "arn:aws:iam::999988887777:oidc-provider/token.example.com"
    with pytest.raises(e.AccessDenied):
        iam.get_open_id_connect_provider(admin, OpenIDConnectProviderArn=foreign)


# ------------------------------------------------------------------------------------ tags
@pytest.mark.parametrize("kind", ["saml", "oidc"])
def test_provider_tags(admin, nobody, kind):
    if kind == "saml":
        iam.create_saml_provider(admin, SAMLMetadataDocument=metadata(), Name="corp")
        arn = {"SAMLProviderArn": SAML_ARN}
        tag, untag, listed = (
            iam.tag_saml_provider,
            iam.untag_saml_provider,
            iam.list_saml_provider_tags,
        )
    else:
        _oidc(admin)
        arn = {"OpenIDConnectProviderArn": OIDC_ARN}
        tag = iam.tag_open_id_connect_provider
        untag = iam.untag_open_id_connect_provider
        listed = iam.list_open_id_connect_provider_tags
    tag(admin, **arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
    tag(admin, **arn, Tags=[{"Key": "Team", "Value": "b"}])
    assert listed(admin, **arn) == {
        "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "Team", "Value": "b"}],
        "IsTruncated": False,
    }
    assert listed(admin, **arn, MaxItems=1) == {
        "Tags": [{"Key": "env", "Value": "dev"}],
        "IsTruncated": True,
        "Marker": "1",
    }
    untag(admin, **arn, TagKeys=["ENV"])
    assert listed(admin, **arn)["Tags"] == [{"Key": "Team", "Value": "b"}]
    with pytest.raises(e.AccessDenied):
        tag(nobody, **arn, Tags=[{"Key": "x", "Value": "y"}])
    with pytest.raises(e.ValidationError):
        tag(admin, **arn, Tags=None)


# ------------------------------------------------------------------------- federation works
def test_assume_role_with_web_identity_through_a_provider_made_by_the_api(admin, sandbox):
    _oidc(admin, ClientIDList=["ci-app"])
    trust = document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": OIDC_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"token.example.com:aud": "ci-app"}},
        }
    )
    iam.create_role(admin, RoleName="ci", AssumeRolePolicyDocument=trust)
    role = f"arn:aws:iam::{ACCOUNT}:role/ci"

    def token(aud: str) -> str:
        return json.dumps(
            {
                "iss": "https://token.example.com",
                "aud": aud,
                "sub": "repo:acme/app",
                "exp": int(NOW.timestamp()) + 600,
            }
        )

    answer = sts.assume_role_with_web_identity(
        sandbox, RoleArn=role, RoleSessionName="build", WebIdentityToken=token("ci-app")
    )
    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/ci/build"
    assert answer["Audience"] == "ci-app"
    # A client ID removed through the API no longer gets in.
    iam.remove_client_id_from_open_id_connect_provider(
        admin, OpenIDConnectProviderArn=OIDC_ARN, ClientID="ci-app"
    )
    with pytest.raises(e.InvalidIdentityToken, match="Incorrect token audience"):
        sts.assume_role_with_web_identity(
            sandbox, RoleArn=role, RoleSessionName="build", WebIdentityToken=token("ci-app")
        )
    # Deleted, the provider is gone for STS too.
    iam.delete_open_id_connect_provider(admin, OpenIDConnectProviderArn=OIDC_ARN)
    with pytest.raises(e.InvalidIdentityToken, match="No OpenIDConnect provider found"):
        sts.assume_role_with_web_identity(
            sandbox, RoleArn=role, RoleSessionName="build", WebIdentityToken=token("ci-app")
        )
