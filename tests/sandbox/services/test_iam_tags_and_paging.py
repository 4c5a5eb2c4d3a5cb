"""Tags on roles, policies and instance profiles; ListVirtualMFADevices; DeletePublicAccessBlock;
GetAccountAuthorizationDetails paged with Marker and MaxItems."""

import pytest

from iamlab.sandbox.models import ActivityEvent, Bucket, MfaDevice
from iamlab.sandbox.services import errors as e
from iamlab.sandbox.services import iam, mfa, principals, resources

from .conftest import ACCOUNT, NOW, READ_ONLY_ARN, allow, denied, trust

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/reader"
PROFILE_ARN = f"arn:aws:iam::{ACCOUNT}:instance-profile/app"


@pytest.fixture
def entities(admin):
    iam.create_role(admin, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.create_policy(admin, PolicyName="reader", PolicyDocument=allow())
    iam.create_instance_profile(admin, InstanceProfileName="app")


def _tags(*pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


TAGGERS = [
    (iam.tag_role, iam.untag_role, iam.list_role_tags, {"RoleName": "app"}, ROLE_ARN, "Role"),
    (
        iam.tag_policy,
        iam.untag_policy,
        iam.list_policy_tags,
        {"PolicyArn": POLICY_ARN},
        POLICY_ARN,
        "Policy",
    ),
    (
        iam.tag_instance_profile,
        iam.untag_instance_profile,
        iam.list_instance_profile_tags,
        {"InstanceProfileName": "app"},
        PROFILE_ARN,
        "InstanceProfile",
    ),
]


@pytest.mark.parametrize(("tag", "untag", "listed", "name", "resource", "kind"), TAGGERS)
def test_tag_untag_and_list(admin, entities, tag, untag, listed, name, resource, kind):
    assert tag(admin, **name, Tags=_tags(("team", "blue"), ("env", "prod"))) == {}
    # Keys are compared without case: the new value replaces the old one.
    tag(admin, **name, Tags=_tags(("Team", "red")))
    assert listed(admin, **name) == {
        "Tags": _tags(("env", "prod"), ("Team", "red")),
        "IsTruncated": False,
    }
    page = listed(admin, **name, MaxItems=1)
    assert page == {"Tags": _tags(("env", "prod")), "IsTruncated": True, "Marker": "1"}
    assert listed(admin, **name, MaxItems=1, Marker="1")["Tags"] == _tags(("Team", "red"))
    assert untag(admin, **name, TagKeys=["team"]) == {}
    assert listed(admin, **name)["Tags"] == _tags(("env", "prod"))


@pytest.mark.parametrize(("tag", "untag", "listed", "name", "resource", "kind"), TAGGERS)
def test_tagging_errors(admin, nobody, entities, tag, untag, listed, name, resource, kind):
    with pytest.raises(e.ValidationError) as caught:  # 51 in one request: a parameter error
        tag(admin, **name, Tags=_tags(*((f"k{i}", "v") for i in range(51))))
    assert "Member must have length less than or equal to 50" in caught.value.message
    tag(admin, **name, Tags=_tags(*((f"k{i}", "v") for i in range(50))))
    with pytest.raises(e.LimitExceeded) as caught:
        tag(admin, **name, Tags=_tags(("one-more", "v")))
    assert caught.value.message == "The number of tags has reached the maximum limit."
    with pytest.raises(e.InvalidInput) as caught:
        tag(admin, **name, Tags=_tags(("a", "1"), ("A", "2")))
    assert "Tag keys are case insensitive" in caught.value.message
    with pytest.raises(e.ValidationError) as caught:
        tag(admin, **name, Tags=None)
    assert "Value null at 'tags' failed to satisfy constraint: Member must not be null" in (
        caught.value.message
    )
    with pytest.raises(e.ValidationError):
        untag(admin, **name, TagKeys=None)
    action = f"iam:Tag{kind}"
    with pytest.raises(e.AccessDenied) as caught:
        tag(nobody, **name, Tags=_tags(("x", "y")))
    assert caught.value.message == denied("nobody", action, resource)


def test_tagging_what_is_not_there(admin):
    with pytest.raises(e.NoSuchEntity) as caught:
        iam.tag_role(admin, RoleName="ghost", Tags=_tags(("a", "b")))
    assert caught.value.message == "The role with name ghost cannot be found."
    with pytest.raises(e.NoSuchEntity) as caught:
        iam.list_policy_tags(admin, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/ghost")
    assert caught.value.message == f"Policy arn:aws:iam::{ACCOUNT}:policy/ghost was not found."
    with pytest.raises(e.NoSuchEntity) as caught:
        iam.untag_instance_profile(admin, InstanceProfileName="ghost", TagKeys=["a"])
    assert caught.value.message == "Instance Profile ghost cannot be found."
    with pytest.raises(e.UnmodifiableEntity):
        iam.tag_policy(admin, PolicyArn=READ_ONLY_ARN, Tags=_tags(("a", "b")))


def test_tag_conditions_see_the_request_tags(sandbox, root, entities):
    iam.create_user(root, UserName="tagger")
    iam.put_user_policy(
        root,
        UserName="tagger",
        PolicyName="only-team",
        PolicyDocument=allow("iam:TagRole").replace(
            '"Resource": "*"',
            '"Resource": "*", "Condition": {"ForAllValues:StringEquals": '
            '{"aws:TagKeys": ["team"]}}',
        ),
    )
    tagger = principals.as_user(sandbox, "tagger")
    iam.tag_role(tagger, RoleName="app", Tags=_tags(("team", "blue")))
    with pytest.raises(e.AccessDenied):
        iam.tag_role(tagger, RoleName="app", Tags=_tags(("cost", "1")))
    events = ActivityEvent.objects.filter(sandbox=sandbox, action="iam:TagRole")
    assert [ev.decision for ev in events.order_by("pk")] == ["allowed", "implicitDeny"]


def test_list_virtual_mfa_devices(sandbox, root, admin):
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="spare")
    iam.create_virtual_mfa_device(admin, VirtualMFADeviceName="admin-phone")
    device = MfaDevice.objects.get(sandbox=sandbox, name="admin-phone")
    code1 = mfa.totp(mfa.seed(device), NOW, offset_steps=-1)
    code2 = mfa.totp(mfa.seed(device), NOW)
    iam.enable_mfa_device(
        admin,
        UserName="admin",
        SerialNumber=device.serial_number,
        AuthenticationCode1=code1,
        AuthenticationCode2=code2,
    )
    every = iam.list_virtual_mfa_devices(admin)
    assert [d["SerialNumber"] for d in every["VirtualMFADevices"]] == [
        f"arn:aws:iam::{ACCOUNT}:mfa/admin-phone",
        f"arn:aws:iam::{ACCOUNT}:mfa/spare",
    ]
    assigned = iam.list_virtual_mfa_devices(admin, AssignmentStatus="Assigned")
    (only,) = assigned["VirtualMFADevices"]
    assert only["User"]["UserName"] == "admin"
    assert only["EnableDate"] == NOW
    unassigned = iam.list_virtual_mfa_devices(admin, AssignmentStatus="Unassigned")
    assert [d["SerialNumber"] for d in unassigned["VirtualMFADevices"]] == [
        f"arn:aws:iam::{ACCOUNT}:mfa/spare"
    ]
    assert "User" not in unassigned["VirtualMFADevices"][0]
    page = iam.list_virtual_mfa_devices(admin, MaxItems=1)
    assert (page["IsTruncated"], page["Marker"]) == (True, "1")
    with pytest.raises(e.ValidationError) as caught:
        iam.list_virtual_mfa_devices(admin, AssignmentStatus="Some")
    assert "must satisfy enum value set: [Assigned, Unassigned, Any]" in caught.value.message


def test_list_virtual_mfa_devices_needs_its_permission(nobody):
    with pytest.raises(e.AccessDenied) as caught:
        iam.list_virtual_mfa_devices(nobody)
    assert caught.value.message == denied("nobody", "iam:ListVirtualMFADevices", "*")


def test_delete_public_access_block(sandbox, admin):
    resources.create_bucket(admin, Bucket="site")
    config = resources.get_public_access_block(admin, Bucket="site")
    assert set(config["PublicAccessBlockConfiguration"].values()) == {True}
    assert resources.delete_public_access_block(admin, Bucket="site") == {}
    with pytest.raises(e.NoSuchPublicAccessBlockConfiguration) as caught:
        resources.get_public_access_block(admin, Bucket="site")
    assert caught.value.http_status == 404
    assert caught.value.message == "The public access block configuration was not found"
    bucket = Bucket.objects.get(sandbox=sandbox, name="site")
    assert not (bucket.block_public_policy or bucket.restrict_public_buckets)
    resources.put_public_access_block(
        admin, Bucket="site", PublicAccessBlockConfiguration={"BlockPublicPolicy": True}
    )
    config = resources.get_public_access_block(admin, Bucket="site")
    assert config["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    with pytest.raises(e.NoSuchBucket):
        resources.delete_public_access_block(admin, Bucket="nowhere")


def test_delete_public_access_block_is_authorized(sandbox, admin, nobody):
    resources.create_bucket(admin, Bucket="site")
    with pytest.raises(e.AccessDenied):
        resources.delete_public_access_block(nobody, Bucket="site")
    event = ActivityEvent.objects.filter(sandbox=sandbox).order_by("-pk").first()
    assert (event.action, event.decision) == ("s3:PutBucketPublicAccessBlock", "implicitDeny")


def test_authorization_details_are_paged(root, admin):
    for name in ("a", "b", "c"):
        iam.create_user(root, UserName=f"user-{name}")
    iam.create_group(root, GroupName="devs")
    iam.create_role(root, RoleName="app", AssumeRolePolicyDocument=trust())
    iam.create_policy(root, PolicyName="reader", PolicyDocument=allow())
    whole = iam.get_account_authorization_details(admin)
    assert whole["IsTruncated"] is False
    counts = [len(whole[k]) for k in ("UserDetailList", "GroupDetailList", "RoleDetailList")]
    assert counts == [4, 1, 1]
    # Policies: the customer managed one and AdministratorAccess (attached to admin).
    assert len(whole["Policies"]) == 2

    pages, marker = [], None
    while True:
        page = iam.get_account_authorization_details(admin, MaxItems=3, Marker=marker)
        pages.append(page)
        assert set(page) >= {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert len(pages) == 3
    assert [len(p["UserDetailList"]) for p in pages] == [3, 1, 0]
    assert [len(p["GroupDetailList"]) for p in pages] == [0, 1, 0]
    assert [len(p["RoleDetailList"]) for p in pages] == [0, 1, 0]
    assert [len(p["Policies"]) for p in pages] == [0, 0, 2]
    joined = [u["UserName"] for p in pages for u in p["UserDetailList"]]
    assert joined == [u["UserName"] for u in whole["UserDetailList"]]

    only_roles = iam.get_account_authorization_details(admin, Filter=["Role"], MaxItems=1)
    assert set(only_roles) == {"RoleDetailList", "IsTruncated"}
    with pytest.raises(e.ValidationError):
        iam.get_account_authorization_details(admin, Marker="not-a-marker")


def test_a_deleted_public_access_block_round_trips_through_a_scenario(sandbox, admin):
    from iamlab.sandbox.scenario import export_scenario, load_scenario

    resources.create_bucket(admin, Bucket="site")
    resources.delete_public_access_block(admin, Bucket="site")
    text = export_scenario(sandbox)
    assert "block_public_access: none" in text
    again = load_scenario(text, name="again")
    bucket = Bucket.objects.get(sandbox=again, name="site")
    assert bucket.public_access_block is False
    assert export_scenario(again) == text


def test_user_tag_keys_are_case_insensitive_too(admin, root):
    iam.create_user(root, UserName="bob", Tags=_tags(("Team", "blue")))
    iam.tag_user(admin, UserName="bob", Tags=_tags(("team", "red")))
    assert iam.list_user_tags(admin, UserName="bob")["Tags"] == _tags(("team", "red"))
    iam.untag_user(admin, UserName="bob", TagKeys=["TEAM"])
    assert iam.list_user_tags(admin, UserName="bob")["Tags"] == []
