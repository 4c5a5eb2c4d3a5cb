"""`manage.py sandbox SUBCOMMAND …`: import, load and export sandboxes.

Each subcommand lives in its own module under `iamlab/sandbox/cli/` (see its `__init__` for the
interface); add one by writing the module and naming it in SUBCOMMANDS.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

SUBCOMMANDS: dict[str, str] = {
    "import": "iamlab.sandbox.cli.import_details",
    "load": "iamlab.sandbox.cli.load",
    "export": "iamlab.sandbox.cli.export",
    "credential-report": "iamlab.sandbox.cli.credential_report",
    "authorize": "iamlab.sandbox.cli.authorize",
}


def _module(name: str) -> ModuleType:
    return import_module(SUBCOMMANDS[name])


class Command(BaseCommand):
    help = "Work with sandboxes: " + ", ".join(SUBCOMMANDS) + "."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name in SUBCOMMANDS:
            module = _module(name)
            sub = subcommands.add_parser(name, help=module.HELP, description=module.__doc__)
            module.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        status = _module(options["subcommand"]).handle(
            options, stdout=self.stdout, stderr=self.stderr
        )
        if status:
            raise SystemExit(status)
