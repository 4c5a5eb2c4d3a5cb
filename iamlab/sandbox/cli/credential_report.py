"""Print an account's IAM credential report (AWS's CSV), as of the sandbox clock."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import OutputWrapper

from ..audit import build_credential_report
from ..models import Account
from .common import CliError, add_owner_argument, find_sandbox

HELP = "print the credential report CSV of a sandbox's account"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the sandbox's name")
    add_owner_argument(parser)
    parser.add_argument(
        "--account",
        metavar="ACCOUNT_ID",
        help="the account (default: the sandbox's only account, or its first by id)",
    )


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    try:
        sandbox = find_sandbox(options["name"], options.get("owner"))
        accounts = Account.objects.filter(sandbox=sandbox).order_by("account_id")
        if options.get("account"):
            accounts = accounts.filter(account_id=options["account"])
        account = accounts.select_related("sandbox").first()
        if account is None:
            which = f" {options['account']}" if options.get("account") else ""
            raise CliError(f"sandbox {sandbox.name!r} has no account{which}")
        stdout.write(build_credential_report(account))
    except CliError as exc:
        stderr.write(str(exc))
        return 1
    return 0
