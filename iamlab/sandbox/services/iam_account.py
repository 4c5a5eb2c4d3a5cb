"""The account: instance profiles, GetAccountAuthorizationDetails, account aliases,
GetAccountSummary and the account password policy."""

from __future__ import annotations

from typing import Any

from ..identifiers import INSTANCE_PROFILE_PREFIX, new_unique_id
from ..models import (
    AccessKey,
    Account,
    IamGroup,
    IamUser,
    IdentityProvider,
    InstanceProfile,
    ManagedPolicy,
    MfaDevice,
    PolicyVersion,
    Role,
)
from . import errors
from .iam_authdetails import authorization_details
from .iam_common import (
    ATTACHED_QUOTA,
    INLINE_QUOTA,
    PATH_PATTERN,
    Check,
    arn,
    authorize,
    authorized_entity,
    check_quota,
    creation_request,
    existing,
    find_instance_profile,
    iam_operation,
    instance_profile_shape,
    list_in_account,
    no_role,
    now,
    paginate,
    write,
)
from .iam_credentials import ACCESS_KEYS_QUOTA
from .iam_groups import GROUPS_PER_USER_QUOTA, GROUPS_QUOTA
from .iam_policies import (
    POLICIES_QUOTA,
    VERSIONS_QUOTA,
)
from .iam_roles import ROLES_QUOTA
from .iam_users import USERS_QUOTA

INSTANCE_PROFILES_QUOTA = 1000
ALIAS_PATTERN = r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"

# -- instance profiles --


def _profile(caller: Any, name: str, action: str) -> InstanceProfile:
    return authorized_entity(caller, "instance-profile", name, action)


@iam_operation("iam:CreateInstanceProfile")
def create_instance_profile(
    caller: Any,
    *,
    InstanceProfileName: str | None = None,
    Path: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.path(Path)
    check.tags(Tags)
    check.done()
    tags, context = creation_request(Tags, None)
    path = Path or "/"
    resource = arn(caller, "instance-profile", path, InstanceProfileName)
    authorize(caller, "iam:CreateInstanceProfile", resource, context=context)
    if find_instance_profile(caller, InstanceProfileName):
        raise errors.EntityAlreadyExists(f"Instance Profile {InstanceProfileName} already exists.")
    check_quota(InstanceProfile, caller, INSTANCE_PROFILES_QUOTA, "InstanceProfilesPerAccount")
    with write(caller):
        profile = InstanceProfile.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            instance_profile_id=new_unique_id(INSTANCE_PROFILE_PREFIX),
            name=InstanceProfileName,
            path=path,
            created=now(caller),
            tags=tags,
        )
    return {"InstanceProfile": instance_profile_shape(profile)}


@iam_operation("iam:GetInstanceProfile")
def get_instance_profile(caller: Any, *, InstanceProfileName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.done()
    profile = _profile(caller, InstanceProfileName, "iam:GetInstanceProfile")
    return {"InstanceProfile": instance_profile_shape(profile)}


@iam_operation("iam:ListInstanceProfiles")
def list_instance_profiles(
    caller: Any,
    *,
    PathPrefix: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    return list_in_account(
        caller,
        InstanceProfile,
        "iam:ListInstanceProfiles",
        "InstanceProfiles",
        PathPrefix,
        Marker,
        MaxItems,
        instance_profile_shape,
        related=("account", "role__account"),
        prefix_pattern=PATH_PATTERN,
    )


@iam_operation("iam:DeleteInstanceProfile")
def delete_instance_profile(
    caller: Any, *, InstanceProfileName: str | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.done()
    profile = _profile(caller, InstanceProfileName, "iam:DeleteInstanceProfile")
    if profile.role_id:
        raise errors.DeleteConflict(
            "Cannot delete entity, must remove roles from instance profile first."
        )
    with write(caller):
        profile.delete()
    return {}


@iam_operation("iam:AddRoleToInstanceProfile")
def add_role_to_instance_profile(
    caller: Any, *, InstanceProfileName: str | None = None, RoleName: str | None = None
) -> dict[str, Any]:
    """The caller must also be allowed iam:PassRole on the role (IAM API Reference)."""
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.name(RoleName, "roleName", 64)
    check.done()
    profile = _profile(caller, InstanceProfileName, "iam:AddRoleToInstanceProfile")
    role = existing(caller, "role", RoleName)
    authorize(caller, "iam:PassRole", role.arn)
    if profile.role_id:
        raise errors.LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
    with write(caller):
        profile.role = role
        profile.save(update_fields=["role"])
    return {}


@iam_operation("iam:RemoveRoleFromInstanceProfile")
def remove_role_from_instance_profile(
    caller: Any, *, InstanceProfileName: str | None = None, RoleName: str | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(InstanceProfileName, "instanceProfileName", 128)
    check.name(RoleName, "roleName", 64)
    check.done()
    profile = _profile(caller, InstanceProfileName, "iam:RemoveRoleFromInstanceProfile")
    role = existing(caller, "role", RoleName)
    if profile.role_id != role.pk:
        raise no_role(RoleName)
    with write(caller):
        profile.role = None
        profile.save(update_fields=["role"])
    return {}


@iam_operation("iam:ListInstanceProfilesForRole")
def list_instance_profiles_for_role(
    caller: Any,
    *,
    RoleName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(RoleName, "roleName", 64)
    check.paging(Marker, MaxItems)
    check.done()
    role = authorized_entity(caller, "role", RoleName, "iam:ListInstanceProfilesForRole")
    profiles = sorted(role.instance_profiles.select_related("account"), key=lambda p: p.name)
    return paginate(profiles, "InstanceProfiles", Marker, MaxItems, instance_profile_shape)


# -- account aliases --


def _check_alias(alias: Any) -> None:
    check = Check()
    check.string(alias, "accountAlias", max_len=63, min_len=3, pattern=ALIAS_PATTERN, required=True)
    check.done()


@iam_operation("iam:CreateAccountAlias")
def create_account_alias(caller: Any, *, AccountAlias: str | None = None) -> dict[str, Any]:
    _check_alias(AccountAlias)
    authorize(caller, "iam:CreateAccountAlias", "*")
    taken = Account.objects.filter(sandbox=caller.sandbox, alias=AccountAlias)
    if taken.exists():
        raise errors.EntityAlreadyExists(f"The account alias {AccountAlias} already exists.")
    if caller.account.alias:
        raise errors.LimitExceeded("Cannot exceed quota for AccountAliasesPerAccount: 1")
    with write(caller):
        caller.account.alias = AccountAlias
        caller.account.save(update_fields=["alias"])
    return {}


@iam_operation("iam:DeleteAccountAlias")
def delete_account_alias(caller: Any, *, AccountAlias: str | None = None) -> dict[str, Any]:
    _check_alias(AccountAlias)
    authorize(caller, "iam:DeleteAccountAlias", "*")
    if caller.account.alias != AccountAlias:
        raise errors.NoSuchEntity(f"The account alias {AccountAlias} cannot be found.")
    with write(caller):
        caller.account.alias = ""
        caller.account.save(update_fields=["alias"])
    return {}


@iam_operation("iam:ListAccountAliases")
def list_account_aliases(
    caller: Any, *, Marker: str | None = None, MaxItems: int | None = None
) -> dict[str, Any]:
    check = Check()
    check.paging(Marker, MaxItems)
    check.done()
    authorize(caller, "iam:ListAccountAliases", "*")
    aliases = [caller.account.alias] if caller.account.alias else []
    return paginate(aliases, "AccountAliases", Marker, MaxItems)


# -- password policy --


def _no_password_policy(caller: Any) -> errors.AwsError:
    return errors.NoSuchEntity(
        f"The Password Policy with domain name {caller.account.account_id} cannot be found."
    )


@iam_operation("iam:UpdateAccountPasswordPolicy")
def update_account_password_policy(
    caller: Any,
    *,
    MinimumPasswordLength: int | None = None,
    RequireSymbols: bool = False,
    RequireNumbers: bool = False,
    RequireUppercaseCharacters: bool = False,
    RequireLowercaseCharacters: bool = False,
    AllowUsersToChangePassword: bool = False,
    MaxPasswordAge: int | None = None,
    PasswordReusePrevention: int | None = None,
    HardExpiry: bool | None = None,
) -> dict[str, Any]:
    """Parameters left out take AWS's defaults (they are not kept from the old policy)."""
    check = Check()
    check.integer(MinimumPasswordLength, "minimumPasswordLength", minimum=6, maximum=128)
    check.integer(MaxPasswordAge, "maxPasswordAge", minimum=1, maximum=1095)
    check.integer(PasswordReusePrevention, "passwordReusePrevention", minimum=1, maximum=24)
    check.done()
    authorize(caller, "iam:UpdateAccountPasswordPolicy", "*")
    policy: dict[str, Any] = {
        "MinimumPasswordLength": MinimumPasswordLength or 8,
        "RequireSymbols": bool(RequireSymbols),
        "RequireNumbers": bool(RequireNumbers),
        "RequireUppercaseCharacters": bool(RequireUppercaseCharacters),
        "RequireLowercaseCharacters": bool(RequireLowercaseCharacters),
        "AllowUsersToChangePassword": bool(AllowUsersToChangePassword),
        "ExpirePasswords": bool(MaxPasswordAge),
    }
    if MaxPasswordAge:
        policy["MaxPasswordAge"] = MaxPasswordAge
    if PasswordReusePrevention:
        policy["PasswordReusePrevention"] = PasswordReusePrevention
    if HardExpiry is not None:
        policy["HardExpiry"] = bool(HardExpiry)
    with write(caller):
        caller.account.password_policy = policy
        caller.account.save(update_fields=["password_policy"])
    return {}


@iam_operation("iam:GetAccountPasswordPolicy")
def get_account_password_policy(caller: Any) -> dict[str, Any]:
    authorize(caller, "iam:GetAccountPasswordPolicy", "*")
    if caller.account.password_policy is None:
        raise _no_password_policy(caller)
    return {"PasswordPolicy": dict(caller.account.password_policy)}


@iam_operation("iam:DeleteAccountPasswordPolicy")
def delete_account_password_policy(caller: Any) -> dict[str, Any]:
    authorize(caller, "iam:DeleteAccountPasswordPolicy", "*")
    if caller.account.password_policy is None:
        raise _no_password_policy(caller)
    with write(caller):
        caller.account.password_policy = None
        caller.account.save(update_fields=["password_policy"])
    return {}


# -- summary --


@iam_operation("iam:GetAccountSummary")
def get_account_summary(caller: Any) -> dict[str, Any]:
    authorize(caller, "iam:GetAccountSummary", "*")
    account = caller.account
    mine = {"account": account}
    policies = ManagedPolicy.objects.filter(**mine)
    root_keys = AccessKey.objects.filter(**mine, user__isnull=True).exists()
    summary = {
        "Users": IamUser.objects.filter(**mine).count(),
        "UsersQuota": USERS_QUOTA,
        "Groups": IamGroup.objects.filter(**mine).count(),
        "GroupsQuota": GROUPS_QUOTA,
        "Roles": Role.objects.filter(**mine).count(),
        "RolesQuota": ROLES_QUOTA,
        "InstanceProfiles": InstanceProfile.objects.filter(**mine).count(),
        "InstanceProfilesQuota": INSTANCE_PROFILES_QUOTA,
        "Policies": policies.count(),
        "PoliciesQuota": POLICIES_QUOTA,
        "PolicySizeQuota": 6144,
        "PolicyVersionsInUse": PolicyVersion.objects.filter(policy__account=account).count(),
        "PolicyVersionsInUseQuota": 10000,
        "VersionsPerPolicyQuota": VERSIONS_QUOTA,
        "UserPolicySizeQuota": INLINE_QUOTA["user"],
        "GroupPolicySizeQuota": INLINE_QUOTA["group"],
        "RolePolicySizeQuota": INLINE_QUOTA["role"],
        "AssumeRolePolicySizeQuota": 2048,
        "GroupsPerUserQuota": GROUPS_PER_USER_QUOTA,
        "AttachedPoliciesPerUserQuota": ATTACHED_QUOTA,
        "AttachedPoliciesPerGroupQuota": ATTACHED_QUOTA,
        "AttachedPoliciesPerRoleQuota": ATTACHED_QUOTA,
        "AccessKeysPerUserQuota": ACCESS_KEYS_QUOTA,
        "SigningCertificatesPerUserQuota": 2,
        "ServerCertificates": 0,
        "ServerCertificatesQuota": 20,
        "MFADevices": MfaDevice.objects.filter(**mine).count(),
        "MFADevicesInUse": MfaDevice.objects.filter(**mine, enabled__isnull=False).count(),
        "AccountMFAEnabled": int(MfaDevice.objects.filter(**mine, assigned_to_root=True).exists()),
        "AccountAccessKeysPresent": int(root_keys),
        "AccountPasswordPresent": 1,
        "AccountSigningCertificatesPresent": 0,
        "Providers": IdentityProvider.objects.filter(**mine).count(),
        "GlobalEndpointTokenVersion": 1,
    }
    return {"SummaryMap": summary}


# -- authorization details --

_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]


@iam_operation("iam:GetAccountAuthorizationDetails")
def get_account_authorization_details(
    caller: Any,
    *,
    Filter: list[str] | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    """Every user, group, role and managed policy with their policies, in AWS's shape.

    Documents are parsed JSON (as the AWS CLI and SDKs give them). Only AWS managed policies
    attached to something in the account are listed, as AWS does.
    """
    check = Check()
    for index, entry in enumerate(Filter or [], start=1):
        check.enum(entry, f"filter.{index}.member", _FILTERS)
    check.paging(Marker, MaxItems)
    check.done()
    authorize(caller, "iam:GetAccountAuthorizationDetails", "*")
    wanted = set(Filter or _FILTERS)
    return _details_page(authorization_details(caller, wanted), Marker, MaxItems)


_DETAIL_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def _details_page(details: dict[str, Any], marker: Any, max_items: Any) -> dict[str, Any]:
    """One page of the details, as AWS pages them: MaxItems (default 100) counts the users,
    groups, roles and policies together, in that order; `Marker` continues where the last page
    stopped. Every list the filter asked for is present on every page, empty or not."""
    keys = [k for k in _DETAIL_LISTS if k in details]
    flat = [(key, item) for key in keys for item in details[key]]
    page = paginate(flat, "Items", marker, max_items)
    out: dict[str, Any] = {key: [] for key in keys}
    for key, item in page.pop("Items"):
        out[key].append(item)
    out.update(page)
    return out
