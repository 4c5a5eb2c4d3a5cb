"""`manage.py validate_policy`: a thin wrapper around `iamlab.engine.cli`.

`manage.py` answers this command without starting Django (see its `_ENGINE_COMMANDS`); this class
makes it visible to `manage.py help` and usable through `call_command`.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from iamlab.engine import cli


class Command(BaseCommand):
    help = cli.VALIDATE_HELP

    def add_arguments(self, parser) -> None:  # noqa: ANN001 - Django's CommandParser
        cli.add_validate_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            code = cli.run_validate(
                options, stdin=sys.stdin, stdout=self.stdout, stderr=self.stderr
            )
        except cli.UsageError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if code:
            raise CommandError("the policy is not valid", returncode=code)
