"""The figures of one load-test run as docs/performance.md shows them (a Markdown table).

    .venv/bin/python tests/load/summary.py tmp/load/<run>/ [--skip 45]

Client-side figures are locust's (stats_stats.csv: the study session; start-phase.csv: the first
minute); the last column is the server's own p95 from gunicorn's access log after --skip seconds.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def server_p95(run: Path, skip: float) -> dict[str, str]:
    text = subprocess.run(
        [
            sys.executable,
            str(HERE / "access_stats.py"),
            str(run / "gunicorn-access.log"),
            "--skip",
            str(skip),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    out = {}
    for line in text.splitlines()[2:]:
        parts = line.rsplit(None, 6)
        if len(parts) == 7:
            out[parts[0].strip()] = parts[3]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--skip", type=float, default=45.0)
    args = parser.parse_args()
    server = server_p95(args.run, args.skip)
    print("| page | requests | p50 | p95 | p99 | max | server p95 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    total = None
    for row in csv.DictReader((args.run / "stats_stats.csv").open(encoding="utf-8")):
        if row["Name"] == "Aggregated":
            total = row
            continue
        if row["Request Count"] == "0":
            continue
        late = row["95%"] != "N/A" and int(row["95%"]) >= 100
        p95 = f"**{row['95%']}**" if late else row["95%"]
        print(
            f"| `{row['Name']}` | {row['Request Count']} | {row['50%']} | {p95} | {row['99%']} "
            f"| {float(row['Max Response Time']):.0f} | {server.get(row['Name'], '')} |"
        )
    if total is not None:
        print(
            f"| all pages | {total['Request Count']} | {total['50%']} | {total['95%']} "
            f"| {total['99%']} | {float(total['Max Response Time']):.0f} "
            f"| {server.get('all pages', '')} |"
        )
        print(
            f"\nstudy session: {float(total['Requests/s']):.1f} requests/s, "
            f"{total['Failure Count']} failures"
        )
    start = args.run / "start-phase.csv"
    if start.exists():
        print("\nfirst minute (start-phase.csv): requests, failures, p50, p95, p99, max")
        for row in csv.DictReader(start.open(encoding="utf-8")):
            print(
                f"  {row['Name']}: {row['Request Count']}, {row['Failure Count']}, {row['50%']}, "
                f"{row['95%']}, {row['99%']}, {row['Max Response Time']}"
            )
    machine = args.run / "machine.txt"
    if machine.exists():
        print("\n" + machine.read_text().strip())


if __name__ == "__main__":
    main()
