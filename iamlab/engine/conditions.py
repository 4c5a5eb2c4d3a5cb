"""The Condition element: every condition operator, by family, compiled once and evaluated fast.

A Condition block maps operators to `{condition key: value or list of values}`. Several operators
AND, several keys under one operator AND, several values under one key OR (for a negated operator
the request value must match none of them).

Operator names are case-sensitive, as in AWS; condition key names are not. An operator name is
`[ForAllValues:|ForAnyValue:]Base[IfExists]`, except `Null`, which takes neither.

How a key is decided (the request's values for a key form a set; a single value is a set of one):

- The key is absent (or an empty list): `...IfExists` is true; `ForAllValues:` is true;
  `ForAnyValue:` is false; otherwise a negated operator (`StringNotEquals`, `NotIpAddress`,
  `ArnNotLike`, ...) is true and a positive one is false. `Null` checks presence only.
- A request value "matches" when the positive relation holds against at least one policy value.
  A positive operator is satisfied by a value that matches; a negated one by a value that
  definitely matches none (a value that cannot be compared - "abc" for a number, a policy value
  that is not a valid CIDR - satisfies neither).
- No set prefix: a positive operator needs any value to satisfy it, a negated one needs every
  value to (so the request matches none of the policy values). `ForAnyValue:` needs any value,
  `ForAllValues:` every value.

Policy variables (`${aws:username}`) are expanded for the string, ARN and Bool families, as AWS
documents; elsewhere `${...}` is literal text (and fails to parse). A variable with no value makes
that one policy value match nothing.

`compile_conditions` never raises: an unknown operator or a malformed value never matches, and the
trace says why. `evaluate(explain=False)` builds no strings.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from . import variables
from .model import ConditionTrace, Context
from .wildcard import matcher, matcher_from_pieces

__all__ = [
    "Operator",
    "OperatorName",
    "OPERATORS",
    "FAMILIES",
    "parse_operator",
    "suggest_operator",
    "CompiledConditions",
    "compile_conditions",
    "parse_number",
    "parse_date",
]

Pieces = list[tuple[str, bool]]


class _Invalid:
    """A policy value that cannot be used; `reason` says why, for the trace."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


# --------------------------------------------------------------------------------------------
# Parsing values
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_INTEGER = re.compile(r"[+-]?\d+\Z")


@lru_cache(maxsize=4096)
def parse_number(text: str) -> int | Decimal | None:
    """An integer or decimal number (exact), or None. No whitespace, no 'inf'/'nan'."""
    if not _NUMBER.match(text):
        return None
    try:
        if _INTEGER.match(text):
            return int(text)
        return Decimal(text)
    except (ValueError, InvalidOperation):  # e.g. integers beyond Python's digit limit
        try:
            return Decimal(text)
        except InvalidOperation:
            return None


_EPOCH_SECONDS = re.compile(r"[+-]?\d+(?:\.\d+)?\Z")
_ISO_EXTENDED = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"([Zz]|[+-]\d{2}(?::?\d{2})?)?\Z"
)
_ISO_BASIC = re.compile(
    r"(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(?:(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?:\d{2})?)?\Z"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = 1_000_000


@lru_cache(maxsize=4096)
def parse_date(text: str) -> int | None:
    """An instant as integer microseconds since 1970-01-01T00:00:00Z, or None.

    Accepts epoch seconds ("1704067200", "1704067200.5") and the W3C profile of ISO 8601:
    "2024", "2024-01", "2024-01-31", "2024-01-31T12:00Z", "2024-01-31T12:00:00+02:00",
    "2024-01-31T12:00:00.123Z", also the basic form "20240131T120000Z". No zone means UTC.
    A bare four-digit number is read as epoch seconds, not as a year.
    """
    if _EPOCH_SECONDS.match(text):
        try:
            micros = (Decimal(text) * _MICRO).to_integral_value(rounding=ROUND_FLOOR)
        except InvalidOperation:
            return None
        return int(micros)
    match = _ISO_EXTENDED.match(text) or _ISO_BASIC.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        tz: timezone = UTC
        if zone and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = timezone(sign * offset)
        micro = int((fraction or "")[:6].ljust(6, "0"))
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tz,
        )
    except (ValueError, OverflowError):
        return None
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * _MICRO + delta.microseconds


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# Addresses and networks are compared as integers: (version, address) and
# (version, network address, netmask). `ipaddress`'s own `in` is several times slower.


@lru_cache(maxsize=4096)
def _parse_ip(text: str) -> tuple[int, int] | None:
    try:
        address: IPAddress = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


def _parse_network(text: str) -> tuple[int, int, int] | _Invalid:
    try:
        network: IPNetwork = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return _Invalid(f"{_show(text)} is not an IP address or CIDR range")
    return network.version, int(network.network_address), int(network.netmask)


@lru_cache(maxsize=4096)
def _parse_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _parse_bool(text: str) -> str | None:
    lowered = text.lower()
    return lowered if lowered in ("true", "false") else None


def _split_arn(text: str) -> tuple[str, ...] | None:
    parts = text.split(":", 5)
    return tuple(parts) if len(parts) == 6 else None


def _split_arn_pieces(pieces: Pieces) -> list[Pieces] | None:
    """Split expanded pieces into the six ARN components (the last keeps its colons)."""
    components: list[Pieces] = [[]]
    for text, live in pieces:
        while text and len(components) < 6:
            colon = text.find(":")
            if colon < 0:
                break
            if colon:
                components[-1].append((text[:colon], live))
            components.append([])
            text = text[colon + 1 :]
        if text:
            components[-1].append((text, live))
    return components if len(components) == 6 else None


# --------------------------------------------------------------------------------------------
# Showing values in reasons
# --------------------------------------------------------------------------------------------


def _show(value: str) -> str:
    if len(value) > 80:
        value = value[:77] + "..."
    if value == "" or any(ch.isspace() for ch in value):
        return f'"{value}"'
    return value


def _show_list(values: list[str]) -> str:
    if len(values) == 1:
        return values[0]
    if len(values) > 6:
        return "any of " + ", ".join(values[:6]) + f" (and {len(values) - 6} more)"
    return "any of " + ", ".join(values)


# --------------------------------------------------------------------------------------------
# Operators
# --------------------------------------------------------------------------------------------


def _any_relation(relation: Callable[[Any, Any], bool]) -> Callable[[list], Callable[[Any], bool]]:
    def build(prepared: list) -> Callable[[Any], bool]:
        if len(prepared) == 1:
            only = prepared[0]
            return lambda r: relation(r, only)
        items = tuple(prepared)
        return lambda r: any(relation(r, p) for p in items)

    return build


def _any_equal(prepared: list) -> Callable[[Any], bool]:
    return frozenset(prepared).__contains__


def _any_matcher(prepared: list) -> Callable[[Any], bool]:
    if len(prepared) == 1:
        return prepared[0]
    items = tuple(prepared)
    return lambda r: any(m(r) for m in items)


@dataclass(frozen=True, eq=False, slots=True)
class Operator:
    """One base condition operator (no set prefix, no IfExists), e.g. `NotIpAddress`.

    `negated` operators are true when the request value matches none of the policy values.
    `relation(parsed_request, prepared_policy)` is the positive relation ("is in", "equals").
    """

    name: str
    family: str  # string, numeric, date, bool, binary, ip, arn, null
    negated: bool
    wildcards: bool
    variables: bool
    request_kind: str  # what a request value must be, for reasons: "a number"
    holds: str  # the positive relation in words: "is in"
    fails: str  # and its opposite: "is not in"
    prepare: Callable[[str], Any]  # policy text -> prepared value | _Invalid
    prepare_pieces: Callable[[Pieces], Any] | None  # expanded variables -> prepared | _Invalid
    parse_request: Callable[[str], Any]  # request text -> parsed | None
    relation: Callable[[Any, Any], bool]
    any_of: Callable[[list], Callable[[Any], bool]]

    def match(
        self, policy_value: Any, request_value: Any, *, key: str = "the request value"
    ) -> tuple[bool, str]:
        """This operator applied to one policy value (or list) and one request value (or list,
        or None for "absent"), without variables: the answer and a short reason."""
        block = {self.name: {key: policy_value}}
        context = Context({} if request_value is None else {key: request_value})
        matched, traces = compile_conditions(block, variables_enabled=False).evaluate(
            context, explain=True
        )
        return matched, traces[0].reason if traces else ""


def _string_ops() -> list[Operator]:
    ident = str
    lower = str.lower

    def join(pieces: Pieces) -> str:
        return "".join(text for text, _ in pieces)

    def join_lower(pieces: Pieces) -> str:
        return join(pieces).lower()

    def like_pieces(pieces: Pieces) -> Callable[[str], bool]:
        return matcher_from_pieces(pieces)

    def eq(a: str, b: str) -> bool:
        return a == b

    def call(r: str, m: Callable[[str], bool]) -> bool:
        return m(r)

    common = {"family": "string", "variables": True, "request_kind": "a string"}
    ops = []
    for negated in (False, True):
        n = "Not" if negated else ""
        ops += [
            Operator(
                name=f"String{n}Equals",
                negated=negated,
                wildcards=False,
                holds="equals",
                fails="does not equal",
                prepare=ident,
                prepare_pieces=join,
                parse_request=ident,
                relation=eq,
                any_of=_any_equal,
                **common,
            ),
            Operator(
                name=f"String{n}EqualsIgnoreCase",
                negated=negated,
                wildcards=False,
                holds="equals (ignoring case)",
                fails="does not equal (ignoring case)",
                prepare=lower,
                prepare_pieces=join_lower,
                parse_request=lower,
                relation=eq,
                any_of=_any_equal,
                **common,
            ),
            Operator(
                name=f"String{n}Like",
                negated=negated,
                wildcards=True,
                holds="matches",
                fails="does not match",
                prepare=matcher,
                prepare_pieces=like_pieces,
                parse_request=ident,
                relation=call,
                any_of=_any_matcher,
                **common,
            ),
        ]
    return ops


_COMPARISONS: list[tuple[str, Callable[[Any, Any], bool], tuple[str, str], tuple[str, str]]] = [
    # suffix, relation (request vs policy), numeric words, date words
    (
        "Equals",
        lambda r, p: r == p,
        ("equals", "does not equal"),
        ("is the same instant as", "is not the same instant as"),
    ),
    (
        "LessThan",
        lambda r, p: r < p,
        ("is less than", "is not less than"),
        ("is before", "is not before"),
    ),
    (
        "LessThanEquals",
        lambda r, p: r <= p,
        ("is at most", "is greater than"),
        ("is at or before", "is after"),
    ),
    (
        "GreaterThan",
        lambda r, p: r > p,
        ("is greater than", "is not greater than"),
        ("is after", "is not after"),
    ),
    (
        "GreaterThanEquals",
        lambda r, p: r >= p,
        ("is at least", "is less than"),
        ("is at or after", "is before"),
    ),
]


def _ordered_ops(family: str) -> list[Operator]:
    if family == "numeric":
        prefix, parse, kind, what = "Numeric", parse_number, "a number", "a number"
    else:
        prefix, parse, kind, what = "Date", parse_date, "a date", "a date or epoch time"

    def prepare(text: str) -> Any:
        value = parse(text)
        return _Invalid(f"{_show(text)} is not {what}") if value is None else value

    ops = []
    for suffix, relation, numeric_words, date_words in _COMPARISONS:
        holds, fails = numeric_words if family == "numeric" else date_words
        variants = [(suffix, False)]
        if suffix == "Equals":
            variants.append(("NotEquals", True))
        for name_suffix, negated in variants:
            ops.append(
                Operator(
                    name=prefix + name_suffix,
                    family=family,
                    negated=negated,
                    wildcards=False,
                    variables=False,
                    request_kind=kind,
                    holds=holds,
                    fails=fails,
                    prepare=prepare,
                    prepare_pieces=None,
                    parse_request=parse,
                    relation=relation,
                    any_of=_any_equal if suffix == "Equals" else _any_relation(relation),
                )
            )
    return ops


def _bool_op() -> Operator:
    def prepare(text: str) -> Any:
        value = _parse_bool(text)
        return _Invalid(f"{_show(text)} is not true or false") if value is None else value

    def prepare_pieces(pieces: Pieces) -> Any:
        return prepare("".join(text for text, _ in pieces))

    return Operator(
        name="Bool",
        family="bool",
        negated=False,
        wildcards=False,
        variables=True,
        request_kind="true or false",
        holds="is",
        fails="is not",
        prepare=prepare,
        prepare_pieces=prepare_pieces,
        parse_request=_parse_bool,
        relation=lambda r, p: r == p,
        any_of=_any_equal,
    )


def _binary_op() -> Operator:
    def prepare(text: str) -> Any:
        value = _parse_base64(text)
        return _Invalid(f"{_show(text)} is not base64") if value is None else value

    return Operator(
        name="BinaryEquals",
        family="binary",
        negated=False,
        wildcards=False,
        variables=False,
        request_kind="base64",
        holds="equals",
        fails="does not equal",
        prepare=prepare,
        prepare_pieces=None,
        parse_request=_parse_base64,
        relation=lambda r, p: r == p,
        any_of=_any_equal,
    )


def _ip_in(address: tuple[int, int], network: tuple[int, int, int]) -> bool:
    return address[0] == network[0] and address[1] & network[2] == network[1]


def _ip_ops() -> list[Operator]:
    return [
        Operator(
            name=name,
            family="ip",
            negated=negated,
            wildcards=False,
            variables=False,
            request_kind="an IP address",
            holds="is in",
            fails="is not in",
            prepare=_parse_network,
            prepare_pieces=None,
            parse_request=_parse_ip,
            relation=_ip_in,
            any_of=_any_relation(_ip_in),
        )
        for name, negated in (("IpAddress", False), ("NotIpAddress", True))
    ]


def _arn_ops() -> list[Operator]:
    def prepare(text: str) -> Any:
        parts = _split_arn(text)
        if parts is None:
            return _Invalid(f"{_show(text)} is not an ARN (it needs six colon-separated parts)")
        return tuple(matcher(part) for part in parts)

    def prepare_pieces(pieces: Pieces) -> Any:
        components = _split_arn_pieces(pieces)
        if components is None:
            text = "".join(t for t, _ in pieces)
            return _Invalid(f"{_show(text)} is not an ARN (it needs six colon-separated parts)")
        return tuple(matcher_from_pieces(c) for c in components)

    def relation(parts: tuple[str, ...], matchers: tuple[Callable[[str], bool], ...]) -> bool:
        return all(m(part) for m, part in zip(matchers, parts, strict=True))

    return [
        Operator(
            name=name,
            family="arn",
            negated=negated,
            wildcards=True,
            variables=True,
            request_kind="an ARN",
            holds="matches",
            fails="does not match",
            prepare=prepare,
            prepare_pieces=prepare_pieces,
            parse_request=_split_arn,
            relation=relation,
            any_of=_any_relation(relation),
        )
        for name, negated in (
            ("ArnEquals", False),
            ("ArnLike", False),
            ("ArnNotEquals", True),
            ("ArnNotLike", True),
        )
    ]


def _null_op() -> Operator:
    def prepare(text: str) -> Any:
        value = _parse_bool(text)
        return _Invalid(f"{_show(text)} is not true or false") if value is None else value

    return Operator(
        name="Null",
        family="null",
        negated=False,
        wildcards=False,
        variables=False,
        request_kind="anything",
        holds="is",
        fails="is not",
        prepare=prepare,
        prepare_pieces=None,
        parse_request=str,
        relation=lambda r, p: r == p,
        any_of=_any_equal,
    )


_ALL_OPERATORS: list[Operator] = [
    *_string_ops(),
    *_ordered_ops("numeric"),
    *_ordered_ops("date"),
    _bool_op(),
    _binary_op(),
    *_ip_ops(),
    *_arn_ops(),
    _null_op(),
]

OPERATORS: dict[str, Operator] = {op.name: op for op in _ALL_OPERATORS}
"""Every base operator by its exact (case-sensitive) name."""

FAMILIES: dict[str, tuple[Operator, ...]] = {}
for _op in _ALL_OPERATORS:
    FAMILIES[_op.family] = (*FAMILIES.get(_op.family, ()), _op)
del _op

NULL = OPERATORS["Null"]
_LOWER_NAMES = {name.lower(): name for name in OPERATORS}

FOR_ALL_VALUES = "ForAllValues"
FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class OperatorName:
    """An operator as written, taken apart: `ForAnyValue:StringLikeIfExists`."""

    text: str
    operator: Operator
    set_operator: str | None  # "ForAllValues", "ForAnyValue" or None
    if_exists: bool

    @property
    def base_name(self) -> str:
        """The operator without its set prefix, with IfExists: `StringLikeIfExists`."""
        return self.operator.name + ("IfExists" if self.if_exists else "")


@lru_cache(maxsize=1024)
def parse_operator(text: str) -> OperatorName | None:
    """Take an operator name apart, or None if AWS would not know it (names are case-sensitive)."""
    if not isinstance(text, str):
        return None
    rest = text
    set_operator = None
    for prefix in (FOR_ALL_VALUES, FOR_ANY_VALUE):
        if rest.startswith(prefix + ":"):
            set_operator = prefix
            rest = rest[len(prefix) + 1 :]
            break
    if_exists = rest.endswith("IfExists")
    if if_exists:
        rest = rest[: -len("IfExists")]
    operator = OPERATORS.get(rest)
    if operator is None:
        return None
    if operator is NULL and (set_operator or if_exists):
        return None
    return OperatorName(text, operator, set_operator, if_exists)


def suggest_operator(text: str) -> str | None:
    """The operator a wrongly cased name was probably meant to be (`stringequals` -> ...)."""
    if not isinstance(text, str):
        return None
    lowered = text.lower()
    prefix = ""
    for p in (FOR_ALL_VALUES, FOR_ANY_VALUE):
        if lowered.startswith(p.lower() + ":"):
            prefix, lowered = p + ":", lowered[len(p) + 1 :]
            break
    suffix = ""
    if lowered.endswith("ifexists"):
        suffix, lowered = "IfExists", lowered[: -len("ifexists")]
    name = _LOWER_NAMES.get(lowered)
    if name is None:
        return None
    candidate = prefix + name + suffix
    return candidate if candidate != text and parse_operator(candidate) else None


# --------------------------------------------------------------------------------------------
# Compiling a Condition block
# --------------------------------------------------------------------------------------------


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    return None


def _describe_bad(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a nested list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


class _Clause:
    """One condition key under one operator."""

    __slots__ = (
        "operator_text",
        "key",
        "name",
        "op",
        "set_operator",
        "if_exists",
        "raw_values",
        "static",
        "dynamic",
        "invalid",
        "tester",
        "problem",
        "missing_result",
        "all_mode",
        "negated",
        "null_wants",
        "static_invalid",
    )

    def __init__(
        self,
        operator_text: str,
        key: str,
        name: OperatorName | None,
        raw: Any,
        variables_enabled: bool,
    ) -> None:
        self.operator_text = operator_text
        self.key = key
        self.name = name
        self.problem: str | None = None
        self.static: list[tuple[str, Any]] = []  # (policy text, prepared)
        self.dynamic: list[tuple[str, variables.Template]] = []
        self.invalid: list[tuple[str, str]] = []  # (policy text, why it is unusable)
        self.tester: Callable[[Any], bool] | None = None
        self.null_wants: frozenset[bool] = frozenset()

        items = raw if isinstance(raw, list) else [raw]
        texts: list[str] = []
        usable = 0
        op = name.operator if name else None
        for item in items:
            text = _scalar_text(item)
            if text is None:
                shown = _describe_bad(item)
                texts.append(shown)
                self.invalid.append((shown, f"{shown} is not a usable value"))
                continue
            texts.append(text)
            if op is None:
                continue
            if variables_enabled and op.variables and variables.has_variables(text):
                self.dynamic.append((text, variables.parse(text)))
                usable += 1
                continue
            prepared = op.prepare(text)
            if isinstance(prepared, _Invalid):
                self.invalid.append((text, prepared.reason))
            else:
                self.static.append((text, prepared))
                usable += 1
        self.raw_values = tuple(texts)

        if name is None:
            hint = suggest_operator(operator_text)
            self.problem = (
                f"{_show(str(operator_text))} is not a condition operator"
                + (f" (did you mean {hint}? names are case-sensitive)" if hint else "")
                + ", so this condition never matches"
            )
        elif not items:
            self.problem = f"{key} has no values under {operator_text}, so it never matches"
        elif not usable:
            reasons = "; ".join(reason for _, reason in self.invalid)
            self.problem = f"no usable value for {key} ({reasons}), so it never matches"

        self.op = op
        self.set_operator = name.set_operator if name else None
        self.if_exists = name.if_exists if name else False
        self.negated = bool(op and op.negated)
        self.all_mode = self.set_operator == FOR_ALL_VALUES or (
            self.set_operator is None and self.negated
        )
        if op is NULL:
            self.null_wants = frozenset(p == "true" for _, p in self.static)
            self.missing_result = True in self.null_wants
        elif self.if_exists or self.set_operator == FOR_ALL_VALUES:
            self.missing_result = True
        elif self.set_operator == FOR_ANY_VALUE:
            self.missing_result = False
        else:
            self.missing_result = self.negated
        self.static_invalid = bool(self.invalid)
        if op is not None and op is not NULL and not self.dynamic and self.static:
            self.tester = op.any_of([p for _, p in self.static])

    # -- the fast path ------------------------------------------------------------------------

    def _dynamic_tester(self, context: Context) -> tuple[Callable[[Any], bool] | None, bool]:
        op = self.op
        assert op is not None and op.prepare_pieces is not None
        prepared = [p for _, p in self.static]
        has_invalid = self.static_invalid
        for _, template in self.dynamic:
            pieces = template.expand(context)
            if pieces is None:
                continue  # a variable without a value: this policy value matches nothing
            value = op.prepare_pieces(pieces)
            if isinstance(value, _Invalid):
                has_invalid = True
            else:
                prepared.append(value)
        return (op.any_of(prepared) if prepared else None), has_invalid

    def check(self, context: Context) -> bool:
        if self.problem is not None:
            return False
        values = context.get(self.key)
        if not values:
            return self.missing_result
        op = self.op
        if op is NULL:
            return False in self.null_wants
        tester = self.tester
        has_invalid = self.static_invalid
        if tester is None:
            tester, has_invalid = self._dynamic_tester(context)
        parse = op.parse_request
        negated = self.negated
        if self.all_mode:
            for value in values:
                parsed = parse(value)
                if parsed is None:
                    return False
                hit = tester is not None and tester(parsed)
                if negated:
                    if hit or has_invalid:
                        return False
                elif not hit:
                    return False
            return True
        for value in values:
            parsed = parse(value)
            if parsed is None:
                continue
            hit = tester is not None and tester(parsed)
            if negated:
                if not hit and not has_invalid:
                    return True
            elif hit:
                return True
        return False

    # -- the explained path -------------------------------------------------------------------

    def explain(self, context: Context) -> ConditionTrace:
        values = context.get(self.key)
        matched, reason = self._decide_explained(values, context)
        return ConditionTrace(
            operator=self.operator_text,
            key=self.key,
            policy_values=self.raw_values,
            request_values=values,
            matched=matched,
            reason=reason,
        )

    def _decide_explained(
        self, values: tuple[str, ...] | None, context: Context
    ) -> tuple[bool, str]:
        if self.problem is not None:
            return False, self.problem
        key, op = self.key, self.op
        assert op is not None and self.name is not None
        if op is NULL:
            return self._explain_null(values)
        if not values:
            return self.missing_result, self._missing_reason(values)

        # Every usable policy value, with how to show it.
        shown: list[tuple[str, Any]] = list(self.static)
        invalid = list(self.invalid)
        unresolved: list[str] = []
        for text, template in self.dynamic:
            pieces = template.expand(context)
            if pieces is None:
                missing = [n for n in template.names if variables.lookup(context, n) is None]
                what = ", ".join(missing) if missing else "a variable"
                unresolved.append(f"{text} (no value for {what})")
                continue
            resolved = "".join(t for t, _ in pieces)
            label = f"{text} (= {_show(resolved)})"
            assert op.prepare_pieces is not None
            value = op.prepare_pieces(pieces)
            if isinstance(value, _Invalid):
                invalid.append((label, value.reason))
            else:
                shown.append((label, value))
        has_invalid = bool(invalid)
        labels = [label for label, _ in shown] + unresolved
        policy_text = _show_list(labels) if labels else "no usable value"

        # Each request value: does the positive relation hold, and against what?
        results: list[tuple[str, bool | None, str]] = []  # (value, positive, description)
        for value in values:
            parsed = op.parse_request(value)
            if parsed is None:
                results.append((value, None, f"{_show(value)} is not {op.request_kind}"))
                continue
            hit = next((label for label, p in shown if op.relation(parsed, p)), None)
            if hit is not None:
                results.append((value, True, f"{_show(value)} {op.holds} {hit}"))
            elif has_invalid:
                bad_reason = invalid[0][1]
                results.append(
                    (value, None, f"{_show(value)} cannot be checked, because {bad_reason}")
                )
            else:
                results.append((value, False, f"{_show(value)} {op.fails} {policy_text}"))

        negated = self.negated
        satisfied = [(pos is False) if negated else (pos is True) for _, pos, _ in results]
        matched = all(satisfied) if self.all_mode else any(satisfied)
        base = self.name.base_name

        first_yes = next((d for (_, _, d), s in zip(results, satisfied, strict=True) if s), "")
        first_no = next((d for (_, _, d), s in zip(results, satisfied, strict=True) if not s), "")
        every = "; ".join(d for _, _, d in results[:5]) + ("; ..." if len(results) > 5 else "")

        if self.set_operator == FOR_ANY_VALUE:
            if matched:
                return True, f"ForAnyValue: the {key} value {first_yes}"
            return False, f"ForAnyValue: no value of {key} satisfies {base} ({every})"
        if self.set_operator == FOR_ALL_VALUES:
            if matched:
                return True, f"ForAllValues: every value of {key} satisfies {base} ({every})"
            return False, (
                f"ForAllValues: the {key} value {first_no}, so not every value satisfies {base}"
            )

        if len(results) == 1:
            reason = f"{key} {results[0][2]}"
            if negated:
                reason += f", so {base} " + ("matches" if matched else "does not match")
            return matched, reason
        if negated:
            if matched:
                return True, (
                    f"none of the {len(results)} values of {key} match {policy_text}, "
                    f"so {base} matches"
                )
            return False, f"the {key} value {first_no}, so {base} does not match"
        if matched:
            return True, f"the {key} value {first_yes} (one of {len(results)} values)"
        return False, f"none of the {len(results)} values of {key} match ({every})"

    def _absent(self, values: tuple[str, ...] | None) -> str:
        if values is None:
            return f"the request has no {self.key}"
        return f"the request has an empty list for {self.key}"

    def _missing_reason(self, values: tuple[str, ...] | None) -> str:
        absent = self._absent(values)
        op_text = self.operator_text
        assert self.op is not None and self.name is not None
        if self.if_exists:
            return f"{absent}, so {op_text} is satisfied (IfExists only checks a key that is there)"
        if self.set_operator == FOR_ALL_VALUES:
            return f"{absent}, and ForAllValues is true when there are no values to check"
        if self.set_operator == FOR_ANY_VALUE:
            return (
                f"{absent}, and ForAnyValue needs at least one value that matches "
                f"(use {op_text}IfExists to allow that)"
            )
        name = self.op.name
        if self.negated:
            return f"{absent}, and a negated operator such as {name} matches when the key is absent"
        return f"{absent}, and {name} needs a value (use {name}IfExists to allow that)"

    def _explain_null(self, values: tuple[str, ...] | None) -> tuple[bool, str]:
        present = bool(values)
        matched = (not present) in self.null_wants
        wanted = " or ".join(f'"{w}"' for w in sorted({p for _, p in self.static}))
        if present:
            head = f"the request has {self.key}"
            if matched:
                return True, f'{head}, so Null "false" (key present) matches'
            return False, f"{head}, but Null {wanted} asks for it to be absent"
        head = self._absent(values)
        if matched:
            return True, f'{head}, so Null "true" (key absent) matches'
        return False, f"{head}, but Null {wanted} asks for it to be present"


class CompiledConditions:
    """A Condition block ready to evaluate against many request contexts."""

    __slots__ = ("_clauses", "_problem")

    def __init__(self, clauses: list[_Clause], problem: str | None = None) -> None:
        self._clauses = tuple(clauses)
        self._problem = problem

    def __len__(self) -> int:
        return len(self._clauses)

    @property
    def problem(self) -> str | None:
        """Why the whole block can never match (it is not a JSON object), or None."""
        return self._problem

    def keys(self) -> tuple[str, ...]:
        """The condition keys the block reads, as written, in order."""
        return tuple(clause.key for clause in self._clauses)

    def holds(self, context: Context) -> bool:
        """Whether every condition holds for the request (`evaluate` without the trace)."""
        if self._problem is not None:
            return False
        for clause in self._clauses:  # noqa: SIM110 - a loop is faster than all(genexpr)
            if not clause.check(context):
                return False
        return True

    def evaluate(self, context: Context, *, explain: bool) -> tuple[bool, list[ConditionTrace]]:
        """Whether every condition holds for the request; with `explain`, a trace per key."""
        if self._problem is not None:
            if not explain:
                return False, []
            trace = ConditionTrace("", "", (), None, False, self._problem)
            return False, [trace]
        if not explain:
            for clause in self._clauses:
                if not clause.check(context):
                    return False, []
            return True, []
        traces = [clause.explain(context) for clause in self._clauses]
        return all(t.matched for t in traces), traces


def compile_conditions(block: Any, *, variables_enabled: bool) -> CompiledConditions:
    """Compile a Condition block. Never raises: whatever is malformed never matches.

    Pass `{}` for a statement without a Condition (always true); anything that is not a JSON
    object, None included, is malformed and never matches.
    """
    try:
        return _compile(block, variables_enabled)
    except Exception as exc:  # a last line of defence: odd input must not break evaluation
        return CompiledConditions([], f"the Condition block could not be read ({exc!r})")


def _compile(block: Any, variables_enabled: bool) -> CompiledConditions:
    if not isinstance(block, Mapping):
        return CompiledConditions(
            [], f"the Condition block is {_describe_bad(block)}, not an object, so it never matches"
        )
    clauses: list[_Clause] = []
    for operator_text, keys in block.items():
        name = parse_operator(operator_text) if isinstance(operator_text, str) else None
        op_label = operator_text if isinstance(operator_text, str) else repr(operator_text)
        if not isinstance(keys, Mapping) or not keys:
            clause = _Clause(op_label, "", name, [], variables_enabled)
            what = "is empty" if isinstance(keys, Mapping) else f"is {_describe_bad(keys)}"
            clause.problem = (
                f"{op_label} {what}; it must map condition keys to values, so it never matches"
            )
            clauses.append(clause)
            continue
        for key, raw in keys.items():
            key_text = key if isinstance(key, str) else repr(key)
            clause = _Clause(op_label, key_text, name, raw, variables_enabled)
            if not isinstance(key, str):
                clause.problem = f"{key_text} is not a condition key name, so it never matches"
            clauses.append(clause)
    return CompiledConditions(clauses)


def iter_operator_names() -> Iterable[str]:
    """Every operator name AWS accepts, prefixes and IfExists included (for validators, UIs)."""
    for op in _ALL_OPERATORS:
        if op is NULL:
            yield op.name
            continue
        for prefix in ("", FOR_ALL_VALUES + ":", FOR_ANY_VALUE + ":"):
            yield prefix + op.name
            yield prefix + op.name + "IfExists"
