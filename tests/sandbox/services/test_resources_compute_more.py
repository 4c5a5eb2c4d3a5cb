"""EC2 instance profile associations (DescribeIamInstanceProfileAssociations,
ReplaceIamInstanceProfileAssociation, DisassociateIamInstanceProfile) and a minimal
DescribeInstances, as the EC2 API answers them."""

import pytest

from iamlab.sandbox.models import ActivityEvent, Ec2Instance
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import errors as e
from iamlab.sandbox.services import principals, resources_compute
from iamlab.sandbox.services.resources_compute import (
    InvalidAssociationIdNotFound,
    InvalidPaginationToken,
    InvalidParameterCombination,
)

pytestmark = pytest.mark.django_db

ACCOUNT = "111111111111"
SCENARIO = f"""
clock: {{now: 2026-01-15T09:00:00Z}}
accounts:
  '{ACCOUNT}':
    users:
      admin: {{policies: [AdministratorAccess]}}
      ec2-only:
        inline_policies:
          ec2:
            Version: '2012-10-17'
            Statement:
              - {{Effect: Allow, Action: 'ec2:*', Resource: '*'}}
      nobody: {{}}
    roles:
      app:
        trust_policy: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}
      web:
        trust_policy: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: 'sts:AssumeRole'}}]}}
    instance_profiles:
      app-profile: {{role: app}}
      web-profile: {{role: web}}
      empty-profile: {{}}
"""  # noqa: E501


@pytest.fixture
def sandbox():
    return load_scenario(SCENARIO, name="ec2-more")


@pytest.fixture
def admin(sandbox):
    return principals.as_user(sandbox, "admin")


def _launch(caller, profile=None):
    spec = {"Name": profile} if profile else None
    answer = resources_compute.run_instances(caller, ImageId="ami-1", IamInstanceProfile=spec)
    return answer["Instances"][0]["InstanceId"]


def _associations(caller, **params):
    return resources_compute.describe_iam_instance_profile_associations(caller, **params)[
        "IamInstanceProfileAssociations"
    ]


def test_associate_then_describe_gives_the_same_association_id(admin):
    instance = _launch(admin)
    made = resources_compute.associate_iam_instance_profile(
        admin, IamInstanceProfile={"Name": "app-profile"}, InstanceId=instance
    )["IamInstanceProfileAssociation"]
    assert made["State"] == "associating"
    assert made["AssociationId"].startswith("iip-assoc-") and len(made["AssociationId"]) == 27
    listed = _associations(admin)
    assert len(listed) == 1
    assert listed[0]["AssociationId"] == made["AssociationId"]
    assert listed[0]["State"] == "associated"
    assert listed[0]["InstanceId"] == instance
    assert listed[0]["IamInstanceProfile"]["Arn"] == (
        f"arn:aws:iam::{ACCOUNT}:instance-profile/app-profile"
    )


def test_describe_filters_and_pages(admin):
    first = _launch(admin, "app-profile")
    second = _launch(admin, "web-profile")
    _launch(admin)  # no profile: no association
    assert {a["InstanceId"] for a in _associations(admin)} == {first, second}
    only = _associations(admin, Filters=[{"Name": "instance-id", "Values": [second]}])
    assert [a["InstanceId"] for a in only] == [second]
    assert _associations(admin, Filters=[{"Name": "state", "Values": ["disassociating"]}]) == []
    by_id = _associations(admin, AssociationIds=[only[0]["AssociationId"]])
    assert [a["InstanceId"] for a in by_id] == [second]
    with pytest.raises(InvalidAssociationIdNotFound) as caught:
        _associations(admin, AssociationIds=["iip-assoc-0000000000000000a"])
    assert caught.value.code == "InvalidAssociationID.NotFound"
    with pytest.raises(InvalidParameterCombination):
        _associations(admin, AssociationIds=[only[0]["AssociationId"]], MaxResults=5)
    with pytest.raises(e.InvalidParameterValue, match="maxResults"):
        _associations(admin, MaxResults=4)
    with pytest.raises(InvalidPaginationToken):
        _associations(admin, NextToken="zzz")


def test_describe_pages_with_next_token(admin):
    for _ in range(6):
        _launch(admin, "app-profile")
    page = resources_compute.describe_iam_instance_profile_associations(admin, MaxResults=5)
    assert len(page["IamInstanceProfileAssociations"]) == 5
    rest = resources_compute.describe_iam_instance_profile_associations(
        admin, MaxResults=5, NextToken=page["NextToken"]
    )
    assert len(rest["IamInstanceProfileAssociations"]) == 1
    assert "NextToken" not in rest


def test_replace_gives_a_new_association_and_needs_pass_role(sandbox, admin):
    instance = _launch(admin, "app-profile")
    old = _associations(admin)[0]["AssociationId"]
    ec2_only = principals.as_user(sandbox, "ec2-only")
    # ec2:* but no iam:PassRole on the web role: denied, and nothing changes.
    with pytest.raises(e.UnauthorizedOperation) as caught:
        resources_compute.replace_iam_instance_profile_association(
            ec2_only, IamInstanceProfile={"Name": "web-profile"}, AssociationId=old
        )
    assert "iam:PassRole" in caught.value.message
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile.name == "app-profile"
    answer = resources_compute.replace_iam_instance_profile_association(
        admin, IamInstanceProfile={"Name": "web-profile"}, AssociationId=old
    )["IamInstanceProfileAssociation"]
    assert answer["State"] == "associating"
    assert answer["AssociationId"] != old
    assert answer["IamInstanceProfile"]["Arn"].endswith(":instance-profile/web-profile")
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile.name == "web-profile"
    # The old association is gone.
    with pytest.raises(InvalidAssociationIdNotFound):
        resources_compute.disassociate_iam_instance_profile(admin, AssociationId=old)
    # A profile without a role needs no iam:PassRole.
    resources_compute.replace_iam_instance_profile_association(
        ec2_only,
        IamInstanceProfile={"Name": "empty-profile"},
        AssociationId=answer["AssociationId"],
    )
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile.name == "empty-profile"


def test_replace_with_an_unknown_profile_is_an_invalid_parameter(admin):
    _launch(admin, "app-profile")
    old = _associations(admin)[0]["AssociationId"]
    with pytest.raises(e.InvalidParameterValue, match="Invalid IAM Instance Profile name"):
        resources_compute.replace_iam_instance_profile_association(
            admin, IamInstanceProfile={"Name": "nope"}, AssociationId=old
        )


def test_disassociate(sandbox, admin):
    instance = _launch(admin, "app-profile")
    association = _associations(admin)[0]["AssociationId"]
    nobody = principals.as_user(sandbox, "nobody")
    with pytest.raises(e.UnauthorizedOperation):
        resources_compute.disassociate_iam_instance_profile(nobody, AssociationId=association)
    event = ActivityEvent.objects.filter(action="ec2:DisassociateIamInstanceProfile").latest("pk")
    assert event.error_code == "UnauthorizedOperation"
    assert event.resource == f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance}"
    answer = resources_compute.disassociate_iam_instance_profile(admin, AssociationId=association)
    assert answer["IamInstanceProfileAssociation"]["State"] == "disassociating"
    assert answer["IamInstanceProfileAssociation"]["AssociationId"] == association
    assert Ec2Instance.objects.get(instance_id=instance).instance_profile is None
    assert _associations(admin) == []
    with pytest.raises(InvalidAssociationIdNotFound):
        resources_compute.disassociate_iam_instance_profile(admin, AssociationId=association)
    # Without a profile the instance can be associated again.
    resources_compute.associate_iam_instance_profile(
        admin, IamInstanceProfile={"Name": "web-profile"}, InstanceId=instance
    )


def test_describe_instances(sandbox, admin):
    first = _launch(admin, "app-profile")
    second = _launch(admin)
    answer = resources_compute.describe_instances(admin)
    instances = {r["Instances"][0]["InstanceId"]: r["Instances"][0] for r in answer["Reservations"]}
    assert set(instances) == {first, second}
    assert instances[first]["State"] == {"Code": 16, "Name": "running"}
    assert instances[first]["IamInstanceProfile"]["Arn"].endswith(":instance-profile/app-profile")
    assert "IamInstanceProfile" not in instances[second]
    assert all(r["OwnerId"] == ACCOUNT for r in answer["Reservations"])
    one = resources_compute.describe_instances(admin, InstanceIds=[second])
    assert [r["Instances"][0]["InstanceId"] for r in one["Reservations"]] == [second]
    profile_arn = f"arn:aws:iam::{ACCOUNT}:instance-profile/app-profile"
    filtered = resources_compute.describe_instances(
        admin, Filters=[{"Name": "iam-instance-profile.arn", "Values": [profile_arn]}]
    )
    assert [r["Instances"][0]["InstanceId"] for r in filtered["Reservations"]] == [first]
    with pytest.raises(e.InvalidInstanceIdNotFound) as caught:
        resources_compute.describe_instances(admin, InstanceIds=["i-0000000000000000a"])
    assert caught.value.code == "InvalidInstanceID.NotFound"
    assert caught.value.message == "The instance ID 'i-0000000000000000a' does not exist"
    nobody = principals.as_user(sandbox, "nobody")
    with pytest.raises(e.UnauthorizedOperation):
        resources_compute.describe_instances(nobody)
    with pytest.raises(e.UnauthorizedOperation):
        resources_compute.describe_iam_instance_profile_associations(nobody)
