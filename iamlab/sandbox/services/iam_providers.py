"""Identity providers for federation: SAML 2.0 providers (CreateSAMLProvider, GetSAMLProvider,
ListSAMLProviders, UpdateSAMLProvider, DeleteSAMLProvider) and OpenID Connect providers
(CreateOpenIDConnectProvider, GetOpenIDConnectProvider, ListOpenIDConnectProviders,
AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
UpdateOpenIDConnectProviderThumbprint, DeleteOpenIDConnectProvider), and their tags.

As AWS: a provider is named by its ARN (`arn:aws:iam::ACCOUNT:saml-provider/NAME`,
`arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`); an OIDC provider's URL must begin with
`https://` and may not carry a query string or a port; a SAML provider's metadata must be a SAML
2.0 `EntityDescriptor`. Quotas (IAM User Guide, "IAM and AWS STS quotas", and the
CreateOpenIDConnectProvider reference): 100 SAML providers and 100 OIDC providers per account,
100 client IDs and 5 thumbprints per OIDC provider. Adding a client ID that is there already,
or removing one that is not, changes nothing and is no error.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from ..models import IdentityProvider
from . import errors
from .iam_common import (
    Check,
    authorize,
    iam_operation,
    now,
    tags_dict,
    tags_list,
    write,
)
from .iam_tags import _check_keys, _listed, _tag, _untag
from .iam_users import request_tag_context

SAML_PROVIDERS_PER_ACCOUNT = 100
OIDC_PROVIDERS_PER_ACCOUNT = 100
CLIENT_IDS_PER_PROVIDER = 100
THUMBPRINTS_PER_PROVIDER = 5

SAML_NAME_PATTERN = r"[\w._-]+"
METADATA_MIN, METADATA_MAX = 1000, 10000000
_SAML_ARN = re.compile(r"arn:aws:iam::(\d{12}):saml-provider/([\w._-]+)")
_OIDC_ARN = re.compile(r"arn:aws:iam::(\d{12}):oidc-provider/(.+)")
_METADATA_NS = "urn:oasis:names:tc:SAML:2.0:metadata"

SAML = IdentityProvider.Type.SAML
OIDC = IdentityProvider.Type.OIDC


# -- shared ------------------------------------------------------------------------------------


def _provider_arn(caller: Any, kind: str, name: str) -> str:
    prefix = "saml-provider" if kind == SAML else "oidc-provider"
    return f"arn:aws:iam::{caller.account.account_id}:{prefix}/{name}"


def _name_in_arn(caller: Any, kind: str, value: str) -> str:
    """The provider's name in its ARN; InvalidInput for an ARN of another form."""
    match = (_SAML_ARN if kind == SAML else _OIDC_ARN).fullmatch(value)
    if match is None:
        raise errors.InvalidInput(f"ARN {value} is not valid.")
    return match.group(2)


def _find(caller: Any, kind: str, name: str) -> IdentityProvider | None:
    return (
        IdentityProvider.objects.filter(account=caller.account, type=kind, name=name)
        .select_related("account")
        .first()
    )


def _not_found(kind: str, value: str) -> errors.AwsError:
    if kind == SAML:
        return errors.NoSuchEntity(f"Manifest not found for arn {value}")
    return errors.NoSuchEntity(f"OpenIDConnect Provider not found for arn {value}")


def _provider(
    caller: Any, kind: str, value: str, action: str, context: dict | None = None
) -> IdentityProvider:
    """The provider an ARN names, once `action` on it is authorized (as AWS: the ARN's form is
    checked first, then the permission, then whether the provider exists)."""
    name = _name_in_arn(caller, kind, value)
    provider = _find(caller, kind, name)
    if value.split(":")[4] != caller.account.account_id:
        provider = None  # a provider of another account is never found
    authorize(caller, action, provider.arn if provider else value, context=context)
    if provider is None:
        raise _not_found(kind, value)
    return provider


def _check_arn(check: Check, value: Any, field: str) -> None:
    check.string(value, field, min_len=20, max_len=2048, required=True)


# -- SAML ----------------------------------------------------------------------------------------


def _check_metadata(check: Check, document: Any) -> None:
    check.string(
        document, "sAMLMetadataDocument", min_len=METADATA_MIN, max_len=METADATA_MAX, required=True
    )


def _parse_metadata(document: str) -> datetime | None:
    """The metadata's `validUntil`, once the document is known to be SAML 2.0 metadata.

    Document type declarations are refused before parsing (no entity can expand or reach
    outside), as a learner's pasted text must stay inert."""
    if "<!DOCTYPE" in document.upper() or "<!ENTITY" in document.upper():
        raise errors.InvalidInput("Could not parse metadata")
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError:
        raise errors.InvalidInput("Could not parse metadata") from None
    if root.tag != f"{{{_METADATA_NS}}}EntityDescriptor":
        raise errors.InvalidInput("Could not parse metadata")
    valid_until = root.get("validUntil")
    if not valid_until:
        return None
    try:
        return datetime.fromisoformat(valid_until.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidInput("Could not parse metadata") from None


def _valid_until(provider: IdentityProvider) -> datetime | None:
    try:
        return _parse_metadata(provider.saml_metadata)
    except errors.AwsError:  # a scenario's provider may hold any text
        return None


@iam_operation("iam:CreateSAMLProvider")
def create_saml_provider(
    caller: Any,
    *,
    SAMLMetadataDocument: str | None = None,
    Name: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    check = Check()
    _check_metadata(check, SAMLMetadataDocument)
    check.string(Name, "name", max_len=128, pattern=SAML_NAME_PATTERN, required=True)
    check.tags(Tags)
    check.done()
    tags = tags_dict(Tags)
    _parse_metadata(SAMLMetadataDocument)
    resource = _provider_arn(caller, SAML, Name)
    authorize(caller, "iam:CreateSAMLProvider", resource, context=request_tag_context(Tags))
    if _find(caller, SAML, Name) is not None:
        raise errors.EntityAlreadyExists(f"SAMLProvider {Name} already exists")
    count = IdentityProvider.objects.filter(account=caller.account, type=SAML).count()
    if count >= SAML_PROVIDERS_PER_ACCOUNT:
        raise errors.LimitExceeded(
            f"Cannot exceed quota for SAMLProvidersPerAccount: {SAML_PROVIDERS_PER_ACCOUNT}"
        )
    with write(caller):
        provider = IdentityProvider.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            type=SAML,
            name=Name,
            saml_metadata=SAMLMetadataDocument,
            created=now(caller),
            tags=tags,
        )
    out: dict[str, Any] = {"SAMLProviderArn": provider.arn}
    if tags:
        out["Tags"] = tags_list(tags)
    return out


@iam_operation("iam:GetSAMLProvider")
def get_saml_provider(caller: Any, *, SAMLProviderArn: str | None = None) -> dict[str, Any]:
    check = Check()
    _check_arn(check, SAMLProviderArn, "sAMLProviderArn")
    check.done()
    provider = _provider(caller, SAML, SAMLProviderArn, "iam:GetSAMLProvider")
    out: dict[str, Any] = {
        "SAMLMetadataDocument": provider.saml_metadata,
        "CreateDate": provider.created,
    }
    if valid_until := _valid_until(provider):
        out["ValidUntil"] = valid_until
    if provider.tags:
        out["Tags"] = tags_list(provider.tags)
    return out


@iam_operation("iam:ListSAMLProviders")
def list_saml_providers(caller: Any) -> dict[str, Any]:
    authorize(caller, "iam:ListSAMLProviders", "*")
    rows = IdentityProvider.objects.filter(account=caller.account, type=SAML).select_related(
        "account"
    )
    listed = []
    for provider in sorted(rows, key=lambda p: p.name):
        entry: dict[str, Any] = {"Arn": provider.arn, "CreateDate": provider.created}
        if valid_until := _valid_until(provider):
            entry["ValidUntil"] = valid_until
        listed.append(entry)
    return {"SAMLProviderList": listed}


@iam_operation("iam:UpdateSAMLProvider")
def update_saml_provider(
    caller: Any,
    *,
    SAMLProviderArn: str | None = None,
    SAMLMetadataDocument: str | None = None,
) -> dict[str, Any]:
    check = Check()
    _check_metadata(check, SAMLMetadataDocument)
    _check_arn(check, SAMLProviderArn, "sAMLProviderArn")
    check.done()
    _parse_metadata(SAMLMetadataDocument)
    provider = _provider(caller, SAML, SAMLProviderArn, "iam:UpdateSAMLProvider")
    with write(caller):
        provider.saml_metadata = SAMLMetadataDocument
        provider.save(update_fields=["saml_metadata"])
    return {"SAMLProviderArn": provider.arn}


@iam_operation("iam:DeleteSAMLProvider")
def delete_saml_provider(caller: Any, *, SAMLProviderArn: str | None = None) -> dict[str, Any]:
    check = Check()
    _check_arn(check, SAMLProviderArn, "sAMLProviderArn")
    check.done()
    provider = _provider(caller, SAML, SAMLProviderArn, "iam:DeleteSAMLProvider")
    with write(caller):
        provider.delete()
    return {}


# -- OpenID Connect ----------------------------------------------------------------------------


def _check_client_ids(check: Check, values: Any, field: str = "clientIDList") -> list[str]:
    ids = check.count(values, field, maximum=CLIENT_IDS_PER_PROVIDER)
    for index, value in enumerate(ids, start=1):
        check.string(value, f"{field}.{index}.member", max_len=255, required=True)
    return ids


def _check_thumbprints(check: Check, values: Any) -> list[str]:
    prints = check.count(values, "thumbprintList", maximum=THUMBPRINTS_PER_PROVIDER)
    for index, value in enumerate(prints, start=1):
        check.string(value, f"thumbprintList.{index}.member", min_len=40, max_len=40, required=True)
    return prints


def _host_and_path(url: str) -> str:
    """The provider's name (its ARN's last part): the URL without `https://`, as AWS keeps it;
    InvalidInput for a URL that is not an https URL of a host, or has a query or a port."""
    if not url.lower().startswith("https://"):
        raise errors.InvalidInput("Invalid Open ID Connect Provider URL")
    rest = url[len("https://") :].rstrip("/")
    host = rest.split("/", 1)[0]
    if not host or "?" in rest or "#" in rest or ":" in host or "@" in host or " " in rest:
        raise errors.InvalidInput("Invalid Open ID Connect Provider URL")
    if not re.fullmatch(r"[A-Za-z0-9.-]+", host) or not re.fullmatch(r"[\x21-\x7e]+", rest):
        raise errors.InvalidInput("Invalid Open ID Connect Provider URL")
    return host.lower() + rest[len(host) :]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


@iam_operation("iam:CreateOpenIDConnectProvider")
def create_open_id_connect_provider(
    caller: Any,
    *,
    Url: str | None = None,
    ClientIDList: list[str] | None = None,
    ThumbprintList: list[str] | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    check = Check()
    check.string(Url, "url", max_len=255, required=True)
    client_ids = _check_client_ids(check, ClientIDList)
    thumbprints = _check_thumbprints(check, ThumbprintList)
    check.tags(Tags)
    check.done()
    tags = tags_dict(Tags)
    name = _host_and_path(Url)
    resource = _provider_arn(caller, OIDC, name)
    authorize(
        caller, "iam:CreateOpenIDConnectProvider", resource, context=request_tag_context(Tags)
    )
    if _find(caller, OIDC, name) is not None:
        raise errors.EntityAlreadyExists(f"Provider with url {Url} already exists.")
    count = IdentityProvider.objects.filter(account=caller.account, type=OIDC).count()
    if count >= OIDC_PROVIDERS_PER_ACCOUNT:
        raise errors.LimitExceeded(
            "Cannot exceed quota for OpenIdConnectProvidersPerAccount: "
            f"{OIDC_PROVIDERS_PER_ACCOUNT}"
        )
    with write(caller):
        provider = IdentityProvider.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            type=OIDC,
            name=name,
            client_ids=_unique(client_ids),
            thumbprints=_unique(thumbprints),
            created=now(caller),
            tags=tags,
        )
    out: dict[str, Any] = {"OpenIDConnectProviderArn": provider.arn}
    if tags:
        out["Tags"] = tags_list(tags)
    return out


@iam_operation("iam:GetOpenIDConnectProvider")
def get_open_id_connect_provider(
    caller: Any, *, OpenIDConnectProviderArn: str | None = None
) -> dict[str, Any]:
    check = Check()
    _check_arn(check, OpenIDConnectProviderArn, "openIDConnectProviderArn")
    check.done()
    provider = _provider(caller, OIDC, OpenIDConnectProviderArn, "iam:GetOpenIDConnectProvider")
    out: dict[str, Any] = {
        "Url": provider.name,
        "ClientIDList": list(provider.client_ids or []),
        "ThumbprintList": list(provider.thumbprints or []),
        "CreateDate": provider.created,
    }
    if provider.tags:
        out["Tags"] = tags_list(provider.tags)
    return out


@iam_operation("iam:ListOpenIDConnectProviders")
def list_open_id_connect_providers(caller: Any) -> dict[str, Any]:
    authorize(caller, "iam:ListOpenIDConnectProviders", "*")
    rows = IdentityProvider.objects.filter(account=caller.account, type=OIDC).select_related(
        "account"
    )
    return {
        "OpenIDConnectProviderList": [{"Arn": p.arn} for p in sorted(rows, key=lambda p: p.name)]
    }


@iam_operation("iam:AddClientIDToOpenIDConnectProvider")
def add_client_id_to_open_id_connect_provider(
    caller: Any, *, OpenIDConnectProviderArn: str | None = None, ClientID: str | None = None
) -> dict[str, Any]:
    check = Check()
    _check_arn(check, OpenIDConnectProviderArn, "openIDConnectProviderArn")
    check.string(ClientID, "clientID", max_len=255, required=True)
    check.done()
    provider = _provider(
        caller, OIDC, OpenIDConnectProviderArn, "iam:AddClientIDToOpenIDConnectProvider"
    )
    ids = list(provider.client_ids or [])
    if ClientID in ids:
        return {}
    if len(ids) >= CLIENT_IDS_PER_PROVIDER:
        raise errors.LimitExceeded(
            f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {CLIENT_IDS_PER_PROVIDER}"
        )
    with write(caller):
        provider.client_ids = [*ids, ClientID]
        provider.save(update_fields=["client_ids"])
    return {}


@iam_operation("iam:RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id_from_open_id_connect_provider(
    caller: Any, *, OpenIDConnectProviderArn: str | None = None, ClientID: str | None = None
) -> dict[str, Any]:
    check = Check()
    _check_arn(check, OpenIDConnectProviderArn, "openIDConnectProviderArn")
    check.string(ClientID, "clientID", max_len=255, required=True)
    check.done()
    provider = _provider(
        caller, OIDC, OpenIDConnectProviderArn, "iam:RemoveClientIDFromOpenIDConnectProvider"
    )
    ids = list(provider.client_ids or [])
    if ClientID not in ids:
        return {}
    with write(caller):
        provider.client_ids = [c for c in ids if c != ClientID]
        provider.save(update_fields=["client_ids"])
    return {}


@iam_operation("iam:UpdateOpenIDConnectProviderThumbprint")
def update_open_id_connect_provider_thumbprint(
    caller: Any,
    *,
    OpenIDConnectProviderArn: str | None = None,
    ThumbprintList: list[str] | None = None,
) -> dict[str, Any]:
    check = Check()
    _check_arn(check, OpenIDConnectProviderArn, "openIDConnectProviderArn")
    if ThumbprintList is None:
        check.fail(None, "thumbprintList", "must not be null")
    thumbprints = _check_thumbprints(check, ThumbprintList)
    check.done()
    provider = _provider(
        caller, OIDC, OpenIDConnectProviderArn, "iam:UpdateOpenIDConnectProviderThumbprint"
    )
    with write(caller):
        provider.thumbprints = _unique(thumbprints)
        provider.save(update_fields=["thumbprints"])
    return {}


@iam_operation("iam:DeleteOpenIDConnectProvider")
def delete_open_id_connect_provider(
    caller: Any, *, OpenIDConnectProviderArn: str | None = None
) -> dict[str, Any]:
    check = Check()
    _check_arn(check, OpenIDConnectProviderArn, "openIDConnectProviderArn")
    check.done()
    provider = _provider(caller, OIDC, OpenIDConnectProviderArn, "iam:DeleteOpenIDConnectProvider")
    with write(caller):
        provider.delete()
    return {}


# -- tags ----------------------------------------------------------------------------------------


def _tag_provider(caller: Any, kind: str, value: Any, tags: Any, action: str, field: str) -> None:
    check = Check()
    _check_arn(check, value, field)
    check.required(tags, "tags")
    check.tags(tags)
    check.done()
    tags_dict(tags)
    provider = _provider(caller, kind, value, action, request_tag_context(tags))
    _tag(provider, tags, caller)


def _untag_provider(caller: Any, kind: str, value: Any, keys: Any, action: str, field: str) -> None:
    check = Check()
    _check_arn(check, value, field)
    _check_keys(check, keys)
    check.done()
    provider = _provider(caller, kind, value, action, {"aws:TagKeys": list(keys)})
    _untag(provider, keys, caller)


def _list_tags(
    caller: Any, kind: str, value: Any, marker: Any, max_items: Any, action: str, field: str
) -> dict[str, Any]:
    check = Check()
    _check_arn(check, value, field)
    check.paging(marker, max_items)
    check.done()
    return _listed(_provider(caller, kind, value, action), marker, max_items)


@iam_operation("iam:TagSAMLProvider")
def tag_saml_provider(
    caller: Any, *, SAMLProviderArn: str | None = None, Tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    _tag_provider(caller, SAML, SAMLProviderArn, Tags, "iam:TagSAMLProvider", "sAMLProviderArn")
    return {}


@iam_operation("iam:UntagSAMLProvider")
def untag_saml_provider(
    caller: Any, *, SAMLProviderArn: str | None = None, TagKeys: list[str] | None = None
) -> dict[str, Any]:
    _untag_provider(
        caller, SAML, SAMLProviderArn, TagKeys, "iam:UntagSAMLProvider", "sAMLProviderArn"
    )
    return {}


@iam_operation("iam:ListSAMLProviderTags")
def list_saml_provider_tags(
    caller: Any,
    *,
    SAMLProviderArn: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_tags(
        caller,
        SAML,
        SAMLProviderArn,
        Marker,
        MaxItems,
        "iam:ListSAMLProviderTags",
        "sAMLProviderArn",
    )


@iam_operation("iam:TagOpenIDConnectProvider")
def tag_open_id_connect_provider(
    caller: Any,
    *,
    OpenIDConnectProviderArn: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    _tag_provider(
        caller,
        OIDC,
        OpenIDConnectProviderArn,
        Tags,
        "iam:TagOpenIDConnectProvider",
        "openIDConnectProviderArn",
    )
    return {}


@iam_operation("iam:UntagOpenIDConnectProvider")
def untag_open_id_connect_provider(
    caller: Any, *, OpenIDConnectProviderArn: str | None = None, TagKeys: list[str] | None = None
) -> dict[str, Any]:
    _untag_provider(
        caller,
        OIDC,
        OpenIDConnectProviderArn,
        TagKeys,
        "iam:UntagOpenIDConnectProvider",
        "openIDConnectProviderArn",
    )
    return {}


@iam_operation("iam:ListOpenIDConnectProviderTags")
def list_open_id_connect_provider_tags(
    caller: Any,
    *,
    OpenIDConnectProviderArn: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return _list_tags(
        caller,
        OIDC,
        OpenIDConnectProviderArn,
        Marker,
        MaxItems,
        "iam:ListOpenIDConnectProviderTags",
        "openIDConnectProviderArn",
    )


__all__ = [
    "add_client_id_to_open_id_connect_provider",
    "create_open_id_connect_provider",
    "create_saml_provider",
    "delete_open_id_connect_provider",
    "delete_saml_provider",
    "get_open_id_connect_provider",
    "get_saml_provider",
    "list_open_id_connect_provider_tags",
    "list_open_id_connect_providers",
    "list_saml_provider_tags",
    "list_saml_providers",
    "remove_client_id_from_open_id_connect_provider",
    "tag_open_id_connect_provider",
    "tag_saml_provider",
    "untag_open_id_connect_provider",
    "untag_saml_provider",
    "update_open_id_connect_provider_thumbprint",
    "update_saml_provider",
]
