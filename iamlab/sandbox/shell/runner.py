"""Running one line of the CLI pane against a sandbox.

Credentials work as in `~/.aws/credentials`: named profiles hold an access key id, its secret
and (for temporary credentials) a session token. Without `--profile` (and without a `default`
profile) a command runs as the console's current principal, as AWS CloudShell runs as the
console's session. The pane remembers credentials it is shown: `aws sts assume-role` saves the
session as a profile named after the role session, `aws iam create-access-key` saves the new key
under the user's name; `aws configure set ... --profile NAME` sets a profile by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..models import Sandbox
from ..services import principals
from ..services.errors import AwsError
from ..services.principals import Caller
from . import help as helptext
from .commands import Command, services
from .output import render
from .parse import ConfigError, Line, ShellError, UsageError, parse, split

log = logging.getLogger(__name__)

_SHELL_OPERATORS = frozenset({"|", "||", "&&", ";", ";;", ">", ">>", "<", "<<", "&", ">&", "|&"})
_PROFILE_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "region",
    "output",
)
NO_CREDENTIALS = (
    'Unable to locate credentials. You can configure credentials by running "aws configure".'
)


@dataclass(slots=True)
class Result:
    """What the pane shows: the CLI's own output, and the pane's notes (not the CLI's)."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    notes: list[str] = field(default_factory=list)
    clear: bool = False


def new_state() -> dict[str, Any]:
    """The pane's remembered configuration (kept in the web session): profiles by name."""
    return {"profiles": {}}


def run(
    sandbox: Sandbox,
    line: str,
    state: dict[str, Any],
    *,
    default_caller: Caller | None = None,
) -> Result:
    """Run one command line; `state` (see new_state) is updated in place. Never raises."""
    state.setdefault("profiles", {})
    try:
        if "\x00" in line:
            raise ShellError(
                "The command line contains a NUL character: no shell can pass one to a program."
            )
        words = split(line)
        if not words:
            return Result()
        if any(w in _SHELL_OPERATORS for w in words):
            raise ShellError(
                "The iamlab CLI pane runs one aws command per line: pipes, redirection, "
                "&& and ; are not supported."
            )
        first = words[0]
        if first == "help":
            return Result(stdout=helptext.pane_help())
        if first == "clear":
            return Result(clear=True)
        if first != "aws":
            return Result(stderr=f"-bash: {first}: command not found\n", exit_code=127)
        parsed = parse(words[1:])
        if parsed.help:
            return Result(stdout=helptext.aws_help(parsed.service, parsed.command))
        if parsed.service == "configure":
            return _configure(parsed, state)
        command = services()[parsed.service][parsed.command]
        return _call(sandbox, command, parsed, state, default_caller)
    except (UsageError, ConfigError) as exc:
        return Result(stderr=exc.render(), exit_code=exc.code)
    except ShellError as exc:
        render_ = getattr(exc, "render", None)
        text = render_() if render_ else exc.message + "\n"
        return Result(stderr=text, exit_code=exc.code)


def _caller(
    sandbox: Sandbox, parsed: Line, state: dict[str, Any], default_caller: Caller | None
) -> Caller:
    profiles = state["profiles"]
    name = parsed.profile
    if name is None and "default" in profiles:
        name = "default"
    region = parsed.region
    if name is None:
        if default_caller is None:
            raise ConfigError(NO_CREDENTIALS)
        caller = default_caller
    else:
        profile = profiles.get(name)
        if profile is None:
            raise ConfigError(f"The config profile ({name}) could not be found")
        key, secret = profile.get("aws_access_key_id"), profile.get("aws_secret_access_key")
        if not key or not secret:
            raise ConfigError(NO_CREDENTIALS)
        region = region or profile.get("region")
        caller = principals.from_access_key(
            sandbox, key, secret_access_key=secret, session_token=profile.get("aws_session_token")
        )
    if region:
        caller = caller.with_(region=region)
    return caller


def _call(
    sandbox: Sandbox,
    command: Command,
    parsed: Line,
    state: dict[str, Any],
    default_caller: Caller | None,
) -> Result:
    result = Result()
    params = dict(parsed.params)
    extra = parsed.positionals[2:]
    if command.name == "get-object":
        if not extra:
            raise UsageError("the following arguments are required: outfile")
        extra = extra[1:]
    if extra:
        raise UsageError("Unknown options: " + ", ".join(extra))
    if command.name == "put-object" and "Body" in params:
        result.notes.append(
            "The pane has no file system: the value of --body is stored as the object's content."
        )
    profile = state["profiles"].get(parsed.profile or "default", {})
    output = parsed.output or profile.get("output") or "json"
    try:
        caller = _caller(sandbox, parsed, state, default_caller)
        response = command.function(caller, **params)
    except AwsError as exc:
        result.stderr = (
            f"\nAn error occurred ({exc.code}) when calling the {command.operation} "
            f"operation: {exc.message}\n"
        )
        result.exit_code = 254
        return result
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        log.info("CLI pane: %s %s rejected: %r", command.service, command.name, exc)
        result.stderr = (
            "\nParameter validation failed:\n"
            f"Invalid type or value for a parameter of {command.operation}: {exc}\n"
        )
        result.exit_code = 252
        return result
    if command.name == "get-object":
        body = response.pop("Body", "")
        result.notes.append(
            "The pane has no file system: the CLI would write the object to "
            f"{parsed.positionals[2]}. Its content: {body}"
        )
    result.stdout = render(response, output)
    _remember(command, params, response, state, result)
    return result


def _remember(
    command: Command,
    params: dict[str, Any],
    response: dict[str, Any],
    state: dict[str, Any],
    result: Result,
) -> None:
    """Save credentials the learner was just shown as a profile, and say so."""
    profiles = state["profiles"]
    if command.name == "assume-role":
        creds = response.get("Credentials") or {}
        name = str(params.get("RoleSessionName"))
        profiles[name] = {
            "aws_access_key_id": creds.get("AccessKeyId", ""),
            "aws_secret_access_key": creds.get("SecretAccessKey", ""),
            "aws_session_token": creds.get("SessionToken", ""),
        }
        arn = (response.get("AssumedRoleUser") or {}).get("Arn", "the role session")
        result.notes.append(
            f"Saved these temporary credentials as profile '{name}'. Add --profile {name} "
            f"to a command to run it as {arn}."
        )
    elif command.name == "get-session-token":
        creds = response.get("Credentials") or {}
        profiles["session"] = {
            "aws_access_key_id": creds.get("AccessKeyId", ""),
            "aws_secret_access_key": creds.get("SecretAccessKey", ""),
            "aws_session_token": creds.get("SessionToken", ""),
        }
        result.notes.append(
            "Saved these temporary credentials as profile 'session' (use --profile session)."
        )
    elif command.name == "create-access-key":
        key = response.get("AccessKey") or {}
        name = key.get("UserName") or "root"
        profiles[name] = {
            "aws_access_key_id": key.get("AccessKeyId", ""),
            "aws_secret_access_key": key.get("SecretAccessKey", ""),
        }
        result.notes.append(
            f"The secret access key is shown only once. The pane saved this key as profile "
            f"'{name}': add --profile {name} to a command to run it with these credentials."
        )


def _configure(parsed: Line, state: dict[str, Any]) -> Result:
    profiles = state["profiles"]
    rest = parsed.rest
    name = parsed.profile or "default"
    if not rest:
        raise UsageError(
            "aws configure asks its questions interactively, which the pane cannot do. Use "
            "aws configure set aws_access_key_id AKIA... --profile NAME and "
            "aws configure set aws_secret_access_key SECRET --profile NAME"
        )
    sub, args = rest[0], rest[1:]
    if sub == "set":
        if len(args) != 2:
            raise UsageError("the following arguments are required: varname, value")
        key, value = args
        if key not in _PROFILE_KEYS:
            raise UsageError(
                f"aws configure set: the pane keeps only {', '.join(_PROFILE_KEYS)}, not {key}"
            )
        if key == "output" and value not in ("json", "text"):
            raise UsageError("--output table and yaml are not supported in the iamlab CLI pane")
        profiles.setdefault(name, {})[key] = value
        return Result()
    if sub == "get":
        if len(args) != 1:
            raise UsageError("the following arguments are required: varname")
        value = profiles.get(name, {}).get(args[0])
        if value is None:
            return Result(exit_code=1)
        return Result(stdout=f"{value}\n")
    if sub == "list-profiles":
        return Result(stdout="".join(f"{p}\n" for p in profiles))
    if sub == "list":
        if parsed.profile and parsed.profile not in profiles:
            raise ConfigError(f"The config profile ({parsed.profile}) could not be found")
        profile = profiles.get(name, {}) if (parsed.profile or "default" in profiles) else {}
        rows = [("profile", parsed.profile or "<not set>", "manual" if parsed.profile else "None")]
        for label, key in (
            ("access_key", "aws_access_key_id"),
            ("secret_key", "aws_secret_access_key"),
        ):
            value = profile.get(key)
            shown = "*" * 16 + value[-4:] if value else "<not set>"
            rows.append((label, shown, "shared-credentials-file" if value else "None"))
        rows.append(
            (
                "region",
                profile.get("region") or "<not set>",
                "config-file" if profile.get("region") else "None",
            )
        )
        lines = [
            f"{'Name':>10} {'Value':>24} {'Type':>24}",
            f"{'----':>10} {'-----':>24} {'----':>24}",
        ]
        lines += [f"{a:>10} {b:>24} {c:>24}" for a, b, c in rows]
        return Result(stdout="\n".join(lines) + "\n")
    raise UsageError(
        "argument subcommand: Invalid choice, valid choices are:\n\nget\nlist\nlist-profiles\nset\n"
    )
