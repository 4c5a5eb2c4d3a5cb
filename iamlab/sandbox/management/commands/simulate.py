"""`manage.py simulate`: a thin wrapper around `iamlab.engine.cli`.

`manage.py` answers this command without starting Django (see its `_ENGINE_COMMANDS`); this class
makes it visible to `manage.py help` and usable through `call_command`.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from iamlab.engine import cli


class Command(BaseCommand):
    help = cli.SIMULATE_HELP

    def add_arguments(self, parser) -> None:  # noqa: ANN001 - Django's CommandParser
        cli.add_simulate_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            code = cli.run_simulate(
                options, stdin=sys.stdin, stdout=self.stdout, stderr=self.stderr
            )
        except cli.UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if code:
            raise CommandError("the case is not valid", returncode=code)
