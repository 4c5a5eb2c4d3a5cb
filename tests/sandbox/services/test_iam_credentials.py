import base64
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password

from iamlab.sandbox.models import AccessKey, IamUser, MfaDevice, hash_secret
from iamlab.sandbox.services import errors, iam, mfa, principals

from .conftest import ACCOUNT, NOW, denied

PASSWORD = "Str0ng-Passw0rd!"
SERIAL = f"arn:aws:iam::{ACCOUNT}:mfa/bob-phone"


@pytest.fixture
def bob(admin):
    iam.create_user(admin, UserName="bob")
    return "bob"


def _codes(serial_name: str, when, first_step: int = -1) -> tuple[str, str]:
    device = MfaDevice.objects.get(name=serial_name)
    secret = mfa.seed(device)
    return (
        mfa.totp(secret, when, offset_steps=first_step),
        mfa.totp(secret, when, offset_steps=first_step + 1),
    )


# -- access keys --


def test_it_creates_an_access_key_and_shows_the_secret_only_then(admin, bob):
    key = iam.create_access_key(admin, UserName="bob")["AccessKey"]
    assert list(key) == ["UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"]
    assert key["AccessKeyId"].startswith("AKIA") and key["Status"] == "Active"
    assert len(key["SecretAccessKey"]) == 40 and key["CreateDate"] == NOW
    stored = AccessKey.objects.get(access_key_id=key["AccessKeyId"])
    assert stored.secret_hash == hash_secret(key["SecretAccessKey"])
    listed = iam.list_access_keys(admin, UserName="bob")["AccessKeyMetadata"]
    assert listed == [
        {
            "UserName": "bob",
            "AccessKeyId": key["AccessKeyId"],
            "Status": "Active",
            "CreateDate": NOW,
        }
    ]


def test_it_creates_a_key_for_the_calling_user_when_no_name_is_given(sandbox, admin):
    key = iam.create_access_key(admin)["AccessKey"]
    assert key["UserName"] == "admin"


def test_it_creates_a_root_access_key_for_root(root):
    key = iam.create_access_key(root)["AccessKey"]
    assert "UserName" not in key
    assert AccessKey.objects.get(access_key_id=key["AccessKeyId"]).is_root


def test_it_enforces_two_access_keys_per_user(admin, bob):
    iam.create_access_key(admin, UserName="bob")
    iam.create_access_key(admin, UserName="bob")
    with pytest.raises(errors.LimitExceeded) as caught:
        iam.create_access_key(admin, UserName="bob")
    assert caught.value.message == "Cannot exceed quota for AccessKeysPerUser: 2"


def test_it_deactivates_and_deletes_a_key(admin, bob):
    key_id = iam.create_access_key(admin, UserName="bob")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(admin, UserName="bob", AccessKeyId=key_id, Status="Inactive")
    listed = iam.list_access_keys(admin, UserName="bob")["AccessKeyMetadata"]
    assert listed[0]["Status"] == "Inactive"
    iam.delete_access_key(admin, UserName="bob", AccessKeyId=key_id)
    assert iam.list_access_keys(admin, UserName="bob")["AccessKeyMetadata"] == []


def test_it_validates_the_key_status(admin, bob):
    with pytest.raises(errors.ValidationError) as caught:
        iam.update_access_key(
            admin, UserName="bob", AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Off"
        )
    assert "Member must satisfy enum value set: [Active, Inactive, Expired]" in (
        caught.value.message
    )


def test_it_says_when_a_key_cannot_be_found(admin, bob):
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.delete_access_key(admin, UserName="bob", AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    assert caught.value.message == "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."


def test_it_does_not_find_another_users_key_under_a_name(admin, bob):
    key_id = iam.create_access_key(admin, UserName="admin")["AccessKey"]["AccessKeyId"]
    with pytest.raises(errors.NoSuchEntity):
        iam.delete_access_key(admin, UserName="bob", AccessKeyId=key_id)


def test_it_reports_when_a_key_was_last_used(sandbox, admin, bob):
    key = iam.create_access_key(admin, UserName="bob")["AccessKey"]
    never = iam.get_access_key_last_used(admin, AccessKeyId=key["AccessKeyId"])
    assert never == {
        "UserName": "bob",
        "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"},
    }
    caller = principals.from_access_key(sandbox, key["AccessKeyId"])
    with pytest.raises(errors.AccessDenied):
        iam.list_users(caller)
    used = iam.get_access_key_last_used(admin, AccessKeyId=key["AccessKeyId"])
    assert used["AccessKeyLastUsed"] == {
        "LastUsedDate": NOW,
        "ServiceName": "iam",
        "Region": "us-east-1",
    }


def test_it_denies_creating_a_key_without_permission(nobody):
    with pytest.raises(errors.AccessDenied) as caught:
        iam.create_access_key(nobody)
    assert caught.value.message == denied(
        "nobody", "iam:CreateAccessKey", f"arn:aws:iam::{ACCOUNT}:user/nobody"
    )


# -- login profiles --


def test_it_creates_a_login_profile(admin, bob):
    profile = iam.create_login_profile(
        admin, UserName="bob", Password=PASSWORD, PasswordResetRequired=True
    )["LoginProfile"]
    assert profile == {"UserName": "bob", "CreateDate": NOW, "PasswordResetRequired": True}
    assert check_password(PASSWORD, IamUser.objects.get(name="bob").password_hash)
    assert iam.get_login_profile(admin, UserName="bob")["LoginProfile"] == profile


def test_it_refuses_a_second_login_profile(admin, bob):
    iam.create_login_profile(admin, UserName="bob", Password=PASSWORD)
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_login_profile(admin, UserName="bob", Password=PASSWORD)
    assert caught.value.message == "Login Profile for user bob already exists."


def test_it_refuses_a_password_the_default_policy_rejects(admin, bob):
    with pytest.raises(errors.PasswordPolicyViolation) as caught:
        iam.create_login_profile(admin, UserName="bob", Password="password")
    assert caught.value.message == "Password does not conform to the account password policy."


def test_it_applies_the_account_password_policy(admin, bob):
    iam.update_account_password_policy(admin, MinimumPasswordLength=20)
    with pytest.raises(errors.PasswordPolicyViolation):
        iam.create_login_profile(admin, UserName="bob", Password=PASSWORD)


def test_it_updates_and_deletes_a_login_profile(admin, bob):
    iam.create_login_profile(admin, UserName="bob", Password=PASSWORD)
    iam.update_login_profile(admin, UserName="bob", PasswordResetRequired=True)
    assert iam.get_login_profile(admin, UserName="bob")["LoginProfile"]["PasswordResetRequired"]
    iam.delete_login_profile(admin, UserName="bob")
    with pytest.raises(errors.NoSuchEntity) as caught:
        iam.get_login_profile(admin, UserName="bob")
    assert caught.value.message == "Login Profile for User bob cannot be found."


# -- virtual MFA devices --


def test_it_creates_a_virtual_mfa_device_with_its_seed(admin):
    device = iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    out = device["VirtualMFADevice"]
    assert out["SerialNumber"] == SERIAL
    assert len(base64.b32decode(out["Base32StringSeed"])) == 20


def test_it_refuses_a_device_name_twice(admin):
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    with pytest.raises(errors.EntityAlreadyExists) as caught:
        iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    assert caught.value.message == "MFADevice entity at the same path and name already exists."


def test_it_enables_a_device_with_two_consecutive_codes_by_the_sandbox_clock(sandbox, admin, bob):
    sandbox.move_clock(timedelta(days=40))
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    code1, code2 = _codes("bob-phone", sandbox.now())
    iam.enable_mfa_device(
        admin,
        UserName="bob",
        SerialNumber=SERIAL,
        AuthenticationCode1=code1,
        AuthenticationCode2=code2,
    )
    listed = iam.list_mfa_devices(admin, UserName="bob")["MFADevices"]
    assert listed == [
        {"UserName": "bob", "SerialNumber": SERIAL, "EnableDate": NOW + timedelta(days=40)}
    ]


def test_it_refuses_codes_from_the_real_clock_when_the_sandbox_clock_differs(sandbox, admin, bob):
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    code1, code2 = _codes("bob-phone", sandbox.now() + timedelta(hours=1))
    with pytest.raises(errors.InvalidAuthenticationCode) as caught:
        iam.enable_mfa_device(
            admin,
            UserName="bob",
            SerialNumber=SERIAL,
            AuthenticationCode1=code1,
            AuthenticationCode2=code2,
        )
    assert caught.value.message == "Authentication code for device is not valid."


def test_it_validates_the_authentication_codes(admin, bob):
    with pytest.raises(errors.ValidationError) as caught:
        iam.enable_mfa_device(
            admin,
            UserName="bob",
            SerialNumber=SERIAL,
            AuthenticationCode1="12ab56",
            AuthenticationCode2="1234",
        )
    assert caught.value.message.startswith("2 validation errors detected: ")


def test_it_refuses_a_device_already_in_use(sandbox, admin, bob):
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    code1, code2 = _codes("bob-phone", sandbox.now())
    codes = {"AuthenticationCode1": code1, "AuthenticationCode2": code2}
    iam.enable_mfa_device(admin, UserName="bob", SerialNumber=SERIAL, **codes)
    with pytest.raises(errors.EntityAlreadyExists):
        iam.enable_mfa_device(admin, UserName="admin", SerialNumber=SERIAL, **codes)


def test_it_deactivates_and_deletes_a_device(sandbox, admin, bob):
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="bob-phone")
    code1, code2 = _codes("bob-phone", sandbox.now())
    iam.enable_mfa_device(
        admin,
        UserName="bob",
        SerialNumber=SERIAL,
        AuthenticationCode1=code1,
        AuthenticationCode2=code2,
    )
    with pytest.raises(errors.DeleteConflict):
        iam.delete_virtual_mfa_device(admin, SerialNumber=SERIAL)
    with pytest.raises(errors.DeleteConflict) as caught:
        iam.delete_user(admin, UserName="bob")
    assert caught.value.message == "Cannot delete entity, must delete MFA device first."
    iam.deactivate_mfa_device(admin, UserName="bob", SerialNumber=SERIAL)
    assert iam.list_mfa_devices(admin, UserName="bob")["MFADevices"] == []
    iam.delete_virtual_mfa_device(admin, SerialNumber=SERIAL)
    assert not MfaDevice.objects.exists()


def test_it_says_when_a_device_is_not_the_users(admin, bob):
    with pytest.raises(errors.NoSuchEntity):
        iam.deactivate_mfa_device(admin, UserName="bob", SerialNumber=SERIAL)
