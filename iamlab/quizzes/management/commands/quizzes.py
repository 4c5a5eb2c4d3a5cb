"""`manage.py quizzes check [PATH ...]`: validate the question bank, each problem with its place."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.quizzes.bank import load_bank


class Command(BaseCommand):
    help = "Work with the quiz question bank (lessons/questions/*.yaml)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Validate question files; exit 1 on any problem.")
        check.add_argument(
            "paths", nargs="*", help="question files or directories (default: lessons/questions)"
        )
        check.add_argument(
            "--lessons",
            dest="lessons_dir",
            default=None,
            help="the directory of lesson files whose ids references may name (default: lessons)",
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "check":
            self._check(options.get("paths") or None, options.get("lessons_dir"))

    def _check(self, paths: list[str] | None, lessons_dir: object) -> None:
        bank = load_bank(paths, lessons_dir=lessons_dir)  # type: ignore[arg-type]
        for problem in bank.problems:
            self.stdout.write(str(problem))
        if bank.problems:
            n = len(bank.problems)
            raise CommandError(
                f"{n} problem{'s' if n != 1 else ''} in the question bank; "
                f"{len(bank.questions)} questions OK",
                returncode=1,
            )
        self.stdout.write(f"{len(bank.questions)} questions OK")
