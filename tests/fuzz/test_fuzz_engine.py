"""Hostile input for the engine's parser, validator and evaluator: nothing escapes as an exception,
and every refusal says where the problem is."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlab.engine import PolicyKind, Severity, simulate_case, validate_policy

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

POLICY_WORDS = st.sampled_from(
    [
        "Version",
        "Statement",
        "Sid",
        "Effect",
        "Allow",
        "Deny",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
        "StringEquals",
        "ForAnyValue:StringLike",
        "aws:username",
        "2012-10-17",
        "*",
        "s3:GetObject",
        "arn:aws:s3:::bucket/*",
        "AWS",
        "Service",
        "${aws:username}",
        "",
    ]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(), POLICY_WORDS
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(POLICY_WORDS, st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)
KINDS = st.sampled_from(list(PolicyKind))


def _text_of(value: object) -> str:
    try:
        return json.dumps(value)
    except ValueError:  # NaN and friends are not JSON: use Python's spelling, still hostile text
        return repr(value)


@FUZZ
@given(document=JSONISH, kind=KINDS)
def test_validating_any_document_gives_problems_with_paths_never_an_exception(document, kind):
    problems = validate_policy(document, kind)
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem.severity, Severity)
        assert problem.message
        assert problem.path == "" or problem.path.startswith("/")


@FUZZ
@given(text=st.one_of(st.text(max_size=300), JSONISH.map(_text_of)), kind=KINDS)
def test_validating_any_text_places_its_errors_at_a_line_and_column(text, kind):
    problems = validate_policy(text, kind)
    for problem in problems:
        if problem.severity is Severity.ERROR and problem.line is not None:
            assert 1 <= problem.line <= text.count("\n") + 2
            assert problem.column is not None and problem.column >= 1


@FUZZ
@given(
    case=st.fixed_dictionaries(
        {},
        optional={
            "request": st.one_of(
                JSONISH,
                st.fixed_dictionaries(
                    {
                        "principal": st.one_of(st.text(max_size=40), POLICY_WORDS),
                        "action": st.one_of(st.text(max_size=20), POLICY_WORDS),
                        "resource": st.one_of(st.text(max_size=40), POLICY_WORDS),
                    },
                    optional={"context": JSONISH, "resourceAccount": SCALARS},
                ),
            ),
            "identityPolicies": st.one_of(JSONISH, st.lists(JSONISH, max_size=3)),
            "permissionBoundary": JSONISH,
            "sessionPolicy": JSONISH,
            "resourcePolicy": JSONISH,
            "scps": JSONISH,
            "rcps": JSONISH,
        },
    )
)
def test_simulating_any_case_answers_a_decision_or_an_error_with_a_path(case):
    result = simulate_case(case)
    assert isinstance(result, dict)
    if "error" in result:
        assert isinstance(result["error"].get("message"), str) and result["error"]["message"]
        assert "path" in result["error"]
    else:
        assert result["decision"] in {"allowed", "explicitDeny", "implicitDeny"}
