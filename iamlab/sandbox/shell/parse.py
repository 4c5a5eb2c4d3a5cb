"""Reading one command line the way the AWS CLI does: global options, service, command and
its parameters, with JSON or shorthand values for lists and maps.

Nothing here runs what the learner typed: tokens are only compared and parsed as data.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from .commands import (
    BOOL_MAP,
    BOOLEAN,
    INTEGER,
    LIST,
    MAP,
    STRUCTURES,
    Command,
    Param,
    services,
)

USAGE = (
    "usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\n"
    "To see help text, you can run:\n\n"
    "  aws help\n"
    "  aws <command> help\n"
    "  aws <command> <subcommand> help\n"
)

# Global options that take a value, and flags the pane accepts and ignores.
_GLOBAL_VALUES = ("--output", "--profile", "--region")
_GLOBAL_FLAGS = (
    "--debug",
    "--no-cli-pager",
    "--no-paginate",
    "--no-verify-ssl",
    "--no-sign-request",
)
_UNSUPPORTED = {
    "--query": "--query (JMESPath) is not supported in the iamlab CLI pane",
    "--endpoint-url": "--endpoint-url is not supported: every command runs in your sandbox",
    "--generate-cli-skeleton": "--generate-cli-skeleton is not supported in the iamlab CLI pane",
}
OUTPUTS = ("json", "text", "table", "yaml", "yaml-stream")
SUPPORTED_OUTPUTS = ("json", "text")


class ShellError(Exception):
    """A line the CLI rejects before calling AWS. `code` is the CLI's exit status."""

    code = 252

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ShellError):
    """Printed as the CLI's `aws: error: ...` after its usage lines."""

    def render(self) -> str:
        return f"{USAGE}\naws: error: {self.message}\n"


class ParamError(ShellError):
    """A parameter value the CLI cannot read: `Error parsing parameter '--x': ...`."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option

    def render(self) -> str:
        return f"\nError parsing parameter '{self.option}': {self.message}\n"


class ConfigError(ShellError):
    """The environment or configuration is wrong (the CLI's 253/255 family)."""

    code = 255

    def render(self) -> str:
        return f"\n{self.message}\n"


@dataclass(slots=True)
class Line:
    """One parsed `aws ...` line."""

    service: str = ""
    command: str = ""
    output: str | None = None  # None: the profile's or json
    profile: str | None = None
    region: str | None = None
    help: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    positionals: list[str] = field(default_factory=list)  # the service and command words
    rest: list[str] = field(default_factory=list)  # for `aws configure`


def split(line: str) -> list[str]:
    """The words of a line as a POSIX shell would split them (quotes, backslashes)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as exc:  # unbalanced quotes
        raise ShellError(f"-bash: syntax error: {exc}") from None


def _is_option(token: str) -> bool:
    return token.startswith("--") and len(token) > 2


def parse(words: list[str]) -> Line:
    """Parse the words after `aws`."""
    out = Line()
    args: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        option, eq, inline = word.partition("=") if _is_option(word) else (word, "", "")
        if option in _UNSUPPORTED:
            raise UsageError(_UNSUPPORTED[option])
        if option in _GLOBAL_VALUES:
            if eq:
                value = inline
            elif i + 1 < len(words):
                i += 1
                value = words[i]
            else:
                raise UsageError(f"argument {option}: expected one argument")
            if option == "--output":
                if value not in OUTPUTS:
                    choices = ", ".join(f"'{o}'" for o in OUTPUTS)
                    raise UsageError(
                        f"argument --output: Invalid choice: '{value}' (choose from {choices})"
                    )
                if value not in SUPPORTED_OUTPUTS:
                    raise UsageError(f"--output {value} is not supported in the iamlab CLI pane")
                out.output = value
            elif option == "--profile":
                out.profile = value
            else:
                out.region = value
        elif option in _GLOBAL_FLAGS:
            pass
        else:
            args.append(word)
        i += 1
    positionals = []
    while args and not _is_option(args[0]) and len(positionals) < 2:
        positionals.append(args.pop(0))
    out.positionals = positionals
    if not positionals:
        raise UsageError("the following arguments are required: command")
    out.service = positionals[0]
    if out.service == "help":
        out.help = True
        return out
    if out.service == "configure":
        out.rest = positionals[1:] + args
        return out
    table = services()
    if out.service not in table:
        choices = "\n".join(["configure", *table])
        raise UsageError(f"argument command: Invalid choice, valid choices are:\n\n{choices}\n")
    if len(positionals) < 2:
        raise UsageError("the following arguments are required: operation")
    out.command = positionals[1]
    if out.command == "help":
        out.help = True
        return out
    commands = table[out.service]
    if out.command not in commands:
        choices = "\n".join(commands)
        raise UsageError(f"argument operation: Invalid choice, valid choices are:\n\n{choices}\n")
    if args == ["help"]:
        out.help = True
        return out
    out.params, extra = _parameters(commands[out.command], args)
    if extra:
        out.positionals.extend(extra)
    return out


def _parameters(command: Command, args: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The operation's parameters (AWS names → values) and stray positional words."""
    given: dict[str, Any] = {}
    from_json: dict[str, Any] = {}
    unknown: list[str] = []
    extra: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        if not _is_option(word):
            extra.append(word)
            i += 1
            continue
        option, eq, inline = word.partition("=")
        values: list[str] = [inline] if eq else []
        j = i + 1
        while not eq and j < len(args) and not _is_option(args[j]):
            values.append(args[j])
            j += 1
        i = j
        if option == "--cli-input-json":
            if len(values) != 1:
                raise UsageError("argument --cli-input-json: expected one argument")
            from_json = _cli_input_json(command, values[0])
            continue
        param = command.param_by_option(option)
        negated = None
        if param is None and option.startswith("--no-"):
            negated = command.param_by_option("--" + option[5:])
            if negated is not None and negated.kind == BOOLEAN:
                extra.extend(values)
                given[negated.name] = False
                continue
        if param is None:
            unknown.append(option)
            unknown.extend(values)
            continue
        if param.kind == BOOLEAN:
            extra.extend(values)
            given[param.name] = True
            continue
        if not values:
            raise UsageError(f"argument {option}: expected one argument")
        if param.kind not in (LIST, STRUCTURES) and len(values) > 1:
            extra.extend(values[1:])
            values = values[:1]
        given[param.name] = convert(param, values)
    if unknown:
        raise UsageError("Unknown options: " + ", ".join(unknown))
    merged = {**from_json, **given}
    missing = [p.option for p in command.params if p.required and p.name not in merged]
    if missing:
        raise UsageError("the following arguments are required: " + ", ".join(missing))
    return merged, extra


def _cli_input_json(command: Command, text: str) -> dict[str, Any]:
    _no_files("--cli-input-json", text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParamError("--cli-input-json", f"Invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ParamError("--cli-input-json", "Invalid JSON: the input must be a JSON object")
    known = {p.name: p for p in command.params}
    for key, value in data.items():
        if key not in known:
            raise ParamError(
                "--cli-input-json",
                f'Unknown parameter in input: "{key}", must be one of: ' + ", ".join(known),
            )
        if known[key].kind == INTEGER and (isinstance(value, bool) or not isinstance(value, int)):
            raise ParamError(
                "--cli-input-json", f"Invalid type for parameter {key}, value: {value!r}"
            )
    return data


def _no_files(option: str, value: str) -> None:
    if value.startswith(("file://", "fileb://")):
        raise ParamError(
            option,
            "file:// and fileb:// are not supported in the iamlab CLI pane (it has no file "
            "system): paste the JSON inline, in single quotes",
        )


def convert(param: Param, values: list[str]) -> Any:
    """A parameter's words as the value the API takes."""
    for v in values:
        _no_files(param.option, v)
    kind = param.kind
    if kind == INTEGER:
        try:
            return int(values[0])
        except ValueError:
            raise ParamError(
                param.option, f"invalid literal for int() with base 10: '{values[0]}'"
            ) from None
    if kind == LIST:
        if len(values) == 1 and values[0].lstrip().startswith("["):
            data = _json(param, values[0])
            if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
                raise ParamError(param.option, "Expected a JSON list of strings")
            return data
        return list(values)
    if kind == STRUCTURES:
        if len(values) == 1 and values[0].lstrip().startswith("["):
            data = _json(param, values[0])
            if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
                raise ParamError(param.option, "Expected a JSON list of objects")
            return data
        return [_shorthand(param, v) for v in values]
    if kind in (MAP, BOOL_MAP):
        value = values[0]
        if value.lstrip().startswith("{"):
            data = _json(param, value)
            if not isinstance(data, dict):
                raise ParamError(param.option, "Expected a JSON object")
            return data
        data = _shorthand(param, value)
        if kind == BOOL_MAP:
            out: dict[str, Any] = {}
            for k, v in data.items():
                if v.lower() not in ("true", "false"):
                    raise ParamError(param.option, f"Invalid value for {k}: expected true or false")
                out[k] = v.lower() == "true"
            return out
        return data
    return values[0]


def _json(param: Param, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ParamError(param.option, f"Invalid JSON: {exc}\nJSON received: {text}") from None


def _shorthand(param: Param, text: str) -> dict[str, str]:
    """`Key=team,Value=blue` → {"Key": "team", "Value": "blue"}."""
    out: dict[str, str] = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        if not eq:
            caret = " " * len(text) + "^"
            raise ParamError(
                param.option, f"Expected: '=', received: 'EOF' for input:\n{text}\n{caret}"
            )
        if not key.strip():
            raise ParamError(param.option, f"Expected a key before '=' in: {text}")
        out[key.strip()] = value
    return out
