"""AWS Organizations' operations for service control policies (SCPs) and resource control
policies (RCPs), by AWS name and with AWS's (PascalCase) parameter names:

    organizations.describe_organization(caller)
    organizations.list_roots(caller)
    organizations.list_organizational_units_for_parent(caller, ParentId="r-ab12")
    organizations.list_accounts(caller) / list_accounts_for_parent(caller, ParentId=...)
    organizations.create_policy(caller, Name="DenyLeaving", Type="SERVICE_CONTROL_POLICY",
                                Description="...", Content=json_text)
    organizations.describe_policy / update_policy / delete_policy(caller, PolicyId="p-...")
    organizations.list_policies(caller, Filter="SERVICE_CONTROL_POLICY")
    organizations.attach_policy / detach_policy(caller, PolicyId=..., TargetId=root|ou|account)
    organizations.list_policies_for_target(caller, TargetId=..., Filter=...)
    organizations.list_targets_for_policy(caller, PolicyId=...)

As in AWS: every call is authorized as `organizations:<Operation>` (on the policy, root, OU or
account ARN the Service Authorization Reference names, with `organizations:PolicyType` in the
context) and logged through `calls`; an account outside any organization gets
AWSOrganizationsNotInUseException; only the management account may call anything but
DescribeOrganization (a member account gets AccessDeniedException); a policy's Content is
checked by the engine's validator as an SCP or RCP (5,120 characters, white space counted);
every root, OU and account keeps at least one SCP, and RCPFullAWSAccess stays attached.

The sandbox models SCPs and RCPs only: both policy types are always enabled, and the other
Organizations policy types (tag, backup...) are known names that are never enabled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from iamlab.engine import PolicyKind, Severity, validate_policy

from ..identifiers import new_org_policy_id
from ..models import (
    RCP_FULL_AWS_ACCESS,
    Account,
    Organization,
    OrganizationalUnit,
    OrganizationPolicy,
    OrganizationPolicyAttachment,
)
from . import calls
from .errors import (  # AWS Organizations' error codes, with the other services' in errors.py
    AWSOrganizationsNotInUseException,
    ConstraintViolationException,
    DuplicatePolicyAttachmentException,
    DuplicatePolicyException,
    InvalidInputException,
    MalformedPolicyDocumentException,
    ParentNotFoundException,
    PolicyInUseException,
    PolicyNotAttachedException,
    PolicyNotFoundException,
    PolicyTypeNotEnabledException,
    TargetNotFoundException,
)
from .errors import OrganizationsAccessDenied as AccessDeniedException
from .iam_common import document_text, page_start, write
from .principals import Caller

SCP = OrganizationPolicy.Type.SCP.value
RCP = OrganizationPolicy.Type.RCP.value
MODELLED_TYPES = (SCP, RCP)
#: Every value of AWS's PolicyType enum: the others are valid input, never enabled here.
POLICY_TYPES = (
    SCP,
    RCP,
    "DECLARATIVE_POLICY_EC2",
    "BACKUP_POLICY",
    "TAG_POLICY",
    "CHATBOT_POLICY",
    "AISERVICES_OPT_OUT_POLICY",
)
_KIND = {SCP: PolicyKind.SCP, RCP: PolicyKind.RCP}
#: Organizations quotas: policies of one type attached to one root, OU or account; policies of
#: one type in an organization.
MAX_ATTACHED = 5
MAX_POLICIES = 1000
MAX_RESULTS = 20

POLICY_ID_RE = re.compile(r"^p-[0-9a-zA-Z_]{8,128}$")
ROOT_ID_RE = re.compile(r"^r-[0-9a-z]{4,32}$")
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ACCOUNT_ID_RE = re.compile(r"^\d{12}$")


# -- reasons (the API reference's descriptions of each Reason code) -----------------------------
def _required(name: str) -> InvalidInputException:
    return InvalidInputException(
        "INPUT_REQUIRED", f"You must include a value for all required parameters: {name}."
    )


def _too_long(name: str, limit: int) -> InvalidInputException:
    return InvalidInputException(
        "MAX_LENGTH_EXCEEDED",
        f"You provided a string parameter that is longer than allowed: {name} (at most {limit}).",
    )


def _bad_pattern(name: str) -> InvalidInputException:
    reason = "INVALID_PATTERN_TARGET_ID" if name == "TargetId" else "INVALID_PATTERN"
    what = "a policy target ID" if name == "TargetId" else "a value"
    return InvalidInputException(
        reason, f"You specified {what} that doesn't match the required pattern: {name}."
    )


def _bad_type(name: str) -> InvalidInputException:
    return InvalidInputException(
        "INVALID_ENUM_POLICY_TYPE", f"You specified an invalid policy type string: {name}."
    )


# -- the call ------------------------------------------------------------------------------------
@dataclass
class _Org:
    """The caller's organization, and the ARNs AWS gives its parts."""

    organization: Organization
    management_id: str

    @property
    def prefix(self) -> str:
        return f"arn:aws:organizations::{self.management_id}"

    def account_arn(self, account_id: str) -> str:
        return f"{self.prefix}:account/{self.organization.org_id}/{account_id}"

    def ou_arn(self, ou_id: str) -> str:
        return f"{self.prefix}:ou/{self.organization.org_id}/{ou_id}"

    def root_arn_for(self, root_id: str) -> str:
        return f"{self.prefix}:root/{self.organization.org_id}/{root_id}"

    @property
    def root_arn(self) -> str:
        return self.root_arn_for(self.organization.root_id)


def _organization(caller: Caller) -> _Org | None:
    account = caller.account
    if account.organization_id is None:
        return None
    org = (
        Organization.objects.select_related("management_account")
        .filter(pk=account.organization_id)
        .first()
    )
    if org is None:
        return None
    management = org.management_account.account_id if org.management_account else ""
    return _Org(org, management)


@contextmanager
def _call(
    caller: Caller, action: str, params: Mapping[str, Any]
) -> Iterator[tuple[calls.Operation, _Org | None]]:
    """One logged call: the body validates, then `_authorize`s, then acts."""
    given = {k: v for k, v in params.items() if v is not None}
    with calls.operation(
        caller, f"organizations:{action}", params=given, deny_error=AccessDeniedException
    ) as op:
        yield op, _organization(caller)


def _authorize(
    op: calls.Operation,
    org: _Org | None,
    resources: list[str] | None = None,
    *,
    policy_type: str | None = None,
    management_only: bool = True,
) -> _Org:
    """IAM (and SCPs) first, as AWS does; then the caller must be in an organization, and
    (except for DescribeOrganization) in its management account."""
    context = {"organizations:PolicyType": policy_type} if policy_type else None
    for resource in resources or ["*"]:
        op.authorize(resource, context=context)
    if org is None:
        raise AWSOrganizationsNotInUseException()
    if management_only and op.caller.account_id != org.management_id:
        raise AccessDeniedException()
    return org


# -- shapes --------------------------------------------------------------------------------------
def _policy_arn(org: _Org, policy: OrganizationPolicy) -> str:
    kind = policy.type.lower()
    if policy.aws_managed:
        return f"arn:aws:organizations::aws:policy/{kind}/{policy.policy_id}"
    return f"{org.prefix}:policy/{org.organization.org_id}/{kind}/{policy.policy_id}"


def policy_summary(org: _Org, policy: OrganizationPolicy) -> dict[str, Any]:
    return {
        "Id": policy.policy_id,
        "Arn": _policy_arn(org, policy),
        "Name": policy.name,
        "Description": policy.description,
        "Type": policy.type,
        "AwsManaged": policy.aws_managed,
    }


def _policy(org: _Org, policy: OrganizationPolicy) -> dict[str, Any]:
    return {"Policy": {"PolicySummary": policy_summary(org, policy), "Content": policy.document}}


def _policy_types() -> list[dict[str, str]]:
    return [{"Type": kind, "Status": "ENABLED"} for kind in MODELLED_TYPES]


def _account_name(account: Account) -> str:
    """An account's name as Organizations shows it (the alias or id when it has none)."""
    return account.name or account.alias or account.account_id


def _account_shape(org: _Org, account: Account) -> dict[str, Any]:
    joined = max(account.created, org.organization.created)
    out: dict[str, Any] = {"Id": account.account_id, "Arn": org.account_arn(account.account_id)}
    if account.root_email:
        out["Email"] = account.root_email
    out.update(
        Name=_account_name(account),
        Status="ACTIVE",
        State="ACTIVE",
        JoinedMethod="INVITED" if account.account_id == org.management_id else "CREATED",
        JoinedTimestamp=joined,
    )
    return out


def _ou_shape(org: _Org, unit: OrganizationalUnit) -> dict[str, Any]:
    return {"Id": unit.ou_id, "Arn": org.ou_arn(unit.ou_id), "Name": unit.name}


def _page(items: list[Any], key: str, token: Any, limit: Any) -> dict[str, Any]:
    start = page_start(token, len(items))
    if start is None:
        raise InvalidInputException(
            "INVALID_NEXT_TOKEN",
            "You specified an invalid value for the nextToken request parameter.",
        )
    size = limit or MAX_RESULTS
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out


# -- validation ----------------------------------------------------------------------------------
def _text(
    value: Any,
    name: str,
    *,
    max_len: int,
    required: bool,
    pattern: re.Pattern | None = None,
    min_len: int = 1,
) -> None:
    """InvalidInputException for a missing, too short, too long or ill-formed text."""
    if value is None:
        if required:
            raise _required(name)
        return
    if not isinstance(value, str):
        raise _bad_pattern(name)
    if len(value) < min_len:
        raise InvalidInputException(
            "MIN_LENGTH_EXCEEDED",
            f"You provided a string parameter that is shorter than allowed: {name} "
            f"(at least {min_len}).",
        )
    if len(value) > max_len:
        raise _too_long(name, max_len)
    if pattern is not None and not pattern.match(value):
        raise _bad_pattern(name)


def _check_policy_id(value: Any) -> None:
    _text(value, "PolicyId", max_len=130, required=True, pattern=POLICY_ID_RE)


def _check_target_id(value: Any, name: str = "TargetId") -> None:
    _text(value, name, max_len=100, required=True, pattern=None)
    if not (ROOT_ID_RE.match(value) or OU_ID_RE.match(value) or ACCOUNT_ID_RE.match(value)):
        raise _bad_pattern(name)


def _check_parent_id(value: Any) -> None:
    _text(value, "ParentId", max_len=100, required=True, pattern=None)
    if not (ROOT_ID_RE.match(value) or OU_ID_RE.match(value)):
        raise _bad_pattern("ParentId")


def _check_type(value: Any, name: str) -> None:
    if value is None:
        raise _required(name)
    if value not in POLICY_TYPES:
        raise _bad_type(name)


def _check_paging(limit: Any) -> None:
    """MaxResults is 1 to 20; NextToken is checked when the page is cut (`_page`)."""
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInputException(
                "MIN_VALUE_EXCEEDED",
                "You provided a numeric parameter that has a smaller "
                "value than allowed: MaxResults (at least 1).",
            )
        if limit > MAX_RESULTS:
            raise InvalidInputException(
                "MAX_VALUE_EXCEEDED",
                "You provided a numeric parameter that has a larger "
                f"value than allowed: MaxResults (at most {MAX_RESULTS}).",
            )


def _check_content(text: str, policy_type: str) -> None:
    """What AWS refuses to store: over the size quota (ConstraintViolationException,
    POLICY_CONTENT_LIMIT_EXCEEDED), or anything the validator finds an ERROR in
    (MalformedPolicyDocumentException, with the validator's explanation)."""
    for problem in validate_policy(text, _KIND[policy_type]):
        if problem.severity != Severity.ERROR:
            continue
        if problem.code.startswith("POLICY_SIZE_EXCEEDS"):
            raise ConstraintViolationException(
                "POLICY_CONTENT_LIMIT_EXCEEDED",
                "You attempted to create a policy that is larger than the maximum size. "
                + problem.message,
            )
        raise MalformedPolicyDocumentException(
            f"{MalformedPolicyDocumentException.default_message} {problem.message}"
        )


# -- lookups -------------------------------------------------------------------------------------
def _policies(org: _Org):  # noqa: ANN202 - a queryset
    return OrganizationPolicy.objects.filter(organization=org.organization)


def _find_policy(org: _Org | None, policy_id: str) -> OrganizationPolicy | None:
    if org is None:
        return None
    return _policies(org).filter(policy_id=policy_id).first()


@dataclass
class _Target:
    """A root (ou and account None), an OU or an account, with its ARN and type."""

    target_id: str
    arn: str
    name: str
    type: str
    ou: OrganizationalUnit | None = None
    account: Account | None = None
    org_pk: int = 0

    def shape(self) -> dict[str, Any]:
        """As ListTargetsForPolicy lists it."""
        return {"TargetId": self.target_id, "Arn": self.arn, "Name": self.name, "Type": self.type}

    def attachments(self, policy_type: str | None = None):  # noqa: ANN201 - a queryset
        query = OrganizationPolicyAttachment.objects.filter(
            ou=self.ou, account=self.account, policy__organization_id=self.org_pk
        )
        if policy_type is not None:
            query = query.filter(policy__type=policy_type)
        return query


def _find_ou(org: _Org, ou_id: str) -> OrganizationalUnit | None:
    return OrganizationalUnit.objects.filter(organization=org.organization, ou_id=ou_id).first()


def _root_target(org: _Org) -> _Target:
    root_id = org.organization.root_id
    return _Target(root_id, org.root_arn, "Root", "ROOT", org_pk=org.organization.pk)


def _ou_target(org: _Org, unit: OrganizationalUnit) -> _Target:
    return _Target(
        unit.ou_id,
        org.ou_arn(unit.ou_id),
        unit.name,
        "ORGANIZATIONAL_UNIT",
        ou=unit,
        org_pk=org.organization.pk,
    )


def _account_target(org: _Org, account: Account) -> _Target:
    return _Target(
        account.account_id,
        org.account_arn(account.account_id),
        _account_name(account),
        "ACCOUNT",
        account=account,
        org_pk=org.organization.pk,
    )


def _find_target(org: _Org | None, target_id: str) -> _Target | None:
    if org is None:
        return None
    if ROOT_ID_RE.match(target_id):
        return _root_target(org) if target_id == org.organization.root_id else None
    if OU_ID_RE.match(target_id):
        unit = _find_ou(org, target_id)
        return _ou_target(org, unit) if unit is not None else None
    account = Account.objects.filter(organization=org.organization, account_id=target_id).first()
    return _account_target(org, account) if account is not None else None


def _target_of(org: _Org, attachment: OrganizationPolicyAttachment) -> dict[str, Any]:
    if attachment.ou is not None:
        target = _ou_target(org, attachment.ou)
    elif attachment.account is not None:
        target = _account_target(org, attachment.account)
    else:
        target = _root_target(org)
    return target.shape()


def policy_id_by_name(sandbox: Any, name: str, policy_type: str | None = None) -> str | None:
    """The PolicyId of the organization's policy called `name` (what a learner reads from
    CreatePolicy's answer or ListPolicies), or None: for lesson solutions, which cannot know
    the random id a policy gets when it is created."""
    query = OrganizationPolicy.objects.filter(sandbox=sandbox, name=name)
    if policy_type is not None:
        query = query.filter(type=policy_type)
    return query.values_list("policy_id", flat=True).first()


# -- the organization ----------------------------------------------------------------------------
def describe_organization(caller: Caller) -> dict[str, Any]:
    """{"Organization": {...}}: any account of the organization may ask."""
    with _call(caller, "DescribeOrganization", {}) as (op, org):
        org = _authorize(op, org, management_only=False)
        organization = org.organization
        management = organization.management_account
        out: dict[str, Any] = {
            "Id": organization.org_id,
            "Arn": f"{org.prefix}:organization/{organization.org_id}",
            "FeatureSet": "ALL",
            "MasterAccountArn": org.account_arn(org.management_id),
            "MasterAccountId": org.management_id,
        }
        if management is not None and management.root_email:
            out["MasterAccountEmail"] = management.root_email
        out["AvailablePolicyTypes"] = _policy_types()
        return {"Organization": out}


def list_roots(
    caller: Caller,
    *,
    NextToken: str | None = None,  # noqa: N803 - AWS's names
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    params = {"NextToken": NextToken, "MaxResults": MaxResults}
    with _call(caller, "ListRoots", params) as (op, org):
        _check_paging(MaxResults)
        org = _authorize(op, org)
        root = {
            "Id": org.organization.root_id,
            "Arn": org.root_arn,
            "Name": "Root",
            "PolicyTypes": _policy_types(),
        }
        return _page([root], "Roots", NextToken, MaxResults)


def _parent(org: _Org, parent_id: str) -> tuple[str, OrganizationalUnit | None]:
    """The parent's ARN and OU (None: the root); ParentNotFoundException if there is none."""
    if ROOT_ID_RE.match(parent_id):
        if parent_id != org.organization.root_id:
            raise ParentNotFoundException()
        return org.root_arn, None
    unit = _find_ou(org, parent_id)
    if unit is None:
        raise ParentNotFoundException()
    return org.ou_arn(parent_id), unit


def _children_of(
    op: calls.Operation, org: _Org | None, parent_id: Any, limit: Any
) -> tuple[_Org, OrganizationalUnit | None]:
    """For List*ForParent: check ParentId and MaxResults, authorize on the parent, find it."""
    _check_parent_id(parent_id)
    _check_paging(limit)
    org = _authorize(op, org, [_parent_arn(org, parent_id)])
    _, unit = _parent(org, parent_id)
    return org, unit


def _parent_arn(org: _Org | None, parent_id: str) -> str:
    """The ARN to authorize on, before we know whether the parent exists."""
    if org is None:
        return "*"
    if ROOT_ID_RE.match(parent_id):
        return org.root_arn_for(parent_id)
    return org.ou_arn(parent_id)


def list_organizational_units_for_parent(
    caller: Caller,
    *,
    ParentId: str | None = None,  # noqa: N803 - AWS's names
    NextToken: str | None = None,  # noqa: N803
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    params = {"ParentId": ParentId, "NextToken": NextToken, "MaxResults": MaxResults}
    with _call(caller, "ListOrganizationalUnitsForParent", params) as (op, org):
        org, unit = _children_of(op, org, ParentId, MaxResults)
        units = OrganizationalUnit.objects.filter(organization=org.organization, parent=unit)
        shaped = [_ou_shape(org, u) for u in units.order_by("name", "pk")]
        return _page(shaped, "OrganizationalUnits", NextToken, MaxResults)


def _accounts(org: _Org):  # noqa: ANN202 - a queryset
    return Account.objects.filter(organization=org.organization).order_by("account_id")


def list_accounts(
    caller: Caller,
    *,
    NextToken: str | None = None,  # noqa: N803 - AWS's names
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    params = {"NextToken": NextToken, "MaxResults": MaxResults}
    with _call(caller, "ListAccounts", params) as (op, org):
        _check_paging(MaxResults)
        org = _authorize(op, org)
        shaped = [_account_shape(org, a) for a in _accounts(org)]
        return _page(shaped, "Accounts", NextToken, MaxResults)


def list_accounts_for_parent(
    caller: Caller,
    *,
    ParentId: str | None = None,  # noqa: N803 - AWS's names
    NextToken: str | None = None,  # noqa: N803
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    params = {"ParentId": ParentId, "NextToken": NextToken, "MaxResults": MaxResults}
    with _call(caller, "ListAccountsForParent", params) as (op, org):
        org, unit = _children_of(op, org, ParentId, MaxResults)
        shaped = [_account_shape(org, a) for a in _accounts(org).filter(parent_ou=unit)]
        return _page(shaped, "Accounts", NextToken, MaxResults)


# -- policies ------------------------------------------------------------------------------------
def create_policy(
    caller: Caller,
    *,
    Content: Any = None,  # noqa: N803 - AWS's names
    Description: str | None = None,  # noqa: N803
    Name: str | None = None,  # noqa: N803
    Type: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """Create an SCP or RCP (not attached anywhere): {"Policy": {"PolicySummary", "Content"}}.
    (AWS's optional `Tags` are not modelled.)"""
    text = document_text(Content)
    params = {"Content": text, "Description": Description, "Name": Name, "Type": Type}
    with _call(caller, "CreatePolicy", params) as (op, org):
        _text(text, "Content", max_len=1_000_000, required=True, pattern=None)
        _text(Description, "Description", max_len=512, required=True, min_len=0)
        _text(Name, "Name", max_len=128, required=True, pattern=None)
        _check_type(Type, "Type")
        org = _authorize(op, org, policy_type=Type)
        if Type not in MODELLED_TYPES:
            raise PolicyTypeNotEnabledException()
        if _policies(org).filter(type=Type, name=Name).exists():
            raise DuplicatePolicyException()
        if _policies(org).filter(type=Type).count() >= MAX_POLICIES:
            raise ConstraintViolationException(
                "POLICY_NUMBER_LIMIT_EXCEEDED",
                "You attempted to exceed the number of policies that you can have in an "
                "organization.",
            )
        _check_content(text, Type)
        with write(caller):
            policy = OrganizationPolicy.objects.create(
                sandbox=caller.sandbox,
                organization=org.organization,
                policy_id=_new_policy_id(caller),
                name=Name,
                type=Type,
                description=Description,
                document=text,
            )
        return _policy(org, policy)


def _new_policy_id(caller: Caller) -> str:
    taken = set(
        OrganizationPolicy.objects.filter(sandbox=caller.sandbox).values_list(
            "policy_id", flat=True
        )
    )
    while True:
        candidate = new_org_policy_id()
        if candidate not in taken:
            return candidate


def _policy_or_fail(
    op: calls.Operation, org: _Org | None, policy_id: str, also: tuple[str, ...] = ()
) -> OrganizationPolicy:
    """Authorize on the policy (and the ARNs `also` names), then find it
    (PolicyNotFoundException). A policy that is not found is authorized on "*" (or on `also`
    only)."""
    policy = _find_policy(org, policy_id)
    resources = [_policy_arn(org, policy)] if (org and policy) else []
    _authorize(op, org, [*resources, *also], policy_type=policy.type if policy else None)
    if policy is None:
        raise PolicyNotFoundException()
    return policy


def describe_policy(caller: Caller, *, PolicyId: str | None = None) -> dict[str, Any]:  # noqa: N803
    with _call(caller, "DescribePolicy", {"PolicyId": PolicyId}) as (op, org):
        _check_policy_id(PolicyId)
        policy = _policy_or_fail(op, org, PolicyId)
        return _policy(org, policy)


def _aws_managed(policy: OrganizationPolicy) -> InvalidInputException:
    return InvalidInputException(
        "INVALID_INPUT", f"You can't change or delete the AWS managed policy {policy.name}."
    )


def update_policy(
    caller: Caller,
    *,
    PolicyId: str | None = None,  # noqa: N803 - AWS's names
    Name: str | None = None,  # noqa: N803
    Description: str | None = None,  # noqa: N803
    Content: Any = None,  # noqa: N803
) -> dict[str, Any]:
    """Change a policy's name, description or content (attached policies included: the change
    applies at once, as in AWS)."""
    text = document_text(Content)
    params = {"PolicyId": PolicyId, "Name": Name, "Description": Description, "Content": text}
    with _call(caller, "UpdatePolicy", params) as (op, org):
        _check_policy_id(PolicyId)
        _text(Name, "Name", max_len=128, required=False, pattern=None)
        _text(Description, "Description", max_len=512, required=False, min_len=0)
        _text(text, "Content", max_len=1_000_000, required=False, pattern=None)
        policy = _policy_or_fail(op, org, PolicyId)
        if policy.aws_managed:
            raise _aws_managed(policy)
        if Name is not None and Name != policy.name:
            clash = _policies(org).filter(type=policy.type, name=Name).exclude(pk=policy.pk)
            if clash.exists():
                raise DuplicatePolicyException()
            policy.name = Name
        if Description is not None:
            policy.description = Description
        if text is not None:
            _check_content(text, policy.type)
            policy.document = text
        with write(caller):
            policy.save(update_fields=["name", "description", "document"])
        return _policy(org, policy)


def delete_policy(caller: Caller, *, PolicyId: str | None = None) -> dict[str, Any]:  # noqa: N803
    """Delete a policy that is attached nowhere (PolicyInUseException otherwise)."""
    with _call(caller, "DeletePolicy", {"PolicyId": PolicyId}) as (op, org):
        _check_policy_id(PolicyId)
        policy = _policy_or_fail(op, org, PolicyId)
        if policy.aws_managed:
            raise _aws_managed(policy)
        if policy.attachments.exists():
            raise PolicyInUseException()
        with write(caller):
            policy.delete()
        return {}


def list_policies(
    caller: Caller,
    *,
    Filter: str | None = None,  # noqa: A002, N803 - AWS's names
    NextToken: str | None = None,  # noqa: N803
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    """{"Policies": [PolicySummary...]}: the organization's policies of type `Filter`."""
    params = {"Filter": Filter, "NextToken": NextToken, "MaxResults": MaxResults}
    with _call(caller, "ListPolicies", params) as (op, org):
        _check_type(Filter, "Filter")
        _check_paging(MaxResults)
        org = _authorize(op, org, policy_type=Filter)
        rows = _policies(org).filter(type=Filter).order_by("-aws_managed", "name")
        return _page([policy_summary(org, p) for p in rows], "Policies", NextToken, MaxResults)


# -- attachments ---------------------------------------------------------------------------------
def _target_arn(org: _Org | None, target_id: str) -> str:
    """The target's ARN to authorize on, before we know whether it exists."""
    if org is not None and not (ROOT_ID_RE.match(target_id) or OU_ID_RE.match(target_id)):
        return org.account_arn(target_id)
    return _parent_arn(org, target_id)


def _policy_and_target(
    op: calls.Operation, org: _Org | None, policy_id: str, target_id: str
) -> tuple[OrganizationPolicy, _Target]:
    policy = _policy_or_fail(op, org, policy_id, also=(_target_arn(org, target_id),))
    target = _find_target(org, target_id)
    if target is None:
        raise TargetNotFoundException()
    return policy, target


def attach_policy(
    caller: Caller,
    *,
    PolicyId: str | None = None,  # noqa: N803 - AWS's names
    TargetId: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """Attach an SCP or RCP to the root, an OU or an account: it applies at once to every
    account below (SCPs never to the management account)."""
    with _call(caller, "AttachPolicy", {"PolicyId": PolicyId, "TargetId": TargetId}) as (op, org):
        _check_policy_id(PolicyId)
        _check_target_id(TargetId)
        policy, target = _policy_and_target(op, org, PolicyId, TargetId)
        attached = target.attachments(policy.type)
        if attached.filter(policy=policy).exists():
            raise DuplicatePolicyAttachmentException()
        if attached.count() >= MAX_ATTACHED:
            raise ConstraintViolationException(
                "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                "You attempted to attach more policies of this type to an entity than are "
                f"allowed ({MAX_ATTACHED}).",
            )
        with write(caller):
            OrganizationPolicyAttachment.objects.create(
                sandbox=caller.sandbox, policy=policy, ou=target.ou, account=target.account
            )
        return {}


def detach_policy(
    caller: Caller,
    *,
    PolicyId: str | None = None,  # noqa: N803 - AWS's names
    TargetId: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """Detach a policy from a target. Every root, OU and account keeps at least one SCP (attach
    the replacement first), and RCPFullAWSAccess cannot be detached."""
    with _call(caller, "DetachPolicy", {"PolicyId": PolicyId, "TargetId": TargetId}) as (op, org):
        _check_policy_id(PolicyId)
        _check_target_id(TargetId)
        policy, target = _policy_and_target(op, org, PolicyId, TargetId)
        attached = target.attachments(policy.type)
        attachment = attached.filter(policy=policy).first()
        if attachment is None:
            raise PolicyNotAttachedException()
        if policy.name == RCP_FULL_AWS_ACCESS and policy.aws_managed:
            raise ConstraintViolationException(
                "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                f"{RCP_FULL_AWS_ACCESS} is attached to every root, OU and account and can't "
                "be detached.",
            )
        if policy.type == SCP and attached.count() <= 1:
            raise ConstraintViolationException(
                "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
                "You attempted to detach a policy from an entity that would cause the entity "
                "to have fewer than the minimum number of policies of a certain type required: "
                "every root, OU and account must have at least one SCP attached.",
            )
        with write(caller):
            attachment.delete()
        return {}


def list_policies_for_target(
    caller: Caller,
    *,
    TargetId: str | None = None,  # noqa: N803 - AWS's names
    Filter: str | None = None,  # noqa: A002, N803
    NextToken: str | None = None,  # noqa: N803
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    """{"Policies": [...]}: the policies of type `Filter` attached directly to the target."""
    params = {
        "TargetId": TargetId,
        "Filter": Filter,
        "NextToken": NextToken,
        "MaxResults": MaxResults,
    }
    with _call(caller, "ListPoliciesForTarget", params) as (op, org):
        _check_target_id(TargetId)
        _check_type(Filter, "Filter")
        _check_paging(MaxResults)
        _authorize(op, org, [_target_arn(org, TargetId)], policy_type=Filter)
        target = _find_target(org, TargetId)
        if target is None:
            raise TargetNotFoundException()
        rows = (
            target.attachments(Filter)
            .select_related("policy")
            .order_by("-policy__aws_managed", "policy__name")
        )
        shaped = [policy_summary(org, a.policy) for a in rows]
        return _page(shaped, "Policies", NextToken, MaxResults)


def list_targets_for_policy(
    caller: Caller,
    *,
    PolicyId: str | None = None,  # noqa: N803 - AWS's names
    NextToken: str | None = None,  # noqa: N803
    MaxResults: int | None = None,  # noqa: N803
) -> dict[str, Any]:
    """{"Targets": [{"TargetId", "Arn", "Name", "Type"}...]}: where the policy is attached."""
    params = {"PolicyId": PolicyId, "NextToken": NextToken, "MaxResults": MaxResults}
    with _call(caller, "ListTargetsForPolicy", params) as (op, org):
        _check_policy_id(PolicyId)
        _check_paging(MaxResults)
        policy = _policy_or_fail(op, org, PolicyId)
        rows = policy.attachments.select_related("ou", "account").order_by("pk")
        targets = sorted(
            (_target_of(org, a) for a in rows),
            key=lambda t: (["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"].index(t["Type"]), t["Name"]),
        )
        return _page(targets, "Targets", NextToken, MaxResults)


#: The operations (what a CLI or a lesson solution may call); helpers are not listed.
__all__ = [
    "attach_policy",
    "create_policy",
    "delete_policy",
    "describe_organization",
    "describe_policy",
    "detach_policy",
    "list_accounts",
    "list_accounts_for_parent",
    "list_organizational_units_for_parent",
    "list_policies",
    "list_policies_for_target",
    "list_roots",
    "list_targets_for_policy",
    "update_policy",
]
