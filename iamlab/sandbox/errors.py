"""Problems with input the sandbox reads (scenario YAML, authorization-details JSON), as data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One problem: what is wrong, where (1-based line and column, when known) and the key path
    into the input (`accounts.123456789012.users.alice.groups[0]`)."""

    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line is not None else ""
        at = f"{self.path}: " if self.path else ""
        return f"{where}{at}{self.message}"

    def for_file(self, filename: str) -> str:
        """`FILE:LINE:COLUMN: path: message`, the form editors and compilers use."""
        where = f"{filename}:{self.line}:{self.column}" if self.line is not None else filename
        at = f"{self.path}: " if self.path else ""
        return f"{where}: {at}{self.message}"


class SandboxInputError(Exception):
    """Input that cannot be loaded; `problems` lists every problem found, in input order."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, message: str, **where: object) -> SandboxInputError:
        return cls([InputProblem(message, **where)])  # type: ignore[arg-type]


def check_sandbox_name(name: str) -> InputProblem | None:
    """Sandbox names are slugs (letters, digits, - and _), unique per owner."""
    import re

    if re.fullmatch(r"[-a-zA-Z0-9_]{1,100}", name):
        return None
    return InputProblem(f"sandbox name {name!r} must be a slug (letters, digits, - and _)")
