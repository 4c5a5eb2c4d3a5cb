"""Killing the server mid-load loses no committed attempt (issue 7).

gunicorn serves the app from a subprocess on a database of its own: a SQLite file, or a new
database on the PostgreSQL server when DATABASE_URL points at one (tests/postgres.sh). Three
learners sign up, then study at the same time: each starts lessons (a new attempt and sandbox
each), checks their work (a grade each time) and answers practice questions. Every request whose
answer came back 2xx/3xx is written down as acknowledged. Mid-way, with requests in flight, the
master and its workers are killed with SIGKILL (the whole process group, as `kill -9` would).
A new server is started on the same database, and every acknowledged attempt, grade and answer
must be in it; the learners' sessions must still be valid.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "durable-learner-password-1"
LEARNERS = 3
KILL_AFTER_ACKS = 18  # acknowledged writes before the kill
KILL_AFTER_SECONDS = 40.0  # or this long, whichever comes first
QUESTION_URL = re.compile(r"/quiz/s/(\d+)/q/1/$")


# --------------------------------------------------------------------------- the database
@dataclass
class Database:
    url: str  # the server's DATABASE_URL
    vendor: str

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.vendor == "sqlite":
            path = dj_database_url.parse(self.url)["NAME"]
            with sqlite3.connect(path) as connection:
                return connection.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(_libpq(self.url)) as connection:
            return connection.execute(sql, params).fetchall()


def _libpq(url: str, dbname: str | None = None) -> str:
    config = dj_database_url.parse(url)
    parts = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": str(config.get("PORT") or 5432),
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or "",
        "dbname": dbname or config["NAME"],
    }
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


@pytest.fixture
def database(tmp_path) -> Iterator[Database]:
    """A database of the server's own: on the PostgreSQL server of DATABASE_URL when there is
    one, else a SQLite file."""
    suite_url = os.environ.get("DATABASE_URL", "")
    if not suite_url.startswith(("postgres://", "postgresql://")):
        yield Database(f"sqlite:///{tmp_path / 'durability.sqlite3'}", "sqlite")
        return
    import psycopg

    name = f"iamlab_durability_{secrets.token_hex(4)}"
    admin = _libpq(suite_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    config = dj_database_url.parse(suite_url)
    auth = config.get("USER") or "postgres"
    if config.get("PASSWORD"):
        auth += f":{config['PASSWORD']}"
    host = f"{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}"
    try:
        yield Database(f"postgres://{auth}@{host}/{name}", "postgresql")
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- the server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(database: Database) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database.url,
        DJANGO_SETTINGS_MODULE="iamlab.test_settings",  # plain-HTTP cookies, fast hashing
        DJANGO_DEBUG="0",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_CONN_MAX_AGE="0",
        PYTHONPATH=str(ROOT),
    )
    return env


def _manage(database: Database, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(database),
        check=True,
        capture_output=True,
        timeout=600,
    )


@dataclass
class Server:
    process: subprocess.Popen
    base: str

    def kill_all(self) -> None:
        """SIGKILL to the master and every worker (they share the master's process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def _group_alive(pgid: int) -> bool:
    """Is any process of the group still there (a zombie is not)?"""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def start_server(database: Database, log: Path) -> Server:
    port = _free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "iamlab.wsgi",
                "--workers",
                "3",
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=_environment(database),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg reaches every worker
        )
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_healthy(server, log)
    except BaseException:
        server.kill_all()  # never leave a server behind
        raise
    return server


def _wait_until_healthy(server: Server, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{server.base}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gunicorn did not answer /healthz: {log.read_text()[-2000:]}")


# --------------------------------------------------------------------------- the learners
@dataclass
class Learner:
    name: str
    base: str
    http: requests.Session = field(default_factory=requests.Session)
    attempts: set[str] = field(default_factory=set)  # lessons whose start was acknowledged
    grades: Counter = field(default_factory=Counter)  # lesson -> acknowledged gradings
    answers: Counter = field(default_factory=Counter)  # quiz session id -> acknowledged answers
    interrupted: bool = False  # a request failed because the server was killed

    def post(self, path: str, data: dict | None = None, **headers: str) -> requests.Response:
        token = self.http.cookies.get("csrftoken", "")
        return self.http.post(
            self.base + path,
            data={"csrfmiddlewaretoken": token, **(data or {})},
            headers={"X-CSRFToken": token, **{k.replace("_", "-"): v for k, v in headers.items()}},
            allow_redirects=False,
            timeout=60,
        )

    def sign_up(self) -> None:
        self.http.get(f"{self.base}/accounts/signup/", timeout=60).raise_for_status()
        response = self.post(
            "/accounts/signup/",
            {
                "username": self.name,
                "email": f"{self.name}@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.status_code == 302, f"sign-up of {self.name}: {response.status_code}"

    def study(self, lessons: list[str], acks: list[int], stop: threading.Event) -> None:
        """Start each lesson, check the work twice, answer a question; until stopped or the
        server is gone."""
        try:
            quiz = self.post("/quiz/start/practice/", {"count": "40", "include_generated": "on"})
            found = QUESTION_URL.search(quiz.headers.get("Location", ""))
            session = int(found.group(1)) if found else None
            number = 1
            for lesson in lessons:
                if stop.is_set():
                    return
                if self.post(f"/lessons/{lesson}/start/").status_code == 302:
                    self.attempts.add(lesson)
                    acks.append(1)
                for _ in range(2):
                    graded = self.post(f"/lessons/{lesson}/check/", HX_Request="true")
                    if graded.status_code == 200:
                        self.grades[lesson] += 1
                        acks.append(1)
                if session is not None and number <= 40:
                    page = self.http.get(f"{self.base}/quiz/s/{session}/q/{number}/", timeout=60)
                    options = re.findall(r'name="choice" value="(\d+)"', page.text)
                    pick = re.search(r"Choose (\d+)</span>", page.text)
                    chosen = options[: int(pick.group(1)) if pick else 1]
                    answer = self.post(
                        f"/quiz/s/{session}/q/{number}/", {"choice": chosen}, HX_Request="true"
                    )
                    if answer.status_code == 200 and 'data-testid="feedback"' in answer.text:
                        self.answers[session] += 1
                        acks.append(1)
                    number += 1
        except requests.RequestException:
            self.interrupted = True  # the server was killed: what was acknowledged counts


# --------------------------------------------------------------------------- the test
def test_killing_the_server_mid_load_loses_no_acknowledged_write(database, tmp_path):
    _manage(database, "migrate", "--noinput")
    _manage(database, "lessons", "load")
    rows = database.rows(
        "SELECT lesson_id, problems FROM lessons_lessonversion WHERE current ORDER BY lesson_id"
    )
    lessons = [
        lesson  # lessons that load without problems (a broken one cannot be started)
        for lesson, problems in rows
        if not (json.loads(problems) if isinstance(problems, str) else problems)
    ]
    assert len(lessons) >= 5, lessons
    log = tmp_path / "gunicorn.log"
    server = start_server(database, log)
    try:
        learners = [Learner(f"durable-{i}", server.base) for i in range(LEARNERS)]
        for learner in learners:
            learner.sign_up()
        acks: list[int] = []
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=learner.study, args=(lessons[i:] + lessons[:i], acks, stop), daemon=True
            )
            for i, learner in enumerate(learners)
        ]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while len(acks) < KILL_AFTER_ACKS and time.monotonic() - started < KILL_AFTER_SECONDS:
            time.sleep(0.05)
        server.kill_all()  # mid-load: the learners' next requests are in flight
        stop.set()
        deadline = time.monotonic() + 10  # SIGKILL is delivered asynchronously
        while _group_alive(server.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _group_alive(server.process.pid), "a worker survived SIGKILL"
        for thread in threads:
            thread.join(timeout=90)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.kill_all()

    acknowledged = sum(
        len(x.attempts) + sum(x.grades.values()) + sum(x.answers.values()) for x in learners
    )
    assert acknowledged >= 6, f"too little was acknowledged before the kill ({acknowledged})"
    assert any(x.interrupted for x in learners), "the kill came after the learners had finished"

    restarted = start_server(database, log)
    try:
        for learner in learners:
            learner.base = restarted.base
            dashboard = learner.http.get(f"{restarted.base}/dashboard/", allow_redirects=False)
            assert dashboard.status_code == 200, "the learner's session did not survive the kill"
            user_id = database.rows("SELECT id FROM auth_user WHERE username = %s", (learner.name,))
            assert user_id, f"{learner.name} is gone"
            stored = dict(
                database.rows(
                    "SELECT lesson_id, gradings FROM lessons_attempt WHERE user_id = %s",
                    (user_id[0][0],),
                )
            )
            for lesson in learner.attempts:
                assert lesson in stored, f"{learner.name}'s acknowledged attempt at {lesson} lost"
            for lesson, count in learner.grades.items():
                grades = database.rows(
                    "SELECT COUNT(*) FROM lessons_grade g JOIN lessons_attempt a "
                    "ON g.attempt_id = a.id WHERE a.user_id = %s AND a.lesson_id = %s",
                    (user_id[0][0], lesson),
                )[0][0]
                assert grades >= count, f"{learner.name}: {count} gradings of {lesson} acked"
                assert stored.get(lesson, 0) >= count
            for session, count in learner.answers.items():
                answers = database.rows(
                    "SELECT COUNT(*) FROM quizzes_answer WHERE session_id = %s", (session,)
                )[0][0]
                assert answers >= count, f"{learner.name}: {count} answers acked, {answers} kept"
    finally:
        restarted.kill_all()
