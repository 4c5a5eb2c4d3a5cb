"""Create a sandbox from `aws iam get-account-authorization-details` output, to study a real
account offline."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import OutputWrapper

from ..authdetails import AuthDetailsError, import_authorization_details
from .common import CliError, add_owner_argument, owner_from, read_text, report

HELP = "create a sandbox from `aws iam get-account-authorization-details` JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.json", help="the export ('-': standard input)")
    parser.add_argument("--name", required=True, help="the new sandbox's name (a slug)")
    add_owner_argument(parser)
    parser.add_argument(
        "--replace", action="store_true", help="replace a sandbox of that name and owner"
    )


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    filename = options["file"]
    try:
        text = read_text(filename)
        result = import_authorization_details(
            text,
            name=options["name"],
            owner=owner_from(options.get("owner")),
            replace=options["replace"],
        )
    except CliError as exc:
        stderr.write(str(exc))
        return 1
    except AuthDetailsError as exc:
        report(exc.problems, filename, stderr)
        return 1
    report(result.warnings, filename, stderr, label="warning")
    stdout.write(f"imported {filename} into sandbox {result.sandbox.name!r}")
    return 0
