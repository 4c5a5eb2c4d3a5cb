"""Reading lesson files: YAML → plain data, with every problem as `FILE:LINE:COLUMN: message`.

    read_lesson_file(path, lessons_dir) -> LessonFile        one file, checked on its own
    check_catalog(files, lessons_dir)                        problems between lessons (ids,
                                                             prerequisites, quiz questions)
    lesson_paths(lessons_dir) -> [Path]                      every lesson file of a folder

A lesson's setup (with its `include`d shared pieces merged in) is given to the scenario loader in
a transaction that is rolled back, so a setup the sandbox refuses is reported at the lesson's
line. Nothing here raises on a bad file: problems are data.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import DatabaseError, transaction
from yaml.nodes import MappingNode, Node, SequenceNode

from iamlab.engine import PolicyKind, Severity, validate_policy
from iamlab.sandbox.errors import InputProblem
from iamlab.sandbox.scenario import ScenarioError, load_scenario
from iamlab.sandbox.scenario.yamlio import Reader, child, compose, dump, problem_from_yaml_error

from . import references
from .schema import read_lesson


def lessons_dir() -> Path:
    return Path(getattr(settings, "LESSONS_DIR", settings.BASE_DIR / "lessons"))


def display(path: Path) -> str:
    """A path as problems print it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class LessonFile:
    lesson_id: str  # the file name without .yaml
    path: Path
    content_hash: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    setup_text: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.problems)


class _Collector:
    """Problems of one lesson, each formatted for its file (lesson or shared piece)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: list[str] = []

    def add(self, problem: InputProblem, filename: str | None = None) -> None:
        if problem.line is None:  # every problem has a place: else the start of its file
            problem = InputProblem(problem.message, 1, 1, problem.path)
        line = problem.for_file(filename or self.filename)
        if line not in self.lines:
            self.lines.append(line)

    def at(self, node: Node | None, path: str, message: str, filename: str | None = None) -> None:
        if node is None:
            self.add(InputProblem(message, path=path), filename)
        else:
            mark = node.start_mark
            self.add(InputProblem(message, mark.line + 1, mark.column + 1, path), filename)


def lesson_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def read_lesson_file(
    path: Path, folder: Path | None = None, *, load_setup: bool = True
) -> LessonFile:
    """One lesson file, checked on its own. Never raises: a failure of the checker itself
    becomes a problem of the file."""
    try:
        return _read_lesson_file(path, folder, load_setup=load_setup)
    except Exception as exc:  # noqa: BLE001 - a lesson file must never crash the tools
        out = LessonFile(lesson_id=path.name.removesuffix(".yaml"), path=path)
        out.problems = [
            f"{display(path)}:1:1: the checker failed on this file ({type(exc).__name__}: "
            f"{exc}); please report it"
        ]
        return out


def _read_lesson_file(path: Path, folder: Path | None, *, load_setup: bool) -> LessonFile:
    folder = folder or lessons_dir()
    out = LessonFile(lesson_id=path.name.removesuffix(".yaml"), path=path)
    problems = _Collector(display(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(InputProblem(f"cannot read the file: {exc}"))
        out.problems = problems.lines
        return out
    digest = hashlib.sha256(text.encode())
    try:
        root = compose(text)
    except yaml.YAMLError as exc:
        problems.add(_yaml_problem(exc, text))
        out.problems, out.content_hash = problems.lines, digest.hexdigest()
        return out
    if root is None:
        problems.add(InputProblem("the lesson file is empty", 1, 1))
        out.problems, out.content_hash = problems.lines, digest.hexdigest()
        return out
    data, schema_problems, where = read_lesson(root)
    for problem in schema_problems:
        problems.add(problem)
    if data.get("id") and data["id"] != out.lesson_id:
        problems.at(
            where.nodes.get("id"),
            "id",
            f"the id {data['id']!r} must equal the file name ({out.lesson_id!r})",
        )
    setup_node = where.nodes.get("setup")
    merged, origins = None, {}
    if isinstance(setup_node, MappingNode):
        merged, origins = _merge_setup(setup_node, folder, problems, digest)
    if merged is not None:
        setup_text = dump(merged)
        out.setup_text = setup_text
        _validate_documents(merged, origins, problems)
        if load_setup:
            _check_setup(setup_text, origins, setup_node, problems)
        references.check(data, merged, where, problems)
    out.data = data
    out.content_hash = digest.hexdigest()
    out.problems = sorted(problems.lines, key=_position)
    return out


def _yaml_problem(exc: yaml.YAMLError, text: str) -> InputProblem:
    """A YAML error at its line and column; the reader's errors (a control character, bad
    encoding) give a character position instead of a mark."""
    problem = problem_from_yaml_error(exc)
    position = getattr(exc, "position", None)
    if problem.line is None and isinstance(position, int) and 0 <= position <= len(text):
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        problem = InputProblem(problem.message.split("\n", 1)[0], line, column)
    return problem


# ------------------------------------------------------------------------------------ setup
Origins = dict[str, tuple[str, Node]]  # scenario key path -> (file, node)


def _record_origins(node: Node, path: str, filename: str, out: Origins) -> None:
    out[path] = (filename, node)
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            key = getattr(key_node, "value", None)
            if isinstance(key, str):
                _record_origins(value, child(path, key), filename, out)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _record_origins(item, child(path, i), filename, out)


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_setup(
    setup_node: MappingNode, folder: Path, problems: _Collector, digest: Any
) -> tuple[dict[str, Any] | None, Origins]:
    reader = Reader()
    ok, own = reader.value(setup_node, "setup")
    for problem in reader.problems:
        problems.add(problem)
    if not ok or not isinstance(own, dict):
        return None, {}
    origins: Origins = {}
    merged: dict[str, Any] = {}
    includes = own.pop("include", None)
    include_node = next(
        (v for k, v in setup_node.value if getattr(k, "value", None) == "include"), None
    )
    if includes is not None:
        if isinstance(includes, str):
            includes = [includes]
        if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
            message = "include lists names of lessons/shared files"
            problems.at(include_node, "setup.include", message)
            return None, {}
        for name in includes:
            piece = _read_shared(folder, name, include_node, problems, digest)
            if piece is None:
                return None, {}
            data, node, filename = piece
            _record_origins(node, "", filename, origins)
            merged = _deep_merge(merged, data)
    own_origins: Origins = {}
    _record_origins(setup_node, "", problems.filename, own_origins)
    own_origins.pop("include", None)
    origins.update(own_origins)
    merged = _deep_merge(merged, own)
    merged.setdefault("format", 1)
    return merged, origins


def _read_shared(
    folder: Path, name: str, include_node: Node | None, problems: _Collector, digest: Any
) -> tuple[dict[str, Any], Node, str] | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        problems.at(include_node, "setup.include", f"{name!r} is not a shared piece's name")
        return None
    path = folder / "shared" / f"{name}.yaml"
    filename = display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        available = sorted(p.stem for p in (folder / "shared").glob("*.yaml"))
        problems.at(
            include_node,
            "setup.include",
            f"no shared piece {name!r} (lessons/shared/{name}.yaml); "
            f"there are: {', '.join(available) or 'none'}",
        )
        return None
    digest.update(text.encode())
    try:
        node = compose(text)
    except yaml.YAMLError as exc:
        problems.add(_yaml_problem(exc, text), filename)
        return None
    reader = Reader()
    ok, data = reader.value(node, "") if node is not None else (True, {})
    for problem in reader.problems:
        problems.add(problem, filename)
    if not ok or not isinstance(data, dict):
        problems.at(node, "", "a shared piece is a mapping of scenario keys", filename)
        return None
    return data, node, filename


def origin_of(path: str, origins: Origins) -> tuple[str, Node] | None:
    """The node a scenario key path came from: the longest recorded prefix."""
    while True:
        if path in origins:
            return origins[path]
        if not path:
            return None
        cut = max(path.rfind("."), path.rfind("["))
        path = path[: max(cut, 0)]


def _check_setup(setup_text: str, origins: Origins, setup_node: Node, problems: _Collector) -> None:
    """Load the setup as a sandbox in a transaction that is always rolled back."""

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            load_scenario(setup_text, name=f"lesson-check-{uuid.uuid4().hex[:16]}")
            raise _Rollback
    except _Rollback:
        return
    except DatabaseError as exc:
        problems.at(setup_node, "setup", f"the setup could not be loaded (database: {exc})")
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # The scenario loader failed on this setup instead of naming a problem: say where.
        message = f"the sandbox could not load this setup ({type(exc).__name__}: {exc})"
        problems.at(setup_node, "setup", message)
    except ScenarioError as exc:
        for problem in exc.problems:
            found = origin_of(problem.path, origins)
            if found is None:
                problems.at(setup_node, "setup", f"{problem.path}: {problem.message}")
                continue
            filename, node = found
            at = f"setup.{problem.path}" if problem.path else "setup"
            problems.at(node, at, problem.message, filename)


# -------------------------------------------------------------------------------- documents
def setup_documents(setup: dict[str, Any]) -> list[tuple[str, Any, PolicyKind]]:
    """Every policy document of a setup: (key path, document, kind)."""
    out: list[tuple[str, Any, PolicyKind]] = []
    for account_id, account in _items(setup.get("accounts")):
        base = child("accounts", str(account_id))
        for name, policy in _items(account.get("policies")):
            path = child(child(base, "policies"), name)
            if "document" in policy:
                out.append((child(path, "document"), policy["document"], PolicyKind.IDENTITY))
            for version, body in _items(policy.get("versions")):
                if "document" in body:
                    vpath = child(child(child(path, "versions"), version), "document")
                    out.append((vpath, body["document"], PolicyKind.IDENTITY))
        for section in ("users", "groups", "roles"):
            for name, entity in _items(account.get(section)):
                path = child(child(base, section), name)
                inline = entity.get("inline_policies")
                for policy_name, document in (inline if isinstance(inline, dict) else {}).items():
                    ipath = child(child(path, "inline_policies"), policy_name)
                    out.append((ipath, document, PolicyKind.IDENTITY))
                if section == "roles" and "trust_policy" in entity:
                    tpath = child(path, "trust_policy")
                    out.append((tpath, entity["trust_policy"], PolicyKind.TRUST))
        for section in ("buckets", "queues", "functions", "kms_keys"):
            for name, resource in _items(account.get(section)):
                if resource.get("policy") is not None:
                    rpath = child(child(child(base, section), name), "policy")
                    out.append((rpath, resource["policy"], PolicyKind.RESOURCE))
    org = setup.get("organization")
    if isinstance(org, dict):
        for name, policy in _items(org.get("policies")):
            kind = PolicyKind.RCP if policy.get("type") == "RCP" else PolicyKind.SCP
            if "document" in policy:
                path = child(child(child("organization", "policies"), name), "document")
                out.append((path, policy["document"], kind))
    return out


def _items(section: Any) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(section, dict):
        return []
    return [(str(k), v) for k, v in section.items() if isinstance(v, dict)]


def document_errors(document: Any, kind: PolicyKind) -> list[tuple[str, str]]:
    """The validator's ERRORs: (JSON pointer, message)."""
    if not isinstance(document, dict | str):
        return [("", "a policy document is a mapping or JSON text")]
    try:
        found = validate_policy(document, kind)
    except Exception as exc:  # noqa: BLE001 - a validator failure is reported, never raised
        return [("", f"the policy could not be validated: {exc}")]
    return [(p.path, p.message) for p in found if p.severity is Severity.ERROR]


def pointer_to_path(base: str, document: Any, pointer: str) -> str:
    """A JSON pointer inside a document (a mapping) as a scenario key path."""
    path, value = base, document
    for raw in pointer.split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list) and segment.isdigit():
            index = int(segment)
            path = child(path, index)
            value = value[index] if index < len(value) else None
        elif isinstance(value, dict):
            path = child(path, segment)
            value = value.get(segment)
        else:
            break
    return path


def _validate_documents(setup: dict[str, Any], origins: Origins, problems: _Collector) -> None:
    for path, document, kind in setup_documents(setup):
        for pointer, message in document_errors(document, kind):
            where = pointer_to_path(path, document, pointer) if isinstance(document, dict) else path
            found = origin_of(where, origins)
            filename, node = found if found else (problems.filename, None)
            problems.at(node, f"setup.{path}", f"invalid policy: {message}", filename)


def call_document_kind(
    call: str, param: str, params: dict[str, Any] | None = None
) -> PolicyKind | None:
    """Which parameters of a service call are policy documents, and of which kind."""
    if call.startswith("organizations.") and param == "Content":
        kind = (params or {}).get("Type")
        return PolicyKind.RCP if kind == "RESOURCE_CONTROL_POLICY" else PolicyKind.SCP
    if param == "AssumeRolePolicyDocument" or (
        call == "iam.update_assume_role_policy" and param == "PolicyDocument"
    ):
        return PolicyKind.TRUST
    if param == "PolicyDocument":
        return PolicyKind.IDENTITY
    if param == "Policy":
        return PolicyKind.SESSION if call.startswith("sts.") else PolicyKind.RESOURCE
    return None


def call_params(call: str, params: dict[str, Any]) -> dict[str, Any]:
    """Solution parameters as the service takes them: documents given as mappings become JSON."""
    out = dict(params)
    for key, value in params.items():
        if call_document_kind(call, key, params) is not None and isinstance(value, dict):
            out[key] = json.dumps(value, indent=4)
    return out


# ---------------------------------------------------------------------------------- catalog
def question_ids(folder: Path) -> set[str]:
    """Ids of the quiz bank's questions (lessons/questions/**.yaml): a file's `id`, or the `id`s
    of its `questions` list or of a top-level list."""
    ids: set[str] = set()
    for path in sorted((folder / "questions").rglob("*.y*ml")):
        ids.add(path.stem)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        items: list[Any] = []
        if isinstance(data, dict):
            items = [data, *(data.get("questions") or [])]
        elif isinstance(data, list):
            items = data
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                ids.add(item["id"])
    return ids


def check_catalog(files: list[LessonFile], known_ids: set[str], folder: Path) -> None:
    """Problems between lessons: duplicate ids, unknown prerequisites and quiz questions.
    `known_ids` are lesson ids that exist besides `files` (e.g. the rest of the catalog)."""
    seen: dict[str, LessonFile] = {}
    questions: set[str] | None = None
    ids = known_ids | {f.lesson_id for f in files}
    for lesson in files:
        filename = display(lesson.path)
        if lesson.lesson_id in seen:
            other = display(seen[lesson.lesson_id].path)
            lesson.problems.append(f"{filename}:1:1: id: duplicate lesson id (also {other})")
        seen.setdefault(lesson.lesson_id, lesson)
        positions = _list_positions(lesson.path)
        for key in ("prerequisites", "quiz"):
            values = lesson.data.get(key) or []
            if key == "quiz" and values and questions is None:
                questions = question_ids(folder)
            pool = ids if key == "prerequisites" else (questions or set())
            for i, value in enumerate(values):
                if value not in pool or (key == "prerequisites" and value == lesson.lesson_id):
                    line, column = positions.get((key, i), (1, 1))
                    what = (
                        f"no lesson {value!r}"
                        if key == "prerequisites"
                        else f"no quiz question {value!r} in lessons/questions/"
                    )
                    lesson.problems.append(f"{filename}:{line}:{column}: {key}[{i}]: {what}")
        lesson.problems.sort(key=_position)


def _position(line: str) -> tuple[int, int]:
    """(line, column) of a `FILE:LINE:COLUMN: message` line, for sorting a file's problems."""
    match = re.match(r"[^:]*:(\d+):(\d+):", line)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def _list_positions(path: Path) -> dict[tuple[str, int], tuple[int, int]]:
    """(key, index) -> (line, column) of the items of top-level lists."""
    try:
        root = compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    out: dict[tuple[str, int], tuple[int, int]] = {}
    if isinstance(root, MappingNode):
        for key_node, value in root.value:
            if isinstance(value, SequenceNode):
                for i, item in enumerate(value.value):
                    mark = item.start_mark
                    out[(key_node.value, i)] = (mark.line + 1, mark.column + 1)
    return out
