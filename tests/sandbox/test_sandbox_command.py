"""`manage.py sandbox import | load | export`."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from iamlab.sandbox.models import IamUser, Sandbox

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "authorization-details.json"
SCENARIO = """\
clock: {now: 2026-01-15T09:00:00Z}
accounts:
  '123456789012':
    users:
      alice: {created: -10d}
"""


def _run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("sandbox", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "lesson.yaml"
    path.write_text(SCENARIO)
    return path


def test_it_loads_a_scenario_and_exports_it_again(scenario_file):
    status, out, err = _run("load", str(scenario_file), "--name", "lesson")
    assert (status, err) == (0, "")
    assert "loaded" in out
    status, out, _ = _run("export", "lesson")
    assert status == 0
    assert "alice:" in out and "created: 2026-01-05T09:00:00Z" in out
    assert out.endswith("\n") and not out.endswith("\n\n")


def test_it_exports_to_a_file(scenario_file, tmp_path):
    _run("load", str(scenario_file), "--name", "lesson")
    target = tmp_path / "out.yaml"
    assert _run("export", "lesson", "-o", str(target))[0] == 0
    assert target.read_text().startswith("format: 1\n")


def test_a_bad_scenario_prints_file_line_column_and_exits_1(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("accounts:\n  '123456789012':\n    users:\n      bob: {groups: [Devs]}\n")
    status, out, err = _run("load", str(path), "--name", "bad")
    assert status == 1 and out == ""
    assert err == (
        f"{path}:4:22: accounts.123456789012.users.bob.groups[0]: "
        "no group named 'Devs' in account 123456789012\n"
    )
    assert "Traceback" not in err
    assert not Sandbox.objects.exists()


def test_invalid_yaml_is_reported_the_same_way(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("accounts: {\n")
    status, _, err = _run("load", str(path), "--name", "bad")
    assert status == 1
    assert err.startswith(f"{path}:2:1: not valid YAML")


def test_a_missing_file_is_one_line_not_a_traceback():
    status, _, err = _run("load", "/no/such/file.yaml", "--name", "x")
    assert status == 1
    assert err == "/no/such/file.yaml: cannot read: No such file or directory\n"


def test_it_refuses_to_overwrite_unless_told(scenario_file):
    _run("load", str(scenario_file), "--name", "lesson")
    status, _, err = _run("load", str(scenario_file), "--name", "lesson")
    assert status == 1 and "already exists" in err
    assert _run("load", str(scenario_file), "--name", "lesson", "--replace")[0] == 0
    assert Sandbox.objects.count() == 1


def test_sandboxes_belong_to_their_owner(scenario_file, alice, bob):
    _run("load", str(scenario_file), "--name", "lesson", "--owner", "alice")
    assert Sandbox.objects.get().owner == alice
    status, _, err = _run("export", "lesson", "--owner", "bob")
    assert status == 1 and "no sandbox named 'lesson' owned by bob" in err
    status, _, err = _run("export", "lesson", "--owner", "nobody")
    assert status == 1 and "no user named 'nobody'" in err


def test_it_imports_authorization_details_and_prints_warnings():
    status, out, err = _run("import", str(FIXTURE), "--name", "real")
    assert status == 0 and "imported" in out
    (warning,) = err.splitlines()
    assert warning.startswith(f"{FIXTURE}:")
    assert ": warning: RoleDetailList[3].AttachedManagedPolicies[0]: " in warning
    assert IamUser.objects.count() == 3


def test_an_import_problem_prints_its_place(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('{"UserDetailList": [\n  {"UserName": 7}\n]}\n')
    status, _, err = _run("import", str(path), "--name", "x")
    assert status == 1
    assert err.startswith(f"{path}:2:16: UserDetailList[0].UserName: UserName is missing")


def test_export_of_an_unknown_sandbox_fails_cleanly():
    status, _, err = _run("export", "nope")
    assert status == 1 and err == "no sandbox named 'nope' without an owner\n"
