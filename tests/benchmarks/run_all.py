"""Run every benchmark: each `bench_*.py` module beside this file, in name order.

    python tests/benchmarks/run_all.py [NAME ...] [-- ARGS]      (`make bench` runs them all)

A benchmark is a script with a `main(argv) -> int` that prints its own report; it runs in a
process of its own so that one benchmark's imports and caches do not flatter the next. NAMEs
(e.g. `engine`) choose some; ARGS after `--` go to each. The exit status is the first failure's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def benchmarks(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {name.removeprefix("bench_").removesuffix(".py") for name in names}
    chosen = [p for p in found if p.stem.removeprefix("bench_") in wanted]
    missing = wanted - {p.stem.removeprefix("bench_") for p in chosen}
    if missing:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(missing))}")
    return chosen


def main(argv: list[str]) -> int:
    names, extra = argv, []
    if "--" in argv:
        split = argv.index("--")
        names, extra = argv[:split], argv[split + 1 :]
    status = 0
    for path in benchmarks(names):
        print(f"=== {path.stem} " + "=" * (70 - len(path.stem)), flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(path), *extra], cwd=ROOT)
        print(f"=== {path.stem}: exit {result.returncode} in {time.perf_counter() - start:.0f} s\n")
        status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
