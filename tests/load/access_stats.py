"""Server-side response times per page from gunicorn's access log, as tests/load/run.sh writes
it (`--access-logformat '%(t)s "%(r)s" %(s)s %(M)s'`: time, request line, status, milliseconds).

    .venv/bin/python tests/load/access_stats.py tmp/load/<run>/gunicorn-access.log [--skip 30]

--skip N leaves out the first N seconds (from the first request): the steady state, once every
learner has signed in and started the lesson. Pages are named as in the locust report.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import defaultdict
from datetime import datetime

LINE = re.compile(
    r'^\[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) (?P<ms>\d+)$'
)
PAGES = [  # (method, path pattern, name); the first match names the request
    ("GET", r"/healthz", "GET /healthz"),
    ("GET", r"/accounts/signup/", "GET /accounts/signup/"),
    ("POST", r"/accounts/signup/", "POST /accounts/signup/"),
    ("GET", r"/accounts/signin/", "GET /accounts/signin/"),
    ("POST", r"/accounts/signin/", "POST /accounts/signin/"),
    ("GET", r"/dashboard/", "GET /dashboard/"),
    ("GET", r"/lessons/", "GET /lessons/"),
    ("GET", r"/lessons/[\w-]+/", "GET /lessons/[id]/"),
    ("POST", r"/lessons/[\w-]+/start/", "POST /lessons/[id]/start/"),
    ("POST", r"/lessons/[\w-]+/check/", "POST /lessons/[id]/check/ (grading)"),
    (
        "GET",
        r"/sandbox/\d+/users/[^/]+/inline/[^/]+/",
        "GET /sandbox/[id]/users/[name]/inline/[policy]/",
    ),
    (
        "POST",
        r"/sandbox/\d+/users/[^/]+/inline/[^/]+/",
        "POST /sandbox/[id]/users/[name]/inline/[policy]/",
    ),
    ("POST", r"/sandbox/\d+/validate-policy", "POST /sandbox/[id]/validate-policy"),
    ("GET", r"/sandbox/\d+/simulator/", "GET /sandbox/[id]/simulator/ (simulate)"),
    ("POST", r"/sandbox/\d+/cli/", "POST /sandbox/[id]/cli/"),
    ("GET", r"/sandbox/\d+/users/", "GET /sandbox/[id]/users/"),
    ("GET", r"/sandbox/\d+/users/[^/]+/", "GET /sandbox/[id]/users/[name]/"),
    ("GET", r"/sandbox/\d+/groups/", "GET /sandbox/[id]/groups/"),
    ("GET", r"/sandbox/\d+/policies/[^/]+/", "GET /sandbox/[id]/policies/[name]/"),
    ("POST", r"/quiz/start/practice/", "POST /quiz/start/practice/"),
    ("GET", r"/quiz/s/\d+/q/\d+/", "GET /quiz/s/[id]/q/[n]/"),
    ("POST", r"/quiz/s/\d+/q/\d+/", "POST /quiz/s/[id]/q/[n]/ (answer)"),
    ("POST", r"/quiz/s/\d+/submit/", "POST /quiz/s/[id]/submit/"),
    ("GET", r"/quiz/s/\d+/results/", "GET /quiz/s/[id]/results/"),
]
COMPILED = [(m, re.compile(p + r"(\?.*)?$"), name) for m, p, name in PAGES]


def page_name(method: str, path: str) -> str:
    for wanted, pattern, name in COMPILED:
        if method == wanted and pattern.fullmatch(path):
            return name
    return f"{method} (other) {path.split('?')[0]}"


def percentile(sorted_values: list[int], fraction: float) -> int:
    """The nearest-rank percentile."""
    rank = max(1, math.ceil(round(fraction * len(sorted_values), 9)))
    return sorted_values[rank - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--skip", type=float, default=0.0, help="seconds left out at the start")
    args = parser.parse_args()
    rows = []
    with open(args.log, encoding="utf-8") as lines:
        for line in lines:
            found = LINE.match(line.strip())
            if found:
                when = datetime.strptime(found["time"], "%d/%b/%Y:%H:%M:%S %z")
                rows.append(
                    (when, found["method"], found["path"], int(found["status"]), int(found["ms"]))
                )
    rows = [r for r in rows if not (r[1] == "GET" and r[2] == "/healthz")]
    if not rows:
        raise SystemExit("no requests in the log")
    first, last = rows[0][0], rows[-1][0]
    kept = [r for r in rows if (r[0] - first).total_seconds() >= args.skip]
    if not kept:
        raise SystemExit(f"no requests after the first {args.skip:g} s")
    span = max(1.0, (last - first).total_seconds() - args.skip)
    by_page: dict[str, list[int]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for _, method, path, status, ms in kept:
        name = page_name(method, path)
        by_page[name].append(ms)
        if status >= 400:
            errors[name] += 1
    title = f"server-side times (ms), {len(kept)} requests"
    title += f" after the first {args.skip:g} s" if args.skip else ", the whole run"
    print(f"{title}: {len(kept) / span:.1f} requests/s")
    print(f"{'page':58} {'count':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'4xx/5xx':>8}")
    for name in sorted(by_page):
        values = sorted(by_page[name])
        print(
            f"{name:58} {len(values):6} {percentile(values, 0.50):6} {percentile(values, 0.95):6}"
            f" {percentile(values, 0.99):6} {values[-1]:6} {errors[name]:8}"
        )
    every = sorted(ms for values in by_page.values() for ms in values)
    print(
        f"{'all pages':58} {len(every):6} {percentile(every, 0.50):6} {percentile(every, 0.95):6}"
        f" {percentile(every, 0.99):6} {every[-1]:6} {sum(errors.values()):8}"
    )


if __name__ == "__main__":
    main()
