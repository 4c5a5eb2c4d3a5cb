"""Create a sandbox from a scenario YAML file (docs/scenario-format.md)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import OutputWrapper

from ..scenario import ScenarioError, load_scenario
from .common import add_create_arguments, create_from_file

HELP = "create a sandbox from a scenario YAML file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_create_arguments(parser, "FILE.yaml", "the scenario")


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    sandbox = create_from_file(options, stderr, load_scenario, ScenarioError)
    if sandbox is None:
        return 1
    stdout.write(f"loaded {options['file']} into sandbox {sandbox.name!r}")
    return 0
