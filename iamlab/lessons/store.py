"""Lesson files → `LessonVersion` rows: `load_all` (the `lessons load` command) and `refresh`
(in DEBUG, files changed since they were read are loaded again before they are used)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from django.db import IntegrityError, transaction

from .lesson import Lesson
from .loader import LessonFile, check_catalog, lesson_paths, lessons_dir, read_lesson_file
from .models import LessonVersion
from .references import first_account


def read_all(
    folder: Path | None = None, paths: list[Path] | None = None, *, between: bool = True
) -> list[LessonFile]:
    """Read and check lesson files (every lesson of the folder by default), with the problems
    between them (prerequisites, quiz ids, duplicates) unless `between` is false."""
    folder = folder or lessons_dir()
    chosen = paths if paths is not None else lesson_paths(folder)
    files = [read_lesson_file(p, folder) for p in chosen]
    if between:
        others = {p.name.removesuffix(".yaml") for p in lesson_paths(folder)}
        check_catalog(files, others, folder)
    return files


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def store(lesson: LessonFile) -> LessonVersion:
    """Make the file's content the lesson's current version (a new row if the content is new)."""
    setup_first = ""
    if lesson.setup_text:
        import yaml

        try:
            setup_first = first_account(yaml.safe_load(lesson.setup_text) or {}) or ""
        except yaml.YAMLError:
            setup_first = ""
    fields = {
        "version": lesson.data.get("version", 0) if isinstance(lesson.data, dict) else 0,
        "path": str(lesson.path),
        "mtime": _mtime(lesson.path),
        "order": lesson.data.get("order", 10_000),
        "data": lesson.data,
        "setup_text": lesson.setup_text,
        "first_account": setup_first,
        "problems": lesson.problems,
    }
    with transaction.atomic():
        LessonVersion.objects.filter(lesson_id=lesson.lesson_id, current=True).exclude(
            content_hash=lesson.content_hash
        ).update(current=False)
        row, _ = LessonVersion.objects.update_or_create(
            lesson_id=lesson.lesson_id,
            content_hash=lesson.content_hash,
            defaults={**fields, "current": True},
        )
    return row


def load_all(folder: Path | None = None) -> list[LessonVersion]:
    """Load every lesson file; lessons whose file is gone stop being current."""
    files = read_all(folder)
    rows = [store(f) for f in files]
    ids = {f.lesson_id for f in files}
    LessonVersion.objects.filter(current=True).exclude(lesson_id__in=ids).update(current=False)
    return rows


def refresh(folder: Path | None = None) -> None:
    """Load files that are new or whose modification time changed since they were read."""
    folder = folder or lessons_dir()
    stored = {
        row.lesson_id: row
        for row in LessonVersion.objects.filter(current=True).only("path", "mtime", "loaded_at")
    }
    paths = lesson_paths(folder)
    changed = [
        p
        for p in paths
        if (row := stored.get(p.name.removesuffix(".yaml"))) is None
        or row.mtime != _mtime(p)
        or row.path != str(p)
    ]
    shared = folder / "shared"
    newest_shared = max((_mtime(p) for p in shared.glob("*.yaml")), default=0.0)
    if newest_shared and any(row.loaded_at.timestamp() < newest_shared for row in stored.values()):
        changed = paths  # a shared piece changed: any lesson may include it
    if changed:
        for lesson in read_all(folder, changed):
            # Another request may store the same content at the same moment: theirs will do.
            with contextlib.suppress(IntegrityError):
                store(lesson)
    present = {p.name.removesuffix(".yaml") for p in paths}
    gone = [lid for lid in stored if lid not in present]
    if gone:
        LessonVersion.objects.filter(current=True, lesson_id__in=gone).update(current=False)


def lesson_of(row: LessonVersion) -> Lesson:
    return Lesson.from_data(row.data, row.setup_text, row.first_account)
