"""Grading a lesson of 20 checks: the median time of the grader over many runs.

    python tests/benchmarks/run_all.py lessons [-- --runs 50]

Loads the flagship lesson `cross-account-role` in a throw-away in-memory SQLite database,
applies its reference solution, and grades 20 checks against the sandbox: the lesson's own
twelve (access checks through `authorize`, trust and state checks) plus eight more of other
kinds, among them a least-privilege `allowed_actions` over every IAM action in the catalog.
Goal: median under 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOAL_MS = 50.0

EXTRA_CHECKS = [
    (
        "allowed_actions",
        {
            "principal": "arn:aws:sts::444455556666:assumed-role/ProdArtifactsDeployer/dana",
            "resources": ["*", "arn:aws:iam::444455556666:user/admin"],
            "services": ["iam"],
            "exactly": [],
        },
    ),
    ("no_inline_policies", {"role": "ProdArtifactsDeployer", "account": "444455556666"}),
    ("no_attached_policies", {"user": "dana"}),
    ("credential_report", {"user": "dana", "column": "password_enabled", "equals": "true"}),
    ("root_mfa", {"account": "444455556666"}),
    ("mfa_enabled", {"user": "admin"}),
    ("scorecard", {"practice": "root-mfa", "passes": True}),
    (
        "cannot",
        {
            "principal": "arn:aws:iam::111122223333:user/eli",
            "action": "s3:DeleteBucket",
            "resource": "arn:aws:s3:::prod-artifacts",
        },
    ),
]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamlab.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    _setup()
    from dataclasses import replace

    from iamlab.lessons.grader import apply_action, run_checks
    from iamlab.lessons.lesson import Check
    from iamlab.lessons.loader import read_lesson_file
    from iamlab.lessons.selftest import _lesson
    from iamlab.sandbox.scenario import load_scenario

    lesson = _lesson(read_lesson_file(ROOT / "lessons" / "cross-account-role.yaml"))
    sandbox = load_scenario(lesson.setup_text, name=f"bench-{uuid.uuid4().hex[:8]}")
    for step in lesson.steps:
        for action in step.solution:
            apply_action(sandbox, action)
    extra = [Check(f"extra-{i}", kind, a, "m") for i, (kind, a) in enumerate(EXTRA_CHECKS)]
    last = lesson.steps[-1]
    steps = [*lesson.steps[:-1], replace(last, checks=[*last.checks, *extra])]
    graded = replace(lesson, steps=steps)
    count = len(graded.checks)

    run_checks(graded, sandbox)  # warm the caches (catalog, compiled policies) once
    times, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        results = run_checks(graded, sandbox)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    median = statistics.median(times)
    passed = sum(1 for r in results if r.passed)
    verdict = "meets" if median <= GOAL_MS else "misses"
    print(f"Grading cross-account-role plus extra checks: {count} checks ({passed} pass)")
    print(f"  median {median:6.1f} ms   min {min(times):6.1f} ms   max {max(times):6.1f} ms")
    print(
        f"  CPU time median {statistics.median(cpu):6.1f} ms (what a loaded machine cannot inflate)"
    )
    print(f"  ({verdict} the {GOAL_MS:.0f} ms goal, over {args.runs} runs)")
    return int(median > GOAL_MS)


if __name__ == "__main__":
    raise SystemExit(main())
