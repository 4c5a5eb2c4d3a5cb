"""Benchmark: the policy engine's batch path (`manage.py simulate --batch`).

    python tests/benchmarks/bench_engine.py [--count 20000] [--runs 3] [--profile]

Measures, on a generated batch (gen_cases.py, fixed seed):

(a) the floor: a loop that only `json.loads` every line (CPU time, best of 2 x --runs);
(b) the whole command as a subprocess, start-up included (wall time, best of --runs, and its CPU
    time with the workers'), with its default worker processes and with `--jobs 1`, and the
    start-up alone (an empty batch);
(c) the same pipeline in this process, one worker, per case (CPU time): and what each stage
    adds (reading the line and compiling or finding its policies, evaluating, writing; with
    json.loads alone for reference). Every run starts with the engine's caches empty, as the
    command does.

In-process figures are CPU times: on a shared machine they vary much less than wall times.

Every figure is also given as a ratio to the floor. The product owner's goals: at most 5 times
the floor per case, and the whole 20,000-case process in about 0.6 s. `--profile` adds where
the time goes inside the engine (cProfile, by function and by module).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.gen_cases import DEFAULT_COUNT, DEFAULT_SEED, write_cases  # noqa: E402

GOAL_RATIO = 5.0
GOAL_SECONDS = 0.6


def _best(run: Callable[[], object], runs: int, *, cold: bool = False) -> float:
    """The least CPU time of `runs` runs: on a shared machine, CPU time varies less than wall
    time, and in one process the two are otherwise the same.

    `cold`: each run starts with the engine's caches empty (compiled actions, resources and
    conditions, wildcard matchers, classified principals), as a new process does; otherwise
    the second run would find what the first compiled."""
    best = float("inf")
    for _ in range(runs):
        if cold:
            _forget_engine_caches()
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def _forget_engine_caches() -> None:
    from iamlab.engine import policy

    clear = getattr(policy, "clear_caches", None)
    if clear is not None:
        clear()


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return (
        f"{cpu}, {cores} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def cases_file(count: int, seed: int) -> Path:
    path = ROOT / "tmp" / "bench" / f"cases-{count}-{seed}.jsonl"
    if not path.exists():
        write_cases(path, count, seed)
    return path


# -- (a) the floor ----------------------------------------------------------------------------


def floor(lines: list[str], runs: int) -> float:
    loads = json.loads

    def run() -> None:
        for line in lines:
            try:  # noqa: SIM105 - free when nothing is raised; a with-block would not be
                loads(line)
            except ValueError:
                pass

    return _best(run, runs)


# -- (b) the whole command --------------------------------------------------------------------


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # As on a developer's machine: byte-compiled modules are written once and then reused.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def command(path: Path | None, runs: int, *extra: str) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system, workers included) of the command."""
    args = [sys.executable, str(ROOT / "manage.py"), "simulate", "--batch", "-", *extra]
    env = _environment()
    best_wall = best_cpu = float("inf")
    for _ in range(runs + 1):  # the first run writes byte code, if needed, and warms the cache
        with open(path or os.devnull, "rb") as stdin:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(args, stdin=stdin, stdout=subprocess.DEVNULL, env=env, check=True)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def check_output(path: Path, count: int) -> None:
    args = [sys.executable, str(ROOT / "manage.py"), "simulate", "--batch", str(path)]
    out = subprocess.run(args, capture_output=True, env=_environment(), check=True).stdout
    answers = out.decode().splitlines()
    if len(answers) != count:
        raise SystemExit(f"expected {count} answers, got {len(answers)}")


# -- (c) in this process ----------------------------------------------------------------------


def stages(lines: list[str], runs: int) -> dict[str, float]:
    """Seconds for the batch path cut after each stage (each run with a fresh policy cache,
    the engine's caches empty and the batch's garbage-collector settings). The batch reads a
    line and its policies in one pass (`case.answer_line`), so `json.loads` stands alone, for
    reference; the lines the batch leaves to its general path (1%) are skipped."""
    from iamlab.engine.case import PolicyCache, _read_line, answer_json
    from iamlab.engine.cli import _QuietCollector
    from iamlab.engine.evaluate import decide

    loads = json.loads

    def parse_only() -> None:
        for line in lines:
            try:  # noqa: SIM105 - free when nothing is raised; a with-block would not be
                loads(line)
            except ValueError:
                pass

    def upto(stage: int) -> Callable[[], None]:
        def run() -> None:
            cache = PolicyCache()
            collector = _QuietCollector()
            try:
                for line in lines:
                    try:
                        loaded = _read_line(line, cache)
                        if stage < 3:
                            continue
                        evaluation = decide(*loaded, False)
                    except Exception:  # noqa: BLE001, S112 - the general path's lines
                        continue
                    if stage < 4:
                        continue
                    answer_json(evaluation)
            finally:
                collector.restore()

        return run

    out = {"json.loads alone (reference)": _best(parse_only, runs)}
    names = ["read the line and its policies", "+ evaluate", "+ answer as JSON"]
    for i, name in enumerate(names):
        out[name] = _best(upto(i + 2), runs, cold=True)
    return out


def pipeline(path: Path, runs: int) -> float:
    """The command's own batch code, in this process, one worker, output to memory."""
    from iamlab.engine.cli import run_simulate

    def run() -> None:
        with open(path, "rb") as stdin:
            run_simulate(
                {"batch": "-", "jobs": 1},
                stdin=stdin,
                stdout=io.StringIO(),
                stderr=sys.stderr,
            )

    return _best(run, runs, cold=True)


def profile(path: Path, top: int = 30) -> None:
    from iamlab.engine.cli import run_simulate

    profiler = cProfile.Profile()
    with open(path, "rb") as stdin:
        profiler.enable()
        run_simulate(
            {"batch": "-", "jobs": 1}, stdin=stdin, stdout=io.StringIO(), stderr=sys.stderr
        )
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    by_module: dict[str, float] = defaultdict(float)
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]
        module = filename
        if "iamlab" in filename:
            module = "iamlab/" + filename.split("/iamlab/", 1)[1]
        elif filename.startswith("~"):
            module = "(built-ins)"
        else:
            module = "(stdlib) " + Path(filename).name
        by_module[module] += row[2]
    print("\nProfile (cProfile, one worker; its overhead inflates every figure about 2x)")
    print(f"  time by module (own time, {total:.2f} s in all):")
    for module, seconds in sorted(by_module.items(), key=lambda kv: -kv[1])[:14]:
        print(f"    {seconds / total:6.1%}  {module}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(top)
    print("  functions by own time:")
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    for line in lines[start : start + top + 1]:
        print("    " + line)


# -- report -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    path = cases_file(args.count, args.seed)
    text = path.read_text("utf-8")
    lines = text.splitlines()
    n = len(lines)
    us = 1e6 / n
    print(
        f"Policy engine: simulate --batch on {n} cases ({path.stat().st_size / n:.0f} bytes each)"
    )
    print(f"machine: {machine()}")
    check_output(path, n)

    gc.collect()
    base = floor(lines, args.runs * 2)
    print(
        f"\n(a) floor, json.loads of every line: {base:.3f} s, {base * us:.1f} us/case (CPU time)"
    )

    print(f"\n(b) the whole command, wall time (best of {args.runs}, start-up included):")
    startup, startup_cpu = command(None, args.runs + 2)
    rows = [
        ("default workers", *command(path, args.runs)),
        ("--jobs 1", *command(path, args.runs, "--jobs", "1")),
    ]
    print(
        f"    start-up alone (an empty batch): {startup * 1000:.0f} ms "
        f"({startup_cpu * 1000:.0f} ms CPU)"
    )
    for name, seconds, cpu in rows:
        ratio = seconds / base
        goal = "meets" if seconds <= GOAL_SECONDS else "misses"
        print(
            f"    {name:16s} {seconds:6.2f} s  {seconds * us:6.1f} us/case  "
            f"{ratio:5.1f}x floor  ({goal} the {GOAL_SECONDS} s goal; {cpu:.2f} s CPU)"
        )

    print("\n(c) in this process, one worker, per case (CPU time):")
    whole = pipeline(path, args.runs)
    print(f"    {'batch path cut after':38s} {'total':>7s}  {'adds':>6s}")
    previous = 0.0
    for name, seconds in stages(lines, args.runs).items():
        if name.startswith("json.loads"):
            print(f"    {name:38s} {seconds * us:7.1f}")
            continue
        print(f"    {name:38s} {seconds * us:7.1f}  {(seconds - previous) * us:6.1f} us/case")
        previous = seconds
    ratio = whole / base
    goal = "meets" if ratio <= GOAL_RATIO else "misses"
    print(
        f"    {'the batch code as the command runs it':38s} {whole * us:6.1f} us/case  "
        f"{ratio:.1f}x floor ({goal} the {GOAL_RATIO:.0f}x goal)"
    )
    if args.profile:
        profile(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
