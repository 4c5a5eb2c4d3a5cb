"""Where a page's time goes, without a network or other learners: each page of the load test
(tests/load/locustfile.py) served in-process by Django's test client, timed in CPU time, with
cProfile for the pages asked for.

    .venv/bin/python tests/load/profile_pages.py                 # every page, 20 times each
    .venv/bin/python tests/load/profile_pages.py --profile "POST /quiz/start/practice/"

Uses a new SQLite file under tmp/load/ (or DATABASE_URL when set), production settings with
plain-HTTP cookies (tests/load/settings_http.py), and the lesson and documents of the load test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def setup_django(database: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.load.settings_http")
    os.environ.setdefault("DJANGO_SECRET_KEY", "profile-pages-only-" + "y" * 40)
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("lessons", "load", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="append", default=[], help="a page's name")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    out = ROOT / "tmp" / "load"
    out.mkdir(parents=True, exist_ok=True)
    database = out / f"profile-{os.getpid()}.sqlite3"
    setup_django(database)

    from django.test import Client
    from django.test.utils import setup_test_environment

    from tests.load import study as lf

    setup_test_environment()  # the test client's hooks (no effect on the timings)
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/accounts/signup/")
    signup = client.post(
        "/accounts/signup/",
        {
            "username": "profiler",
            "email": "profiler@example.com",
            "password1": lf.PASSWORD,
            "password2": lf.PASSWORD,
        },
    )
    assert signup.status_code == 302, signup.status_code
    c0 = time.process_time()
    client.post(f"/lessons/{lf.LESSON}/start/")
    first_start = (time.process_time() - c0) * 1000
    c0 = time.process_time()
    player = client.get(f"/lessons/{lf.LESSON}/").content.decode()
    first_player = (time.process_time() - c0) * 1000
    print(f"first lesson start in this process: {first_start:.0f} ms CPU")
    print(f"first lesson player page in this process: {first_player:.0f} ms CPU")
    sandbox = int(re.search(r"/sandbox/(\d+)/", player).group(1))

    def inline() -> str:  # the URL is read when called: a reset gives a new sandbox
        return f"/sandbox/{sandbox}/users/{lf.EDITED_USER}/inline/{lf.INLINE_POLICY}/"

    def reset():  # noqa: ANN202
        nonlocal sandbox
        response = client.post(f"/lessons/{lf.LESSON}/reset/")
        page = client.get(f"/lessons/{lf.LESSON}/").content.decode()
        sandbox = int(re.search(r"/sandbox/(\d+)/", page).group(1))
        return response

    htmx = {"HTTP_HX_REQUEST": "true"}
    quiz_state = {"session": 0, "number": 1}

    def new_quiz():  # noqa: ANN202
        response = client.post("/quiz/start/practice/", {"count": "10", "include_generated": "on"})
        found = lf.QUESTION_URL.search(response["Location"])
        quiz_state.update(session=int(found.group(1)), number=1)
        return response

    c0 = time.process_time()
    new_quiz()
    first_quiz = (time.process_time() - c0) * 1000
    c0 = time.process_time()
    from django.contrib.auth.hashers import make_password

    make_password(lf.PASSWORD)
    hashing = (time.process_time() - c0) * 1000
    print(f"first practice quiz in this process: {first_quiz:.0f} ms CPU")
    print(f"one password hash (sign-up, sign-in): {hashing:.0f} ms CPU")

    def answer():  # noqa: ANN202
        if quiz_state["number"] > 10:
            new_quiz()
        url = f"/quiz/s/{quiz_state['session']}/q/{quiz_state['number']}/"
        page = client.get(url).content.decode()
        options = lf.OPTION.findall(page)
        pick = lf.PICK.search(page)
        quiz_state["number"] += 1
        return client.post(url, {"choice": options[: int(pick.group(1)) if pick else 1]}, **htmx)

    def question():  # noqa: ANN202
        if quiz_state["number"] > 10:
            new_quiz()
        return client.get(f"/quiz/s/{quiz_state['session']}/q/{quiz_state['number']}/")

    def save_policy():  # noqa: ANN202
        page = client.get(inline()).content.decode()
        version = lf.VERSION_FIELD.search(page).group(1)
        return client.post(inline(), {"version": version, "document": lf.DOCUMENTS[1]})

    simulate = (
        "simulator/?principal="
        f"{lf.ADMIN_ARN}&actions=s3:GetObject&resource=arn:aws:s3:::northwind-builds/app-1.4.2.zip"
    )
    pages = {
        "GET /dashboard/": lambda: client.get("/dashboard/"),
        "GET /lessons/": lambda: client.get("/lessons/"),
        "GET /lessons/[id]/": lambda: client.get(f"/lessons/{lf.LESSON}/"),
        "GET /sandbox/[id]/users/[name]/inline/[policy]/": lambda: client.get(inline()),
        "POST /sandbox/[id]/users/[name]/inline/[policy]/ (with its GET)": save_policy,
        "POST /sandbox/[id]/validate-policy": lambda: client.post(
            f"/sandbox/{sandbox}/validate-policy", {"kind": "identity", "text": lf.DOCUMENTS[2]}
        ),
        "POST /lessons/[id]/check/ (grading)": lambda: client.post(
            f"/lessons/{lf.LESSON}/check/", **htmx
        ),
        "GET /sandbox/[id]/simulator/ (simulate)": lambda: client.get(
            f"/sandbox/{sandbox}/{simulate}", **htmx
        ),
        "POST /sandbox/[id]/cli/": lambda: client.post(
            f"/sandbox/{sandbox}/cli/", {"line": "aws iam list-users"}, **htmx
        ),
        "GET /sandbox/[id]/users/": lambda: client.get(f"/sandbox/{sandbox}/users/"),
        "GET /sandbox/[id]/users/[name]/": lambda: client.get(
            f"/sandbox/{sandbox}/users/{lf.EDITED_USER}/"
        ),
        "GET /sandbox/[id]/groups/": lambda: client.get(f"/sandbox/{sandbox}/groups/"),
        "GET /sandbox/[id]/policies/[name]/": lambda: client.get(
            f"/sandbox/{sandbox}/policies/ReportsAccess/"
        ),
        "GET /quiz/s/[id]/q/[n]/": question,
        "POST /quiz/s/[id]/q/[n]/ (answer, with its GET)": answer,
        "POST /quiz/start/practice/": new_quiz,
        "POST /lessons/[id]/reset/ (a new sandbox, and the player)": reset,
    }
    print(f"{'page':66} {'first call':>10} {'CPU ms p50':>10} {'p95':>7} {'wall p50':>9}")
    for name, call in pages.items():
        c0 = time.process_time()
        call()  # the first call in this process: caches filled, templates compiled
        first = (time.process_time() - c0) * 1000
        cpu, wall = [], []
        for _ in range(args.runs):
            c0, w0 = time.process_time(), time.perf_counter()
            response = call()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            assert response.status_code in (200, 302), (name, response.status_code)
        cpu.sort()
        p95 = cpu[min(len(cpu) - 1, int(round(0.95 * (len(cpu) - 1))))]
        print(
            f"{name:66} {first:10.1f} {statistics.median(cpu):10.1f} {p95:7.1f}"
            f" {statistics.median(wall):9.1f}"
        )
    for name in args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            pages[name]()
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.top)
        print(f"\n=== {name}: {args.runs} runs, by cumulative time ===\n{text.getvalue()}")
    database.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
