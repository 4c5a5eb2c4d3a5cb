"""The JSON reader: values, the place of every value and key, syntax errors, hostile input."""

from __future__ import annotations

import json
import signal
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.engine.jsontext import (
    KEY_SUFFIX,
    MAX_DEPTH,
    MAX_DUPLICATE_REPORTS,
    compact_length,
    key_pointer,
    line_column,
    parse_json_text,
)
from iamlab.engine.model import Severity


@contextmanager
def time_limit(seconds: int):
    def on_alarm(signum, frame):  # noqa: ARG001
        raise TimeoutError(f"took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject"],
      "Resource": "arn:aws:s3:::b/*"
    }
  ]
}"""

POSITIONS = [
    # pointer, (line, column)
    pytest.param("", (1, 1), id="the document starts at its opening brace"),
    pytest.param("/Version", (2, 14), id="a value starts at its first character"),
    pytest.param(key_pointer("/Version"), (2, 3), id="a key starts at its opening quote"),
    pytest.param("/Statement", (3, 16), id="an array value starts at its bracket"),
    pytest.param("/Statement/0", (4, 5), id="array elements are numbered from 0"),
    pytest.param("/Statement/0/Effect", (5, 17), id="nested values get their own pointer"),
    pytest.param("/Statement/0/Action/1", (6, 34), id="the second string of a list"),
    pytest.param("/Statement/0/Effect" + KEY_SUFFIX, (5, 7), id="nested keys use the suffix"),
]


@pytest.mark.parametrize(("path", "place"), POSITIONS)
def test_it_records_where_each_value_and_key_starts(path, place):
    value, positions, problems = parse_json_text(POLICY)
    assert problems == []
    assert value == json.loads(POLICY)
    assert positions[path] == place


def test_it_records_every_value_and_every_key():
    _, positions, _ = parse_json_text(POLICY)
    values = [p for p in positions if not p.endswith(KEY_SUFFIX)]
    keys = [p for p in positions if p.endswith(KEY_SUFFIX)]
    assert len(values) == 9
    assert len(keys) == 5


def test_keys_with_slashes_and_tildes_are_escaped_as_rfc_6901_says():
    _, positions, _ = parse_json_text('{"a/b": {"c~d": 1}}')
    assert positions["/a~1b/c~0d"] == (1, 17)
    assert positions["/a~1b/c~0d" + KEY_SUFFIX] == (1, 10)


VALUES = [
    pytest.param("0", 0, id="zero"),
    pytest.param("-12.5e2", -1250.0, id="a negative number with a fraction and an exponent"),
    pytest.param(" true ", True, id="true with white space around it"),
    pytest.param("null", None, id="null"),
    pytest.param('"\\u00e9\\n\\t\\"\\\\\\/"', 'é\n\t"\\/', id="every escape"),
    pytest.param('"\\ud83d\\ude00"', "\U0001f600", id="a surrogate pair becomes one character"),
    pytest.param('"\\ud800"', "\ud800", id="a lone surrogate is kept as it is"),
    pytest.param('"☃ 💥"', "☃ 💥", id="text outside ASCII"),
    pytest.param("[]", [], id="an empty array"),
    pytest.param("{}", {}, id="an empty object"),
    pytest.param('{"a": [1, {"b": []}]}', {"a": [1, {"b": []}]}, id="nested containers"),
    pytest.param("1" * 5000, float("1" * 5000), id="an integer too long for int() is a float"),
    pytest.param("1e999", float("inf"), id="a huge exponent"),
]


@pytest.mark.parametrize(("text", "expected"), VALUES)
def test_it_reads_values_as_json_does(text, expected):
    value, _, problems = parse_json_text(text)
    assert problems == []
    assert value == expected


SYNTAX_ERRORS = [
    # text, message (start), line, column, path
    pytest.param("", "Expected a JSON value, but the text is empty", 1, 1, "", id="empty text"),
    pytest.param(
        '{"a": 1 "b": 2}',
        "Expected ',' or '}' after a property value in object",
        1,
        9,
        "",
        id="a missing comma between members",
    ),
    pytest.param(
        '{"a": [1 2]}',
        "Expected ',' or ']' after an array element",
        1,
        10,
        "/a",
        id="a missing comma between elements",
    ),
    pytest.param(
        '{"a": 1,}',
        "Expected a property name after ',' (trailing commas are not allowed)",
        1,
        9,
        "",
        id="a trailing comma in an object",
    ),
    pytest.param(
        "[1,\n2,\n]",
        "Expected a value after ',' (trailing commas are not allowed)",
        3,
        1,
        "",
        id="a trailing comma in an array, on another line",
    ),
    pytest.param(
        '{"a" 1}', "Expected ':' after a property name in object", 1, 6, "", id="a missing colon"
    ),
    pytest.param(
        "{'a': 1}",
        "Property names must be in double quotes, not single quotes",
        1,
        2,
        "",
        id="single-quoted names",
    ),
    pytest.param(
        "[\"a\", 'b']",
        "Strings must be in double quotes, not single quotes",
        1,
        7,
        "",
        id="single-quoted strings",
    ),
    pytest.param(
        '{"a": "x}',
        "Unterminated string: the closing '\"' is missing",
        1,
        7,
        "",
        id="an unterminated string is reported where it starts",
    ),
    pytest.param(
        '"a\nb"',
        "Control character U+000A must be escaped inside a string",
        1,
        3,
        "",
        id="a raw line break inside a string",
    ),
    pytest.param(
        '"\\x41"', "Invalid escape sequence: backslash before 'x'", 1, 2, "", id="a bad escape"
    ),
    pytest.param(
        '"\\u12g4"',
        "Invalid \\u escape: it must be followed by 4 hexadecimal digits",
        1,
        2,
        "",
        id="a bad unicode escape",
    ),
    pytest.param("01", "Invalid number", 1, 1, "", id="a leading zero"),
    pytest.param("[-]", "Invalid number", 1, 2, "", id="a lone minus"),
    pytest.param("[1.]", "Invalid number", 1, 2, "", id="a dot without digits"),
    pytest.param(
        "[True]",
        "Unexpected 'True': JSON literals are lowercase true, false, null",
        1,
        2,
        "",
        id="Python's True",
    ),
    pytest.param("[NaN]", "'NaN' is not a JSON number", 1, 2, "", id="NaN"),
    pytest.param(
        '{"a": 1} // note', "Unexpected text after the end", 1, 10, "", id="a trailing comment"
    ),
    pytest.param('{"a": // note\n1}', "Comments are not allowed in JSON", 1, 7, "", id="a comment"),
    pytest.param(
        '{"a": {"b": [1, }}', "Expected a value, found '}'", 1, 17, "/a/b", id="a stray brace"
    ),
    pytest.param(
        '{"a": {"b": [1, 2',
        "Unexpected end of input: expected ',' or ']' after an array element",
        1,
        18,
        "/a/b",
        id="the text ends inside nested containers",
    ),
    pytest.param(
        "\ufeff{}",
        "Expected a JSON value, found character U+FEFF",
        1,
        1,
        "",
        id="a byte order mark",
    ),
    pytest.param(
        "{}\r\n\r\n}", "Unexpected text after the end", 3, 1, "", id="lines break at CR LF"
    ),
    pytest.param("{}\r\r}", "Unexpected text after the end", 3, 1, "", id="lines break at CR"),
    pytest.param(
        "[" * (MAX_DEPTH + 1),
        f"Nesting is too deep (more than {MAX_DEPTH} levels)",
        1,
        MAX_DEPTH + 1,
        "/0" * (MAX_DEPTH - 1),
        id="nesting deeper than the limit",
    ),
]


@pytest.mark.parametrize(("text", "message", "line", "column", "path"), SYNTAX_ERRORS)
def test_it_reports_a_syntax_error_with_its_place(text, message, line, column, path):
    value, positions, problems = parse_json_text(text)
    assert value is None
    assert positions == {}
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity == Severity.ERROR
    assert problem.code == "JSON_SYNTAX"
    assert problem.message.startswith(message)
    assert (problem.line, problem.column, problem.path) == (line, column, path)


def test_a_duplicate_key_warns_and_the_last_value_wins():
    value, positions, problems = parse_json_text('{"a": {"x": [1]},\n "a": 2}')
    assert value == {"a": 2}
    assert positions == {"": (1, 1), "/a" + KEY_SUFFIX: (2, 2), "/a": (2, 7)}
    assert [(p.severity, p.code, p.path, p.line, p.column) for p in problems] == [
        (Severity.WARNING, "DUPLICATE_KEY", "/a", 2, 2)
    ]


def test_duplicate_keys_in_different_objects_are_fine():
    _, _, problems = parse_json_text('[{"a": 1}, {"a": 2}]')
    assert problems == []


def test_it_reports_a_bounded_number_of_duplicate_keys():
    text = "{" + '"a": 1, ' * 1000 + '"b": 2}'
    value, _, problems = parse_json_text(text)
    assert value == {"a": 1, "b": 2}
    assert len(problems) == MAX_DUPLICATE_REPORTS


def test_it_refuses_what_is_not_text():
    value, positions, problems = parse_json_text(b'{"a": 1}')  # type: ignore[arg-type]
    assert (value, positions) == (None, {})
    assert problems[0].code == "JSON_SYNTAX"


HOSTILE = [
    pytest.param("[" * 1_000_000, id="a million opening brackets"),
    pytest.param('{"a":' * 200_000, id="deeply nested objects"),
    pytest.param("[" + "1," * 500_000 + "1]", id="a million numbers"),
    pytest.param('"' + "é" * 1_000_000 + '"', id="a one-megabyte string"),
    pytest.param('"' + "\\u" * 500_000, id="half a million broken escapes"),
    pytest.param("\x00" * 1_000_000, id="a megabyte of NUL characters"),
    pytest.param("\ud800" * 1000, id="lone surrogates outside strings"),
    pytest.param(" " * 1_000_000, id="only white space"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_never_raises_and_stays_fast(text):
    with time_limit(10):
        value, positions, problems = parse_json_text(text)
    for problem in problems:
        assert problem.line >= 1
        assert problem.column >= 1
    assert value is not None or problems


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values, st.sampled_from([None, 2]))
def test_it_reads_whatever_json_dumps_writes(value, indent):
    text = json.dumps(value, indent=indent)
    parsed, positions, problems = parse_json_text(text)
    assert problems == []
    assert parsed == value
    assert positions[""] == line_column(text, len(text) - len(text.lstrip()))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[],:"\\ \n\r\tatrunlfe0123456789.-+Eu\x00\ud800', max_size=60))
def test_it_never_raises_on_arbitrary_text(text):
    value, positions, problems = parse_json_text(text)
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        assert value is None
        assert [p.code for p in problems] == ["JSON_SYNTAX"]
    else:
        assert value == expected or (value != value and expected != expected)


SIZES = [
    pytest.param('{"a": 1}', 7, id="spaces between tokens are not counted"),
    pytest.param('{\n  "a b": [1, 2]\n}\n', 13, id="spaces inside strings are counted"),
    pytest.param('{"a\\" b": 1}', 11, id="escaped quotes do not end a string"),
]


@pytest.mark.parametrize(("text", "size"), SIZES)
def test_compact_length_counts_what_iam_counts(text, size):
    assert compact_length(text) == size


def test_line_column_counts_from_one():
    text = "ab\r\ncd\ref"
    assert [line_column(text, i) for i in (0, 1, 4, 7, 99)] == [
        (1, 1),
        (1, 2),
        (2, 1),
        (3, 1),
        (3, 3),
    ]
