"""The simulation case: one JSON object in, an evaluation out, and every way it can be wrong."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from iamlab.engine import case as case_module
from iamlab.engine.case import PolicyCache, load_case, simulate_case
from iamlab.engine.policy import Policy

ALICE = "arn:aws:iam::111122223333:user/alice"
OBJECT = "arn:aws:s3:::reports/q1.csv"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


READ_REPORTS = _policy(
    {
        "Sid": "ReadReports",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*",
    }
)
DENY_S3 = _policy({"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"})


def _case(**overrides: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "request": {
            "principal": ALICE,
            "action": "s3:GetObject",
            "resource": OBJECT,
            "resourceAccount": "111122223333",
            "context": {"aws:username": "alice", "aws:TagKeys": ["env", "owner"]},
        },
        "identityPolicies": [READ_REPORTS],
    }
    case.update(overrides)
    return case


def _request(**fields: Any) -> dict[str, Any]:
    case = _case()
    case["request"].update(fields)
    for name, value in fields.items():
        if value is ...:
            del case["request"][name]
    return case


def _error(result: dict[str, Any]) -> tuple[str, str]:
    assert set(result) == {"error"}, result
    assert isinstance(result["error"]["message"], str) and result["error"]["message"]
    return result["error"]["message"], result["error"]["path"]


# -- answers ----------------------------------------------------------------------------------


def test_it_allows_what_an_identity_policy_allows() -> None:
    result = simulate_case(_case())
    assert result == {
        "decision": "allowed",
        "message": result["message"],
        "decisive": ["/identityPolicies/0/Statement/0"],
    }
    assert "s3:GetObject" in result["message"]


def test_an_explicit_deny_is_decisive_on_its_own() -> None:
    result = simulate_case(_case(identityPolicies=[READ_REPORTS, DENY_S3]))
    assert result["decision"] == "explicitDeny"
    assert result["decisive"] == ["/identityPolicies/1/Statement/0"]
    assert "explicit deny" in result["message"]


def test_nothing_allows_gives_an_implicit_deny_with_no_decisive_statement() -> None:
    result = simulate_case(_case(identityPolicies=[]))
    assert result["decision"] == "implicitDeny"
    assert result["decisive"] == []


def test_explain_adds_the_reason_and_the_trace() -> None:
    result = simulate_case(_case(), explain=True)
    assert result["decision"] == "allowed"
    assert result["reason"]
    [policy] = result["trace"]
    assert policy["path"] == "/identityPolicies/0"
    assert policy["statements"][0]["sid"] == "ReadReports"


def test_fields_it_does_not_know_are_ignored() -> None:
    result = simulate_case(_case(expected="allowed", why="the sample files carry these"))
    assert result["decision"] == "allowed"


def test_every_policy_slot_is_read() -> None:
    boundary = _policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    assert simulate_case(_case(permissionBoundary=boundary))["decision"] == "implicitDeny"
    assert simulate_case(_case(sessionPolicy=DENY_S3))["decision"] == "explicitDeny"
    bucket = _policy(
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject", "Resource": "*"}
    )
    result = simulate_case(_case(identityPolicies=[], resourcePolicy=bucket))
    assert result["decision"] == "allowed"
    assert result["decisive"] == ["/resourcePolicy/Statement/0"]
    full = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    ec2_only = _policy({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    assert simulate_case(_case(scps=[[full], [ec2_only]]))["decision"] == "implicitDeny"
    assert simulate_case(_case(scps=[[full], [full, DENY_S3]]))["decisive"] == [
        "/scps/1/1/Statement/0"
    ]


# -- the resource's account -------------------------------------------------------------------


def test_without_resource_account_an_s3_resource_is_in_the_callers_account() -> None:
    request, _ = load_case(_request(resourceAccount=...))
    assert request.resource_account is None  # the engine then takes the caller's account
    assert simulate_case(_request(resourceAccount=None))["decision"] == "allowed"


def test_without_resource_account_the_arns_account_decides() -> None:
    table = "arn:aws:dynamodb:us-east-1:444455556666:table/Orders"
    policy = _policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table})
    case = _request(action="dynamodb:GetItem", resource=table, resourceAccount=...)
    case["identityPolicies"] = [policy]
    request, _ = load_case(case)
    assert request.resource_account == "444455556666"
    # Cross-account: without a resource policy in the other account, nothing lets alice in.
    assert simulate_case(case)["decision"] == "implicitDeny"


# -- invalid cases: an error with a path, never an exception ----------------------------------


@pytest.mark.parametrize("obj", [None, [], "case", 3, True])
def test_a_case_that_is_not_an_object_is_an_error(obj: Any) -> None:
    assert _error(simulate_case(obj))[1] == ""


def test_a_case_without_request_is_an_error() -> None:
    case = _case()
    del case["request"]
    assert _error(simulate_case(case))[1] == "/request"
    assert _error(simulate_case(_case(request="s3:GetObject")))[1] == "/request"


@pytest.mark.parametrize("field", ["principal", "action", "resource"])
def test_each_request_field_is_required(field: str) -> None:
    message, path = _error(simulate_case(_request(**{field: ...})))
    assert path == f"/request/{field}"
    assert "missing" in message


@pytest.mark.parametrize("field", ["principal", "action", "resource"])
@pytest.mark.parametrize("value", [3, "", ["s3:GetObject"], {"a": 1}])
def test_request_fields_must_be_strings(field: str, value: Any) -> None:
    assert _error(simulate_case(_request(**{field: value})))[1] == f"/request/{field}"


def test_a_principal_aws_could_not_send_is_an_error() -> None:
    assert _error(simulate_case(_request(principal="arn:aws:s3:::bucket")))[1] == (
        "/request/principal"
    )


def test_an_action_without_a_service_is_an_error() -> None:
    assert _error(simulate_case(_request(action="GetObject")))[1] == "/request/action"


def test_resource_account_must_be_a_string() -> None:
    assert _error(simulate_case(_request(resourceAccount=111122223333)))[1] == (
        "/request/resourceAccount"
    )


def test_context_must_be_an_object() -> None:
    assert _error(simulate_case(_request(context=["aws:username"])))[1] == "/request/context"


def test_a_context_value_of_the_wrong_type_is_pointed_at() -> None:
    case = _request(context={"aws:TagKeys": {"env": "prod"}})
    assert _error(simulate_case(case))[1] == "/request/context/aws:TagKeys"
    case = _request(context={"aws:TagKeys": ["env", None]})
    assert _error(simulate_case(case))[1] == "/request/context/aws:TagKeys/1"
    case = _request(context={"aws:PrincipalTag/team": None})
    assert _error(simulate_case(case))[1] == "/request/context/aws:PrincipalTag~1team"


def test_context_numbers_and_booleans_are_read_as_text() -> None:
    request, _ = load_case(_request(context={"aws:MultiFactorAuthPresent": True, "n": 3}))
    assert request.context.get("aws:multifactorauthpresent") == ("true",)
    assert request.context.get("n") == ("3",)


def test_a_malformed_policy_is_pointed_at_within_the_case() -> None:
    bad = _policy({"Effect": "Maybe", "Action": "s3:*", "Resource": "*"})
    message, path = _error(simulate_case(_case(identityPolicies=[READ_REPORTS, bad])))
    assert path == "/identityPolicies/1/Statement/0/Effect"
    assert "Effect" in message
    assert _error(simulate_case(_case(permissionBoundary=bad)))[1] == (
        "/permissionBoundary/Statement/0/Effect"
    )
    assert _error(simulate_case(_case(scps=[[READ_REPORTS], [bad]])))[1] == (
        "/scps/1/0/Statement/0/Effect"
    )


@pytest.mark.parametrize("value", ["{}", 3, [READ_REPORTS, "x"]])
def test_a_policy_that_is_not_an_object_is_an_error(value: Any) -> None:
    if isinstance(value, list):
        assert _error(simulate_case(_case(identityPolicies=value)))[1] == "/identityPolicies/1"
    else:
        assert _error(simulate_case(_case(resourcePolicy=value)))[1] == "/resourcePolicy"


def test_identity_policies_must_be_a_list() -> None:
    assert _error(simulate_case(_case(identityPolicies=READ_REPORTS)))[1] == "/identityPolicies"


@pytest.mark.parametrize("field", ["scps", "rcps"])
def test_organization_policies_must_be_lists_of_lists(field: str) -> None:
    assert _error(simulate_case(_case(**{field: READ_REPORTS})))[1] == f"/{field}"
    assert _error(simulate_case(_case(**{field: [READ_REPORTS]})))[1] == f"/{field}/0"
    assert _error(simulate_case(_case(**{field: [[READ_REPORTS, 7]]})))[1] == f"/{field}/0/1"


def test_an_unexpected_failure_becomes_an_error_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(case_module, "evaluate", broken)
    message, path = _error(simulate_case(_case()))
    assert path == ""
    assert "RuntimeError" in message and "boom" in message


def test_odd_python_values_do_not_escape_as_exceptions() -> None:
    odd = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": object()})
    _error(simulate_case(_case(identityPolicies=[odd])))


# -- the compiled-policy cache ----------------------------------------------------------------


def test_equal_policies_are_compiled_once() -> None:
    cache = PolicyCache()
    _, first = load_case(_case(), cache=cache)
    twin = copy.deepcopy(READ_REPORTS)
    _, second = load_case(_case(identityPolicies=[twin, READ_REPORTS]), cache=cache)
    assert len(cache) == 1
    assert isinstance(first["identity_policies"][0], Policy)
    assert second["identity_policies"][0] is first["identity_policies"][0]
    assert second["identity_policies"][1] is first["identity_policies"][0]


def test_the_cache_tells_json_types_apart() -> None:
    cache = PolicyCache()
    strict = _policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": True}},
        }
    )
    loose = copy.deepcopy(strict)
    loose["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"] = 1  # == True in Python
    load_case(_case(identityPolicies=[strict]), cache=cache)
    load_case(_case(identityPolicies=[loose]), cache=cache)
    assert len(cache) == 2


def test_the_cache_forgets_the_oldest_policies_beyond_its_size() -> None:
    cache = PolicyCache(size=2)
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket"):
        doc = _policy({"Effect": "Allow", "Action": action, "Resource": "*"})
        simulate_case(_case(identityPolicies=[doc]), cache=cache)
    assert len(cache) == 2


def test_a_cached_policy_keeps_its_place_in_each_case() -> None:
    cache = PolicyCache()
    simulate_case(_case(), cache=cache)
    result = simulate_case(_case(identityPolicies=[DENY_S3, READ_REPORTS]), cache=cache)
    other = simulate_case(_case(identityPolicies=[READ_REPORTS, DENY_S3]), cache=cache)
    assert result["decisive"] == ["/identityPolicies/0/Statement/0"]
    assert other["decisive"] == ["/identityPolicies/1/Statement/0"]


def test_only_resource_policies_and_rcps_may_name_principals() -> None:
    cache = PolicyCache()
    naming = _policy(
        {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": ALICE}, "Action": "s3:*", "Resource": "*"},
    )
    assert "decision" in simulate_case(_case(resourcePolicy=naming), cache=cache)
    # The same (now cached) document is refused where principals have no place.
    message, path = _error(simulate_case(_case(identityPolicies=[naming]), cache=cache))
    assert path == "/identityPolicies/0/Statement/0/Principal"
    assert "Principal" in message
    assert _error(simulate_case(_case(sessionPolicy=naming), cache=cache))[1] == (
        "/sessionPolicy/Statement/0/Principal"
    )
    not_principal = _policy(naming["Statement"][1])
    assert _error(simulate_case(_case(scps=[[not_principal]]), cache=cache))[1] == (
        "/scps/0/0/Statement/0/NotPrincipal"
    )
    rcp = _policy(
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
    )
    assert simulate_case(_case(rcps=[[rcp]]), cache=cache)["decision"] == "explicitDeny"
