"""Properties of AWS's evaluation logic that must hold for any policies, checked on random ones.

The properties, and why AWS's logic makes each true:

1. Adding a Deny statement to any policy (identity, boundary, session, resource, an SCP or an
   RCP) never turns a denied request into an allowed one, and never lifts an explicit deny: a
   Deny grants nothing and an explicit deny anywhere wins.
2. Adding an Allow statement never turns an allowed request into a denied one, and never
   creates or lifts an explicit deny, when it is added to an identity-based policy, to the
   resource-based policy (new or existing), to an existing permissions boundary or session
   policy, or to any SCP of a level. Each of those only widens one of the sets whose union or
   intersection AWS takes. It is NOT true of adding a boundary or a session policy where there
   was none (that narrows), so the strategy never does that. RCPs take Deny statements only
   (only RCPFullAWSAccess may allow), so no Allow is added there.
3. The order of statements in a policy, of identity-based policies, of the policies at one
   organization level, and of the levels themselves never changes the decision: AWS looks for
   any matching Deny and any matching Allow, and every level must allow.
4. The engine never raises on JSON-ish input: it answers with a decision or an error dict.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlab.engine import simulate_case

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DECISIONS = {"allowed", "explicitDeny", "implicitDeny"}
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/worker-1"
VERSION = "2012-10-17"

REQUEST_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage"]
POLICY_ACTIONS = [*REQUEST_ACTIONS, "*", "s3:*", "s3:Get*", "s3:?utObject", "sqs:*", "S3:getobject"]
REQUEST_RESOURCES = [
    "arn:aws:s3:::reports/q1.csv",
    "arn:aws:s3:::reports/q2.csv",
    "arn:aws:s3:::private/key.txt",
    "arn:aws:s3:::reports",
    f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders",
]
POLICY_RESOURCES = [
    *REQUEST_RESOURCES,
    "*",
    "arn:aws:s3:::reports/*",
    "arn:aws:s3:::*/q1.csv",
    "arn:aws:s3:::reports/q?.csv",
    "arn:aws:sqs:*:*:orders",
]
RESOURCE_POLICY_PRINCIPALS = [
    "*",
    {"AWS": "*"},
    {"AWS": ACCOUNT},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    {"AWS": ALICE},
    {"AWS": ROLE},
    {"AWS": SESSION},
    {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"},
    {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
    {"AWS": [ALICE, f"arn:aws:iam::{OTHER_ACCOUNT}:root"]},
]
FULL_ACCESS = {
    "Version": VERSION,
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def _sometimes(draw: st.DrawFn) -> bool:
    """True one time in three: optional parts narrow the request, so keep them occasional."""
    return draw(st.integers(0, 2)) == 0


def _one_or_some(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(values),
        st.lists(st.sampled_from(values), min_size=1, max_size=3, unique_by=repr),
    )


conditions = st.one_of(
    st.builds(
        lambda op, value: {op: {"aws:PrincipalTag/team": value}},
        st.sampled_from(
            [
                "StringEquals",
                "StringNotEquals",
                "StringEqualsIfExists",
                "StringLike",
                "StringNotLike",
            ]
        ),
        st.sampled_from(["red", "blue", ["red", "blue"], "r*"]),
    ),
    st.builds(
        lambda op, value: {op: {"aws:SecureTransport": value}},
        st.sampled_from(["Bool", "BoolIfExists"]),
        st.sampled_from(["true", "false"]),
    ),
    st.builds(
        lambda value: {"Null": {"aws:PrincipalTag/team": value}}, st.sampled_from(["true", "false"])
    ),
)


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None, kind: str = "identity") -> dict:
    """One statement for a policy of the given kind: identity, resource, scp or rcp."""
    # Mostly Allow, so that enough generated requests are allowed for property 2 to bite.
    stmt: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    }
    if kind == "resource":
        stmt["Principal"] = draw(st.sampled_from(RESOURCE_POLICY_PRINCIPALS))
    elif kind == "rcp":
        stmt["Principal"] = "*"
    if kind == "scp" and stmt["Effect"] == "Allow":
        # The classic SCP allow-list statement: actions only, on every resource.
        stmt["Action"] = draw(_one_or_some(POLICY_ACTIONS))
        stmt["Resource"] = "*"
        return stmt
    action_key = draw(st.sampled_from(["Action", "Action", "Action", "NotAction"]))
    stmt[action_key] = draw(_one_or_some(POLICY_ACTIONS))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "Resource", "NotResource"]))
    stmt[resource_key] = draw(_one_or_some(POLICY_RESOURCES))
    if _sometimes(draw):
        stmt["Condition"] = draw(conditions)
    return stmt


def policies(kind: str = "identity") -> st.SearchStrategy[dict]:
    effect = "Deny" if kind == "rcp" else None
    return st.builds(
        lambda stmts: {"Version": VERSION, "Statement": stmts},
        st.lists(statements(effect, kind), min_size=1, max_size=3),
    )


def organization_levels(kind: str) -> st.SearchStrategy[list[list[dict]]]:
    if kind == "scp":
        policy = st.one_of(st.just(FULL_ACCESS), st.just(FULL_ACCESS), policies(kind))
        return st.lists(st.lists(policy, min_size=1, max_size=2), min_size=1, max_size=3)
    return st.lists(st.lists(policies(kind), max_size=1), min_size=1, max_size=3)


@st.composite
def cases(draw: st.DrawFn) -> dict:
    principal = draw(st.sampled_from([ALICE, SESSION]))
    context: dict[str, Any] = {}
    if draw(st.booleans()):
        context["aws:PrincipalTag/team"] = draw(st.sampled_from(["red", "blue", "green"]))
    if draw(st.booleans()):
        context["aws:SecureTransport"] = draw(st.sampled_from(["true", "false"]))
    if principal == SESSION:
        context["aws:PrincipalArn"] = ROLE
    case: dict[str, Any] = {
        "request": {
            "principal": principal,
            "action": draw(st.sampled_from(REQUEST_ACTIONS)),
            "resource": draw(st.sampled_from(REQUEST_RESOURCES)),
            "resourceAccount": draw(st.sampled_from([ACCOUNT, ACCOUNT, OTHER_ACCOUNT])),
            "context": context,
        },
        "identityPolicies": draw(st.lists(policies(), max_size=3)),
    }
    if draw(st.booleans()):
        # An identity policy made for this very request, so that many cases start out allowed.
        request = case["request"]
        exact = {"Effect": "Allow", "Action": request["action"], "Resource": request["resource"]}
        case["identityPolicies"].append({"Version": VERSION, "Statement": [exact]})
    if _sometimes(draw):
        case["permissionBoundary"] = draw(st.one_of(st.just(FULL_ACCESS), policies()))
    if principal == SESSION and _sometimes(draw):
        case["sessionPolicy"] = draw(st.one_of(st.just(FULL_ACCESS), policies()))
    if draw(st.booleans()):
        case["resourcePolicy"] = draw(policies("resource"))
    if _sometimes(draw):
        case["scps"] = draw(organization_levels("scp"))
    if _sometimes(draw):
        case["rcps"] = draw(organization_levels("rcp"))
    return case


def decide(case: dict) -> str:
    result = simulate_case(copy.deepcopy(case))
    assert "error" not in result, f"a valid generated case was refused: {result}\n{case}"
    assert result.get("decision") in DECISIONS
    return result["decision"]


def _statement_list(policy: dict) -> list[dict]:
    return policy["Statement"]


def add_statement(case: dict, effect: str, data: st.DataObject) -> dict:
    """The case with one more statement of the given effect, somewhere the properties allow."""
    case = copy.deepcopy(case)
    targets = ["identity", "new identity policy", "resource"]
    if "permissionBoundary" in case:
        targets.append("boundary")
    if "sessionPolicy" in case:
        targets.append("session")
    if case.get("scps"):
        targets.append("scp")
    if effect == "Deny" and case.get("rcps"):
        targets.append("rcp")
    target = data.draw(st.sampled_from(targets), label="target")
    if target == "identity" and not case["identityPolicies"]:
        target = "new identity policy"

    if target == "new identity policy":
        case["identityPolicies"].append(data.draw(policies().map(_only(effect)), label="policy"))
    elif target == "identity":
        index = data.draw(st.integers(0, len(case["identityPolicies"]) - 1), label="policy index")
        stmt = data.draw(statements(effect), label="statement")
        _statement_list(case["identityPolicies"][index]).append(stmt)
    elif target in ("boundary", "session"):
        key = "permissionBoundary" if target == "boundary" else "sessionPolicy"
        _statement_list(case[key]).append(data.draw(statements(effect), label="statement"))
    elif target == "resource":
        stmt = data.draw(statements(effect, "resource"), label="statement")
        if "resourcePolicy" in case:
            _statement_list(case["resourcePolicy"]).append(stmt)
        else:
            case["resourcePolicy"] = {"Version": VERSION, "Statement": [stmt]}
    else:  # one level of the SCPs or RCPs: a statement in one of its policies, or a new policy
        kind = target
        levels = case[f"{kind}s"]
        level = levels[data.draw(st.integers(0, len(levels) - 1), label="level")]
        stmt = data.draw(statements(effect, kind), label="statement")
        if level and data.draw(st.booleans(), label="into an existing policy"):
            index = data.draw(st.integers(0, len(level) - 1), label="policy index")
            level[index] = copy.deepcopy(level[index])
            _statement_list(level[index]).append(stmt)
        else:
            level.append({"Version": VERSION, "Statement": [stmt]})
    return case


def _only(effect: str):  # noqa: ANN202 - a mapping function for a strategy
    def force(policy: dict) -> dict:
        for stmt in policy["Statement"]:
            stmt["Effect"] = effect
        return policy

    return force


@PROPERTY
@given(case=cases(), data=st.data())
def test_adding_a_deny_statement_never_turns_a_denial_into_an_allow(case: dict, data) -> None:
    before = decide(case)
    after = decide(add_statement(case, "Deny", data))
    if before != "allowed":
        assert after != "allowed"
    if before == "explicitDeny":
        assert after == "explicitDeny"


@PROPERTY
@given(case=cases(), data=st.data())
def test_adding_an_allow_statement_never_turns_an_allow_into_a_denial(case: dict, data) -> None:
    before = decide(case)
    after = decide(add_statement(case, "Allow", data))
    if before == "allowed":
        assert after == "allowed"
    assert (after == "explicitDeny") == (before == "explicitDeny")


def _shuffled(case: dict, data: st.DataObject) -> dict:
    case = copy.deepcopy(case)

    def permute(items: list) -> list:
        return list(data.draw(st.permutations(items)))

    def shuffle_policy(policy: dict) -> None:
        policy["Statement"] = permute(policy["Statement"])

    case["identityPolicies"] = permute(case["identityPolicies"])
    for policy in case["identityPolicies"]:
        shuffle_policy(policy)
    for key in ("permissionBoundary", "sessionPolicy", "resourcePolicy"):
        if key in case:
            shuffle_policy(case[key])
    for key in ("scps", "rcps"):
        if key in case:
            levels = [permute(level) for level in case[key]]
            for level in levels:
                for policy in level:
                    shuffle_policy(policy)
            case[key] = permute(levels)
    return case


@PROPERTY
@given(case=cases(), data=st.data())
def test_statement_and_policy_order_never_change_the_decision(case: dict, data) -> None:
    assert decide(_shuffled(case, data)) == decide(case)


VOCABULARY = [
    "request",
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
    "identityPolicies",
    "permissionBoundary",
    "sessionPolicy",
    "resourcePolicy",
    "scps",
    "rcps",
    "Version",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "AWS",
    "Service",
    "StringEquals",
    "ForAllValues:StringLike",
    "NumericLessThanIfExists",
    "DateGreaterThan",
    "IpAddress",
    "ArnLike",
    "Bool",
    "BinaryEquals",
    "Null",
    "aws:username",
    "aws:SourceIp",
]
SCALAR_WORDS = [
    "Allow",
    "Deny",
    "*",
    "2012-10-17",
    "2008-10-17",
    "s3:GetObject",
    "s3:*",
    "arn:aws:s3:::reports/*",
    ALICE,
    SESSION,
    ACCOUNT,
    "${aws:username}",
    "${aws:PrincipalTag/team, 'x'}",
    "${",
    "203.0.113.0/24",
    "not-an-ip/99",
    "2026-01-01T00:00:00Z",
    "1e999",
    "true",
    "",
]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(SCALAR_WORDS),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=30,
)


def assert_is_an_answer(result: Any) -> None:
    assert isinstance(result, dict)
    if "error" in result:
        error = result["error"]
        assert isinstance(error, dict)
        assert isinstance(error.get("message"), str)
        assert isinstance(error.get("path"), str)
    else:
        assert result.get("decision") in DECISIONS


@PROPERTY
@given(junk=json_values)
def test_simulate_case_never_raises_on_junk(junk: Any) -> None:
    assert_is_an_answer(simulate_case(junk))


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@PROPERTY
@given(case=cases(), junk=json_values, data=st.data())
def test_simulate_case_never_raises_on_junk_inside_a_case(case: dict, junk: Any, data) -> None:
    path = data.draw(st.sampled_from(_paths(case)), label="path")
    broken = copy.deepcopy(case)
    holder = broken
    for part in path[:-1]:
        holder = holder[part]
    holder[path[-1]] = junk
    assert_is_an_answer(simulate_case(broken))
