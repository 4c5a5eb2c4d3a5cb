"""Every named case in tests/engine/cases/*.yaml, run through the engine's public entry point.

A case is one authorization question in the simulation-case format
(shared/docs/simulation-case.md) plus three keys for people: `name` (a sentence), `why` (the
rule, citing the AWS documentation page it comes from) and `expected`, which is either AWS's
decision or `{error_path: <JSON pointer>}` for a case the engine must refuse.
"""

from __future__ import annotations

import copy
import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from iamlab.engine import simulate_case

CASES_DIR = Path(__file__).parent / "cases"
REPO_ROOT = Path(__file__).resolve().parents[2]

DECISIONS = {"allowed", "explicitDeny", "implicitDeny"}
# The page a rule comes from, as in (IAM User Guide: "Policy evaluation logic").
CITATION = re.compile(r'\([\w ]+: "[^"]+"\)')
META_KEYS = ("name", "why", "expected")
CASE_KEYS = {
    "request",
    "identityPolicies",
    "permissionBoundary",
    "sessionPolicy",
    "resourcePolicy",
    "scps",
    "rcps",
}


def _load_cases() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(loaded, list), f"{path.name} must hold a YAML list of cases"
        cases.extend((path.stem, case) for case in loaded)
    return cases


ALL_CASES = _load_cases()


def _question(case: dict[str, Any]) -> dict[str, Any]:
    """The case as the engine sees it: without the keys meant for people, and a private copy."""
    return copy.deepcopy({key: value for key, value in case.items() if key not in META_KEYS})


def _is_malformed(case: dict[str, Any]) -> bool:
    return isinstance(case.get("expected"), dict)


def _describe(case: dict[str, Any], result: dict[str, Any]) -> str:
    return f"{case['name']}\n  why: {case['why']}\n  engine said: {result}"


@pytest.mark.parametrize(
    "case", [case for _, case in ALL_CASES], ids=[f"{f}:{c.get('name')}" for f, c in ALL_CASES]
)
def test_case(case: dict[str, Any]) -> None:
    result = simulate_case(_question(case))
    assert isinstance(result, dict)
    if _is_malformed(case):
        assert "error" in result, _describe(case, result)
        assert result["error"].get("path") == case["expected"]["error_path"], _describe(
            case, result
        )
    else:
        assert "error" not in result, _describe(case, result)
        assert result.get("decision") == case["expected"], _describe(case, result)


def test_there_are_at_least_200_cases() -> None:
    assert len(ALL_CASES) >= 200


def test_case_names_are_unique() -> None:
    seen: dict[str, str] = {}
    for file, case in ALL_CASES:
        name = case.get("name")
        assert name not in seen, f"{file}: {name!r} is also a case in {seen[name]}"
        seen[name] = file


def _walk(value: Any, path: str = ""):  # noqa: ANN202 - a generator of (path, value) pairs
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}/{index}")


@pytest.mark.parametrize(
    "case", [case for _, case in ALL_CASES], ids=[f"{f}:{c.get('name')}" for f, c in ALL_CASES]
)
def test_case_is_well_formed(case: dict[str, Any]) -> None:
    """Guards against YAML's surprises (dates, numbers, a bare Null key) and typos in the data."""
    assert isinstance(case.get("name"), str) and case["name"].strip()
    why = case.get("why")
    assert isinstance(why, str) and CITATION.search(why), 'why must cite a page: (Guide: "Title")'
    assert set(case) - set(META_KEYS) <= CASE_KEYS, f"unknown keys: {set(case) - CASE_KEYS}"
    expected = case.get("expected")
    if isinstance(expected, dict):
        assert set(expected) == {"error_path"}
        assert expected["error_path"].startswith("/")
        return
    assert expected in DECISIONS
    for path, value in _walk(_question(case)):
        assert not isinstance(value, datetime.date), f"{path}: YAML read a date; quote it"
        if isinstance(value, dict):
            assert all(isinstance(key, str) for key in value), f"{path}: a key is not a string"
    request = case["request"]
    for field in ("principal", "action", "resource", "resourceAccount"):
        assert isinstance(request.get(field), str), f"request.{field} must be a string"
    for key, value in (request.get("context") or {}).items():
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)
        )
        assert ok, f"context value for {key} must be a string or a list of strings"
    for path, value in _walk(_question(case)):
        if path.endswith("/Version"):
            assert isinstance(value, str), f"{path} must be a string"
