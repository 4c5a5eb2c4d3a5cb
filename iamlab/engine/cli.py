"""`manage.py simulate` and `manage.py validate_policy`, answered without starting Django.

    manage.py simulate CASE.json [--json]          one case: a readable report, or the full JSON
    manage.py simulate --batch CASES.jsonl [--trace] [--jobs N]
                                                   one JSON answer per input line, in order
    manage.py validate_policy POLICY.json [--kind KIND] [--max-length N] [--json]
    manage.py validate_policy --batch POLICIES.jsonl [--kind KIND] [--max-length N]

`-` reads standard input. A CASE may also be an `aws iam simulate-custom-policy --cli-input-json`
document; the answer is then that API's `EvaluationResults`.

Exit status: 0 when the command ran (batch mode always, whatever the lines hold); 1 when the single
case or policy given is invalid; 2 for a usage error or a file that cannot be read.

The batch path is the benchmark path (docs/performance.md): it reads blocks of 1 MiB, answers each
line with `case.answer_line` (which reuses compiled policies across lines and does not parse again
the policies it has met before; unusual lines go to `json.loads` and `simulate_case`), eases the
garbage collector meanwhile, and writes one block of answers per block of input. An input of
more than one block is shared out, a block at a time, among forked worker processes (one per CPU;
`--jobs`), and the answers are written in input order. Nothing is imported that simulating does
not need (the validator and the AWS catalog are loaded only by `validate_policy`).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from itertools import chain, islice
from typing import IO, Any

from .awscli import is_cli_input, simulate_custom_policy
from .case import (
    PolicyCache,
    answer_line,
    error,
    load_case,
    simulate_case,
    simulate_case_json,
)
from .model import EngineInputError, PolicyKind

SIMULATE_HELP = "Answer simulation cases: would AWS allow the request, and why?"
VALIDATE_HELP = "Validate IAM policy documents and list every problem found."

_CHUNK = 1 << 20  # bytes read at a time in batch mode, and the unit of work of a worker
_MAX_AUTO_JOBS = 8
_GC_YOUNG = 200_000  # net allocations between collections of young objects in batch mode
_KINDS = [kind.value for kind in PolicyKind]
_encode_line = json.JSONEncoder().encode  # batch answers: one compact line each


class UsageError(Exception):
    """The command cannot run as asked (exit status 2)."""


# -- argument parsing (shared with the Django management commands) --------------------------


def add_simulate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "case",
        nargs="?",
        metavar="CASE.json",
        help="one simulation case (or a simulate-custom-policy --cli-input-json document); "
        "- reads standard input",
    )
    parser.add_argument(
        "--batch",
        metavar="CASES.jsonl",
        help="a file of cases, one JSON object per line (- for standard input): prints one JSON "
        "answer per line, in order, and never stops at a bad line",
    )
    parser.add_argument(
        "--json", action="store_true", help="single case: print the full answer as JSON"
    )
    parser.add_argument(
        "--trace", action="store_true", help="batch: add the reason and the full trace to answers"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="batch: processes that answer lines (default: one per CPU for inputs over 1 MiB; "
        "1: answer in this process)",
    )


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "policy",
        nargs="?",
        metavar="POLICY.json",
        help="a policy document (- reads standard input)",
    )
    parser.add_argument(
        "--batch",
        metavar="POLICIES.jsonl",
        help='lines of {"kind": "identity", "policy": {...} or "..."}; prints one '
        '{"valid", "problems"} line per input line',
    )
    parser.add_argument(
        "--kind",
        choices=_KINDS,
        default=PolicyKind.IDENTITY.value,
        help="where the policy sits (default: identity; in batch mode, for lines without kind)",
    )
    parser.add_argument(
        "--max-length",
        type=int,
        metavar="N",
        dest="max_length",
        help="the size limit in characters, when it is not the kind's usual one",
    )
    parser.add_argument(
        "--json", action="store_true", help='print {"valid": ..., "problems": [...]} as JSON'
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_simulate_arguments(
        commands.add_parser("simulate", help=SIMULATE_HELP, description=SIMULATE_HELP)
    )
    add_validate_arguments(
        commands.add_parser("validate_policy", help=VALIDATE_HELP, description=VALIDATE_HELP)
    )
    return parser


def main(argv: list[str]) -> int:
    """Run `simulate` or `validate_policy`; argv[0] is the command's name."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has already reported
        return exc.code if isinstance(exc.code, int) else 2
    run = run_simulate if args.command == "simulate" else run_validate
    try:
        return run(vars(args), stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr)
    except UsageError as exc:
        sys.stderr.write(f"manage.py {args.command}: error: {exc}\n")
        return 2
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as command-line tools do.
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())


# -- input ------------------------------------------------------------------------------------


def _binary(stream: IO[Any]) -> IO[bytes]:
    return getattr(stream, "buffer", stream)


def _read_text(name: str, stdin: IO[Any]) -> str:
    """A whole file (or standard input for `-`) as text."""
    try:
        if name == "-":
            data = _binary(stdin).read()
        else:
            with open(name, "rb") as f:
                data = f.read()
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from None
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _open_binary(name: str, stdin: IO[Any]) -> IO[bytes]:
    if name == "-":
        return _binary(stdin)
    try:
        return open(name, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from None


def _raw_blocks(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's bytes, a block of whole lines at a time (without the newline that ends the
    block, and without a UTF-8 byte order mark at the very start)."""
    pending = b""
    first = True
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        if isinstance(chunk, str):  # a text stream without a binary buffer (tests)
            chunk = chunk.encode("utf-8")
        pending += chunk
        if first and len(pending) >= 3:
            if pending.startswith(b"\xef\xbb\xbf"):
                pending = pending[3:]
            first = False
        cut = pending.rfind(b"\n")
        if cut < 0:
            continue
        yield pending[:cut]
        pending = pending[cut + 1 :]
    if pending:
        yield pending.removeprefix(b"\xef\xbb\xbf") if first else pending


def _lines(block: bytes) -> list[str | None]:
    """A block's lines, decoded; None stands for a line that is not UTF-8.

    A final newline ends the last line rather than starting an empty one; every other line
    counts, blank ones included.
    """
    try:
        return block.decode("utf-8").split("\n")  # type: ignore[return-value]
    except UnicodeDecodeError:
        lines: list[str | None] = []
        for raw in block.split(b"\n"):
            try:
                lines.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(None)
        return lines


def _parse_line(line: str | None) -> tuple[Any, dict[str, Any] | None]:
    """The line's JSON value, or an error answer for it."""
    if line is None:
        return None, error("the line is not UTF-8 text")
    try:
        return json.loads(line), None
    except ValueError as exc:
        if not line.strip():
            return None, error("the line is blank: expected one JSON object")
        if isinstance(exc, json.JSONDecodeError):
            return None, error(f"the line is not valid JSON: {exc.msg} (column {exc.colno})")
        return None, error(f"the line is not valid JSON: {exc}")
    except RecursionError:
        return None, error("the line is nested too deeply")


# -- simulate ---------------------------------------------------------------------------------


def run_simulate(
    options: Mapping[str, Any], *, stdin: IO[Any], stdout: IO[str], stderr: IO[str]
) -> int:
    case, batch = options.get("case"), options.get("batch")
    if (case is None) == (batch is None):
        raise UsageError("give one CASE.json, or --batch CASES.jsonl")
    jobs = options.get("jobs")
    if jobs is not None and jobs < 0:
        raise UsageError("--jobs must be 0 (one per CPU) or a number of processes")
    if batch is not None:
        _simulate_batch(batch, bool(options.get("trace")), jobs, stdin, stdout)
        return 0
    return _simulate_one(case, bool(options.get("json")), stdin, stdout)


def _simulate_batch(
    name: str, explain: bool, jobs: int | None, stdin: IO[Any], stdout: IO[str]
) -> None:
    stream = _open_binary(name, stdin)
    collector = _QuietCollector()
    try:
        blocks = _raw_blocks(stream)
        head = list(islice(blocks, 2))
        source = chain(head, blocks)
        workers = _workers(jobs) if len(head) > 1 else 1  # small inputs are done at once
        if workers > 1:
            stdout.flush()  # forked workers must not inherit unwritten output
            for text in _answers_in_parallel(source, explain, workers):
                stdout.write(text)
        else:
            cache = PolicyCache()
            for block in source:
                stdout.write(_answer_block(block, explain, cache))
        stdout.flush()
    finally:
        collector.restore()
        if name != "-":
            stream.close()


class _QuietCollector:
    """Fewer garbage collections while a batch runs.

    Answering a case allocates a few hundred objects and frees them all again (JSON data and
    compiled policies hold no reference cycles), while the heap of cached policies only grows:
    with Python's default thresholds the collector runs every few cases and, now and then,
    walks the whole heap, for nothing (about a tenth of the batch's time). The objects loaded
    so far are moved out of its way (`gc.freeze`) and young objects are collected every
    `_GC_YOUNG` allocations instead of 700; whatever cycles there are (an exception's
    traceback, for a bad line) are still found. The previous settings come back at the end.
    """

    def __init__(self) -> None:
        self.threshold = gc.get_threshold()
        self.active = gc.isenabled()
        if self.active:
            gc.freeze()
            gc.set_threshold(_GC_YOUNG, *self.threshold[1:])

    def restore(self) -> None:
        if self.active:
            gc.set_threshold(*self.threshold)
            gc.unfreeze()


def _answer_block(block: bytes, explain: bool, cache: PolicyCache) -> str:
    """The answers to a block of lines, one line each, newline-terminated."""
    loads, encode = json.loads, _encode_line
    out: list[str] = []
    append = out.append
    for line in _lines(block):
        # The common case first, with as little as possible around it.
        if line is not None:
            if not explain:
                text = answer_line(line, cache)
                if text is not None:
                    append(text)
                    continue
            try:
                obj = loads(line)
            except Exception:  # noqa: BLE001 - _parse_line says what is wrong
                append(encode(_parse_line(line)[1]))
                continue
            if type(obj) is dict and "request" not in obj and is_cli_input(obj):
                append(encode(simulate_custom_policy(obj)))
                continue
            if not explain:
                text = simulate_case_json(obj, cache=cache)
                if text is not None:
                    append(text)
                    continue
            append(encode(simulate_case(obj, explain=explain, cache=cache)))
        else:
            append(encode(_parse_line(line)[1]))
    append("")
    return "\n".join(out)


def _workers(jobs: int | None) -> int:
    """How many processes answer a large batch: --jobs, or one per usable CPU (at most 8).

    Workers are forked, so they start with the engine already imported; that needs Linux.
    """
    if not sys.platform.startswith("linux"):
        return 1
    if jobs:
        return jobs
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, _MAX_AUTO_JOBS))


_worker_cache: PolicyCache | None = None


def _worker_start() -> None:
    global _worker_cache
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles ^C and stops the pool
    _worker_cache = PolicyCache()


def _worker_answer(task: tuple[bytes, bool]) -> str:
    assert _worker_cache is not None
    return _answer_block(task[0], task[1], _worker_cache)


def _answers_in_parallel(blocks: Iterator[bytes], explain: bool, workers: int) -> Iterator[str]:
    """The blocks' answers, in order, computed by a pool of forked processes."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_start) as pool:
        yield from pool.imap(_worker_answer, ((block, explain) for block in blocks))


def _simulate_one(name: str, as_json: bool, stdin: IO[Any], stdout: IO[str]) -> int:
    obj, problem = _parse_line(_read_text(name, stdin))
    if problem is None and is_cli_input(obj):
        response = simulate_custom_policy(obj)
        stdout.write(json.dumps(response, indent=2) + "\n")
        return 1 if "error" in response else 0
    if problem is not None or as_json:
        result = problem or simulate_case(obj, explain=True)
        if as_json:
            stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        else:
            stdout.write(_error_text(name, result["error"]))
        return 1 if "error" in result else 0

    from .evaluate import evaluate
    from .explain import render_text

    try:
        request, policies = load_case(obj)
        evaluation = evaluate(request, explain=True, **policies)
    except EngineInputError as exc:
        stdout.write(_error_text(name, {"message": exc.message, "path": exc.path}))
        return 1
    stdout.write(render_text(evaluation) + "\n")
    return 0


def _error_text(name: str, err: Mapping[str, str]) -> str:
    where = f" (at {err['path']})" if err.get("path") else ""
    return f"{name}: invalid case: {err['message']}{where}\n"


# -- validate_policy --------------------------------------------------------------------------


def run_validate(
    options: Mapping[str, Any], *, stdin: IO[Any], stdout: IO[str], stderr: IO[str]
) -> int:
    policy, batch = options.get("policy"), options.get("batch")
    if (policy is None) == (batch is None):
        raise UsageError("give one POLICY.json, or --batch POLICIES.jsonl")
    kind = options.get("kind") or PolicyKind.IDENTITY.value
    if kind not in _KINDS:
        raise UsageError(f"--kind must be one of {', '.join(_KINDS)}")
    max_length = options.get("max_length")
    if max_length is not None and max_length <= 0:
        raise UsageError("--max-length must be a positive number of characters")
    if batch is not None:
        _validate_batch(batch, PolicyKind(kind), max_length, stdin, stdout)
        return 0
    return _validate_one(
        policy, PolicyKind(kind), max_length, bool(options.get("json")), stdin, stdout
    )


def _validate_one(
    name: str,
    kind: PolicyKind,
    max_length: int | None,
    as_json: bool,
    stdin: IO[Any],
    stdout: IO[str],
) -> int:
    from .model import Severity
    from .validate import validate_policy

    text = _read_text(name, stdin)
    problems = validate_policy(text, kind, max_length=max_length)
    valid = not any(p.severity is Severity.ERROR for p in problems)
    if as_json:
        report = {"valid": valid, "problems": [p.to_dict() for p in problems]}
        stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return 0 if valid else 1
    shown = "<stdin>" if name == "-" else name
    lines = []
    for p in problems:
        where = f"{shown}:{p.line}:{p.column}" if p.line is not None else shown
        at = f" (at {p.path})" if p.path else ""
        lines.append(f"{where}: {p.severity.value} {p.code} {p.message}{at}")
    errors = sum(p.severity is Severity.ERROR for p in problems)
    others = len(problems) - errors
    summary = f"{shown}: {'valid' if valid else 'INVALID'} {kind.value} policy"
    counts = [f"{errors} error{'s' * (errors != 1)}"] if errors else []
    if others:
        counts.append(f"{others} other finding{'s' * (others != 1)}")
    lines.append(summary + (f" ({', '.join(counts)})" if counts else ""))
    stdout.write("\n".join(lines) + "\n")
    return 0 if valid else 1


def _validate_batch(
    name: str, kind: PolicyKind, max_length: int | None, stdin: IO[Any], stdout: IO[str]
) -> None:
    from .model import Severity
    from .validate import validate_policy

    stream = _open_binary(name, stdin)
    encode = _encode_line
    try:
        for block in _raw_blocks(stream):
            out = []
            for line in _lines(block):
                obj, problem = _parse_line(line)
                if problem is None:
                    problem = _validate_request(obj)
                if problem is not None:
                    out.append(encode(problem))
                    continue
                try:
                    problems = validate_policy(
                        obj["policy"], PolicyKind(obj.get("kind") or kind), max_length=max_length
                    )
                except Exception as exc:  # noqa: BLE001 - a batch must answer every line
                    out.append(encode(error(f"internal error: {type(exc).__name__}: {exc}")))
                    continue
                report = {
                    "valid": not any(p.severity is Severity.ERROR for p in problems),
                    "problems": [p.to_dict() for p in problems],
                }
                out.append(encode(report))
            out.append("")
            stdout.write("\n".join(out))
        stdout.flush()
    finally:
        if name != "-":
            stream.close()


def _validate_request(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict):
        return error('a line must be an object: {"kind": ..., "policy": ...}')
    if "policy" not in obj:
        return error("the line has no policy", "/policy")
    if not isinstance(obj["policy"], dict | str):
        return error("policy must be a policy document or its JSON text", "/policy")
    line_kind = obj.get("kind")
    if line_kind is not None and line_kind not in _KINDS:
        return error(f"kind must be one of {', '.join(_KINDS)}", "/kind")
    return None
