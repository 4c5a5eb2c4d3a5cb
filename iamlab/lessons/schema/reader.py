"""`LessonReader`: the scenario format's YAML reader plus the lesson's own value types (slugs,
principal ARNs), recording where each part of a lesson is for problems found later."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from yaml.nodes import Node, ScalarNode

from iamlab.sandbox.scenario.yamlio import INT, Reader

from .vocabulary import ARN_RE, SLUG_RE

LARGEST = 2_147_483_647  # the biggest value every database's integer column holds


@dataclass
class Where:
    """Positions of the parts of a lesson, for problems found after parsing."""

    nodes: dict[str, Node] = field(default_factory=dict)  # key path -> node


class LessonReader(Reader):
    """The scenario reader plus the lesson's own value types."""

    def __init__(self) -> None:
        super().__init__()
        self.where = Where()

    def integer(
        self, node: Node, path: str, *, minimum: int | None = None, maximum: int = LARGEST
    ) -> int | None:
        """A whole number between `minimum` and `maximum` (by default what the database's
        integer columns hold); a huge one is refused before Python converts it."""
        if (
            isinstance(node, ScalarNode)
            and node.tag == INT
            and len(node.value.lstrip("+-")) > len(str(LARGEST))
        ):
            low = -LARGEST if minimum is None else minimum
            self.fail(node, path, f"must be a whole number from {low} to {maximum}")
            return None
        value = super().integer(node, path, minimum=minimum)
        if value is not None and value > maximum:
            self.fail(node, path, f"must be at most {maximum}")
            return None
        return value

    def slug(self, node: Node, path: str) -> str | None:
        return self.text(node, path, pattern=SLUG_RE, expected="a slug (a-z, 0-9 and -)")

    def slugs(self, node: Node, path: str, choices: list[str] | None = None) -> list[str]:
        out = []
        for value, item, item_path in self.text_list(node, path):
            if choices is not None and value not in choices:
                hint = _suggest(value, choices)
                self.fail(item, item_path, f"{value!r} is not one of: {', '.join(choices)}{hint}")
            elif choices is None and not SLUG_RE.fullmatch(value):
                self.fail(item, item_path, f"{value!r} is not a slug (a-z, 0-9 and -)")
            else:
                out.append(value)
                self.where.nodes[item_path] = item
        return out


def _suggest(value: str, choices: list[str]) -> str:
    hint = difflib.get_close_matches(value, choices, n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def principal_arn(r: Reader, node: Node, path: str) -> str | None:
    """A principal's ARN (user, role, root or role session), or None after a problem."""
    value = r.text(node, path)
    if value is not None and not ARN_RE.fullmatch(value):
        r.fail(
            node,
            path,
            f"{value!r} is not a principal ARN (arn:aws:iam::ACCOUNT:user/NAME, "
            f"…:role/NAME, …:root, or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)",
        )
        return None
    return value
