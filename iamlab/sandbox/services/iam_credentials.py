"""Credentials: access keys, console passwords (login profiles) and virtual MFA devices.

An access key's secret is returned by CreateAccessKey only; the sandbox keeps its SHA-256.
MFA codes are TOTP codes checked against the sandbox's clock (`services.mfa`).
"""

from __future__ import annotations

import re
import string
from typing import Any

from django.contrib.auth.hashers import make_password

from ..identifiers import new_access_key_id, new_secret_access_key
from ..models import AccessKey, IamUser, MfaDevice, hash_secret
from . import errors, mfa
from .iam_common import (
    DOCUMENT_PATTERN,
    Check,
    arn,
    authorize,
    authorized_entity,
    calling_identity,
    creation_request,
    iam_operation,
    now,
    paginate,
    root_user_shape,
    tags_list,
    user_shape,
    write,
)

ACCESS_KEYS_QUOTA = 2
MFA_DEVICES_PER_USER_QUOTA = 8
KEY_ID_PATTERN = r"[\w]+"
SERIAL_PATTERN = r"[\w+=/:,.@-]+"
CODE_PATTERN = r"[\d]+"
#: AWS's default password policy, used until the account sets its own.
DEFAULT_MINIMUM_LENGTH = 8
SYMBOLS = "!@#$%^&*()_+-=[]{}|'"


def _owner(caller: Any, user_name: str | None, action: str) -> IamUser | None:
    """The user named, or the calling user when UserName is omitted (None: the root user).

    Authorizes `action` on the user (or the root user); NoSuchEntity when the user is missing.
    """
    if user_name is None:
        return calling_identity(caller, action)
    return authorized_entity(caller, "user", user_name, action)


# -- access keys ---------------------------------------------------------------------------------


def _key_shape(key: AccessKey, user: IamUser | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if user is not None:
        out["UserName"] = user.name
    out.update(AccessKeyId=key.access_key_id, Status=str(key.status), CreateDate=key.created)
    return out


@iam_operation("iam:CreateAccessKey")
def create_access_key(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128, required=False)
    check.done()
    user = _owner(caller, UserName, "iam:CreateAccessKey")
    keys = AccessKey.objects.filter(account=caller.account, user=user)
    if keys.count() >= ACCESS_KEYS_QUOTA:
        raise errors.LimitExceeded(
            f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_QUOTA}"
        )
    secret = new_secret_access_key()
    with write(caller):
        key = AccessKey.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            user=user,
            access_key_id=new_access_key_id(),
            secret_hash=hash_secret(secret),
            created=now(caller),
        )
    shape = _key_shape(key, user)
    shape["SecretAccessKey"] = secret
    shape["CreateDate"] = shape.pop("CreateDate")
    return {"AccessKey": shape}


def _find_key(caller: Any, key_id: str, user: IamUser | None) -> AccessKey:
    key = AccessKey.objects.filter(account=caller.account, access_key_id=key_id, user=user).first()
    if key is None:
        raise errors.NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")
    return key


def _check_serial(check: Check, serial: Any) -> None:
    check.string(
        serial, "serialNumber", max_len=256, min_len=9, pattern=SERIAL_PATTERN, required=True
    )


def _check_key_id(check: Check, key_id: Any) -> None:
    check.string(
        key_id, "accessKeyId", max_len=128, min_len=16, pattern=KEY_ID_PATTERN, required=True
    )


@iam_operation("iam:UpdateAccessKey")
def update_access_key(
    caller: Any,
    *,
    AccessKeyId: str | None = None,
    Status: str | None = None,
    UserName: str | None = None,
) -> dict[str, Any]:
    check = Check()
    _check_key_id(check, AccessKeyId)
    check.enum(Status, "status", ["Active", "Inactive", "Expired"])
    check.name(UserName, "userName", 128, required=False)
    check.done()
    user = _owner(caller, UserName, "iam:UpdateAccessKey")
    key = _find_key(caller, AccessKeyId, user)
    with write(caller):
        key.status = Status
        key.save(update_fields=["status"])
    return {}


@iam_operation("iam:DeleteAccessKey")
def delete_access_key(
    caller: Any, *, AccessKeyId: str | None = None, UserName: str | None = None
) -> dict[str, Any]:
    check = Check()
    _check_key_id(check, AccessKeyId)
    check.name(UserName, "userName", 128, required=False)
    check.done()
    user = _owner(caller, UserName, "iam:DeleteAccessKey")
    key = _find_key(caller, AccessKeyId, user)
    with write(caller):
        key.delete()
    return {}


@iam_operation("iam:ListAccessKeys")
def list_access_keys(
    caller: Any,
    *,
    UserName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128, required=False)
    check.paging(Marker, MaxItems)
    check.done()
    user = _owner(caller, UserName, "iam:ListAccessKeys")
    keys = AccessKey.objects.filter(account=caller.account, user=user).order_by("created", "id")
    return paginate(
        list(keys), "AccessKeyMetadata", Marker, MaxItems, lambda k: _key_shape(k, user)
    )


@iam_operation("iam:GetAccessKeyLastUsed")
def get_access_key_last_used(caller: Any, *, AccessKeyId: str | None = None) -> dict[str, Any]:
    check = Check()
    _check_key_id(check, AccessKeyId)
    check.done()
    key = (
        AccessKey.objects.filter(account=caller.account, access_key_id=AccessKeyId)
        .select_related("user__account")
        .first()
    )
    owner_arn = (key.user.arn if key.user else caller.account.root_arn) if key else "*"
    authorize(caller, "iam:GetAccessKeyLastUsed", owner_arn)
    if key is None:
        raise errors.NoSuchEntity(f"The Access Key with id {AccessKeyId} cannot be found.")
    last: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
    if key.last_used:
        last = {
            "LastUsedDate": key.last_used,
            "ServiceName": key.last_used_service,
            "Region": key.last_used_region,
        }
    out: dict[str, Any] = {}
    if key.user:
        out["UserName"] = key.user.name
    out["AccessKeyLastUsed"] = last
    return out


# -- login profiles (console passwords) ------------------------------------------------------------


def _login_profile(user: IamUser) -> dict[str, Any]:
    return {
        "UserName": user.name,
        "CreateDate": user.password_created,
        "PasswordResetRequired": user.password_reset_required,
    }


def _login_profile_owner(caller: Any, user_name: str | None, action: str) -> IamUser:
    """The user (authorized as `_owner` does) whose console password the call reads or changes;
    NoSuchEntity when the user has none."""
    user = _owner(caller, user_name, action)
    if not user.has_console_password:
        raise errors.NoSuchEntity(f"Login Profile for User {user.name} cannot be found.")
    return user


def password_problem(caller: Any, password: str) -> bool:
    """True when the password breaks the account's password policy (or AWS's default one)."""
    policy = caller.account.password_policy
    if policy is None:
        kinds = [
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c in string.digits for c in password),
            any(c in SYMBOLS for c in password),
        ]
        return len(password) < DEFAULT_MINIMUM_LENGTH or sum(kinds) < 3
    rules = [
        (policy.get("RequireUppercaseCharacters"), string.ascii_uppercase),
        (policy.get("RequireLowercaseCharacters"), string.ascii_lowercase),
        (policy.get("RequireNumbers"), string.digits),
        (policy.get("RequireSymbols"), SYMBOLS),
    ]
    if len(password) < policy.get("MinimumPasswordLength", DEFAULT_MINIMUM_LENGTH):
        return True
    return any(required and not any(c in chars for c in password) for required, chars in rules)


def _check_password(caller: Any, password: str) -> None:
    if password_problem(caller, password):
        raise errors.PasswordPolicyViolation(
            "Password does not conform to the account password policy."
        )


@iam_operation("iam:CreateLoginProfile")
def create_login_profile(
    caller: Any,
    *,
    UserName: str | None = None,
    Password: str | None = None,
    PasswordResetRequired: bool = False,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 64)
    check.string(Password, "password", max_len=128, pattern=DOCUMENT_PATTERN, required=True)
    check.done()
    user = _owner(caller, UserName, "iam:CreateLoginProfile")
    if user.has_console_password:
        raise errors.EntityAlreadyExists(f"Login Profile for user {user.name} already exists.")
    _check_password(caller, Password)
    moment = now(caller)
    with write(caller):
        user.password_hash = make_password(Password)
        user.password_created = moment
        user.password_last_changed = moment
        user.password_reset_required = bool(PasswordResetRequired)
        user.save(
            update_fields=[
                "password_hash",
                "password_created",
                "password_last_changed",
                "password_reset_required",
            ]
        )
    return {"LoginProfile": _login_profile(user)}


@iam_operation("iam:GetLoginProfile")
def get_login_profile(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 64)
    check.done()
    user = _login_profile_owner(caller, UserName, "iam:GetLoginProfile")
    return {"LoginProfile": _login_profile(user)}


@iam_operation("iam:UpdateLoginProfile")
def update_login_profile(
    caller: Any,
    *,
    UserName: str | None = None,
    Password: str | None = None,
    PasswordResetRequired: bool | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 64)
    check.string(Password, "password", max_len=128, pattern=DOCUMENT_PATTERN, required=False)
    check.done()
    user = _login_profile_owner(caller, UserName, "iam:UpdateLoginProfile")
    if Password is not None:
        _check_password(caller, Password)
    with write(caller):
        if Password is not None:
            user.password_hash = make_password(Password)
            user.password_last_changed = now(caller)
        if PasswordResetRequired is not None:
            user.password_reset_required = PasswordResetRequired
        user.save(
            update_fields=["password_hash", "password_last_changed", "password_reset_required"]
        )
    return {}


@iam_operation("iam:DeleteLoginProfile")
def delete_login_profile(caller: Any, *, UserName: str | None = None) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 64)
    check.done()
    user = _login_profile_owner(caller, UserName, "iam:DeleteLoginProfile")
    with write(caller):
        user.password_hash = ""
        user.password_created = None
        user.password_reset_required = False
        user.save(update_fields=["password_hash", "password_created", "password_reset_required"])
    return {}


# -- virtual MFA devices ---------------------------------------------------------------------------

_SERIAL_RE = re.compile(r"^arn:aws:iam::(\d{12}):mfa(/.*/|/)([^/]+)$")


def _device(caller: Any, serial: str) -> MfaDevice | None:
    match = _SERIAL_RE.match(serial)
    if not match or match.group(1) != caller.account.account_id:
        return None
    device = (
        MfaDevice.objects.filter(account=caller.account, name=match.group(3))
        .select_related("account", "sandbox", "user")
        .first()
    )
    return device if device and device.serial_number == serial else None


def _no_device(serial: str) -> errors.AwsError:
    return errors.NoSuchEntity(f"VirtualMFADevice with serial number {serial} not found.")


@iam_operation("iam:CreateVirtualMFADevice")
def create_virtual_mfa_device(
    caller: Any,
    *,
    VirtualMFADeviceName: str | None = None,
    Path: str | None = None,
    Tags: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(VirtualMFADeviceName, "virtualMFADeviceName", 226)
    check.path(Path)
    check.tags(Tags)
    check.done()
    tags, context = creation_request(Tags, None)
    path = Path or "/"
    serial = arn(caller, "mfa", path, VirtualMFADeviceName)
    authorize(caller, "iam:CreateVirtualMFADevice", serial, context=context)
    if MfaDevice.objects.filter(account=caller.account, name=VirtualMFADeviceName).exists():
        raise errors.EntityAlreadyExists(
            "MFADevice entity at the same path and name already exists."
        )
    with write(caller):
        device = MfaDevice.objects.create(
            sandbox=caller.sandbox,
            account=caller.account,
            name=VirtualMFADeviceName,
            path=path,
            created=now(caller),
            tags=tags,
        )
    out: dict[str, Any] = {
        "SerialNumber": device.serial_number,
        "Base32StringSeed": mfa.base32_seed(device),
    }
    if tags:
        out["Tags"] = tags_list(tags)
    return {"VirtualMFADevice": out}


def _codes_match(device: MfaDevice, code1: str, code2: str, when: Any) -> bool:
    """Two consecutive codes, the second the one after the first (a little drift allowed)."""
    secret = mfa.seed(device)
    return any(
        mfa.totp(secret, when, offset_steps=step) == code1
        and mfa.totp(secret, when, offset_steps=step + 1) == code2
        for step in (-2, -1, 0)
    )


@iam_operation("iam:EnableMFADevice")
def enable_mfa_device(
    caller: Any,
    *,
    UserName: str | None = None,
    SerialNumber: str | None = None,
    AuthenticationCode1: str | None = None,
    AuthenticationCode2: str | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128, required=False)
    _check_serial(check, SerialNumber)
    for field, code in (
        ("authenticationCode1", AuthenticationCode1),
        ("authenticationCode2", AuthenticationCode2),
    ):
        check.string(code, field, max_len=6, min_len=6, pattern=CODE_PATTERN, required=True)
    check.done()
    user = _owner(caller, UserName, "iam:EnableMFADevice")
    device = _device(caller, SerialNumber)
    if device is None:
        raise _no_device(SerialNumber)
    if device.user_id or device.assigned_to_root:
        raise errors.EntityAlreadyExists("MFA Device is already in use.")
    if user and MfaDevice.objects.filter(user=user).count() >= MFA_DEVICES_PER_USER_QUOTA:
        raise errors.LimitExceeded(
            f"Cannot exceed quota for MFADevicesPerUser: {MFA_DEVICES_PER_USER_QUOTA}"
        )
    if not _codes_match(device, AuthenticationCode1, AuthenticationCode2, now(caller)):
        raise errors.InvalidAuthenticationCode("Authentication code for device is not valid.")
    with write(caller):
        device.user = user
        device.assigned_to_root = user is None
        device.enabled = now(caller)
        device.save(update_fields=["user", "assigned_to_root", "enabled"])
    return {}


@iam_operation("iam:DeactivateMFADevice")
def deactivate_mfa_device(
    caller: Any, *, UserName: str | None = None, SerialNumber: str | None = None
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128, required=False)
    _check_serial(check, SerialNumber)
    check.done()
    user = _owner(caller, UserName, "iam:DeactivateMFADevice")
    device = _device(caller, SerialNumber)
    assigned = device is not None and (
        device.user_id == user.pk if user else device.assigned_to_root
    )
    if not assigned:
        raise errors.NoSuchEntity(f"MFA Device with serial number {SerialNumber} does not exist.")
    with write(caller):
        device.user = None
        device.assigned_to_root = False
        device.enabled = None
        device.save(update_fields=["user", "assigned_to_root", "enabled"])
    return {}


@iam_operation("iam:DeleteVirtualMFADevice")
def delete_virtual_mfa_device(caller: Any, *, SerialNumber: str | None = None) -> dict[str, Any]:
    check = Check()
    _check_serial(check, SerialNumber)
    check.done()
    device = _device(caller, SerialNumber)
    authorize(caller, "iam:DeleteVirtualMFADevice", SerialNumber)
    if device is None:
        raise _no_device(SerialNumber)
    if device.user_id or device.assigned_to_root:
        raise errors.DeleteConflict("MFA device is still in use.")
    with write(caller):
        device.delete()
    return {}


@iam_operation("iam:ListMFADevices")
def list_mfa_devices(
    caller: Any,
    *,
    UserName: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    check = Check()
    check.name(UserName, "userName", 128, required=False)
    check.paging(Marker, MaxItems)
    check.done()
    user = _owner(caller, UserName, "iam:ListMFADevices")
    if user is None:
        devices = MfaDevice.objects.filter(account=caller.account, assigned_to_root=True)
    else:
        devices = MfaDevice.objects.filter(user=user)
    ordered = list(devices.select_related("account").order_by("enabled", "id"))

    def shape(device: MfaDevice) -> dict[str, Any]:
        out: dict[str, Any] = {"UserName": user.name} if user else {}
        out.update(SerialNumber=device.serial_number, EnableDate=device.enabled)
        return out

    return paginate(ordered, "MFADevices", Marker, MaxItems, shape)


ASSIGNMENT_STATUSES = ("Assigned", "Unassigned", "Any")


@iam_operation("iam:ListVirtualMFADevices")
def list_virtual_mfa_devices(
    caller: Any,
    *,
    AssignmentStatus: str | None = None,
    Marker: str | None = None,
    MaxItems: int | None = None,
) -> dict[str, Any]:
    """The account's virtual MFA devices: Assigned (to a user or the root user), Unassigned,
    or Any (the default), by serial number."""
    check = Check()
    check.enum(AssignmentStatus, "assignmentStatus", ASSIGNMENT_STATUSES, required=False)
    check.paging(Marker, MaxItems)
    check.done()
    authorize(caller, "iam:ListVirtualMFADevices", "*")
    devices = MfaDevice.objects.filter(account=caller.account).select_related(
        "account", "user__account"
    )
    if AssignmentStatus == "Assigned":
        devices = devices.filter(enabled__isnull=False)
    elif AssignmentStatus == "Unassigned":
        devices = devices.filter(enabled__isnull=True)
    ordered = sorted(devices, key=lambda d: d.serial_number)
    account = caller.account

    def shape(device: MfaDevice) -> dict[str, Any]:
        out: dict[str, Any] = {"SerialNumber": device.serial_number}
        if device.user is not None:
            out["User"] = user_shape(device.user)
        elif device.assigned_to_root:
            out["User"] = root_user_shape(account)
        if device.enabled is not None:
            out["EnableDate"] = device.enabled
        if device.tags:
            out["Tags"] = tags_list(device.tags)
        return out

    return paginate(ordered, "VirtualMFADevices", Marker, MaxItems, shape)
