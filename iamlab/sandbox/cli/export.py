"""Write a sandbox's whole state as scenario YAML."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import OutputWrapper

from ..scenario import export_scenario
from .common import CliError, add_owner_argument, find_sandbox

HELP = "write a sandbox as scenario YAML"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the sandbox's name")
    add_owner_argument(parser)
    parser.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    try:
        sandbox = find_sandbox(options["name"], options.get("owner"))
        text = export_scenario(sandbox)
        if options.get("output"):
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CliError(f"{options['output']}: cannot write: {exc.strerror}") from None
        else:
            stdout.write(text, ending="")
    except CliError as exc:
        stderr.write(str(exc))
        return 1
    return 0
