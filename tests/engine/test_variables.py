"""Policy variables: substitution, defaults, the special characters and malformed text."""

from __future__ import annotations

import pytest

from iamlab.engine.model import Context
from iamlab.engine.variables import expand, has_variables, lookup, parse, variable_names

CONTEXT = Context(
    {
        "aws:username": "alice",
        "aws:userid": "AIDAEXAMPLE",
        "aws:PrincipalTag/team": "blue",
        "aws:PrincipalTag/cost center": "12 34",
        "s3:prefix": "home/*",
        "aws:PrincipalTag/empty": "",
        "aws:TagKeys": ["a", "b"],
        "aws:SingleInList": ["only"],
        "app:looks-like-a-variable": "${aws:username}",
    }
)

EXPANSIONS = [
    # text, expected pieces (or None)
    pytest.param(
        "arn:aws:s3:::bucket/*",
        [("arn:aws:s3:::bucket/*", True)],
        id="text without variables is one live piece",
    ),
    pytest.param("", [("", True)], id="the empty text is one empty piece"),
    pytest.param(
        "${aws:username}", [("alice", False)], id="a variable alone becomes the context value"
    ),
    pytest.param(
        "home/${aws:username}/*",
        [("home/", True), ("alice", False), ("/*", True)],
        id="a variable inside text splits it into pieces",
    ),
    pytest.param(
        "${AWS:UserName}", [("alice", False)], id="variable names are looked up ignoring case"
    ),
    pytest.param("${aws:PrincipalTag/team}", [("blue", False)], id="a principal tag is a variable"),
    pytest.param(
        "${aws:PrincipalTag/cost center}",
        [("12 34", False)],
        id="a tag key with a space is a variable",
    ),
    pytest.param("${ aws:username }", [("alice", False)], id="spaces around the name are ignored"),
    pytest.param(
        "${aws:username}${aws:userid}",
        [("aliceAIDAEXAMPLE", False)],
        id="two adjacent variables join into one literal piece",
    ),
    pytest.param(
        "${s3:prefix}", [("home/*", False)], id="a star that came from the request is literal"
    ),
    pytest.param("${aws:PrincipalTag/empty}x", [("x", True)], id="an empty value adds no piece"),
    pytest.param(
        "${aws:PrincipalTag/missing}", None, id="a missing variable without default has no value"
    ),
    pytest.param(
        "a/${aws:PrincipalTag/missing}/b", None, id="one missing variable spoils the whole text"
    ),
    pytest.param("${aws:TagKeys}", None, id="a multivalued key cannot be a variable"),
    pytest.param(
        "${aws:SingleInList}", None, id="a key given as a list is multivalued even with one value"
    ),
    pytest.param(
        "${aws:PrincipalTag/missing, 'company-wide'}",
        [("company-wide", True)],
        id="the default is used when the key is missing",
    ),
    pytest.param(
        "${aws:username, 'nobody'}",
        [("alice", False)],
        id="the default is ignored when the key has a value",
    ),
    pytest.param(
        "${aws:TagKeys, 'fallback'}",
        [("fallback", True)],
        id="the default is used for a multivalued key",
    ),
    pytest.param(
        "${aws:missing,'x'}", [("x", True)], id="a default needs no space after the comma"
    ),
    pytest.param(
        "${aws:missing ,  'x' }", [("x", True)], id="spaces around the comma and quotes are ignored"
    ),
    pytest.param("${aws:missing, ''}", [("", True)], id="an empty default is allowed"),
    pytest.param(
        "${aws:missing, 'it''s'}",
        [("it's", True)],
        id="two single quotes in a default are one quote",
    ),
    pytest.param(
        "${aws:missing, 'a}b'}",
        [("a}b", True)],
        id="a closing brace inside the quoted default is text",
    ),
    pytest.param(
        "${aws:missing, 'a, b'}", [("a, b", True)], id="a comma inside the quoted default is text"
    ),
    pytest.param(
        "${aws:missing, 'x*'}",
        [("x*", True)],
        id="a star in a default is the policy's own wildcard",
    ),
    pytest.param(
        "${aws:missing, '${aws:username}'}",
        [("${aws:username}", True)],
        id="a default is not expanded again",
    ),
    pytest.param(
        "${app:looks-like-a-variable}",
        [("${aws:username}", False)],
        id="a value is not expanded again",
    ),
    pytest.param("${*}", [("*", False)], id="dollar-brace-star is a literal star"),
    pytest.param(
        "${?}", [("?", False)], id="dollar-brace-question-mark is a literal question mark"
    ),
    pytest.param("${$}", [("$", False)], id="dollar-brace-dollar is a literal dollar"),
    pytest.param(
        "a${*}b*",
        [("a", True), ("*", False), ("b*", True)],
        id="special characters sit between live pieces",
    ),
    pytest.param(
        "${$}{aws:username}",
        [("$", False), ("{aws:username}", True)],
        id="an escaped dollar does not start a variable",
    ),
    pytest.param(
        "$5 ${aws:username",
        [("$5 ${aws:username", True)],
        id="an unterminated variable is literal text",
    ),
    pytest.param("a ${ b", [("a ${ b", True)], id="a lone dollar-brace is literal text"),
    pytest.param(
        "${aws:username} and ${unterminated",
        [("alice", False), (" and ${unterminated", True)],
        id="a variable followed by an unterminated one",
    ),
    pytest.param("${}", None, id="an empty variable never resolves"),
    pytest.param("${   }", None, id="a blank variable never resolves"),
    pytest.param("${aws:username, nobody}", None, id="an unquoted default never resolves"),
    pytest.param(
        "${aws:username, 'nobody' extra}", None, id="text after the default never resolves"
    ),
    pytest.param("${aws:missing, 'open}", None, id="an unclosed quote in a default never resolves"),
    pytest.param("${, 'x'}", None, id="a default without a name never resolves"),
    pytest.param("$aws:username", [("$aws:username", True)], id="a dollar without braces is text"),
    pytest.param(
        "{aws:username}", [("{aws:username}", True)], id="braces without a dollar are text"
    ),
]


@pytest.mark.parametrize(("text", "expected"), EXPANSIONS)
def test_expand(text: str, expected: list[tuple[str, bool]] | None) -> None:
    assert expand(text, CONTEXT) == expected


HAS_VARIABLES = [
    pytest.param("arn:aws:s3:::bucket/*", False, id="plain text has no variables"),
    pytest.param("home/${aws:username}/*", True, id="a variable is a variable"),
    pytest.param("${*}", True, id="a special character needs expanding"),
    pytest.param("price: $5 {}", False, id="dollar and braces apart are not a variable"),
    pytest.param("${unterminated", False, id="an unterminated variable is not a variable"),
    pytest.param("${aws:username, nobody}", True, id="a malformed variable still needs expanding"),
]


@pytest.mark.parametrize(("text", "expected"), HAS_VARIABLES)
def test_has_variables(text: str, expected: bool) -> None:
    assert has_variables(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "home/${aws:username}/${aws:userid}",
            ("aws:username", "aws:userid"),
            id="names in order",
        ),
        pytest.param(
            "${ aws:PrincipalTag/team , 'x'}", ("aws:PrincipalTag/team",), id="names with defaults"
        ),
        pytest.param("${*}${?}${$}", (), id="special characters are not names"),
        pytest.param("plain", (), id="plain text has no names"),
    ],
)
def test_variable_names(text: str, expected: tuple[str, ...]) -> None:
    assert variable_names(text) == expected


def test_lookup_gives_the_single_value_or_none() -> None:
    assert lookup(CONTEXT, "AWS:USERNAME") == "alice"
    assert lookup(CONTEXT, "aws:TagKeys") is None
    assert lookup(CONTEXT, "aws:nothing") is None


def test_a_parsed_template_expands_against_different_contexts() -> None:
    template = parse("home/${aws:username, 'guest'}/*")
    assert template is parse("home/${aws:username, 'guest'}/*")
    assert template.expand(Context({"aws:username": "bob"})) == [
        ("home/", True),
        ("bob", False),
        ("/*", True),
    ]
    assert template.expand(Context({})) == [("home/guest/*", True)]


def test_a_value_with_special_looking_text_is_kept_literally() -> None:
    context = Context({"aws:username": "${*}?"})
    assert expand("${aws:username}", context) == [("${*}?", False)]
