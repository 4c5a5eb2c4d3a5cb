"""Parameter constraints, checked the way AWS checks them: every violation at once, in AWS's
wording ("1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy
constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")."""

from __future__ import annotations

import re
from typing import Any

from .errors import ValidationError, constraint, validation_message


class Check:
    """Collects violations; `done()` raises them as one ValidationError."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, value: Any, name: str, rule: str) -> None:
        self.problems.append(constraint(value, name, rule))

    def string(
        self,
        value: Any,
        name: str,
        *,
        min_len: int = 1,
        max_len: int | None = None,
        pattern: str | None = None,
        required: bool = False,
    ) -> bool:
        """True when `value` is a string that meets its constraints (None passes if optional)."""
        if value is None:
            if required:
                self.fail(None, name, "must not be null")
            return False
        if not isinstance(value, str):
            self.fail(value, name, "must be a string")
            return False
        ok = True
        if len(value) < min_len:
            self.fail(value, name, f"must have length greater than or equal to {min_len}")
            ok = False
        if max_len is not None and len(value) > max_len:
            self.fail(value, name, f"must have length less than or equal to {max_len}")
            ok = False
        if pattern is not None and not re.fullmatch(pattern, value):
            self.fail(value, name, f"must satisfy regular expression pattern: {pattern}")
            ok = False
        return ok

    def integer(self, value: Any, name: str, *, minimum: int, maximum: int) -> bool:
        if value is None:
            return False
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(value, name, "must be an integer")
            return False
        if value < minimum:
            self.fail(value, name, f"must have value greater than or equal to {minimum}")
            return False
        if value > maximum:
            self.fail(value, name, f"must have value less than or equal to {maximum}")
            return False
        return True

    def count(self, values: Any, name: str, *, maximum: int) -> list:
        if values is None:
            return []
        if not isinstance(values, list | tuple):
            self.fail(values, name, "must be a list")
            return []
        if len(values) > maximum:
            self.fail(values, name, f"must have length less than or equal to {maximum}")
        return list(values)

    def done(self) -> None:
        if self.problems:
            raise ValidationError(validation_message(self.problems))
