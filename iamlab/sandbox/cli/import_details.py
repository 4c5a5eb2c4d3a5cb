"""Create a sandbox from `aws iam get-account-authorization-details` output, to study a real
account offline."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import OutputWrapper

from ..authdetails import AuthDetailsError, import_authorization_details
from .common import add_create_arguments, create_from_file, report

HELP = "create a sandbox from `aws iam get-account-authorization-details` JSON"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_create_arguments(parser, "FILE.json", "the export")


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    filename = options["file"]
    result = create_from_file(options, stderr, import_authorization_details, AuthDetailsError)
    if result is None:
        return 1
    report(result.warnings, filename, stderr, label="warning")
    stdout.write(f"imported {filename} into sandbox {result.sandbox.name!r}")
    return 0
