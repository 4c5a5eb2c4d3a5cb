"""AWS Organizations' operations: SCPs and RCPs written, attached and detached as in AWS, and
what they then do to the member accounts' principals."""

import json

import pytest

from iamlab.sandbox.models import ActivityEvent, OrganizationPolicy, OrganizationPolicyAttachment
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import authz, principals
from iamlab.sandbox.services import organizations as org

MANAGEMENT = "111111111111"
MEMBER = "222222222222"
LONER = "333333333333"
ORG_ID = "o-abcdefghij"
ROOT_ID = "r-ab12"
OU_ID = "ou-ab12-workload"
SANDBOX_OU_ID = "ou-ab12-sandboxs"
SCP = "SERVICE_CONTROL_POLICY"
RCP = "RESOURCE_CONTROL_POLICY"
PREFIX = f"arn:aws:organizations::{MANAGEMENT}"

SCENARIO = f"""
format: 1
clock: {{now: 2026-03-02T10:00:00Z}}
accounts:
  '{MANAGEMENT}':
    alias: management
    root: {{email: mgmt-root@example.com}}
    users:
      org-admin: {{policies: [AdministratorAccess]}}
      reader: {{policies: [ReadOnlyAccess]}}
      nobody: {{}}
  '{MEMBER}':
    alias: workloads
    root: {{email: workloads-root@example.com}}
    users:
      ops-admin: {{policies: [AdministratorAccess]}}
  '{LONER}':
    users:
      admin: {{policies: [AdministratorAccess]}}
organization:
  id: {ORG_ID}
  root_id: {ROOT_ID}
  management_account: '{MANAGEMENT}'
  root:
    accounts:
      '{MANAGEMENT}': {{}}
    units:
      Workloads:
        id: {OU_ID}
        accounts:
          '{MEMBER}': {{}}
      Sandbox:
        id: {SANDBOX_OU_ID}
"""


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


DENY_LEAVING = document(
    {
        "Sid": "NoLeaving",
        "Effect": "Deny",
        "Action": "organizations:LeaveOrganization",
        "Resource": "*",
    }
)
EU_ONLY = document(
    {
        "Sid": "EuOnly",
        "Effect": "Deny",
        "NotAction": ["iam:*", "sts:*", "organizations:*", "support:*"],
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    }
)


@pytest.fixture
def sandbox(db):
    return load_scenario(SCENARIO, name="organizations-tests")


@pytest.fixture
def admin(sandbox):
    return principals.as_user(sandbox, "org-admin", MANAGEMENT)


@pytest.fixture
def member_admin(sandbox):
    return principals.as_user(sandbox, "ops-admin", MEMBER)


def create(caller, name="DenyLeavingOrg", content=DENY_LEAVING, kind=SCP, description="d"):
    return org.create_policy(
        caller, Name=name, Type=kind, Content=content, Description=description
    )["Policy"]["PolicySummary"]


def last_event(sandbox) -> ActivityEvent:
    return ActivityEvent.objects.filter(sandbox=sandbox).order_by("-pk").first()


# -- the organization -------------------------------------------------------------------------
def test_describe_organization_from_management_and_member(sandbox, admin, member_admin):
    described = org.describe_organization(admin)["Organization"]
    assert described["Id"] == ORG_ID
    assert described["Arn"] == f"{PREFIX}:organization/{ORG_ID}"
    assert described["FeatureSet"] == "ALL"
    assert described["MasterAccountId"] == MANAGEMENT
    assert described["MasterAccountArn"] == f"{PREFIX}:account/{ORG_ID}/{MANAGEMENT}"
    assert described["MasterAccountEmail"] == "mgmt-root@example.com"
    # A member account may describe its organization, but not manage it.
    assert org.describe_organization(member_admin)["Organization"]["Id"] == ORG_ID


def test_an_account_outside_any_organization(sandbox):
    loner = principals.as_user(sandbox, "admin", LONER)
    with pytest.raises(org.AWSOrganizationsNotInUseException) as raised:
        org.describe_organization(loner)
    assert raised.value.code == "AWSOrganizationsNotInUseException"
    assert raised.value.message == "Your account is not a member of an organization."
    with pytest.raises(org.AWSOrganizationsNotInUseException):
        org.list_policies(loner, Filter=SCP)
    assert last_event(sandbox).error_code == "AWSOrganizationsNotInUseException"


def test_member_accounts_cannot_manage_the_organization(sandbox, member_admin):
    member_root = principals.as_root(sandbox, MEMBER)
    for caller in (member_admin, member_root):
        with pytest.raises(org.AccessDeniedException) as raised:
            org.list_policies(caller, Filter=SCP)
        assert raised.value.code == "AccessDeniedException"
        assert raised.value.message == "You don't have permissions to access this resource."
        with pytest.raises(org.AccessDeniedException):
            org.create_policy(caller, Name="Mine", Type=SCP, Content=DENY_LEAVING, Description="")
    assert not OrganizationPolicy.objects.filter(name="Mine").exists()


def test_iam_decides_first_with_the_engines_message(sandbox):
    nobody = principals.as_user(sandbox, "nobody", MANAGEMENT)
    with pytest.raises(org.AccessDeniedException) as raised:
        org.list_roots(nobody)
    assert "is not authorized to perform: organizations:ListRoots" in raised.value.message
    event = last_event(sandbox)
    assert (event.action, event.error_code) == ("organizations:ListRoots", "AccessDeniedException")
    reader = principals.as_user(sandbox, "reader", MANAGEMENT)
    assert org.list_roots(reader)["Roots"][0]["Id"] == ROOT_ID  # ReadOnlyAccess lists
    with pytest.raises(org.AccessDeniedException) as raised:
        create(reader)
    assert "organizations:CreatePolicy" in raised.value.message


def test_list_roots(admin):
    roots = org.list_roots(admin)["Roots"]
    assert roots == [
        {
            "Id": ROOT_ID,
            "Arn": f"{PREFIX}:root/{ORG_ID}/{ROOT_ID}",
            "Name": "Root",
            "PolicyTypes": [
                {"Type": SCP, "Status": "ENABLED"},
                {"Type": RCP, "Status": "ENABLED"},
            ],
        }
    ]


def test_list_organizational_units_for_parent(admin):
    units = org.list_organizational_units_for_parent(admin, ParentId=ROOT_ID)
    assert units["OrganizationalUnits"] == [
        {"Id": SANDBOX_OU_ID, "Arn": f"{PREFIX}:ou/{ORG_ID}/{SANDBOX_OU_ID}", "Name": "Sandbox"},
        {"Id": OU_ID, "Arn": f"{PREFIX}:ou/{ORG_ID}/{OU_ID}", "Name": "Workloads"},
    ]
    assert org.list_organizational_units_for_parent(admin, ParentId=OU_ID) == {
        "OrganizationalUnits": []
    }
    page = org.list_organizational_units_for_parent(admin, ParentId=ROOT_ID, MaxResults=1)
    assert [u["Name"] for u in page["OrganizationalUnits"]] == ["Sandbox"]
    rest = org.list_organizational_units_for_parent(
        admin, ParentId=ROOT_ID, MaxResults=1, NextToken=page["NextToken"]
    )
    assert [u["Name"] for u in rest["OrganizationalUnits"]] == ["Workloads"]
    assert "NextToken" not in rest


def test_parent_errors(admin):
    with pytest.raises(org.ParentNotFoundException) as raised:
        org.list_organizational_units_for_parent(admin, ParentId="ou-ab12-nosuchou")
    assert raised.value.message == (
        "We can't find a root or OU with the ParentId that you specified."
    )
    with pytest.raises(org.ParentNotFoundException):
        org.list_accounts_for_parent(admin, ParentId="r-zz99")
    with pytest.raises(org.InvalidInputException) as raised:
        org.list_accounts_for_parent(admin, ParentId=MEMBER)  # an account is no parent
    assert raised.value.reason == "INVALID_PATTERN"
    with pytest.raises(org.InvalidInputException) as raised:
        org.list_accounts_for_parent(admin)
    assert raised.value.reason == "INPUT_REQUIRED"


def test_list_accounts_and_accounts_for_parent(admin):
    accounts = org.list_accounts(admin)["Accounts"]
    assert [a["Id"] for a in accounts] == [MANAGEMENT, MEMBER]  # the loner is not a member
    member = accounts[1]
    assert member["Arn"] == f"{PREFIX}:account/{ORG_ID}/{MEMBER}"
    assert member["Email"] == "workloads-root@example.com"
    assert member["Name"] == "workloads"
    assert member["Status"] == "ACTIVE"
    under_root = org.list_accounts_for_parent(admin, ParentId=ROOT_ID)["Accounts"]
    assert [a["Id"] for a in under_root] == [MANAGEMENT]
    under_ou = org.list_accounts_for_parent(admin, ParentId=OU_ID)["Accounts"]
    assert [a["Id"] for a in under_ou] == [MEMBER]


def test_paging_errors(admin):
    with pytest.raises(org.InvalidInputException) as raised:
        org.list_accounts(admin, MaxResults=21)
    assert raised.value.reason == "MAX_VALUE_EXCEEDED"
    with pytest.raises(org.InvalidInputException) as raised:
        org.list_accounts(admin, MaxResults=0)
    assert raised.value.reason == "MIN_VALUE_EXCEEDED"
    with pytest.raises(org.InvalidInputException) as raised:
        org.list_accounts(admin, NextToken="garbage")
    assert raised.value.reason == "INVALID_NEXT_TOKEN"


# -- policies ---------------------------------------------------------------------------------
def test_create_and_describe_policy(sandbox, admin):
    summary = create(admin, description="Member accounts stay in the organization")
    assert summary["Name"] == "DenyLeavingOrg"
    assert summary["Type"] == SCP
    assert summary["AwsManaged"] is False
    assert summary["Description"] == "Member accounts stay in the organization"
    assert org.POLICY_ID_RE.match(summary["Id"])
    assert summary["Arn"] == (f"{PREFIX}:policy/{ORG_ID}/service_control_policy/{summary['Id']}")
    described = org.describe_policy(admin, PolicyId=summary["Id"])["Policy"]
    assert described["PolicySummary"] == summary
    assert described["Content"] == DENY_LEAVING  # the text exactly as given
    event = last_event(sandbox)
    assert (event.action, event.decision, event.error_code) == (
        "organizations:DescribePolicy",
        "allowed",
        "",
    )


def test_create_policy_takes_a_mapping_and_an_rcp(admin):
    content = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    summary = create(admin, name="TlsOnly", content=content, kind=RCP)
    assert summary["Type"] == RCP
    assert "/resource_control_policy/" in summary["Arn"]
    stored = org.describe_policy(admin, PolicyId=summary["Id"])["Policy"]["Content"]
    assert json.loads(stored) == content


def test_create_policy_errors(admin):
    create(admin)
    with pytest.raises(org.DuplicatePolicyException) as raised:
        create(admin)
    assert raised.value.message == "A policy with the same name already exists."
    # The same name is fine for another type.
    assert (
        create(
            admin,
            content=document(
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
            ),
            kind=RCP,
        )["Type"]
        == RCP
    )
    with pytest.raises(org.InvalidInputException) as raised:
        create(admin, name="X", kind="SERVICE_CONTROL")
    assert raised.value.reason == "INVALID_ENUM_POLICY_TYPE"
    with pytest.raises(org.PolicyTypeNotEnabledException):
        create(admin, name="Tags", kind="TAG_POLICY")
    with pytest.raises(org.InvalidInputException) as raised:
        org.create_policy(admin, Name="NoContent", Type=SCP, Description="")
    assert raised.value.reason == "INPUT_REQUIRED"
    with pytest.raises(org.InvalidInputException) as raised:
        create(admin, name="N" * 129)
    assert raised.value.reason == "MAX_LENGTH_EXCEEDED"


def test_content_is_validated_as_an_scp(admin):
    # An SCP has no Principal; the validator says so, and AWS refuses the document.
    with pytest.raises(org.MalformedPolicyDocumentException) as raised:
        create(
            admin,
            name="WithPrincipal",
            content=document(
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
            ),
        )
    assert raised.value.code == "MalformedPolicyDocumentException"
    assert raised.value.message.startswith(org.MalformedPolicyDocumentException.default_message)
    assert "Principal" in raised.value.message
    with pytest.raises(org.MalformedPolicyDocumentException):
        create(admin, name="NotJson", content="{not json")
    assert not OrganizationPolicy.objects.filter(name__in=["WithPrincipal", "NotJson"]).exists()


def test_content_over_5120_characters_white_space_included(admin):
    statement = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    text = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    padded = text[:-1] + " " * (5121 - len(text)) + "}"
    assert len(padded) == 5121
    with pytest.raises(org.ConstraintViolationException) as raised:
        create(admin, name="Big", content=padded)
    assert raised.value.reason == "POLICY_CONTENT_LIMIT_EXCEEDED"
    assert raised.value.to_dict()["Reason"] == "POLICY_CONTENT_LIMIT_EXCEEDED"
    exactly = text[:-1] + " " * (5120 - len(text)) + "}"
    assert create(admin, name="Fits", content=exactly)["Name"] == "Fits"


def test_update_policy(admin):
    summary = create(admin)
    updated = org.update_policy(
        admin, PolicyId=summary["Id"], Name="StayInOrg", Description="new", Content=EU_ONLY
    )["Policy"]
    assert updated["PolicySummary"]["Name"] == "StayInOrg"
    assert updated["PolicySummary"]["Description"] == "new"
    assert updated["Content"] == EU_ONLY
    assert org.describe_policy(admin, PolicyId=summary["Id"])["Policy"] == updated
    create(admin, name="Other")
    with pytest.raises(org.DuplicatePolicyException):
        org.update_policy(admin, PolicyId=summary["Id"], Name="Other")
    with pytest.raises(org.MalformedPolicyDocumentException):
        org.update_policy(admin, PolicyId=summary["Id"], Content='{"Statement": 3}')
    assert org.describe_policy(admin, PolicyId=summary["Id"])["Policy"]["Content"] == EU_ONLY


def test_aws_managed_policies_cannot_be_changed(admin):
    with pytest.raises(org.InvalidInputException):
        org.update_policy(admin, PolicyId="p-FullAWSAccess", Description="mine now")
    with pytest.raises(org.InvalidInputException):
        org.delete_policy(admin, PolicyId="p-FullAWSAccess")
    described = org.describe_policy(admin, PolicyId="p-FullAWSAccess")["Policy"]
    assert described["PolicySummary"]["AwsManaged"] is True
    assert described["PolicySummary"]["Arn"] == (
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    )


def test_policy_not_found_and_bad_ids(admin):
    with pytest.raises(org.PolicyNotFoundException) as raised:
        org.describe_policy(admin, PolicyId="p-doesnotexist")
    assert raised.value.message == "We can't find a policy with the PolicyId that you specified."
    with pytest.raises(org.PolicyNotFoundException):
        org.delete_policy(admin, PolicyId="p-doesnotexist")
    with pytest.raises(org.InvalidInputException) as raised:
        org.describe_policy(admin, PolicyId="DenyLeavingOrg")  # a name is not an id
    assert raised.value.reason == "INVALID_PATTERN"


def test_delete_policy_refused_while_attached(admin):
    summary = create(admin)
    org.attach_policy(admin, PolicyId=summary["Id"], TargetId=OU_ID)
    with pytest.raises(org.PolicyInUseException) as raised:
        org.delete_policy(admin, PolicyId=summary["Id"])
    assert raised.value.message.startswith("The policy is attached to one or more entities.")
    org.detach_policy(admin, PolicyId=summary["Id"], TargetId=OU_ID)
    assert org.delete_policy(admin, PolicyId=summary["Id"]) == {}
    with pytest.raises(org.PolicyNotFoundException):
        org.describe_policy(admin, PolicyId=summary["Id"])


def test_list_policies_with_filter(admin):
    mine = create(admin)
    scps = org.list_policies(admin, Filter=SCP)["Policies"]
    assert [p["Name"] for p in scps] == ["FullAWSAccess", "DenyLeavingOrg"]
    assert scps[1] == mine
    rcps = org.list_policies(admin, Filter=RCP)["Policies"]
    assert [p["Name"] for p in rcps] == ["RCPFullAWSAccess"]
    assert org.list_policies(admin, Filter="TAG_POLICY") == {"Policies": []}
    with pytest.raises(org.InvalidInputException) as raised:
        org.list_policies(admin)
    assert raised.value.reason == "INPUT_REQUIRED"


# -- attachments ------------------------------------------------------------------------------
def test_attach_to_root_ou_and_account_and_list_both_ways(admin):
    policy = create(admin)
    for target in (ROOT_ID, OU_ID, MEMBER):
        assert org.attach_policy(admin, PolicyId=policy["Id"], TargetId=target) == {}
    targets = org.list_targets_for_policy(admin, PolicyId=policy["Id"])["Targets"]
    assert targets == [
        {
            "TargetId": ROOT_ID,
            "Arn": f"{PREFIX}:root/{ORG_ID}/{ROOT_ID}",
            "Name": "Root",
            "Type": "ROOT",
        },
        {
            "TargetId": OU_ID,
            "Arn": f"{PREFIX}:ou/{ORG_ID}/{OU_ID}",
            "Name": "Workloads",
            "Type": "ORGANIZATIONAL_UNIT",
        },
        {
            "TargetId": MEMBER,
            "Arn": f"{PREFIX}:account/{ORG_ID}/{MEMBER}",
            "Name": "workloads",
            "Type": "ACCOUNT",
        },
    ]
    on_ou = org.list_policies_for_target(admin, TargetId=OU_ID, Filter=SCP)["Policies"]
    assert [p["Name"] for p in on_ou] == ["FullAWSAccess", "DenyLeavingOrg"]
    on_ou_rcps = org.list_policies_for_target(admin, TargetId=OU_ID, Filter=RCP)["Policies"]
    assert [p["Name"] for p in on_ou_rcps] == ["RCPFullAWSAccess"]
    with pytest.raises(org.TargetNotFoundException):
        org.list_policies_for_target(admin, TargetId=LONER, Filter=SCP)


def test_attach_errors(admin):
    policy = create(admin)
    org.attach_policy(admin, PolicyId=policy["Id"], TargetId=OU_ID)
    with pytest.raises(org.DuplicatePolicyAttachmentException) as raised:
        org.attach_policy(admin, PolicyId=policy["Id"], TargetId=OU_ID)
    assert raised.value.message == (
        "The selected policy is already attached to the specified target."
    )
    with pytest.raises(org.TargetNotFoundException) as raised:
        org.attach_policy(admin, PolicyId=policy["Id"], TargetId=LONER)  # not a member
    assert raised.value.code == "TargetNotFoundException"
    with pytest.raises(org.TargetNotFoundException):
        org.attach_policy(admin, PolicyId=policy["Id"], TargetId="ou-ab12-nosuchou")
    with pytest.raises(org.TargetNotFoundException):
        org.attach_policy(admin, PolicyId=policy["Id"], TargetId="r-zz99")
    with pytest.raises(org.InvalidInputException) as raised:
        org.attach_policy(admin, PolicyId=policy["Id"], TargetId="Workloads")
    assert raised.value.reason == "INVALID_PATTERN_TARGET_ID"
    with pytest.raises(org.PolicyNotFoundException):
        org.attach_policy(admin, PolicyId="p-doesnotexist", TargetId=OU_ID)


def test_at_most_five_scps_per_target(admin):
    ids = [create(admin, name=f"Guard{i}")["Id"] for i in range(5)]
    for policy_id in ids[:4]:  # FullAWSAccess is the first of the five
        org.attach_policy(admin, PolicyId=policy_id, TargetId=MEMBER)
    with pytest.raises(org.ConstraintViolationException) as raised:
        org.attach_policy(admin, PolicyId=ids[4], TargetId=MEMBER)
    assert raised.value.reason == "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"


def test_detach_errors_and_the_last_scp_rule(admin):
    policy = create(admin)
    with pytest.raises(org.PolicyNotAttachedException) as raised:
        org.detach_policy(admin, PolicyId=policy["Id"], TargetId=OU_ID)
    assert raised.value.message == (
        "The policy isn't attached to the specified target in the specified root."
    )
    # FullAWSAccess is the OU's only SCP: AWS refuses to leave a target with none.
    with pytest.raises(org.ConstraintViolationException) as raised:
        org.detach_policy(admin, PolicyId="p-FullAWSAccess", TargetId=OU_ID)
    assert raised.value.reason == "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    # Attach the replacement first (an allow list), then FullAWSAccess may go.
    allow_list = create(
        admin,
        name="OnlyS3",
        content=document({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    )
    org.attach_policy(admin, PolicyId=allow_list["Id"], TargetId=OU_ID)
    org.detach_policy(admin, PolicyId="p-FullAWSAccess", TargetId=OU_ID)
    left = org.list_policies_for_target(admin, TargetId=OU_ID, Filter=SCP)["Policies"]
    assert [p["Name"] for p in left] == ["OnlyS3"]
    with pytest.raises(org.ConstraintViolationException):
        org.detach_policy(admin, PolicyId="p-RCPFullAWSAccess", TargetId=OU_ID)


def test_member_account_cannot_attach_or_detach(sandbox, admin, member_admin):
    policy = create(admin)
    with pytest.raises(org.AccessDeniedException):
        org.attach_policy(member_admin, PolicyId=policy["Id"], TargetId=MEMBER)
    with pytest.raises(org.AccessDeniedException):
        org.detach_policy(member_admin, PolicyId="p-FullAWSAccess", TargetId=MEMBER)
    assert not OrganizationPolicyAttachment.objects.filter(policy__name="DenyLeavingOrg").exists()


def test_an_scp_can_deny_organizations_actions_to_an_identity(sandbox, admin):
    """Authorization goes through the engine: an identity policy's Deny on the policy's ARN
    stops the call, as IAM would."""
    from iamlab.sandbox.services import iam

    policy = create(admin)
    root = principals.as_root(sandbox, MANAGEMENT)
    iam.put_user_policy(
        root,
        UserName="org-admin",
        PolicyName="no-detach",
        PolicyDocument=document(
            {"Effect": "Deny", "Action": "organizations:DetachPolicy", "Resource": policy["Arn"]}
        ),
    )
    org.attach_policy(admin, PolicyId=policy["Id"], TargetId=OU_ID)
    with pytest.raises(org.AccessDeniedException) as raised:
        org.detach_policy(admin, PolicyId=policy["Id"], TargetId=OU_ID)
    assert "explicit deny" in raised.value.message


# -- end to end ---------------------------------------------------------------------------------
def decide(sandbox, principal: str, action: str, resource: str = "*", region: str = "us-east-1"):
    return authz.authorize(
        sandbox, principal, action, resource, context={"aws:RequestedRegion": region}
    ).allowed


def test_guardrails_written_and_attached_cap_the_member_account(sandbox, admin):
    ops_admin = f"arn:aws:iam::{MEMBER}:user/ops-admin"
    member_root = f"arn:aws:iam::{MEMBER}:root"
    org_admin = f"arn:aws:iam::{MANAGEMENT}:user/org-admin"
    run_us = f"arn:aws:ec2:us-east-1:{MEMBER}:instance/*"
    run_eu = f"arn:aws:ec2:eu-west-1:{MEMBER}:instance/*"
    for who in (ops_admin, member_root):
        assert decide(sandbox, who, "organizations:LeaveOrganization")
        assert decide(sandbox, who, "ec2:RunInstances", run_us)

    leaving = create(admin)
    regions = create(admin, name="EuRegionsOnly", content=EU_ONLY)
    org.attach_policy(admin, PolicyId=leaving["Id"], TargetId=MEMBER)
    org.attach_policy(admin, PolicyId=regions["Id"], TargetId=MEMBER)

    for who in (ops_admin, member_root):
        assert not decide(sandbox, who, "organizations:LeaveOrganization")
        assert not decide(sandbox, who, "ec2:RunInstances", run_us)
        assert decide(sandbox, who, "ec2:RunInstances", run_eu, region="eu-west-1")
        assert decide(sandbox, who, "iam:CreateRole", f"arn:aws:iam::{MEMBER}:role/app")
    # AWS's message names the SCP as the reason.
    denied = authz.authorize(sandbox, ops_admin, "organizations:LeaveOrganization", "*")
    assert "service control policy" in denied.message
    # SCPs never restrict the management account.
    assert decide(sandbox, org_admin, "organizations:LeaveOrganization")
    assert decide(sandbox, org_admin, "ec2:RunInstances", f"arn:aws:ec2:us-east-1:{MANAGEMENT}:x")

    # Detaching the region guardrail lifts it at once.
    org.detach_policy(admin, PolicyId=regions["Id"], TargetId=MEMBER)
    assert decide(sandbox, ops_admin, "ec2:RunInstances", run_us)
    assert not decide(sandbox, ops_admin, "organizations:LeaveOrganization")


def test_an_scp_on_an_ou_reaches_its_accounts_and_updates_apply_at_once(sandbox, admin):
    ops_admin = f"arn:aws:iam::{MEMBER}:user/ops-admin"
    policy = create(
        admin,
        name="NoS3Delete",
        content=document({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}),
    )
    org.attach_policy(admin, PolicyId=policy["Id"], TargetId=OU_ID)
    assert not decide(sandbox, ops_admin, "s3:DeleteBucket", "arn:aws:s3:::b")
    assert decide(sandbox, ops_admin, "s3:PutObject", "arn:aws:s3:::b/k")
    org.update_policy(
        admin,
        PolicyId=policy["Id"],
        Content=document({"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}),
    )
    assert decide(sandbox, ops_admin, "s3:DeleteBucket", "arn:aws:s3:::b")
    assert not decide(sandbox, ops_admin, "s3:PutObject", "arn:aws:s3:::b/k")


def test_policy_id_by_name(sandbox, admin):
    policy = create(admin)
    assert org.policy_id_by_name(sandbox, "DenyLeavingOrg") == policy["Id"]
    assert org.policy_id_by_name(sandbox, "DenyLeavingOrg", RCP) is None
    assert org.policy_id_by_name(sandbox, "FullAWSAccess") == "p-FullAWSAccess"
    assert org.policy_id_by_name(sandbox, "Nope") is None
