"""`manage.py sandbox authorize`: the decision, AWS's message, and --json."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from .sandboxes import two_accounts  # noqa: F401 - a fixture


def _run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("sandbox", "authorize", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


def test_it_prints_the_decision_and_awss_message(two_accounts):  # noqa: F811
    status, out, _ = _run(
        "two-accounts",
        "--principal",
        "arn:aws:iam::111111111111:user/bob",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-reports/q1.txt",
    )
    assert status == 1
    assert out.startswith("implicitDeny: User: arn:aws:iam::111111111111:user/bob is not ")


def test_it_answers_json_for_a_role_session_with_context(two_accounts):  # noqa: F811
    status, out, _ = _run(
        "two-accounts",
        "--principal",
        "arn:aws:sts::222222222222:assumed-role/auditor/me",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-reports/q1.txt",
        "--context",
        "aws:SourceIp=10.0.0.1",
        "--json",
    )
    answer = json.loads(out)
    assert status == 0
    assert answer["decision"] == "allowed"
    assert answer["context"]["aws:SourceIp"] == "10.0.0.1"
    assert answer["decisive"] and "trace" in answer


def test_it_decides_for_the_account_root_by_id(two_accounts):  # noqa: F811
    status, out, _ = _run(
        "two-accounts",
        "--principal",
        "222222222222",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::prod-reports/q1.txt",
        "--json",
    )
    assert json.loads(out)["decision"] == "allowed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--principal", "1", "--action", "s3:GetObject"], "no sandbox named 'nope'"),
        (
            [
                "two-accounts",
                "--principal",
                "arn:aws:iam::111111111111:user/zed",
                "--action",
                "a:b",
            ],
            "The user with name zed cannot be found.",
        ),
        (
            ["two-accounts", "--principal", "222222222222", "--action", "a:b", "--context", "x"],
            "--context 'x': write KEY=VALUE",
        ),
    ],
)
def test_problems_are_reported_without_a_traceback(two_accounts, args, message):  # noqa: F811
    status, _, err = _run(*args)
    assert status == 1
    assert message in err
