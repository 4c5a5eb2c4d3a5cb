"""The question bank: YAML files of questions, loaded and checked with the place of every problem.

Each file of `lessons/questions/` is a YAML list of questions (format: docs/quizzes.md). The
loader walks the node tree `yaml.compose` gives, so every problem carries the line and column of
the node at fault and prints as `FILE:LINE:COLUMN: message`. It never raises on a bad file: a
question with any problem is left out of the bank and its problems are reported.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings

from .vocab import DIFFICULTIES, DOMAINS, TOPICS

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUESTION_KEYS = ("id", "stem", "pick", "options", "topics", "domain", "difficulty", "references")
REQUIRED_KEYS = ("id", "stem", "pick", "options", "topics", "domain", "difficulty")
OPTION_KEYS = ("text", "correct", "explanation")
REFERENCE_KEYS = ("lessons", "docs")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"


@dataclass(frozen=True, slots=True)
class Option:
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    stem: str  # Markdown
    pick: int
    options: tuple[Option, ...]
    topics: tuple[str, ...]
    domain: str
    difficulty: str
    lessons: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    source: str = ""  # FILE:LINE of the question, or "generated"
    explanation: str = ""  # an overall explanation (the engine's trace for generated questions)

    @property
    def correct_indices(self) -> frozenset[int]:
        return frozenset(i for i, o in enumerate(self.options) if o.correct)

    @property
    def generated(self) -> bool:
        return self.source == "generated"

    def is_correct(self, chosen: Iterable[int]) -> bool:
        return frozenset(chosen) == self.correct_indices


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 1-based
    column: int  # 1-based
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


@dataclass(slots=True)
class Bank:
    questions: dict[str, Question] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0


def default_bank_dir() -> Path:
    return Path(settings.BASE_DIR) / "lessons" / "questions"


def default_lessons_dir() -> Path:
    return Path(settings.BASE_DIR) / "lessons"


def lesson_ids(lessons_dir: Path) -> set[str]:
    """The `id:` of every lesson file `lessons/*.yaml` (read directly, without the lessons app)."""
    ids: set[str] = set()
    if not lessons_dir.is_dir():
        return ids
    for path in sorted(lessons_dir.glob("*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            ids.add(data["id"])
        else:
            ids.add(path.stem)  # a broken lesson still exists; the lessons check reports it
    return ids


def question_files(paths: Iterable[Path | str] | None = None) -> list[Path]:
    """The YAML files named (directories are searched for *.yaml / *.yml), sorted."""
    found: list[Path] = []
    for raw in paths if paths is not None else [default_bank_dir()]:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")))
        else:
            found.append(path)
    return found


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class _FileChecker:
    """Checks one file's node tree; collects its problems and its good questions."""

    def __init__(self, name: str, known_lessons: set[str] | None) -> None:
        self.name = name
        self.known_lessons = known_lessons
        self.problems: list[Problem] = []
        self.questions: list[tuple[Question, yaml.Node]] = []

    def problem(self, node: yaml.Node | None, message: str, *, at_end: bool = False) -> None:
        if node is None:
            line = column = 1
        else:
            mark = node.end_mark if at_end else node.start_mark
            line, column = mark.line + 1, mark.column + 1
        self.problems.append(Problem(self.name, line, column, message))

    # -- typed readers: each returns None (after reporting) when the node has the wrong type --

    def string(self, node: yaml.Node, what: str, *, empty_ok: bool = False) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            self.problem(node, f"{what} must be a string, not {_kind(node)}")
            return None
        if not empty_ok and not node.value.strip():
            self.problem(node, f"{what} must not be empty")
            return None
        return node.value

    def string_list(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list of strings, not {_kind(node)}")
            return None
        out = []
        for item in node.value:
            value = self.string(item, f"each item of {what}")
            if value is not None:
                out.append((value, item))
        return out

    def mapping(
        self, node: yaml.Node, what: str, allowed: tuple[str, ...]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """key -> (key node, value node); reports unknown and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping, not {_kind(node)}")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, f"a key of {what} must be a plain name")
                continue
            key = key_node.value
            if key in out:
                first = out[key][0].start_mark
                self.problem(
                    key_node,
                    f"key {key!r} appears twice in {what} (first at line {first.line + 1})",
                )
                continue
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                self.problem(
                    key_node,
                    f"unknown key {key!r} in {what}{suggestion}; "
                    f"allowed keys: {', '.join(allowed)}",
                )
                continue
            out[key] = (key_node, value_node)
        return out

    # -- the file and its questions --

    def check_file(self, text: str) -> None:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            what = " ".join(p for p in (exc.context, exc.problem) if p)
            self.problems.append(Problem(self.name, line, column, f"YAML syntax error: {what}"))
            return
        except yaml.YAMLError as exc:
            self.problems.append(Problem(self.name, 1, 1, f"YAML error: {exc}"))
            return
        if root is None:
            return  # an empty file holds no questions
        if not isinstance(root, yaml.SequenceNode):
            self.problem(
                root, f"a question file must be a YAML list of questions, not {_kind(root)}"
            )
            return
        for node in root.value:
            question = self.check_question(node)
            if question is not None:
                self.questions.append((question, node))

    def check_question(self, node: yaml.Node) -> Question | None:
        before = len(self.problems)
        fields = self.mapping(node, "a question", QUESTION_KEYS)
        if fields is None:
            return None
        for key in REQUIRED_KEYS:
            if key not in fields:
                self.problem(node, f"the question has no {key!r}")
        values: dict[str, object] = {}

        if "id" in fields:
            qid = self.string(fields["id"][1], "id")
            if qid is not None and not SLUG.match(qid):
                self.problem(
                    fields["id"][1],
                    f"id {qid!r} must be a slug: lowercase letters, digits and single hyphens",
                )
            values["id"] = qid
        if "stem" in fields:
            values["stem"] = self.string(fields["stem"][1], "stem")
        pick = None
        if "pick" in fields:
            pick_node = fields["pick"][1]
            if isinstance(pick_node, yaml.ScalarNode) and pick_node.tag == _INT:
                pick = int(pick_node.value, 0)
                if pick < 1:
                    self.problem(pick_node, "pick must be 1 or more")
                    pick = None
            else:
                self.problem(pick_node, f"pick must be a whole number, not {_kind(pick_node)}")
        options = None
        if "options" in fields:
            pick_node = fields["pick"][1] if pick else None
            options = self.check_options(
                fields["options"][1], pick, pick_node, key_node=fields["options"][0]
            )
        if "topics" in fields:
            topics = self.string_list(fields["topics"][1], "topics")
            if topics is not None:
                if not fields["topics"][1].value:
                    self.problem(fields["topics"][1], "topics must name at least one topic")
                for slug, item in topics:
                    if slug not in TOPICS:
                        self.problem(item, f"unknown topic {slug!r}{_suggest(slug, TOPICS)}")
                values["topics"] = tuple(s for s, _ in topics)
        if "domain" in fields:
            domain = self.string(fields["domain"][1], "domain")
            if domain is not None and domain not in DOMAINS:
                self.problem(
                    fields["domain"][1],
                    f"unknown domain {domain!r}{_suggest(domain, DOMAINS)}; "
                    f"domains: {', '.join(DOMAINS)}",
                )
            values["domain"] = domain
        if "difficulty" in fields:
            difficulty = self.string(fields["difficulty"][1], "difficulty")
            if difficulty is not None and difficulty not in DIFFICULTIES:
                self.problem(
                    fields["difficulty"][1],
                    f"unknown difficulty {difficulty!r}; use one of {', '.join(DIFFICULTIES)}",
                )
            values["difficulty"] = difficulty
        lessons: tuple[str, ...] = ()
        docs: tuple[str, ...] = ()
        if "references" in fields:
            lessons, docs = self.check_references(fields["references"][1])

        if len(self.problems) > before:
            return None
        return Question(
            id=str(values["id"]),
            stem=str(values["stem"]),
            pick=int(pick or 1),
            options=tuple(options or ()),
            topics=tuple(values["topics"]),  # type: ignore[arg-type]
            domain=str(values["domain"]),
            difficulty=str(values["difficulty"]),
            lessons=lessons,
            docs=docs,
            source=f"{self.name}:{node.start_mark.line + 1}",
        )

    def check_options(
        self,
        node: yaml.Node,
        pick: int | None,
        pick_node: yaml.Node | None,
        *,
        key_node: yaml.Node | None = None,
    ) -> list[Option] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"options must be a list, not {_kind(node)}")
            return None
        options: list[Option] = []
        texts: dict[str, yaml.Node] = {}
        ok = True
        for item in node.value:
            fields = self.mapping(item, "an option", OPTION_KEYS)
            if fields is None:
                ok = False
                continue
            text = explanation = None
            correct = False
            if "text" in fields:
                text = self.string(fields["text"][1], "the option's text")
            else:
                self.problem(item, "the option has no 'text'")
            if "explanation" in fields:
                explanation = self.string(fields["explanation"][1], "the option's explanation")
            else:
                self.problem(item, "the option has no 'explanation' (every option explains itself)")
            if "correct" in fields:
                value = fields["correct"][1]
                if isinstance(value, yaml.ScalarNode) and value.tag == _BOOL:
                    correct = value.value.lower() in ("true", "yes", "on")
                else:
                    self.problem(value, f"correct must be true or false, not {_kind(value)}")
                    ok = False
            if text is not None:
                key = " ".join(text.split()).lower()
                if key in texts:
                    line = texts[key].start_mark.line + 1
                    self.problem(fields["text"][1], f"two options have the same text (line {line})")
                    ok = False
                texts[key] = fields["text"][1]
            if text is None or explanation is None:
                ok = False
                continue
            options.append(Option(text=text, correct=correct, explanation=explanation))
        if not ok:
            return None
        if pick is not None:
            n_correct = sum(o.correct for o in options)
            if n_correct != pick:
                self.problem(
                    pick_node,
                    f"pick is {pick} but {n_correct} option{'s are' if n_correct != 1 else ' is'} "
                    "marked correct: true (exactly pick options must be correct)",
                )
            minimum = {1: 4, 2: 5}.get(pick, pick + 3)
            if len(options) < minimum:
                self.problem(
                    key_node or node,
                    f"a question with pick {pick} needs at least {minimum} options, "
                    f"this one has {len(options)}",
                )
        return options

    def check_references(self, node: yaml.Node) -> tuple[tuple[str, ...], tuple[str, ...]]:
        fields = self.mapping(node, "references", REFERENCE_KEYS)
        if fields is None:
            return (), ()
        lessons: list[str] = []
        docs: list[str] = []
        if "lessons" in fields:
            for lesson_id, item in (
                self.string_list(fields["lessons"][1], "references.lessons") or ()
            ):
                if self.known_lessons is not None and lesson_id not in self.known_lessons:
                    self.problem(
                        item,
                        f"unknown lesson id {lesson_id!r}"
                        f"{_suggest(lesson_id, self.known_lessons)} (no lessons/*.yaml has it)",
                    )
                lessons.append(lesson_id)
        if "docs" in fields:
            docs = [d for d, _ in self.string_list(fields["docs"][1], "references.docs") or ()]
        return tuple(lessons), tuple(docs)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return {
        _STR: "a string",
        _INT: "a number",
        "tag:yaml.org,2002:float": "a number",
        _BOOL: "true/false",
        "tag:yaml.org,2002:null": "empty (null)",
    }.get(node.tag, f"a value of type {node.tag}")


def _suggest(word: str, choices: Iterable[str]) -> str:
    hint = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def load_bank(
    paths: Iterable[Path | str] | None = None, *, lessons_dir: Path | str | None = None
) -> Bank:
    """Load and check the question files; never raises for what is in the files."""
    known = lesson_ids(Path(lessons_dir) if lessons_dir is not None else default_lessons_dir())
    bank = Bank()
    first_seen: dict[str, str] = {}
    for path in question_files(paths):
        name = _display(path)
        bank.files += 1
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            bank.problems.append(Problem(name, 1, 1, "no such file"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            bank.problems.append(Problem(name, 1, 1, f"cannot read the file: {exc}"))
            continue
        checker = _FileChecker(name, known)
        checker.check_file(text)
        bank.problems.extend(checker.problems)
        for question, node in checker.questions:
            where = f"{name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
            if question.id in first_seen:
                id_node = next(v for k, v in node.value if k.value == "id")
                mark = id_node.start_mark
                message = (
                    f"duplicate id {question.id!r} (first defined at {first_seen[question.id]})"
                )
                bank.problems.append(Problem(name, mark.line + 1, mark.column + 1, message))
                continue
            first_seen[question.id] = where
            bank.questions[question.id] = question
    return bank


_CACHE: dict[str, object] = {}


def get_bank() -> Bank:
    """The project's bank, reloaded when a file changes (for the web pages)."""
    files = question_files()
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in files if p.exists())
    if _CACHE.get("stamp") != stamp:
        _CACHE["bank"] = load_bank(files)
        _CACHE["stamp"] = stamp
    return _CACHE["bank"]  # type: ignore[return-value]
