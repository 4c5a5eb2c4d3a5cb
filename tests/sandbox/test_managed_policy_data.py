"""The shipped catalog of real AWS managed policies is well formed and says what AWS says.

Plain data checks: no database, no Django.
"""

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "iamlab" / "sandbox" / "data"
IAM_DIR = DATA / "aws_managed_policies"
ORG_DIR = DATA / "organizations_managed_policies"

IAM_FILES = sorted(IAM_DIR.glob("*.json"))
ORG_FILES = sorted(ORG_DIR.glob("*.json"))
ALL_FILES = IAM_FILES + ORG_FILES

REQUIRED_KEYS = {
    "PolicyName",
    "Arn",
    "Path",
    "PolicyId",
    "DefaultVersionId",
    "Description",
    "CreateDate",
    "UpdateDate",
    "Versions",
    "Source",
}

# Asked for by name; all of these must be in the catalog.
REQUIRED_IAM_POLICIES = {
    "AdministratorAccess": "/",
    "PowerUserAccess": "/",
    "ReadOnlyAccess": "/",
    "IAMFullAccess": "/",
    "IAMReadOnlyAccess": "/",
    "IAMUserChangePassword": "/",
    "IAMSelfManageServiceSpecificCredentials": "/",
    "AmazonS3FullAccess": "/",
    "AmazonS3ReadOnlyAccess": "/",
    "AmazonEC2FullAccess": "/",
    "AmazonEC2ReadOnlyAccess": "/",
    "AWSLambdaBasicExecutionRole": "/service-role/",
    "AWSLambda_FullAccess": "/",
    "AWSLambda_ReadOnlyAccess": "/",
    "AWSLambdaVPCAccessExecutionRole": "/service-role/",
    "SecurityAudit": "/",
    "ViewOnlyAccess": "/job-function/",
    "AmazonDynamoDBFullAccess": "/",
    "AmazonDynamoDBReadOnlyAccess": "/",
    "AmazonSQSFullAccess": "/",
    "AmazonSQSReadOnlyAccess": "/",
    "AmazonSNSFullAccess": "/",
    "CloudWatchFullAccess": "/",
    "CloudWatchReadOnlyAccess": "/",
    "CloudWatchLogsFullAccess": "/",
    "AmazonSSMManagedInstanceCore": "/",
    "AmazonEC2RoleforSSM": "/service-role/",
    "AWSCloudTrail_ReadOnlyAccess": "/",
    "AWSKeyManagementServicePowerUser": "/",
    "AWSOrganizationsFullAccess": "/",
    "AWSOrganizationsReadOnlyAccess": "/",
    "AmazonRDSFullAccess": "/",
    "AmazonRDSReadOnlyAccess": "/",
    "AWSCloudFormationFullAccess": "/",
    "AWSCloudFormationReadOnlyAccess": "/",
    "Billing": "/job-function/",
    "DatabaseAdministrator": "/job-function/",
    "NetworkAdministrator": "/job-function/",
    "SystemAdministrator": "/job-function/",
    "SupportUser": "/job-function/",
    "AWSSupportAccess": "/",
    "AmazonVPCFullAccess": "/",
    "AmazonVPCReadOnlyAccess": "/",
    "AmazonECS_FullAccess": "/",
    "AmazonEKSClusterPolicy": "/",
    "AmazonAPIGatewayAdministrator": "/",
}

ORG_ARN_SEGMENT = {
    "SERVICE_CONTROL_POLICY": "service_control_policy",
    "RESOURCE_CONTROL_POLICY": "resource_control_policy",
}

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


def load(path):
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def load_iam(name):
    return load(IAM_DIR / f"{name}.json")


def default_document(policy):
    (default,) = [v for v in policy["Versions"] if v["IsDefaultVersion"]]
    return default["Document"]


def statements(document):
    stmts = document["Statement"]
    return stmts if isinstance(stmts, list) else [stmts]


def as_list(value):
    return value if isinstance(value, list) else [value]


def allowed_actions(document):
    """Actions listed in Allow statements that have no Condition."""
    return {
        action
        for s in statements(document)
        if s["Effect"] == "Allow" and "Condition" not in s
        for action in as_list(s.get("Action", []))
    }


def ids(paths):
    return [p.stem for p in paths]


def test_catalog_is_not_empty():
    assert len(IAM_FILES) >= 30
    assert ORG_FILES


@pytest.mark.parametrize("name", sorted(REQUIRED_IAM_POLICIES))
def test_required_policy_is_present_with_its_path(name):
    policy = load_iam(name)
    assert policy["Path"] == REQUIRED_IAM_POLICIES[name]


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_file_parses_and_has_required_keys(path):
    policy = load(path)
    missing = REQUIRED_KEYS - policy.keys()
    assert not missing, f"missing keys: {sorted(missing)}"
    assert path.name == f"{policy['PolicyName']}.json"
    assert isinstance(policy["Description"], str) and policy["Description"].strip()


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_exactly_one_default_version_and_every_document_is_a_policy(path):
    policy = load(path)
    versions = policy["Versions"]
    assert versions, "at least the default version"
    assert [v["IsDefaultVersion"] for v in versions].count(True) == 1
    version_ids = [v["VersionId"] for v in versions]
    assert len(set(version_ids)) == len(version_ids)
    (default,) = [v for v in versions if v["IsDefaultVersion"]]
    assert default["VersionId"] == policy["DefaultVersionId"]
    for version in versions:
        document = version["Document"]
        assert isinstance(document, dict)
        assert document["Version"] == "2012-10-17"
        assert statements(document), "a policy needs at least one statement"
        for s in statements(document):
            assert s["Effect"] in {"Allow", "Deny"}
            assert ("Action" in s) != ("NotAction" in s)
            assert ("Resource" in s) != ("NotResource" in s)


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_source_is_recorded(path):
    source = load(path)["Source"]
    assert isinstance(source["where"], str) and source["where"].strip()
    date.fromisoformat(source["retrieved"])


@pytest.mark.parametrize("path", IAM_FILES, ids=ids(IAM_FILES))
def test_iam_arn_matches_name_and_path(path):
    policy = load(path)
    assert re.fullmatch(r"/([\w+=,.@-]+/)*", policy["Path"])
    assert policy["Arn"] == f"arn:aws:iam::aws:policy{policy['Path']}{policy['PolicyName']}"


@pytest.mark.parametrize("path", IAM_FILES, ids=ids(IAM_FILES))
def test_iam_ids_versions_and_dates(path):
    policy = load(path)
    if policy["PolicyId"] is not None:
        assert re.fullmatch(r"ANPA[A-Z0-9]{17}", policy["PolicyId"])
    created = datetime.strptime(policy["CreateDate"], TIMESTAMP)
    updated = datetime.strptime(policy["UpdateDate"], TIMESTAMP)
    assert created <= updated
    numbers = [int(v["VersionId"].removeprefix("v")) for v in policy["Versions"]]
    assert numbers == sorted(numbers, reverse=True), "newest version first"
    assert policy["Versions"][0]["IsDefaultVersion"], "the default is the newest version"
    dated = [
        (n, datetime.strptime(v["CreateDate"], TIMESTAMP))
        for n, v in zip(numbers, policy["Versions"], strict=True)
        if "CreateDate" in v
    ]
    for _, when in dated:
        assert created <= when <= updated
    by_number = [when for _, when in sorted(dated)]
    assert by_number == sorted(by_number), "later versions were created later"


@pytest.mark.parametrize("path", ORG_FILES, ids=ids(ORG_FILES))
def test_organizations_arn_matches_name_and_type(path):
    policy = load(path)
    assert policy["AwsManaged"] is True
    assert policy["PolicyId"] == f"p-{policy['PolicyName']}"
    segment = ORG_ARN_SEGMENT[policy["Type"]]
    assert policy["Arn"] == f"arn:aws:organizations::aws:policy/{segment}/{policy['PolicyId']}"
    assert policy["Path"] is None


# Well-known facts about particular policies.


def test_administrator_access_allows_everything():
    policy = load_iam("AdministratorAccess")
    assert policy["PolicyId"] == "ANPAIWMBCKSKIEE64ZLYK"
    (statement,) = statements(default_document(policy))
    assert statement["Effect"] == "Allow"
    assert as_list(statement["Action"]) == ["*"]
    assert as_list(statement["Resource"]) == ["*"]
    assert "Condition" not in statement


def test_s3_read_only_allows_get_and_list():
    actions = allowed_actions(default_document(load_iam("AmazonS3ReadOnlyAccess")))
    assert {"s3:Get*", "s3:List*"} <= actions
    assert "s3:*" not in actions
    assert not any(a.startswith("s3:Put") or a.startswith("s3:Delete") for a in actions)


def test_lambda_basic_execution_role_allows_writing_logs():
    policy = load_iam("AWSLambdaBasicExecutionRole")
    assert policy["Arn"] == "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    actions = allowed_actions(default_document(policy))
    assert {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"} <= actions


def test_power_user_access_excludes_iam_and_organizations():
    document = default_document(load_iam("PowerUserAccess"))
    not_actions = {
        a for s in statements(document) if s["Effect"] == "Allow" for a in s.get("NotAction", [])
    }
    assert {"iam:*", "organizations:*"} <= not_actions


def test_read_only_access_is_the_large_real_document():
    document = default_document(load_iam("ReadOnlyAccess"))
    actions = allowed_actions(document)
    assert len(actions) > 1000
    assert {"s3:Get*", "ec2:Describe*", "iam:Get*", "iam:List*"} <= actions
    assert not any(a == "*" or a.endswith(":*") for a in actions)


def test_iam_full_access_allows_all_of_iam():
    assert "iam:*" in allowed_actions(default_document(load_iam("IAMFullAccess")))


def test_job_function_policies_live_under_job_function_path():
    for name in ("ViewOnlyAccess", "Billing", "SupportUser", "NetworkAdministrator"):
        policy = load_iam(name)
        assert policy["Arn"] == f"arn:aws:iam::aws:policy/job-function/{name}"


def test_full_aws_access_scp_allows_everything():
    policy = load(ORG_DIR / "FullAWSAccess.json")
    assert policy["Arn"] == (
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    )
    (statement,) = statements(default_document(policy))
    assert statement == {"Effect": "Allow", "Action": "*", "Resource": "*"}
