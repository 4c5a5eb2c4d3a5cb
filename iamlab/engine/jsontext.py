"""A JSON reader that remembers where everything is.

`parse_json_text(text)` returns `(value, positions, problems)`:

- `value`: the document as Python data (dict, list, str, int, float, bool, None), or None
  when the text is not valid JSON.
- `positions`: JSON pointer (`model.pointer` format, "" for the whole document) -> the 1-based
  `(line, column)` where that value starts. The key of an object member is recorded too, under
  the member's pointer plus `KEY_SUFFIX`: `"/Statement/0/Effect~key"` is where the text
  `"Effect"` starts. `pointer()` always writes "~" as "~0", so "~key" never appears in a real
  pointer and the two kinds of entry cannot collide.
- `problems`: a syntax error, as an ERROR with code `JSON_SYNTAX`, the exact place and a plain
  message ("Expected ',' or '}' after a property value in object"); reading stops there. A key
  that appears twice in one object is a WARNING, `DUPLICATE_KEY`: IAM accepts such documents and
  keeps the last value, as this reader does, so the first one silently does nothing.

Lines break at "\\n", "\\r\\n" or "\\r"; columns count characters (code points) from 1.
The reader works without recursion and refuses nesting deeper than `MAX_DEPTH`, so no input
(1 MB of brackets, control characters, lone surrogates) makes it raise.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from .model import Problem, Severity

KEY_SUFFIX = "~key"
MAX_DEPTH = 64
MAX_DUPLICATE_REPORTS = 100

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING_RUN = re.compile(r'[^"\\\x00-\x1f]*')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_SIZE_TOKENS = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*"?)|([ \t\n\r]+)', re.DOTALL)


def key_pointer(value_pointer: str) -> str:
    """Where `positions` keeps the place of the key of the member at `value_pointer`."""
    return value_pointer + KEY_SUFFIX


def _escape(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _describe(ch: str) -> str:
    if not ch:
        return "end of input"
    if " " < ch < "\x7f":
        return f"'{ch}'"
    return f"character U+{ord(ch):04X}"


class _SyntaxError(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


class _Frame:
    __slots__ = ("container", "pointer", "is_object", "key", "start", "seen")

    def __init__(self, pointer: str, is_object: bool) -> None:
        self.container: Any = {} if is_object else []
        self.pointer = pointer
        self.is_object = is_object
        self.key = ""
        self.start = 0  # index in entries where the current member's records begin
        self.seen: dict[str, tuple[int, int]] = {}


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.entries: list[tuple[str, int]] = []
        self.dead: list[tuple[int, int]] = []
        self.duplicates: list[tuple[str, int, str]] = []
        self.stack: list[_Frame] = []

    def ws(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    # -- the main loop: one value at a time, containers on an explicit stack --

    def read(self) -> Any:
        text, n = self.text, self.n
        pos = self.ws(0)
        if pos >= n:
            raise _SyntaxError(pos, "Expected a JSON value, but the text is empty")
        ptr = ""
        while True:
            self.entries.append((ptr, pos))
            ch = text[pos]
            if ch in "{[":
                if len(self.stack) >= MAX_DEPTH:
                    raise _SyntaxError(pos, f"Nesting is too deep (more than {MAX_DEPTH} levels)")
                frame = _Frame(ptr, ch == "{")
                self.stack.append(frame)
                pos = self.ws(pos + 1)
                if pos < n and text[pos] == ("}" if frame.is_object else "]"):
                    pos += 1
                    self.stack.pop()
                    value: Any = frame.container
                else:
                    pos, ptr = self.next_slot(frame, pos, first=True)
                    continue
            elif ch == '"':
                value, pos = self.string(pos)
            elif ch == "-" or "0" <= ch <= "9":
                value, pos = self.number(pos)
            else:
                value, pos = self.literal(pos)
            # Attach the finished value; close every container that ends right after it.
            while True:
                if not self.stack:
                    pos = self.ws(pos)
                    if pos < n:
                        raise _SyntaxError(
                            pos, "Unexpected text after the end of the JSON document"
                        )
                    return value
                frame = self.stack[-1]
                if frame.is_object:
                    frame.container[frame.key] = value
                    frame.seen[frame.key] = (frame.start, len(self.entries))
                else:
                    frame.container.append(value)
                pos = self.ws(pos)
                c = text[pos] if pos < n else ""
                if c == ",":
                    pos, ptr = self.next_slot(frame, self.ws(pos + 1), first=False)
                    break
                if c == ("}" if frame.is_object else "]"):
                    pos += 1
                    self.stack.pop()
                    value = frame.container
                    continue
                if frame.is_object:
                    message = "Expected ',' or '}' after a property value in object"
                else:
                    message = "Expected ',' or ']' after an array element"
                if not c:
                    message = "Unexpected end of input: " + message[0].lower() + message[1:]
                raise _SyntaxError(pos, message)

    def next_slot(self, frame: _Frame, pos: int, *, first: bool) -> tuple[int, str]:
        """Read up to the next value inside frame; return its offset and pointer."""
        if frame.is_object:
            pos, ptr = self.member_key(frame, pos, first=first)
        else:
            ptr = frame.pointer + "/" + str(len(frame.container))
        if pos >= self.n:
            raise _SyntaxError(pos, "Unexpected end of input: expected a value")
        if not frame.is_object and self.text[pos] == "]" and not first:
            raise _SyntaxError(pos, "Expected a value after ',' (trailing commas are not allowed)")
        return pos, ptr

    def member_key(self, frame: _Frame, pos: int, *, first: bool) -> tuple[int, str]:
        text, n = self.text, self.n
        c = text[pos] if pos < n else ""
        if c != '"':
            if c == "}" and not first:
                message = "Expected a property name after ',' (trailing commas are not allowed)"
            elif c == "'":
                message = "Property names must be in double quotes, not single quotes"
            elif not c:
                message = "Unexpected end of input: expected a double-quoted property name"
            else:
                message = f"Expected a double-quoted property name, found {_describe(c)}"
            raise _SyntaxError(pos, message)
        key_at = pos
        key, pos = self.string(pos)
        ptr = frame.pointer + _escape(key)
        if key in frame.seen:
            self.dead.append(frame.seen[key])
            self.duplicates.append((ptr, key_at, key))
        frame.start = len(self.entries)
        self.entries.append((ptr + KEY_SUFFIX, key_at))
        frame.key = key
        pos = self.ws(pos)
        if pos >= n or text[pos] != ":":
            found = _describe(text[pos] if pos < n else "")
            raise _SyntaxError(pos, f"Expected ':' after a property name in object, found {found}")
        return self.ws(pos + 1), ptr

    # -- scalars --

    def string(self, pos: int) -> tuple[str, int]:
        text, n = self.text, self.n
        start = pos
        pos += 1
        chunks: list[str] = []
        while True:
            end = _STRING_RUN.match(text, pos).end()
            if end > pos:
                chunks.append(text[pos:end])
                pos = end
            if pos >= n:
                raise _SyntaxError(start, "Unterminated string: the closing '\"' is missing")
            c = text[pos]
            if c == '"':
                return "".join(chunks), pos + 1
            if c != "\\":
                raise _SyntaxError(
                    pos, f"Control character U+{ord(c):04X} must be escaped inside a string"
                )
            e = text[pos + 1] if pos + 1 < n else ""
            if e in _ESCAPES and e:
                chunks.append(_ESCAPES[e])
                pos += 2
            elif e == "u":
                code, pos = self.unicode_escape(pos)
                chunks.append(chr(code))
            elif not e:
                raise _SyntaxError(start, "Unterminated string: the closing '\"' is missing")
            else:
                raise _SyntaxError(pos, f"Invalid escape sequence: backslash before {_describe(e)}")

    def unicode_escape(self, pos: int) -> tuple[int, int]:
        text = self.text
        if not _HEX4.fullmatch(text, pos + 2, pos + 6):
            raise _SyntaxError(
                pos, "Invalid \\u escape: it must be followed by 4 hexadecimal digits"
            )
        code = int(text[pos + 2 : pos + 6], 16)
        pos += 6
        if (
            0xD800 <= code < 0xDC00
            and text.startswith("\\u", pos)
            and _HEX4.fullmatch(text, pos + 2, pos + 6)
        ):
            low = int(text[pos + 2 : pos + 6], 16)
            if 0xDC00 <= low < 0xE000:
                return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00), pos + 6
        return code, pos

    def number(self, pos: int) -> tuple[int | float, int]:
        text, n = self.text, self.n
        match = _NUMBER.match(text, pos)
        end = match.end() if match else pos
        if not match or (end < n and (text[end].isalnum() or text[end] in ".+-_")):
            raise _SyntaxError(pos, "Invalid number")
        literal = match.group()
        if any(c in literal for c in ".eE"):
            return float(literal), end
        try:
            return int(literal), end
        except ValueError:  # more digits than Python converts to int
            return float(literal), end

    def literal(self, pos: int) -> tuple[Any, int]:
        text, n = self.text, self.n
        for word, value in (("true", True), ("false", False), ("null", None)):
            end = pos + len(word)
            if text.startswith(word, pos) and (end >= n or not text[end].isalnum()):
                return value, end
        c = text[pos]
        word = re.match(r"[A-Za-z_]+", text[pos : pos + 20])
        if c == "'":
            message = "Strings must be in double quotes, not single quotes"
        elif text.startswith(("//", "/*"), pos):
            message = "Comments are not allowed in JSON"
        elif word and word.group() in ("True", "False", "None", "TRUE", "FALSE", "NULL"):
            message = f"Unexpected '{word.group()}': JSON literals are lowercase true, false, null"
        elif word and word.group() in ("NaN", "Infinity"):
            message = f"'{word.group()}' is not a JSON number"
        elif c in "]}":
            message = f"Expected a value, found {_describe(c)}"
        else:
            message = f"Expected a JSON value, found {_describe(c)}"
        raise _SyntaxError(pos, message)


class _Lines:
    """Offsets -> 1-based (line, column)."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]

    def at(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1


def line_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a character offset in text, counted as `positions` are."""
    return _Lines(text).at(max(0, min(offset, len(text))))


def parse_json_text(
    text: str,
) -> tuple[Any | None, dict[str, tuple[int, int]], list[Problem]]:
    """Read JSON text; see the module docstring for what comes back."""
    if not isinstance(text, str):
        problem = Problem(
            Severity.ERROR, "JSON_SYNTAX", "The document must be JSON text.", "", 1, 1
        )
        return None, {}, [problem]
    try:
        return _parse(text)
    except Exception as exc:  # noqa: BLE001 - a reader of untrusted text must never raise
        message = f"The document could not be read ({type(exc).__name__})."
        return None, {}, [Problem(Severity.ERROR, "JSON_SYNTAX", message, "", 1, 1)]


def _parse(text: str) -> tuple[Any | None, dict[str, tuple[int, int]], list[Problem]]:
    reader = _Reader(text)
    lines = _Lines(text)
    try:
        value = reader.read()
    except _SyntaxError as err:
        line, column = lines.at(err.offset)
        path = reader.stack[-1].pointer if reader.stack else ""
        return None, {}, [Problem(Severity.ERROR, "JSON_SYNTAX", err.message, path, line, column)]

    alive = bytearray(b"\x01") * len(reader.entries)
    for start, end in reader.dead:
        alive[start:end] = bytes(end - start)
    positions: dict[str, tuple[int, int]] = {}
    for index, (ptr, offset) in enumerate(reader.entries):
        if alive[index]:
            positions[ptr] = lines.at(offset)
    problems = []
    for ptr, offset, key in reader.duplicates[:MAX_DUPLICATE_REPORTS]:
        line, column = lines.at(offset)
        shown = key if len(key) <= 60 else key[:57] + "..."
        message = (
            f'Duplicate key "{shown}" in the same object: only the last value counts, '
            "so the earlier one is ignored"
        )
        problems.append(Problem(Severity.WARNING, "DUPLICATE_KEY", message, ptr, line, column))
    return value, positions, problems


def compact_length(text: str) -> int:
    """The length of JSON text without the whitespace outside strings.

    IAM measures policy size this way ("IAM does not count white space").
    """
    if not isinstance(text, str):
        return 0
    spaces = sum(len(m.group(2)) for m in _SIZE_TOKENS.finditer(text) if m.group(2))
    return len(text) - spaces
