"""Learners studying on iamlab, for locust (issue 7's load test; `tests/load/run.sh` runs it).

Each simulated learner signs in through the sign-in form, starts the lesson LESSON (a sandbox of
their own is made from the lesson's setup), then studies: reads the lesson, edits an inline
policy in the sandbox console (a real form POST carrying the CSRF token and the sandbox
version), has the editor validate the policy as they type, checks their work (grading), runs the
policy simulator, uses the CLI pane, looks at console pages and their dashboard, and answers
practice questions. The weights are those of a study session: mostly reading and editing, some
checking and simulating, quiz questions in between.

Accounts are made before the measured run: on `test_start`, LOAD_USERS learners sign up through
the sign-up form (as a class would on its first day), so the only password hashing in the run is
each learner's one sign-in.

When the last learner has started, the figures so far (the class signing in at once) are
written to $LOAD_OUT/start-phase.csv and locust's statistics are reset: its report then covers
the study session alone (LOAD_RESET_AFTER_START=0 keeps one report for the whole run).

Every response is checked (status, and a marker of the right page), so an error page or a
redirect to the sign-in page counts as a failure, not as a fast success.

Environment: LOAD_USERS (default: locust's --users), LOAD_PASSWORD, LOAD_PREFIX (user names
are PREFIX-1, PREFIX-2, ...; change it to run again against the same database), LOAD_OUT (where
start-phase.csv goes), LOAD_RESET_AFTER_START.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

import requests
from gevent.pool import Pool
from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project, for tests.load

from tests.load.study import (  # noqa: E402
    ADMIN_ARN,
    CLI_LINES,
    DOCUMENTS,
    EDITED_USER,
    INLINE_POLICY,
    LESSON,
    OPTION,
    PASSWORD,
    PICK,
    QUESTION_URL,
    SANDBOX_IN_PAGE,
    SIMULATIONS,
    VERSION_FIELD,
)

PREFIX = os.environ.get("LOAD_PREFIX", "learner")

_numbers = itertools.count(1)


def username(number: int) -> str:
    return f"{PREFIX}-{number}"


def _csrf(session: requests.Session) -> str:
    return session.cookies.get("csrftoken", "")


def sign_up(host: str, number: int) -> None:
    """One learner signs up through the form (the set-up step, not measured)."""
    session = requests.Session()
    session.get(f"{host}/accounts/signup/", timeout=60).raise_for_status()
    response = session.post(
        f"{host}/accounts/signup/",
        data={
            "csrfmiddlewaretoken": _csrf(session),
            "username": username(number),
            "email": f"{username(number)}@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-up of {username(number)} failed: HTTP {response.status_code}")


@events.test_start.add_listener
def create_accounts(environment, **_kwargs) -> None:  # noqa: ANN001
    count = int(os.environ.get("LOAD_USERS") or environment.parsed_options.num_users or 1)
    Pool(8).map(lambda n: sign_up(environment.host, n), range(1, count + 1))
    print(f"set-up: {count} learners signed up through the sign-up form", flush=True)


_started: list[int] = []


def _everyone_started(environment) -> None:  # noqa: ANN001
    """When the last learner has signed in and started (the class's first minute), keep that
    phase's figures in start-phase.csv and measure the study session alone from then on."""
    stats = environment.runner.stats
    out = os.environ.get("LOAD_OUT")
    if out:
        with open(os.path.join(out, "start-phase.csv"), "w", encoding="utf-8") as csv:
            csv.write("Type,Name,Request Count,Failure Count,50%,95%,99%,Max Response Time\n")
            for entry in sorted(stats.entries.values(), key=lambda e: (e.name, e.method)):
                figures = [entry.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99)]
                csv.write(
                    f'{entry.method},"{entry.name}",{entry.num_requests},{entry.num_failures},'
                    f"{figures[0]},{figures[1]},{figures[2]},{entry.max_response_time:.0f}\n"
                )
            total = stats.total
            csv.write(
                f",Aggregated,{total.num_requests},{total.num_failures},"
                f"{total.get_response_time_percentile(0.5)},"
                f"{total.get_response_time_percentile(0.95)},"
                f"{total.get_response_time_percentile(0.99)},{total.max_response_time:.0f}\n"
            )
    if os.environ.get("LOAD_RESET_AFTER_START", "1") == "1":
        stats.reset_all()
        print("every learner has started: statistics reset (start phase: start-phase.csv)")


class Learner(HttpUser):
    """A learner in a study session: a page or a change every 1-4 seconds."""

    wait_time = between(1, 4)

    # -------------------------------------------------------------------- helpers
    def _post(self, url: str, name: str, data: dict, *, htmx: bool = False, **kwargs):  # noqa: ANN003, ANN202
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        if htmx:
            headers["HX-Request"] = "true"
        data = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), **data}
        return self.client.post(
            url, data=data, headers=headers, name=name, allow_redirects=False, **kwargs
        )

    def _get(self, url: str, name: str, marker: str, *, htmx: bool = False) -> str:
        headers = {"HX-Request": "true"} if htmx else {}
        with self.client.get(
            url, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} {response.error or ''}".strip())
                return ""
            if marker not in response.text:
                response.failure(f"{marker!r} not in the page")
                return ""
            return response.text

    # -------------------------------------------------------------------- session start
    def on_start(self) -> None:
        self.number = next(_numbers)
        self.sandbox_id = 0
        self.quiz: tuple[int, int] | None = None
        self.sign_in()
        self.start_lesson()
        self.start_quiz()
        _started.append(self.number)
        if len(_started) == self.environment.runner.target_user_count:
            _everyone_started(self.environment)

    def sign_in(self) -> None:
        self._get("/accounts/signin/", "GET /accounts/signin/", "csrfmiddlewaretoken")
        with self._post(
            "/accounts/signin/",
            "POST /accounts/signin/",
            {"username": username(self.number), "password": PASSWORD},
            catch_response=True,
        ) as response:
            if response.status_code != 302 or response.headers.get("Location") != "/dashboard/":
                response.failure(f"sign-in refused: HTTP {response.status_code}")

    def start_lesson(self) -> None:
        with self._post(
            f"/lessons/{LESSON}/start/", "POST /lessons/[id]/start/", {}, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")
                return
        page = self._get(f"/lessons/{LESSON}/", "GET /lessons/[id]/", "Check my work")
        found = SANDBOX_IN_PAGE.search(page)
        self.sandbox_id = int(found.group(1)) if found else 0

    def start_quiz(self) -> None:
        with self._post(
            "/quiz/start/practice/",
            "POST /quiz/start/practice/",
            {"count": "10", "include_generated": "on"},
            catch_response=True,
        ) as response:
            found = QUESTION_URL.search(response.headers.get("Location", ""))
            if response.status_code != 302 or not found:
                response.failure(f"no quiz started: HTTP {response.status_code}")
                self.quiz = None
                return
            self.quiz = (int(found.group(1)), 1)

    # -------------------------------------------------------------------- the study session
    @task(2)
    def dashboard(self) -> None:
        self._get("/dashboard/", "GET /dashboard/", "Your progress")

    @task(1)
    def catalog(self) -> None:
        self._get("/lessons/", "GET /lessons/", f'data-lesson="{LESSON}"')

    @task(4)
    def read_lesson(self) -> None:
        self._get(f"/lessons/{LESSON}/", "GET /lessons/[id]/", "Check my work")

    @task(3)
    def edit_inline_policy(self) -> None:
        """Open the inline policy in the editor, then save a new document."""
        if not self.sandbox_id:
            return
        url = f"/sandbox/{self.sandbox_id}/users/{EDITED_USER}/inline/{INLINE_POLICY}/"
        page = self._get(url, "GET /sandbox/[id]/users/[name]/inline/[policy]/", INLINE_POLICY)
        version = VERSION_FIELD.search(page)
        if not version:
            return
        with self._post(
            url,
            "POST /sandbox/[id]/users/[name]/inline/[policy]/",
            {"version": version.group(1), "document": random.choice(DOCUMENTS)},
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"policy not saved: HTTP {response.status_code}")

    @task(3)
    def validate_as_typing(self) -> None:
        if not self.sandbox_id:
            return
        with self._post(
            f"/sandbox/{self.sandbox_id}/validate-policy",
            "POST /sandbox/[id]/validate-policy",
            {"kind": "identity", "text": random.choice(DOCUMENTS)},
            htmx=True,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "problems" not in response.text:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def check_my_work(self) -> None:
        with self._post(
            f"/lessons/{LESSON}/check/",
            "POST /lessons/[id]/check/ (grading)",
            {},
            htmx=True,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or 'id="lesson-checks"' not in response.text:
                response.failure(f"HTTP {response.status_code}")

    @task(2)
    def simulate(self) -> None:
        if not self.sandbox_id:
            return
        actions, resource = random.choice(SIMULATIONS)
        query = urlencode({"principal": ADMIN_ARN, "actions": actions, "resource": resource})
        self._get(
            f"/sandbox/{self.sandbox_id}/simulator/?{query}",
            "GET /sandbox/[id]/simulator/ (simulate)",
            'sim-result" data-decision=',
            htmx=True,
        )

    @task(1)
    def cli(self) -> None:
        if not self.sandbox_id:
            return
        with self._post(
            f"/sandbox/{self.sandbox_id}/cli/",
            "POST /sandbox/[id]/cli/",
            {"line": random.choice(CLI_LINES)},
            htmx=True,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or 'data-exit="0"' not in response.text:
                response.failure(f"command failed: HTTP {response.status_code}")

    @task(2)
    def console_pages(self) -> None:
        if not self.sandbox_id:
            return
        page = random.choice(
            [
                ("users/", "GET /sandbox/[id]/users/", "dev-ana"),
                (f"users/{EDITED_USER}/", "GET /sandbox/[id]/users/[name]/", INLINE_POLICY),
                ("policies/ReportsAccess/", "GET /sandbox/[id]/policies/[name]/", "Reports"),
                ("groups/", "GET /sandbox/[id]/groups/", "Developers"),
            ]
        )
        self._get(f"/sandbox/{self.sandbox_id}/{page[0]}", page[1], page[2])

    @task(4)
    def answer_question(self) -> None:
        """Read the next practice question, answer it (htmx feedback); after the last one,
        submit, read the results, and start another practice quiz."""
        if self.quiz is None:
            self.start_quiz()
            return
        session, number = self.quiz
        if number > 10:
            with self._post(
                f"/quiz/s/{session}/submit/", "POST /quiz/s/[id]/submit/", {}, catch_response=True
            ) as response:
                if response.status_code != 302:
                    response.failure(f"HTTP {response.status_code}")
            self._get(f"/quiz/s/{session}/results/", "GET /quiz/s/[id]/results/", "results</h1>")
            self.start_quiz()
            return
        url = f"/quiz/s/{session}/q/{number}/"
        page = self._get(url, "GET /quiz/s/[id]/q/[n]/", 'name="choice"')
        options = OPTION.findall(page)
        if not options:
            return
        pick = PICK.search(page)
        chosen = random.sample(options, min(len(options), int(pick.group(1)) if pick else 1))
        with self._post(
            url,
            "POST /quiz/s/[id]/q/[n]/ (answer)",
            {"choice": chosen},
            htmx=True,
            catch_response=True,
        ) as response:
            if response.status_code != 200 or 'data-testid="feedback"' not in response.text:
                response.failure(f"no feedback: HTTP {response.status_code}")
        self.quiz = (session, number + 1)
