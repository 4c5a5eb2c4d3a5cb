"""Fixtures for the web app's tests: learners, sandboxes, and a real Chromium for browser tests.

Browser tests use pytest-playwright with Debian's Chromium (`make browser` installs it); they are
never skipped. Playwright's sync API runs an event loop in the test thread, so Django's guard
against database calls from async contexts is switched off for the test process.
"""

import itertools
import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct-horse-battery-staple-42"

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture
def learner(django_user_model):
    """A factory: learner("dana") → a saved user whose password is `PASSWORD`."""

    def make(username: str | None = None):
        name = username or f"learner{next(_numbers)}"
        return django_user_model.objects.create_user(
            username=name, email=f"{name}@example.com", password=PASSWORD
        )

    return make


@pytest.fixture
def free_play():
    """A factory: free_play(owner) → a new free-play sandbox (two empty accounts)."""
    from iamlab.sandbox.scenario import load_scenario
    from iamlab.web.sandbox_views import FREE_PLAY_SCENARIO

    def make(owner, name: str | None = None):
        return load_scenario(
            FREE_PLAY_SCENARIO, name=name or f"free-play-{next(_numbers)}", owner=owner
        )

    return make


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/signin/" not in url)


@pytest.fixture
def signed_in_page(live_server, page, learner):
    """A Chromium page signed in (through the sign-in form) as a new learner: `page.learner`."""
    user = learner()
    sign_in(page, live_server.url, user.username)
    page.learner = user
    return page


@pytest.fixture
def screenshot(tmp_path):
    """screenshot(page, "name") saves name.png: into docs/screenshots/ (the README's pictures)
    when IAMLAB_SCREENSHOTS is set (`make screenshots`), else into the test's temporary folder,
    so a test run leaves the checkout as it found it."""
    folder = SCREENSHOTS if os.environ.get("IAMLAB_SCREENSHOTS") else tmp_path

    def take(page, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
