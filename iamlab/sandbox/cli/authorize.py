"""Would AWS allow this call? The sandbox's decision, with every policy AWS would apply and the
request context AWS would set.

    manage.py sandbox authorize NAME --principal ARN --action ACTION --resource ARN
                                [--context KEY=VALUE ...] [--json]

The principal is a user, a role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), a role
or the account root (its ARN or bare account id). A context value with commas is a list
(`--context aws:TagKeys=a,b`); repeat a key to add values. Exit status 0 when allowed, 1 when
denied or on a problem.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import OutputWrapper

from iamlab.engine import EngineInputError

from ..services.authz import authorize
from ..services.errors import AwsError
from .common import CliError, add_owner_argument, find_sandbox

HELP = "decide whether a principal may perform an action on a resource, and explain why"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the sandbox's name")
    add_owner_argument(parser)
    parser.add_argument("--principal", required=True, metavar="ARN", help="who calls")
    parser.add_argument("--action", required=True, metavar="ACTION", help="e.g. s3:GetObject")
    parser.add_argument("--resource", default="*", metavar="ARN", help="default: *")
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a request-context key to add or override (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def parse_context(pairs: list[str]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(f"--context {pair!r}: write KEY=VALUE")
        values = value.split(",") if "," in value else [value]
        if key in context:
            previous = context[key]
            context[key] = [*(previous if isinstance(previous, list) else [previous]), *values]
        else:
            context[key] = values if len(values) > 1 else value
    return context


def handle(options: dict[str, Any], *, stdout: OutputWrapper, stderr: OutputWrapper) -> int:
    try:
        sandbox = find_sandbox(options["name"], options.get("owner"))
        result = authorize(
            sandbox,
            options["principal"],
            options["action"],
            options["resource"],
            context=parse_context(options["context"]),
        )
    except (CliError, AwsError) as exc:
        stderr.write(exc.message if isinstance(exc, AwsError) else str(exc))
        return 1
    except EngineInputError as exc:
        stderr.write(exc.message)
        return 1
    if options["json"]:
        stdout.write(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        stdout.write(f"{result.decision.value}: {result.message}")
        if result.reason:
            stdout.write(result.reason)
        for kind, names in result.policies.items():
            if names:
                stdout.write(f"  {kind}: {', '.join(names)}")
    return 0 if result.allowed else 1
