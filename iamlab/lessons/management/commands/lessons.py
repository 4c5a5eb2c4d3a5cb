"""`manage.py lessons check|selftest|load` — tools for lesson authors (docs/lesson-format.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iamlab.lessons import store
from iamlab.lessons.loader import lesson_paths, lessons_dir
from iamlab.lessons.selftest import selftest


def _require_migrated_database() -> None:
    """Setups are built in the database: say so plainly when it has not been created yet."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError(
            "the database is not up to date: run `python manage.py migrate` first "
            "(`make run` does it for you)",
            returncode=2,
        )


class Command(BaseCommand):
    help = "Check, self-test or load the lessons in lessons/."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate lesson files: FILE:LINE:COLUMN: message")
        check.add_argument("paths", nargs="*", help="lesson files or folders (default: lessons/)")
        test = sub.add_parser("selftest", help="setup fails a check; the solution passes them all")
        test.add_argument("ids", nargs="*", help="lesson ids (default: every lesson)")
        sub.add_parser("load", help="(re)load every lesson file into the database")

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        _require_migrated_database()
        if action == "check":
            self._check([Path(str(p)) for p in options["paths"] or []])  # type: ignore[attr-defined]
        elif action == "selftest":
            self._selftest([str(i) for i in options["ids"] or []])  # type: ignore[attr-defined]
        else:
            self._load()

    def _paths(self, given: list[Path]) -> list[Path]:
        if not given:
            return lesson_paths(lessons_dir())
        out: list[Path] = []
        for path in given:
            out.extend(lesson_paths(path) if path.is_dir() else [path])
        return out

    def _check(self, given: list[Path]) -> None:
        paths = self._paths(given)
        folder = _folder_of(paths)
        files = store.read_all(folder, paths)
        problems = [line for f in files for line in f.problems]
        for line in problems:
            self.stdout.write(line)
        broken = sum(1 for f in files if f.problems)
        if problems:
            self.stdout.write(f"{len(problems)} problems in {broken} lessons")
            raise CommandError("lessons check found problems", returncode=1)
        self.stdout.write(f"{len(files)} lessons OK")

    def _selftest(self, ids: list[str]) -> None:
        folder = lessons_dir()
        if ids:
            paths = [folder / f"{i}.yaml" for i in ids]
            missing = [str(p) for p in paths if not p.is_file()]
            if missing:
                raise CommandError(f"no lesson file: {', '.join(missing)}", returncode=1)
        else:
            paths = lesson_paths(folder)
        failed = 0
        for lesson_file in store.read_all(folder, paths, between=False):
            result = selftest(lesson_file)
            if result.ok:
                self.stdout.write(f"OK    {result.lesson_id}")
                continue
            failed += 1
            self.stdout.write(f"FAIL  {result.lesson_id}")
            for failure in result.failures:
                self.stdout.write(f"      {failure}")
        total = len(paths)
        if failed:
            self.stdout.write(f"{failed} of {total} lessons failed")
            raise CommandError("lessons selftest failed", returncode=1)
        self.stdout.write(f"{total} lessons passed")

    def _load(self) -> None:
        rows = store.load_all()
        broken = [r for r in rows if r.broken]
        for row in rows:
            state = f"BROKEN ({len(row.problems)} problems)" if row.broken else "ok"
            self.stdout.write(f"{row.lesson_id} v{row.version}: {state}")
        self.stdout.write(f"{len(rows)} lessons loaded, {len(broken)} broken")


def _folder_of(paths: list[Path]) -> Path:
    """The lessons folder the files belong to (for shared pieces and the catalog)."""
    default = lessons_dir()
    if not paths:
        return default
    parent = paths[0].resolve().parent
    return default if parent == default.resolve() else parent
