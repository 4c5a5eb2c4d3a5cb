"""Importing `aws iam get-account-authorization-details` output."""

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from iamlab.sandbox.authdetails import AuthDetailsError, import_authorization_details
from iamlab.sandbox.models import (
    Account,
    GroupMembership,
    IamGroup,
    IamUser,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Role,
    Sandbox,
)
from iamlab.sandbox.scenario import export_scenario, load_scenario

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "authorization-details.json"


@pytest.fixture
def imported():
    return import_authorization_details(FIXTURE.read_text(), name="real")


def _import(data) -> object:
    return import_authorization_details(json.dumps(data, indent=2), name="x")


def _errors(data_or_text) -> list:
    text = data_or_text if isinstance(data_or_text, str) else json.dumps(data_or_text, indent=2)
    with pytest.raises(AuthDetailsError) as caught:
        import_authorization_details(text, name="x")
    return caught.value.problems


def test_it_imports_the_accounts_users_groups_roles_and_policies(imported):
    sandbox = imported.sandbox
    assert Account.objects.get(sandbox=sandbox).account_id == "123456789012"
    users = {u.name: u for u in IamUser.objects.filter(sandbox=sandbox)}
    assert sorted(users) == ["alice", "bob", "ci-deployer"]
    assert users["bob"].path == "/engineering/"
    assert users["bob"].user_id == "AIDAQ3EGUMQ4BOB000001"
    assert users["ci-deployer"].tags == {"owner": "devops", "rotate": ""}
    memberships = GroupMembership.objects.filter(sandbox=sandbox).select_related("user", "group")
    assert sorted((m.user.name, m.group.name) for m in memberships) == [
        ("alice", "Admins"),
        ("bob", "Developers"),
    ]
    assert IamGroup.objects.filter(sandbox=sandbox).count() == 2
    roles = {r.name: r for r in Role.objects.filter(sandbox=sandbox)}
    assert roles["AWSServiceRoleForSupport"].service_linked
    assert roles["EC2WebServer"].last_used_region == "eu-west-1"
    assert roles["CrossAccountAuditor"].tags == {"vendor": "Example Audit Co"}


def test_customer_managed_policies_keep_every_version_and_the_default(imported):
    policy = ManagedPolicy.objects.get(sandbox=imported.sandbox, name="DeveloperAccess")
    assert policy.policy_id == "ANPAQ3EGUMQ4DEVACCESS"
    assert policy.description == "What developers may do"
    versions = {v.version_id: v for v in PolicyVersion.objects.filter(policy=policy)}
    assert sorted(versions) == ["v1", "v2", "v3"]
    assert [v for v in versions.values() if v.is_default] == [versions["v3"]]
    assert policy.version_counter == 3


def test_url_encoded_documents_are_decoded_to_the_exact_text(imported):
    sandbox = imported.sandbox
    v2 = PolicyVersion.objects.get(sandbox=sandbox, version_id="v2")
    assert v2.document == (
        '{\n    "Version": "2012-10-17",\n'
        '    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]\n}'
    )
    inline = InlinePolicy.objects.get(sandbox=sandbox, name="AllowOwnKeys")
    assert inline.document.startswith('{"Version":"2012-10-17","Statement":[{"Effect"')
    assert "${aws:username}" in inline.document
    trust = Role.objects.get(sandbox=sandbox, name="CrossAccountAuditor").trust_policy
    assert '"sts:ExternalId": "audit-2291"' in trust and trust.startswith("{\n  ")


def test_object_documents_are_stored_as_canonical_json(imported):
    inline = InlinePolicy.objects.get(sandbox=imported.sandbox, name="DenyBilling")
    assert inline.document == json.dumps(json.loads(inline.document), indent=4)


def test_aws_managed_policies_are_referenced_by_arn_not_copied(imported):
    sandbox = imported.sandbox
    assert not ManagedPolicy.objects.filter(sandbox=sandbox, name="AdministratorAccess").exists()
    arns = set(
        PolicyAttachment.objects.filter(sandbox=sandbox, policy__isnull=True).values_list(
            "aws_policy_arn", flat=True
        )
    )
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in arns
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole" in arns
    reaper = Role.objects.get(sandbox=sandbox, name="idle-user-reaper-role")
    assert reaper.boundary_arn == "arn:aws:iam::aws:policy/PowerUserAccess"
    bob = IamUser.objects.get(sandbox=sandbox, name="bob")
    assert bob.boundary_policy.name == "DeveloperBoundary"


def test_a_policy_the_catalog_lacks_is_kept_with_a_warning(imported):
    (warning,) = imported.warnings
    assert "AWSSupportServiceRolePolicy" in warning.message
    assert warning.path == "RoleDetailList[3].AttachedManagedPolicies[0]"
    assert warning.line is not None
    assert PolicyAttachment.objects.filter(
        sandbox=imported.sandbox,
        aws_policy_arn="arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
    ).exists()


def test_an_instance_profile_is_imported_once_with_its_role(imported):
    profile = InstanceProfile.objects.get(sandbox=imported.sandbox)
    assert (profile.name, profile.role.name) == ("EC2WebServer", "EC2WebServer")
    assert profile.instance_profile_id == "AIPAQ3EGUMQ4EXAMPLE01"
    assert profile.tags == {"app": "web"}


def test_an_imported_account_round_trips_through_a_scenario(imported):
    first = export_scenario(imported.sandbox)
    second = export_scenario(load_scenario(first, name="again"))
    assert first == second
    assert "policies: [AdministratorAccess]" in first


def test_two_imports_of_one_account_do_not_collide(alice, bob):
    text = FIXTURE.read_text()
    mine = import_authorization_details(text, name="acct", owner=alice).sandbox
    theirs = import_authorization_details(text, name="acct", owner=bob).sandbox
    assert IamUser.objects.filter(sandbox=mine).count() == 3
    assert IamUser.objects.filter(sandbox=theirs).count() == 3


def test_documents_may_all_be_url_encoded_as_the_raw_api_returns_them():
    document = '{"Version":"2012-10-17","Statement":[]}'
    result = _import(
        {
            "RoleDetailList": [
                {
                    "RoleName": "R",
                    "Arn": "arn:aws:iam::210987654321:role/R",
                    "AssumeRolePolicyDocument": quote(document, safe=""),
                }
            ]
        }
    )
    role = Role.objects.get(sandbox=result.sandbox)
    assert role.trust_policy == document
    assert role.role_id.startswith("AROA") and len(role.role_id) == 21


def test_missing_groups_and_customer_policies_are_left_out_with_warnings():
    result = _import(
        {
            "UserDetailList": [
                {
                    "UserName": "u",
                    "Arn": "arn:aws:iam::210987654321:user/u",
                    "GroupList": ["Ghosts"],
                    "AttachedManagedPolicies": [
                        {"PolicyArn": "arn:aws:iam::210987654321:policy/Filtered"}
                    ],
                }
            ],
            "IsTruncated": True,
        }
    )
    messages = " | ".join(w.message for w in result.warnings)
    assert "truncated" in messages and "Ghosts" in messages and "Filtered" in messages
    assert not GroupMembership.objects.exists() and not PolicyAttachment.objects.exists()


def test_a_reused_id_is_replaced_with_a_warning():
    same = "AIDA1234567890EXAMPLE"
    result = _import(
        {
            "UserDetailList": [
                {"UserName": n, "UserId": same, "Arn": f"arn:aws:iam::210987654321:user/{n}"}
                for n in ("a", "b")
            ]
        }
    )
    ids = sorted(IamUser.objects.values_list("user_id", flat=True))
    assert same in ids and len(set(ids)) == 2
    assert "used twice" in result.warnings[0].message


def test_bad_json_is_reported_with_its_line_and_column():
    (problem,) = _errors('{\n  "UserDetailList": [\n    {"UserName": "a",}\n  ]\n}')
    assert (problem.line, problem.column) == (3, 22)
    assert problem.message.startswith("not valid JSON")


def test_json_that_is_not_an_export_is_refused():
    (problem,) = _errors({"Users": []})
    assert "get-account-authorization-details" in problem.message


def test_a_problem_inside_the_export_points_at_its_place():
    problems = _errors(
        {
            "UserDetailList": [
                {"UserName": "a", "Arn": "arn:aws:iam::210987654321:user/a"},
                {
                    "UserName": "b",
                    "Arn": "arn:aws:iam::210987654321:user/b",
                    "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7Bnot%20json"}],
                },
            ]
        }
    )
    (problem,) = problems
    assert problem.path == "UserDetailList[1].UserPolicyList[0].PolicyDocument"
    assert (problem.line, problem.column) == (13, 29)
    assert "not valid JSON" in problem.message


def test_names_that_differ_only_in_case_are_refused():
    problems = _errors(
        {
            "GroupDetailList": [
                {"GroupName": n, "Arn": f"arn:aws:iam::210987654321:group/{n}"}
                for n in ("Admins", "admins")
            ]
        }
    )
    assert "IAM names ignore case" in problems[0].message
    assert problems[0].path == "GroupDetailList[1]"


def test_one_account_per_import():
    problems = _errors(
        {
            "UserDetailList": [
                {"UserName": "a", "Arn": "arn:aws:iam::111111111111:user/a"},
                {"UserName": "b", "Arn": "arn:aws:iam::222222222222:user/b"},
            ]
        }
    )
    assert "one account per import" in problems[0].message


def test_a_policy_needs_exactly_one_default_version():
    problems = _errors(
        {
            "Policies": [
                {
                    "PolicyName": "P",
                    "Arn": "arn:aws:iam::210987654321:policy/P",
                    "PolicyVersionList": [
                        {"VersionId": "v1", "IsDefaultVersion": False, "Document": {}},
                    ],
                }
            ]
        }
    )
    assert "0 default versions" in problems[0].message
    assert not Sandbox.objects.exists()
