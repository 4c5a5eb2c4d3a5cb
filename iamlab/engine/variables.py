"""IAM policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, `${s3:prefix}`, ...

A variable names any condition key and is replaced by that key's value in the request context
(looked up case-insensitively). Rules, as AWS's "IAM policy elements: Variables and tags" gives
them:

- `${*}`, `${?}` and `${$}` stand for the literal characters `*`, `?` and `$`.
- `${key, 'default'}` uses `default` when the request has no (single) value for `key`. Whitespace
  around the name, the comma and the quoted default is ignored; inside the quotes, `''` stands
  for one `'`. Substitution happens once: a default (or a value) that looks like a variable stays
  as it is.
- A multivalued key cannot be a variable: it counts as missing.
- A variable with no value and no default makes the text unusable: `expand` returns None and the
  element that holds it does not match.
- `${` with no closing `}` is plain text. A closed `${...}` that is not a well-formed variable
  (`${}`, `${key, unquoted}`) never resolves.

Variables are only recognised in policies with `"Version": "2012-10-17"`; for older policies the
caller does not call this module at all.
"""

from __future__ import annotations

from functools import lru_cache

from .model import Context

__all__ = ["Template", "parse", "has_variables", "expand", "variable_names", "lookup"]

Pieces = list[tuple[str, bool]]

_SPECIAL = {"${*}": "*", "${?}": "?", "${$}": "$"}

# Token kinds inside a Template.
_TEXT = 0  # policy text: wildcards live
_CHAR = 1  # ${*} ${?} ${$}: a literal character
_VAR = 2  # a variable, with or without a default
_BAD = 3  # a closed ${...} that is not a variable: never resolves


def _skip_spaces(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\r\n":
        i += 1
    return i


def _parse_variable(text: str, start: int) -> tuple[tuple, int] | None:
    """Parse the `${...}` starting at `start`; returns (token, end) or None if unterminated."""
    n = len(text)
    i = start + 2
    while i < n and text[i] not in ",}":
        i += 1
    if i >= n:
        return None  # no closing brace: plain text
    name = text[start + 2 : i].strip()
    if text[i] == "}":
        if not name:
            return (_BAD, text[start : i + 1]), i + 1
        return (_VAR, name, None, text[start : i + 1]), i + 1

    # A default value: ${name, 'value'}
    j = _skip_spaces(text, i + 1)
    if j < n and text[j] == "'":
        chars: list[str] = []
        k = j + 1
        closed = False
        while k < n:
            ch = text[k]
            if ch == "'":
                if k + 1 < n and text[k + 1] == "'":
                    chars.append("'")
                    k += 2
                    continue
                closed = True
                k += 1
                break
            chars.append(ch)
            k += 1
        if closed:
            k = _skip_spaces(text, k)
            if k < n and text[k] == "}" and name:
                return (_VAR, name, "".join(chars), text[start : k + 1]), k + 1
    # Malformed: the variable runs to the first closing brace and never resolves.
    close = text.find("}", start + 2)
    if close < 0:
        return None
    return (_BAD, text[start : close + 1]), close + 1


class Template:
    """A text parsed once into literal text and variables, ready to expand against contexts."""

    __slots__ = ("text", "tokens", "has_variables", "names")

    def __init__(self, text: str) -> None:
        self.text = text
        tokens: list[tuple] = []
        literal: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            dollar = text.find("${", i)
            if dollar < 0:
                literal.append(text[i:])
                break
            literal.append(text[i:dollar])
            special = _SPECIAL.get(text[dollar : dollar + 4])
            if special is not None:
                parsed: tuple[tuple, int] | None = ((_CHAR, special), dollar + 4)
            else:
                parsed = _parse_variable(text, dollar)
            if parsed is None:  # unterminated: '${' is plain text
                literal.append("${")
                i = dollar + 2
                continue
            if literal:
                joined = "".join(literal)
                if joined:
                    tokens.append((_TEXT, joined))
                literal = []
            token, i = parsed
            tokens.append(token)
        if literal:
            joined = "".join(literal)
            if joined:
                tokens.append((_TEXT, joined))
        self.tokens = tuple(tokens)
        self.has_variables = any(t[0] != _TEXT for t in tokens)
        self.names = tuple(t[1] for t in tokens if t[0] == _VAR)

    def expand(self, context: Context) -> Pieces | None:
        """The text as pieces `(text, wildcards_live)`, or None when a variable has no value."""
        if not self.has_variables:
            return [(self.text, True)]
        out: Pieces = []
        for token in self.tokens:
            kind = token[0]
            if kind == _TEXT:
                text, live = token[1], True
            elif kind == _CHAR:
                text, live = token[1], False
            elif kind == _VAR:
                value = lookup(context, token[1])
                if value is not None:
                    text, live = value, False
                elif token[2] is not None:
                    text, live = token[2], True  # the default is the policy's own text
                else:
                    return None
            else:
                return None
            if not text:
                continue
            if out and out[-1][1] == live:
                out[-1] = (out[-1][0] + text, live)
            else:
                out.append((text, live))
        return out or [("", True)]

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def lookup(context: Context, name: str) -> str | None:
    """The single value a variable stands for, or None (missing, empty or multivalued)."""
    values = context.get(name)
    if not values or context.is_multivalued(name):
        return None
    return values[0]


@lru_cache(maxsize=16384)
def parse(text: str) -> Template:
    """Parse (and cache) a text for repeated expansion."""
    return Template(text)


def has_variables(text: str) -> bool:
    """True when the text holds a `${...}` that needs the request context or stands for a char."""
    return "${" in text and parse(text).has_variables


def expand(text: str, context: Context) -> Pieces | None:
    """The text split into pieces `(text, wildcards_live)`; None when a variable has no value.

    The flag is True for the policy's own text (and defaults), False for values taken from the
    request context and for `${*}`, `${?}`, `${$}`. Adjacent pieces with the same flag are joined.
    """
    if "${" not in text:
        return [(text, True)]
    return parse(text).expand(context)


def variable_names(text: str) -> tuple[str, ...]:
    """The condition keys a text refers to as variables, in order (as written)."""
    if "${" not in text:
        return ()
    return parse(text).names
