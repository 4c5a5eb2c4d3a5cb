"""Places in JSON text: the line and column of the value at a path, for error messages."""

from __future__ import annotations

import json
import re

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def locate(text: str, path: Path) -> tuple[int | None, int | None]:
    """The 1-based line and column of the value at `path` in the JSON text (of the deepest part
    of the path found). Only run when there is a problem to report, so it may be slow."""
    decoder = json.JSONDecoder()
    whitespace = re.compile(r"[ \t\n\r]*")

    def skip(i: int) -> int:
        return whitespace.match(text, i).end()  # type: ignore[union-attr]

    position = skip(0)
    try:
        for part in path:
            if isinstance(part, int):
                if text[position] != "[":
                    break
                position = skip(position + 1)
                for _ in range(part):
                    _, end = decoder.raw_decode(text, position)
                    position = skip(skip(end) + 1)
            else:
                if text[position] != "{":
                    break
                position = skip(position + 1)
                while text[position] == '"':
                    key, end = json.decoder.scanstring(text, position + 1)
                    value_start = skip(skip(end) + 1)
                    if key == part:
                        position = value_start
                        break
                    _, end = decoder.raw_decode(text, value_start)
                    position = skip(end)
                    position = skip(position + 1) if text[position] == "," else position
                else:
                    break
    except (ValueError, IndexError):
        pass
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, column
