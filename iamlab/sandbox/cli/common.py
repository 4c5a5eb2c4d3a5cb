"""What the subcommands share: reading files, naming sandboxes and owners, reporting problems."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper

from ..errors import InputProblem
from ..models import Sandbox

T = TypeVar("T")


class CliError(Exception):
    """A problem to print as it is (no traceback), ending the command with status 1."""


def add_owner_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--owner",
        metavar="USERNAME",
        help="the learner who owns the sandbox (default: none, an instructor's scenario)",
    )


def owner_from(username: str | None):  # noqa: ANN201 - the user model's instance or None
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CliError(f"no user named {username!r}")
    return user


def find_sandbox(name: str, username: str | None) -> Sandbox:
    sandbox = Sandbox.objects.filter(owner=owner_from(username), name=name).first()
    if sandbox is None:
        owner = f" owned by {username}" if username else " without an owner"
        raise CliError(f"no sandbox named {name!r}{owner}")
    return sandbox


def read_text(filename: str) -> str:
    if filename == "-":
        import sys

        return sys.stdin.read()
    try:
        return Path(filename).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{filename}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{filename}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def report(
    problems: list[InputProblem], filename: str, stream: OutputWrapper, *, label: str = ""
) -> None:
    for problem in problems:
        line = problem.for_file(filename)
        if label:
            head, _, rest = line.partition(": ")
            line = f"{head}: {label}: {rest}"
        stream.write(line)


def add_create_arguments(parser: argparse.ArgumentParser, metavar: str, what: str) -> None:
    """The arguments of a subcommand that creates a sandbox from a file: FILE, --name, --owner,
    --replace."""
    parser.add_argument("file", metavar=metavar, help=f"{what} ('-': standard input)")
    parser.add_argument("--name", required=True, help="the new sandbox's name (a slug)")
    add_owner_argument(parser)
    parser.add_argument(
        "--replace", action="store_true", help="replace a sandbox of that name and owner"
    )


def create_from_file(
    options: dict[str, Any],
    stderr: OutputWrapper,
    create: Callable[..., T],
    problems: type[Exception],
) -> T | None:
    """Read the file `options` name and `create(text, name=, owner=, replace=)` a sandbox from
    it; None (after writing why to `stderr`) when the file cannot be read, the owner does not
    exist, or `create` raises `problems` (an error with a `.problems` list of InputProblem)."""
    filename = options["file"]
    try:
        text = read_text(filename)
        return create(
            text,
            name=options["name"],
            owner=owner_from(options.get("owner")),
            replace=options["replace"],
        )
    except CliError as exc:
        stderr.write(str(exc))
    except problems as exc:
        report(exc.problems, filename, stderr)  # type: ignore[attr-defined]
    return None
