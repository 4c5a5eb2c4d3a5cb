"""`aws iam simulate-custom-policy --cli-input-json` documents in, EvaluationResults out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from iamlab.engine.awscli import is_cli_input, simulate_custom_policy, statement_spans

ALICE = "arn:aws:iam::111122223333:user/alice"

# The example of the AWS CLI reference for simulate-custom-policy, with the answer it shows.
DYNAMODB_AFTER_DATE = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
    '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)


def _text(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
NO_DELETE = {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}


def _simulate(**fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"PolicyInputList": [_text(READ)], "ActionNames": ["s3:GetObject"]}
    document.update(fields)
    return simulate_custom_policy(document)


def _only(response: dict[str, Any]) -> dict[str, Any]:
    assert "error" not in response, response
    [result] = response["EvaluationResults"]
    return result


def _error_path(response: dict[str, Any]) -> str:
    assert set(response) == {"error"}, response
    return response["error"]["path"]


def test_it_recognises_cli_input_documents_by_their_keys() -> None:
    assert is_cli_input({"PolicyInputList": [], "ActionNames": []})
    assert is_cli_input({"ActionNames": ["s3:GetObject"]})
    assert not is_cli_input({"request": {}, "identityPolicies": []})
    assert not is_cli_input({"request": {}, "ActionNames": []})
    assert not is_cli_input(["PolicyInputList"])


def test_it_answers_the_aws_cli_reference_example_as_aws_does() -> None:
    response = simulate_custom_policy(
        {
            "PolicyInputList": [DYNAMODB_AFTER_DATE],
            "ActionNames": ["dynamodb:CreateBackup"],
            "ContextEntries": [
                {
                    "ContextKeyName": "aws:CurrentTime",
                    "ContextKeyValues": ["2019-04-25T11:00:00Z"],
                    "ContextKeyType": "date",
                }
            ],
        }
    )
    assert response == {
        "EvaluationResults": [
            {
                "EvalActionName": "dynamodb:CreateBackup",
                "EvalResourceName": "*",
                "EvalDecision": "allowed",
                "MatchedStatements": [
                    {
                        "SourcePolicyId": "PolicyInputList.1",
                        "SourcePolicyType": "IAM Policy",
                        "StartPosition": {"Line": 1, "Column": 38},
                        "EndPosition": {"Line": 1, "Column": 167},
                    }
                ],
                "MissingContextValues": [],
            }
        ],
        "IsTruncated": False,
    }


def test_a_date_before_the_condition_is_an_implicit_deny_with_no_matched_statement() -> None:
    result = _only(
        simulate_custom_policy(
            {
                "PolicyInputList": [DYNAMODB_AFTER_DATE],
                "ActionNames": ["dynamodb:CreateBackup"],
                "ContextEntries": [
                    {
                        "ContextKeyName": "aws:CurrentTime",
                        "ContextKeyValues": ["2014-04-25T11:00:00Z"],
                        "ContextKeyType": "date",
                    }
                ],
            }
        )
    )
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MatchedStatements"] == []


def test_there_is_one_result_per_action_and_resource_in_order() -> None:
    response = _simulate(
        ActionNames=["s3:GetObject", "s3:PutObject"],
        ResourceArns=["arn:aws:s3:::a/1", "arn:aws:s3:::b/2"],
    )
    pairs = [(r["EvalActionName"], r["EvalResourceName"]) for r in response["EvaluationResults"]]
    assert pairs == [
        ("s3:GetObject", "arn:aws:s3:::a/1"),
        ("s3:GetObject", "arn:aws:s3:::b/2"),
        ("s3:PutObject", "arn:aws:s3:::a/1"),
        ("s3:PutObject", "arn:aws:s3:::b/2"),
    ]
    decisions = [r["EvalDecision"] for r in response["EvaluationResults"]]
    assert decisions == ["allowed", "allowed", "implicitDeny", "implicitDeny"]
    assert response["IsTruncated"] is False


def test_an_explicit_deny_lists_only_the_denying_statement() -> None:
    text = "{\n" + '  "Version": "2012-10-17",\n  "Statement": [\n'
    text += "    " + json.dumps({**READ, "Action": "s3:*"}) + ",\n"
    text += "    " + json.dumps(NO_DELETE) + "\n  ]\n}"
    result = _only(_simulate(PolicyInputList=[text], ActionNames=["s3:DeleteObject"]))
    assert result["EvalDecision"] == "explicitDeny"
    assert result["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 5, "Column": 6},
            "EndPosition": {"Line": 5, "Column": 5 + len(json.dumps(NO_DELETE))},
        }
    ]


def test_statements_of_the_second_policy_are_counted_from_one() -> None:
    result = _only(_simulate(PolicyInputList=[_text(NO_DELETE), _text(READ)]))
    assert [m["SourcePolicyId"] for m in result["MatchedStatements"]] == ["PolicyInputList.2"]


def test_missing_context_values_are_the_keys_the_matching_statements_need() -> None:
    needs_tag = {
        **READ,
        "Resource": "arn:aws:s3:::home/${aws:username}/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}},
    }
    other = {
        "Effect": "Allow",
        "Action": "ec2:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    }
    result = _only(_simulate(PolicyInputList=[_text(needs_tag, other)]))
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:username", "aws:PrincipalTag/team"]

    given = [
        {"ContextKeyName": "aws:username", "ContextKeyValues": ["alice"]},
        {"ContextKeyName": "aws:principaltag/team", "ContextKeyValues": ["data"]},
    ]
    result = _only(
        _simulate(
            PolicyInputList=[_text(needs_tag, other)],
            ResourceArns=["arn:aws:s3:::home/alice/notes.txt"],
            ContextEntries=given,
        )
    )
    assert result["EvalDecision"] == "allowed"
    assert result["ResourceSpecificResults"][0]["MissingContextValues"] == []


def test_listed_resources_carry_their_missing_values_in_resource_specific_results() -> None:
    needs_mfa = {**READ, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    result = _only(_simulate(PolicyInputList=[_text(needs_mfa)], ResourceArns=["arn:aws:s3:::a/1"]))
    assert result["MissingContextValues"] == []
    assert result["ResourceSpecificResults"] == [
        {
            "EvalResourceName": "arn:aws:s3:::a/1",
            "EvalResourceDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["aws:MultiFactorAuthPresent"],
        }
    ]
    assert result["EvalDecisionDetails"] == {}  # same account, resource named


def test_context_list_types_are_multivalued() -> None:
    any_tag = {**READ, "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}}
    entries = [
        {
            "ContextKeyName": "aws:TagKeys",
            "ContextKeyValues": ["env", "owner"],
            "ContextKeyType": "stringList",
        }
    ]
    result = _only(_simulate(PolicyInputList=[_text(any_tag)], ContextEntries=entries))
    assert result["EvalDecision"] == "allowed"


def test_a_permissions_boundary_is_reported_on() -> None:
    ec2_only = _text({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    result = _only(_simulate(PermissionsBoundaryPolicyInputList=[ec2_only]))
    assert result["EvalDecision"] == "implicitDeny"
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    s3_too = _text({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    result = _only(_simulate(PermissionsBoundaryPolicyInputList=[s3_too]))
    assert result["EvalDecision"] == "allowed"
    assert result["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    sources = {m["SourcePolicyId"] for m in result["MatchedStatements"]}
    assert "PolicyInputList.1" in sources


def test_a_cross_account_resource_policy_must_allow_too() -> None:
    bucket = _text(
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject", "Resource": "*"}
    )
    fields: dict[str, Any] = {
        "CallerArn": ALICE,
        "ResourceOwner": "arn:aws:iam::444455556666:root",
        "ResourceArns": ["arn:aws:s3:::partner-bucket/report.csv"],
    }
    result = _only(_simulate(**fields))
    assert result["EvalDecision"] == "implicitDeny"
    assert result["EvalDecisionDetails"] == {
        "IAM Policy": "allowed",
        "Resource Policy": "implicitDeny",
    }
    result = _only(_simulate(ResourcePolicy=bucket, **fields))
    assert result["EvalDecision"] == "allowed"
    assert result["EvalDecisionDetails"] == {"IAM Policy": "allowed", "Resource Policy": "allowed"}
    assert {m["SourcePolicyId"] for m in result["MatchedStatements"]} == {
        "PolicyInputList.1",
        "ResourcePolicy",
    }


def test_within_one_account_a_resource_policy_naming_the_caller_is_enough() -> None:
    bucket = _text(
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject", "Resource": "*"}
    )
    result = _only(
        _simulate(
            PolicyInputList=[_text(NO_DELETE)],
            ResourcePolicy=bucket,
            CallerArn=ALICE,
            ResourceArns=["arn:aws:s3:::reports/q1.csv"],
        )
    )
    assert result["EvalDecision"] == "allowed"
    assert [m["SourcePolicyId"] for m in result["MatchedStatements"]] == ["ResourcePolicy"]


def test_policies_may_be_given_as_objects() -> None:
    result = _only(_simulate(PolicyInputList=[json.loads(_text(READ))]))
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["StartPosition"]["Line"] > 1


def test_results_can_be_paged() -> None:
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
    first = _simulate(ActionNames=actions, MaxItems=2)
    assert [r["EvalActionName"] for r in first["EvaluationResults"]] == actions[:2]
    assert first["IsTruncated"] is True
    rest = _simulate(ActionNames=actions, MaxItems=2, Marker=first["Marker"])
    assert [r["EvalActionName"] for r in rest["EvaluationResults"]] == actions[2:]
    assert rest["IsTruncated"] is False
    assert "Marker" not in rest


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"PolicyInputList": None}, "/PolicyInputList"),
        ({"PolicyInputList": "{}"}, "/PolicyInputList"),
        ({"PolicyInputList": ["{not json"]}, "/PolicyInputList/0"),
        ({"PolicyInputList": [_text(READ), 3]}, "/PolicyInputList/1"),
        ({"PolicyInputList": [_text({"Effect": "Maybe", "Action": "*"})]}, "/PolicyInputList/0"),
        ({"ActionNames": None}, "/ActionNames"),
        ({"ActionNames": []}, "/ActionNames"),
        ({"ActionNames": ["s3:Get*"]}, "/ActionNames/0"),
        ({"ResourceArns": "arn:aws:s3:::a"}, "/ResourceArns"),
        ({"ResourcePolicy": _text(READ)}, "/CallerArn"),
        ({"ResourceOwner": "someone"}, "/ResourceOwner"),
        (
            {"PermissionsBoundaryPolicyInputList": [_text(READ), _text(READ)]},
            "/PermissionsBoundaryPolicyInputList",
        ),
        ({"ContextEntries": {"aws:username": "alice"}}, "/ContextEntries"),
        ({"ContextEntries": [{"ContextKeyValues": ["x"]}]}, "/ContextEntries/0/ContextKeyName"),
        (
            {"ContextEntries": [{"ContextKeyName": "aws:username", "ContextKeyValues": "alice"}]},
            "/ContextEntries/0/ContextKeyValues",
        ),
        (
            {
                "ContextEntries": [
                    {
                        "ContextKeyName": "aws:username",
                        "ContextKeyValues": ["alice"],
                        "ContextKeyType": "text",
                    }
                ]
            },
            "/ContextEntries/0/ContextKeyType",
        ),
        ({"MaxItems": 0}, "/MaxItems"),
        ({"Marker": "next"}, "/Marker"),
        ({"CallerArn": "arn:aws:s3:::bucket"}, "/request/principal"),
    ],
)
def test_input_it_cannot_use_is_an_error_with_a_path(fields: dict[str, Any], path: str) -> None:
    assert _error_path(_simulate(**fields)) == path


def test_input_that_is_not_an_object_is_an_error() -> None:
    assert _error_path(simulate_custom_policy([])) == ""


def test_statement_spans_follow_the_text() -> None:
    text = '{ "Statement" : [ {"a": [1, {"b": "}"}]} , {} ], "Version": "2012-10-17" }'
    assert statement_spans(text) == [((1, 20), (1, 41)), ((1, 45), (1, 46))]
    assert statement_spans('{"Statement": {"Effect": "Allow"}}') == [((1, 16), (1, 34))]
    assert statement_spans("[]") == []
    assert statement_spans('{"Statement": [') == []


def test_an_explicit_star_resource_is_answered_like_no_resource() -> None:
    needs_mfa = {**READ, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    result = _only(_simulate(PolicyInputList=[_text(needs_mfa)], ResourceArns=["*"]))
    assert result["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]
    assert "ResourceSpecificResults" not in result
    assert "EvalDecisionDetails" not in result
