"""Isolation between learners (issue 7): every URL pattern of the project, walked as a second
learner.

The walker iterates the resolver recursively and looks every pattern up in ROUTES, a table that
says, for each URL name, what kind of page it is and how to build its arguments from the first
learner's objects. A pattern missing from the table fails `test_every_url_pattern_is_in_the_table`
with its name, so a new URL cannot slip through unchecked: add it to ROUTES with its rule.

The rules (each is one class below, and says exactly what is asserted):

- Owned: the URL names one of the first learner's objects (a sandbox and what is inside it, a
  quiz session). For every method the view accepts (the owner's GET/POST are not answered 405),
  the second learner gets 404 (a page that names nothing of the owner's), and the owner's
  sandbox (its version and its whole state, exported as a scenario) and quiz session are
  unchanged. The owner's own request, made last, is not a 404: proof that the arguments name
  real objects.
- PerLearner: a shared lesson whose attempt is per learner (/lessons/<lesson>/...). The second
  learner's request never touches the first learner's attempt or sandbox: "check", "hint" and
  "reset" are 404 without an attempt of one's own; the player shows no trace of the first
  learner's attempt; "start" makes the second learner's own sandbox; the second learner never
  acts as a principal of the first learner's sandbox.
- Shared: no learner's object in the URL (catalogs, home pages, start forms, sign-in). The
  second learner's answer (page and redirect) mentions none of the first learner's objects.
- Instructor: instructor pages. A learner gets 403 for GET and POST; an instructor gets the page.
- Token: the password-reset link. The first learner's link with a token made for the second
  learner is refused (no new-password form).
- Admin: Django's admin. A learner (not staff) is sent to the admin's sign-in page, whatever the
  method and object id; that sign-in page is the only admin page a learner sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from iamlab.lessons import services as lessons
from iamlab.lessons.models import Attempt
from iamlab.quizzes import services as quizzes
from iamlab.quizzes.models import QuizSession
from iamlab.sandbox.models import IdentityProvider, InstanceProfile, Sandbox
from iamlab.sandbox.scenario.dump import export_scenario
from iamlab.sandbox.services import iam, principals

LESSON = "managed-vs-inline-and-versions"  # users, groups, managed and inline policies, buckets
ROLE = "AuditorRole"  # made in the first learner's sandbox by the fixture
ADMIN_ARN = "arn:aws:iam::111122223333:user/admin"
TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
    '"Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "sts:AssumeRole"}]}'
)
POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


# --------------------------------------------------------------------------- the two learners
@dataclass
class World:
    owner: Any  # the first learner: owns everything below
    intruder: Any  # the second learner
    instructor: Any
    sandbox: Sandbox  # the owner's lesson sandbox
    attempt: Attempt
    quiz: QuizSession
    template_id: int  # a quiz composed by the instructor (shared with every learner)
    owner_client: Client = field(default_factory=Client)
    intruder_client: Client = field(default_factory=Client)


@pytest.fixture
def world(django_user_model) -> World:
    owner = django_user_model.objects.create_user("first-learner", "first@example.com", "pw-1")
    intruder = django_user_model.objects.create_user("second-learner", "second@example.com", "pw")
    instructor = django_user_model.objects.create_user("teacher", "teacher@example.com", "pw-3")
    instructor.groups.add(Group.objects.get_or_create(name="instructors")[0])
    attempt = lessons.start_attempt(owner, LESSON)
    sandbox = attempt.sandbox
    iam.create_role(principals.as_root(sandbox), RoleName=ROLE, AssumeRolePolicyDocument=TRUST)
    quiz = quizzes.start_practice(owner, count=3)
    template = quizzes.compose_template(
        instructor,
        title="Week 1",
        topics=[],
        domains=[],
        count=3,
        minutes=None,
        include_generated=True,
    )
    w = World(
        owner, intruder, instructor, Sandbox.objects.get(pk=sandbox.pk), attempt, quiz, template.pk
    )
    w.owner_client.force_login(owner)
    w.intruder_client.force_login(intruder)
    return w


def snapshot(w: World) -> dict[str, Any]:
    """Everything of the owner's that a second learner's request could change."""
    sandbox = Sandbox.objects.filter(pk=w.sandbox.pk).first()
    attempt = Attempt.objects.get(pk=w.attempt.pk)
    quiz = QuizSession.objects.get(pk=w.quiz.pk)
    return {
        "sandbox exists": sandbox is not None,
        "sandbox version": sandbox.version if sandbox else None,
        "sandbox state": export_scenario(sandbox) if sandbox else None,
        "attempt": (attempt.sandbox_id, attempt.gradings, attempt.hints_used, attempt.finished_at),
        "quiz": (
            quiz.submitted_at,
            sorted(quiz.flagged),
            list(quiz.answers.values_list("question_id", "chosen")),
        ),
    }


def traces(w: World) -> list[str]:
    """Strings that would give the owner's objects away in the second learner's pages."""
    return [
        f"/sandbox/{w.sandbox.pk}/",
        w.sandbox.name,
        f"/quiz/s/{w.quiz.pk}/",
        w.owner.username,
    ]


def leaks(w: World, response) -> list[str]:  # noqa: ANN001
    text = response.content.decode(errors="replace") + " " + response.get("Location", "")
    return [t for t in traces(w) if t in text]


# --------------------------------------------------------------------------- the rules
Kwargs = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Owned:
    kwargs: Kwargs
    data: dict[str, Any] = field(default_factory=dict)  # what the POST sends

    def check(self, w: World, name: str) -> None:
        url = reverse(name, kwargs=self.kwargs(w))
        before = snapshot(w)
        intruder = {
            "GET": w.intruder_client.get(url),
            "POST": w.intruder_client.post(url, self.data),
        }
        assert snapshot(w) == before, f"{name}: the second learner changed the owner's objects"
        owner = {"GET": w.owner_client.get(url)}
        owner["POST"] = w.owner_client.post(url, self.data)
        accepted = [m for m, r in owner.items() if r.status_code != 405]
        assert accepted, f"{name}: the owner's GET and POST were both refused (405)"
        for method in accepted:
            assert owner[method].status_code != 404, (
                f"{name} {method}: the owner got 404 too, so the table's arguments name nothing"
            )
            assert intruder[method].status_code == 404, (
                f"{name} {method} as the second learner: HTTP {intruder[method].status_code}, "
                "expected 404"
            )
            body = intruder[method].content.decode(errors="replace")
            for trace in (w.sandbox.name, w.owner.username):
                assert trace not in body, f"{name} {method}: the 404 page shows {trace!r}"


@dataclass(frozen=True)
class PerLearner:
    method: str  # the method the view accepts
    intruder_status: int  # what the second learner gets

    def check(self, w: World, name: str) -> None:
        url = reverse(name, kwargs={"lesson_id": LESSON})
        before = snapshot(w)
        send = getattr(w.intruder_client, self.method.lower())
        response = send(url)
        assert response.status_code == self.intruder_status, (
            f"{name}: HTTP {response.status_code}, expected {self.intruder_status}"
        )
        assert not leaks(w, response), (
            f"{name}: the second learner's page shows {leaks(w, response)}"
        )
        assert snapshot(w) == before, f"{name}: the second learner changed the owner's attempt"
        session_key = f"iamlab.principal.{w.sandbox.pk}"
        assert session_key not in w.intruder_client.session, f"{name}: acts in the owner's sandbox"
        mine = lessons.current_attempt(w.intruder, LESSON)
        if mine is not None:  # "start": the second learner's own attempt, in a sandbox of theirs
            assert mine.pk != w.attempt.pk and mine.sandbox.owner == w.intruder
        owner = getattr(w.owner_client, self.method.lower())(url)
        assert owner.status_code in (200, 302), f"{name}: the owner got {owner.status_code}"


@dataclass(frozen=True)
class Shared:
    kwargs: Kwargs = lambda w: {}  # noqa: E731
    data: dict[str, Any] = field(default_factory=dict)

    def check(self, w: World, name: str) -> None:
        url = reverse(name, kwargs=self.kwargs(w))
        before = snapshot(w)
        for method in ("get", "post"):
            response = getattr(w.intruder_client, method)(
                url, self.data if method == "post" else {}
            )
            assert response.status_code < 500, f"{name} {method}: HTTP {response.status_code}"
            assert not leaks(w, response), (
                f"{name} {method}: the second learner's answer shows {leaks(w, response)}"
            )
            w.intruder_client.force_login(w.intruder)  # after "sign out", sign in again
        assert snapshot(w) == before, f"{name}: the second learner changed the owner's objects"


@dataclass(frozen=True)
class Instructor:
    data: dict[str, Any] = field(default_factory=dict)
    kwargs: Kwargs = lambda w: {}  # noqa: E731

    def check(self, w: World, name: str) -> None:
        url = reverse(name, kwargs=self.kwargs(w))
        assert w.intruder_client.get(url).status_code == 403, f"{name} GET"
        assert w.intruder_client.post(url, self.data).status_code == 403, f"{name} POST"
        teacher = Client()
        teacher.force_login(w.instructor)
        assert teacher.get(url).status_code == 200, f"{name}: the instructor is refused"


@dataclass(frozen=True)
class Token:
    def check(self, w: World, name: str) -> None:
        uid = urlsafe_base64_encode(force_bytes(w.owner.pk))
        wrong = default_token_generator.make_token(w.intruder)
        response = w.intruder_client.get(reverse(name, kwargs={"uidb64": uid, "token": wrong}))
        assert response.status_code == 200
        assert b"new_password1" not in response.content, "a token of another user was accepted"
        right = default_token_generator.make_token(w.owner)
        control = Client().get(reverse(name, kwargs={"uidb64": uid, "token": right}))
        assert control.status_code == 302  # Django hides the real token behind a redirect


@dataclass(frozen=True)
class Admin:
    def check(self, w: World, route: str) -> None:
        url = "/" + admin_path(route, w)
        for method in ("get", "post"):
            response = getattr(w.intruder_client, method)(url)
            if route == "admin/login/":  # the one admin page anyone may see: its sign-in form
                assert response.status_code == 200 and b'name="password"' in response.content
                assert not leaks(w, response)
                continue
            location = response.get("Location", "")
            # "/admin/" (where admin:logout sends a learner) is itself walked: to the sign-in.
            to_sign_in = location.startswith("/admin/login/") or location == "/admin/"
            assert response.status_code == 302 and to_sign_in, (
                f"{route} {method} as a learner: HTTP {response.status_code} {location}"
            )


def admin_path(route: str, w: World) -> str:
    """A concrete admin URL for a route: object ids are the first learner's user id."""
    path = route.replace("^(?P<app_label>auth|axes)/$", "auth/")
    path = path.replace("(?P<url>.*)$", "no-such-page/")
    path = re.sub(r"<(?:\w+:)?\w+>", str(w.owner.pk), path)
    assert "<" not in path and "(" not in path, f"admin route {route} not filled"
    return path


# --------------------------------------------------------------------------- the table
def sb(**extra: Any) -> Kwargs:
    """Arguments of a page of the owner's sandbox (entity names exist in that sandbox)."""
    return lambda w: {"sandbox_id": w.sandbox.pk, **extra}


def sb_with(make: Callable[[Any], None], **extra: Any) -> Kwargs:
    """Like `sb`, for a page of an entity the fixture does not make: `make(root caller)` makes it
    in the owner's sandbox first (before the walk's snapshot)."""

    def kwargs(w: World) -> dict[str, Any]:
        make(principals.as_root(w.sandbox))
        return {"sandbox_id": w.sandbox.pk, **extra}

    return kwargs


def _oidc_provider(root: Any) -> None:
    if not IdentityProvider.objects.filter(account=root.account, name="token.example.com"):
        iam.create_open_id_connect_provider(root, Url="https://token.example.com")


def _instance_profile(root: Any) -> None:
    if not InstanceProfile.objects.filter(account=root.account, name="web"):
        iam.create_instance_profile(root, InstanceProfileName="web")


def quiz(**extra: Any) -> Kwargs:
    return lambda w: {"session_id": w.quiz.pk, **extra}


ROUTES: dict[str, Any] = {
    # site, accounts
    "healthz": Shared(),
    "home": Shared(),
    "signup": Shared(data={"username": "x", "email": "x@example.com"}),
    "login": Shared(),
    "logout": Shared(),
    "password_reset": Shared(data={"email": "first@example.com"}),
    "password_reset_done": Shared(),
    "password_reset_confirm": Token(),
    "password_reset_complete": Shared(),
    # sandboxes
    "sandbox_list": Shared(),
    "sandbox_create": Shared(),
    "policy_completions": Shared(),
    "sandbox_home": Owned(sb()),
    "sandbox_delete": Owned(sb()),
    "sandbox_act_as": Owned(sb(), {"principal": ADMIN_ARN}),
    "console_switch_role": Owned(sb(), {"account_id": "111122223333", "role_name": ROLE}),
    "validate_policy": Owned(sb(), {"kind": "identity", "text": POLICY}),
    "console_users": Owned(sb()),
    "console_user_create": Owned(sb(), {"name": "mallory"}),
    "console_user": Owned(sb(name="dev-ana")),
    "console_user_tab": Owned(sb(name="dev-ana", tab="permissions")),
    "console_access_key_create": Owned(sb(name="dev-ana")),
    "console_groups": Owned(sb()),
    "console_group_create": Owned(sb(), {"name": "Intruders"}),
    "console_group": Owned(sb(name="Developers")),
    "console_group_tab": Owned(sb(name="Developers", tab="permissions")),
    "console_roles": Owned(sb()),
    "console_role_create": Owned(sb(), {"name": "IntruderRole", "document": TRUST}),
    "console_role": Owned(sb(name=ROLE)),
    "console_role_tab": Owned(sb(name=ROLE, tab="trust-relationships"), {"document": TRUST}),
    "console_policies": Owned(sb()),
    "console_policy_create": Owned(sb(), {"name": "Stolen", "document": POLICY}),
    "console_aws_policy": Owned(sb(name="ReadOnlyAccess")),
    "console_policy": Owned(sb(name="ReportsAccess"), {"document": POLICY}),
    "console_policy_tab": Owned(sb(name="ReportsAccess", tab="versions")),
    "console_inline_new": Owned(
        sb(kind="user", name="dev-ana"), {"name": "Backdoor", "document": POLICY}
    ),
    "console_inline_edit": Owned(
        sb(kind="user", name="dev-ana", policy_name="ReadBuilds"), {"document": POLICY}
    ),
    "console_buckets": Owned(sb(), {"name": "intruder-bucket"}),
    "console_bucket": Owned(sb(name="northwind-builds"), {"document": POLICY}),
    "console_providers": Owned(
        sb(), {"kind": "oidc", "url": "https://intruder.example.com", "audiences": "x"}
    ),
    "console_oidc_provider_action": Owned(
        sb(action="add-audience"),
        {"arn": "arn:aws:iam::111122223333:oidc-provider/token.example.com", "value": "evil"},
    ),
    "console_provider_delete": Owned(
        sb(), {"arn": "arn:aws:iam::111122223333:oidc-provider/intruder.example.com"}
    ),
    "console_account": Owned(sb()),
    "console_provider": Owned(sb_with(_oidc_provider, kind="oidc", name="token.example.com")),
    "console_mfa_assign": Owned(sb(name="dev-ana"), {"step": "create", "device_name": "evil"}),
    "console_mfa_delete": Owned(sb(), {"serial": "arn:aws:iam::111122223333:mfa/none"}),
    "console_role_settings": Owned(
        sb(name=ROLE), {"description": "evil", "max_session_duration": "3600"}
    ),
    "console_instance_profiles": Owned(sb(), {"name": "intruder-profile"}),
    "console_instance_profile": Owned(sb_with(_instance_profile, name="web")),
    "console_instance_profile_action": Owned(
        sb_with(_instance_profile, name="web", action="delete")
    ),
    "console_ec2_instances": Owned(sb(), {"profile": ""}),
    "console_ec2_associate": Owned(sb(instance_id="i-0123456789abcdef0"), {"profile": "web"}),
    "console_ec2_replace": Owned(sb(instance_id="i-0123456789abcdef0"), {"profile": "intruder"}),
    "console_ec2_disassociate": Owned(sb(instance_id="i-0123456789abcdef0")),
    "console_action_account": Owned(
        sb(kind="account", action="create-alias"), {"alias": "intruder"}
    ),
    "console_action": Owned(
        sb(kind="user", action="tag", name="dev-ana"), {"key": "owner", "value": "intruder"}
    ),
    # tools of a sandbox
    "sandbox_simulator": Owned(sb()),
    "sandbox_cli": Owned(sb(), {"line": "aws iam create-user --user-name mallory"}),
    "sandbox_graph": Owned(sb()),
    "sandbox_graph_json": Owned(sb()),
    "sandbox_credential_report": Owned(sb()),
    "sandbox_credential_report_generate": Owned(sb()),
    "sandbox_credential_report_download": Owned(sb()),
    "sandbox_access_advisor": Owned(sb()),
    "sandbox_access_analyzer": Owned(sb(), {"do": "create", "type": "ACCOUNT"}),
    "sandbox_scorecard": Owned(sb()),
    # lessons: shared lessons, attempts per learner
    "lesson_catalog": Shared(),
    "lesson_player": PerLearner("GET", 200),
    "lesson_start": PerLearner("POST", 302),
    "lesson_check": PerLearner("POST", 404),
    "lesson_hint": PerLearner("POST", 404),
    "lesson_reset": PerLearner("POST", 404),
    "lesson_act_as": PerLearner("POST", 404),
    "lesson_instructor": Instructor(),
    "lesson_preview": Instructor(kwargs=lambda w: {"lesson_id": LESSON}),
    "lesson_selftest": Instructor(kwargs=lambda w: {"lesson_id": LESSON}),
    # quizzes
    "quiz:home": Shared(),
    "quiz:start_practice": Shared(data={"count": "2", "include_generated": "on"}),
    "quiz:start_exam": Shared(data={"count": "2", "minutes": "5"}),
    "quiz:start_review": Shared(),
    "quiz:start_template": Shared(lambda w: {"template_id": w.template_id}),
    "quiz:compose": Instructor({"title": "Mine", "count": "3"}),
    "quiz:session": Owned(quiz()),
    "quiz:question": Owned(quiz(number=1), {"choice": ["0"]}),
    "quiz:flag": Owned(quiz(number=1)),
    "quiz:submit": Owned(quiz()),
    "quiz:results": Owned(quiz()),
    "quiz:review": Owned(quiz()),
    # dashboard, standalone tools
    "dashboard": Shared(),
    "simulator": Shared(),
    "simulator_actions": Shared(),
}


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):  # noqa: ANN001, ANN201
    """(key, route) of every URL pattern; key is the namespaced name, or the route when the
    pattern has no name."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            yield from url_patterns(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield (name or route), route


def is_admin(key: str, route: str) -> bool:
    return route.startswith("admin/")


ALL = list(url_patterns())
APP_ROUTES = [key for key, route in ALL if not is_admin(key, route)]
ADMIN_ROUTES = [route for key, route in ALL if is_admin(key, route)]


# --------------------------------------------------------------------------- the tests
def test_every_url_pattern_is_in_the_table():
    missing = [key for key in APP_ROUTES if key not in ROUTES]
    assert not missing, f"URL patterns with no isolation rule in ROUTES: {missing}"
    gone = sorted(set(ROUTES) - set(APP_ROUTES))
    assert not gone, f"ROUTES names URL patterns that no longer exist: {gone}"
    assert len(ADMIN_ROUTES) > 10  # the admin is walked too (test_admin_is_for_staff_only)


@pytest.mark.django_db
@pytest.mark.parametrize("name", APP_ROUTES)
def test_second_learner_cannot_reach_the_first_learners_objects(world, name):
    assert name in ROUTES, f"{name}: no isolation rule in ROUTES (see the module's docstring)"
    ROUTES[name].check(world, name)


@pytest.mark.django_db
def test_admin_is_for_staff_only(world):
    for route in ADMIN_ROUTES:
        Admin().check(world, route)


@pytest.mark.django_db
def test_own_sandbox_does_not_reach_entities_of_anothers_sandbox(world, client):
    """Both sandboxes use the same account ids: names from the first learner's sandbox, asked
    for in the second learner's own sandbox, are not found there."""
    from iamlab.sandbox.scenario import load_scenario
    from iamlab.web.sandbox_views import FREE_PLAY_SCENARIO

    mine = load_scenario(FREE_PLAY_SCENARIO, name="mine", owner=world.intruder)
    pages = [
        "users/dev-ana/",
        "groups/Developers/",
        f"roles/{ROLE}/",
        "policies/ReportsAccess/",
        "users/dev-ana/inline/ReadBuilds/",
        "buckets/northwind-builds/",
    ]
    for page in pages:
        response = world.intruder_client.get(f"/sandbox/{mine.pk}/{page}")
        assert response.status_code == 404, f"{page} in the second learner's sandbox"
        assert world.owner_client.get(f"/sandbox/{world.sandbox.pk}/{page}").status_code == 200
    simulated = world.intruder_client.get(
        f"/sandbox/{mine.pk}/simulator/",
        {
            "principal": "arn:aws:iam::111122223333:user/dev-ana",  # a user of the other sandbox
            "actions": "s3:GetObject",
            "resource": "arn:aws:s3:::northwind-builds/app-1.4.2.zip",
        },
    )
    assert simulated.status_code == 200
    assert b"data-decision" not in simulated.content, "simulated as another sandbox's user"
    control = world.owner_client.get(
        f"/sandbox/{world.sandbox.pk}/simulator/", simulated.wsgi_request.GET
    )
    assert b"data-decision" in control.content  # in its own sandbox, the user is simulated
    denied = world.intruder_client.post(f"/sandbox/{mine.pk}/act-as/", {"principal": ADMIN_ARN})
    assert denied.status_code == 302
    session_key = f"iamlab.principal.{mine.pk}"
    assert world.intruder_client.session.get(session_key, "") == ""
