"""The commands the CLI pane knows: `aws iam`, `aws sts`, `aws s3api`, `aws accessanalyzer`,
`aws organizations` and `aws ec2` (instances and their instance profiles), mapped onto the
sandbox's service-layer operations.

Each operation's parameters come from the service function's signature (AWS's own parameter
names); what the signature cannot say is written down here: which parameters the AWS CLI
requires, and the shape of structured values (lists of structures, maps).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..services import access_analyzer, iam, organizations, resources, resources_compute, sts

STRING = "string"
INTEGER = "integer"
BOOLEAN = "boolean"
LIST = "list"  # a list of strings
STRUCTURES = "structures"  # a list of structures (shorthand Key=a,Value=b or JSON)
MAP = "map"  # one structure (shorthand A=b,C=d or JSON)
BOOL_MAP = "bool-map"  # a structure of booleans

# AWS Organizations' required parameters (its API reference), apart: some operation names
# (create_policy, delete_policy) are IAM's too.
_ORGANIZATIONS_REQUIRED: dict[str, tuple[str, ...]] = {
    "attach_policy": ("PolicyId", "TargetId"),
    "create_policy": ("Content", "Description", "Name", "Type"),
    "delete_policy": ("PolicyId",),
    "describe_policy": ("PolicyId",),
    "detach_policy": ("PolicyId", "TargetId"),
    "list_accounts_for_parent": ("ParentId",),
    "list_organizational_units_for_parent": ("ParentId",),
    "list_policies": ("Filter",),
    "list_policies_for_target": ("TargetId", "Filter"),
    "list_targets_for_policy": ("PolicyId",),
    "update_policy": ("PolicyId",),
}

# Parameters the AWS CLI requires, per operation (the API reference's "Required: Yes").
_REQUIRED: dict[str, tuple[str, ...]] = {
    "add_role_to_instance_profile": ("InstanceProfileName", "RoleName"),
    "add_user_to_group": ("GroupName", "UserName"),
    "attach_group_policy": ("GroupName", "PolicyArn"),
    "attach_role_policy": ("RoleName", "PolicyArn"),
    "attach_user_policy": ("UserName", "PolicyArn"),
    "create_account_alias": ("AccountAlias",),
    "create_group": ("GroupName",),
    "create_instance_profile": ("InstanceProfileName",),
    "create_policy": ("PolicyName", "PolicyDocument"),
    "create_policy_version": ("PolicyArn", "PolicyDocument"),
    "create_role": ("RoleName", "AssumeRolePolicyDocument"),
    "create_user": ("UserName",),
    "create_virtual_mfa_device": ("VirtualMFADeviceName",),
    "deactivate_mfa_device": ("SerialNumber",),
    "delete_access_key": ("AccessKeyId",),
    "delete_account_alias": ("AccountAlias",),
    "delete_group": ("GroupName",),
    "delete_group_policy": ("GroupName", "PolicyName"),
    "delete_instance_profile": ("InstanceProfileName",),
    "delete_policy": ("PolicyArn",),
    "delete_policy_version": ("PolicyArn", "VersionId"),
    "delete_role": ("RoleName",),
    "delete_role_permissions_boundary": ("RoleName",),
    "delete_role_policy": ("RoleName", "PolicyName"),
    "delete_user": ("UserName",),
    "delete_user_permissions_boundary": ("UserName",),
    "delete_user_policy": ("UserName", "PolicyName"),
    "delete_virtual_mfa_device": ("SerialNumber",),
    "detach_group_policy": ("GroupName", "PolicyArn"),
    "detach_role_policy": ("RoleName", "PolicyArn"),
    "detach_user_policy": ("UserName", "PolicyArn"),
    "enable_mfa_device": ("UserName", "SerialNumber", "AuthenticationCode1", "AuthenticationCode2"),
    "generate_service_last_accessed_details": ("Arn",),
    "get_access_key_last_used": ("AccessKeyId",),
    "get_service_last_accessed_details": ("JobId",),
    "get_group": ("GroupName",),
    "get_group_policy": ("GroupName", "PolicyName"),
    "get_instance_profile": ("InstanceProfileName",),
    "get_policy": ("PolicyArn",),
    "get_policy_version": ("PolicyArn", "VersionId"),
    "get_role": ("RoleName",),
    "get_role_policy": ("RoleName", "PolicyName"),
    "get_user_policy": ("UserName", "PolicyName"),
    "list_attached_group_policies": ("GroupName",),
    "list_attached_role_policies": ("RoleName",),
    "list_attached_user_policies": ("UserName",),
    "list_entities_for_policy": ("PolicyArn",),
    "list_group_policies": ("GroupName",),
    "list_groups_for_user": ("UserName",),
    "list_instance_profiles_for_role": ("RoleName",),
    "list_policy_versions": ("PolicyArn",),
    "list_role_policies": ("RoleName",),
    "list_user_policies": ("UserName",),
    "list_user_tags": ("UserName",),
    "put_group_policy": ("GroupName", "PolicyName", "PolicyDocument"),
    "put_role_permissions_boundary": ("RoleName", "PermissionsBoundary"),
    "put_role_policy": ("RoleName", "PolicyName", "PolicyDocument"),
    "put_user_permissions_boundary": ("UserName", "PermissionsBoundary"),
    "put_user_policy": ("UserName", "PolicyName", "PolicyDocument"),
    "remove_role_from_instance_profile": ("InstanceProfileName", "RoleName"),
    "remove_user_from_group": ("GroupName", "UserName"),
    "set_default_policy_version": ("PolicyArn", "VersionId"),
    "tag_user": ("UserName", "Tags"),
    "untag_user": ("UserName", "TagKeys"),
    "update_access_key": ("AccessKeyId", "Status"),
    "update_assume_role_policy": ("RoleName", "PolicyDocument"),
    "update_group": ("GroupName",),
    "update_role": ("RoleName",),
    "update_user": ("UserName",),
    # identity providers
    "create_saml_provider": ("SAMLMetadataDocument", "Name"),
    "get_saml_provider": ("SAMLProviderArn",),
    "update_saml_provider": ("SAMLProviderArn", "SAMLMetadataDocument"),
    "delete_saml_provider": ("SAMLProviderArn",),
    "tag_saml_provider": ("SAMLProviderArn", "Tags"),
    "untag_saml_provider": ("SAMLProviderArn", "TagKeys"),
    "list_saml_provider_tags": ("SAMLProviderArn",),
    "create_open_id_connect_provider": ("Url",),
    "get_open_id_connect_provider": ("OpenIDConnectProviderArn",),
    "delete_open_id_connect_provider": ("OpenIDConnectProviderArn",),
    "add_client_id_to_open_id_connect_provider": ("OpenIDConnectProviderArn", "ClientID"),
    "remove_client_id_from_open_id_connect_provider": ("OpenIDConnectProviderArn", "ClientID"),
    "update_open_id_connect_provider_thumbprint": ("OpenIDConnectProviderArn", "ThumbprintList"),
    "tag_open_id_connect_provider": ("OpenIDConnectProviderArn", "Tags"),
    "untag_open_id_connect_provider": ("OpenIDConnectProviderArn", "TagKeys"),
    "list_open_id_connect_provider_tags": ("OpenIDConnectProviderArn",),
    # EC2 (the sandbox has no launch templates: run-instances needs an image ID)
    "run_instances": ("ImageId",),
    "associate_iam_instance_profile": ("IamInstanceProfile", "InstanceId"),
    "replace_iam_instance_profile_association": ("IamInstanceProfile", "AssociationId"),
    "disassociate_iam_instance_profile": ("AssociationId",),
    # STS
    "assume_role": ("RoleArn", "RoleSessionName"),
    # Access Analyzer
    "create_analyzer": ("analyzerName", "type"),
    "get_analyzer": ("analyzerName",),
    "delete_analyzer": ("analyzerName",),
    "list_findings": ("analyzerArn",),
    "list_findings_v2": ("analyzerArn",),
    "get_finding": ("analyzerArn", "id"),
    "update_findings": ("analyzerArn", "status"),
    "start_resource_scan": ("analyzerArn", "resourceArn"),
    "validate_policy": ("policyDocument", "policyType"),
    "check_no_new_access": ("newPolicyDocument", "existingPolicyDocument", "policyType"),
    "check_access_not_granted": ("policyDocument", "access", "policyType"),
    # S3
    "create_bucket": ("Bucket",),
    "put_object": ("Bucket", "Key"),
    "get_object": ("Bucket", "Key"),
    "put_bucket_policy": ("Bucket", "Policy"),
    "get_bucket_policy": ("Bucket",),
    "delete_bucket_policy": ("Bucket",),
    "put_public_access_block": ("Bucket", "PublicAccessBlockConfiguration"),
    "get_public_access_block": ("Bucket",),
}

# Structured parameters, by AWS parameter name.
_SHAPES: dict[str, str] = {
    "Tags": STRUCTURES,
    "PolicyArns": STRUCTURES,
    "TagKeys": LIST,
    "TransitiveTagKeys": LIST,
    "CreateBucketConfiguration": MAP,
    "PublicAccessBlockConfiguration": BOOL_MAP,
    "access": STRUCTURES,
    "archiveRules": STRUCTURES,
    "Filters": STRUCTURES,
    "IamInstanceProfile": MAP,
}

_STS = ("get_caller_identity", "assume_role", "get_session_token")
_ACCESS_ANALYZER = (
    "create_analyzer",
    "get_analyzer",
    "list_analyzers",
    "delete_analyzer",
    "list_findings",
    "list_findings_v2",
    "get_finding",
    "update_findings",
    "start_resource_scan",
    "validate_policy",
    "check_no_new_access",
    "check_access_not_granted",
)
_S3API = (
    "create_bucket",
    "list_buckets",
    "put_object",
    "get_object",
    "put_bucket_policy",
    "get_bucket_policy",
    "delete_bucket_policy",
    "put_public_access_block",
    "get_public_access_block",
)

_EC2 = (
    "run_instances",
    "describe_instances",
    "associate_iam_instance_profile",
    "describe_iam_instance_profile_associations",
    "replace_iam_instance_profile_association",
    "disassociate_iam_instance_profile",
)

# Words the API spells in capitals: CreateVirtualMFADevice, CreateSAMLProvider,
# AddClientIDToOpenIDConnectProvider.
_ACRONYMS = {"mfa": "MFA", "saml": "SAML", "id": "ID"}


def kebab(name: str) -> str:
    """The CLI spelling of an AWS name: VirtualMFADeviceName → virtual-mfa-device-name."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", name)
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", spaced)
    return spaced.lower()


def operation_name(function_name: str) -> str:
    """create_virtual_mfa_device → CreateVirtualMFADevice (the API's operation name)."""
    return "".join(_ACRONYMS.get(p, p.capitalize()) for p in function_name.split("_"))


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # AWS's name, e.g. UserName
    option: str  # the CLI's, e.g. --user-name
    kind: str
    required: bool


@dataclass(frozen=True, slots=True)
class Command:
    service: str  # accessanalyzer | ec2 | iam | organizations | sts | s3api
    name: str  # kebab-case, e.g. create-user
    operation: str  # CreateUser
    function: Callable[..., dict[str, Any]]
    params: tuple[Param, ...] = field(default_factory=tuple)

    def param_by_option(self, option: str) -> Param | None:
        for p in self.params:
            if p.option == option:
                return p
        return None


def _kind(name: str, annotation: Any) -> str:
    if name in _SHAPES:
        return _SHAPES[name]
    text = str(annotation)
    if text.startswith("bool"):
        return BOOLEAN
    if text.startswith("int"):
        return INTEGER
    if text.startswith("list"):
        return LIST
    if text.startswith("dict"):
        return MAP
    return STRING


def _command(service: str, function: Callable[..., dict[str, Any]]) -> Command:
    fname = function.__name__
    needed = _ORGANIZATIONS_REQUIRED if service == "organizations" else _REQUIRED
    required = set(needed.get(fname, ()))
    params = []
    for p in list(inspect.signature(function).parameters.values())[1:]:
        params.append(
            Param(p.name, "--" + kebab(p.name), _kind(p.name, p.annotation), p.name in required)
        )
    return Command(service, fname.replace("_", "-"), operation_name(fname), function, tuple(params))


@cache
def services() -> dict[str, dict[str, Command]]:
    """service → command name → Command, sorted by name."""
    table: dict[str, dict[str, Command]] = {
        "accessanalyzer": {},
        "ec2": {},
        "iam": {},
        "organizations": {},
        "s3api": {},
        "sts": {},
    }
    for name in iam.__all__:
        cmd = _command("iam", getattr(iam, name))
        table["iam"][cmd.name] = cmd
    for name in _STS:
        cmd = _command("sts", getattr(sts, name))
        table["sts"][cmd.name] = cmd
    for name in _ACCESS_ANALYZER:
        cmd = _command("accessanalyzer", getattr(access_analyzer, name))
        table["accessanalyzer"][cmd.name] = cmd
    for name in organizations.__all__:
        cmd = _command("organizations", getattr(organizations, name))
        table["organizations"][cmd.name] = cmd
    for name in _EC2:
        cmd = _command("ec2", getattr(resources_compute, name))
        table["ec2"][cmd.name] = cmd
    for name in _S3API:
        cmd = _command("s3api", getattr(resources, name))
        table["s3api"][cmd.name] = cmd
    return {s: dict(sorted(c.items())) for s, c in table.items()}
