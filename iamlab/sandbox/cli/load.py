"""Create a sandbox from a scenario YAML file (docs/scenario-format.md)."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import OutputWrapper

from ..scenario import ScenarioError, load_scenario
from .common import CliError, add_owner_argument, owner_from, read_text, report

HELP = "create a sandbox from a scenario YAML file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.yaml", help="the scenario ('-': standard input)")
    parser.add_argument("--name", required=True, help="the new sandbox's name (a slug)")
    add_owner_argument(parser)
    parser.add_argument(
        "--replace", action="store_true", help="replace a sandbox of that name and owner"
    )


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    filename = options["file"]
    try:
        text = read_text(filename)
        sandbox = load_scenario(
            text,
            name=options["name"],
            owner=owner_from(options.get("owner")),
            replace=options["replace"],
        )
    except CliError as exc:
        stderr.write(str(exc))
        return 1
    except ScenarioError as exc:
        report(exc.problems, filename, stderr)
        return 1
    stdout.write(f"loaded {filename} into sandbox {sandbox.name!r}")
    return 0
