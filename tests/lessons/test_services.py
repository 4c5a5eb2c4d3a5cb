"""The lessons app's public API: catalog, attempts, grading and scores, hints, versions."""

from __future__ import annotations

import os

import pytest

from iamlab.lessons import services
from iamlab.lessons.models import Grade, LessonVersion
from iamlab.sandbox.models import IamUser, Sandbox
from iamlab.sandbox.services import iam, principals

pytestmark = pytest.mark.django_db


def _solve_first_step(attempt):
    admin = principals.as_user(attempt.sandbox, "admin")
    iam.create_group(admin, GroupName="Devs")
    iam.add_user_to_group(admin, GroupName="Devs", UserName="bob")


def test_catalog_lists_lessons_in_path_order_with_the_broken_one_marked(lessons_folder, alice):
    cards = services.catalog(alice)
    assert [c.id for c in cards] == ["broken", "tiny"]
    broken, tiny = cards
    assert broken.broken
    assert any("broken.yaml:4:" in p and "whole number" in p for p in broken.problems)
    assert not tiny.broken and tiny.problems == []
    assert (tiny.status, tiny.best_score, tiny.last_score) == ("new", None, None)
    assert tiny.title == "A tiny lesson" and tiny.topics == ["groups"]


def test_a_broken_lesson_cannot_be_started(lessons_folder, alice):
    with pytest.raises(services.LessonBroken) as caught:
        services.start_attempt(alice, "broken")
    assert caught.value.problems
    with pytest.raises(services.LessonNotFound):
        services.get_lesson("no-such-lesson")


def test_get_lesson_gives_the_parsed_lesson(lessons_folder):
    lesson = services.get_lesson("tiny")
    assert lesson.acting_as == "arn:aws:iam::111122223333:user/admin"
    assert [s.id for s in lesson.steps] == ["make-group", "keep-bob"]
    assert [h.cost for h in lesson.steps[0].hints] == [5, 10]
    assert lesson.steps[0].checks[1].message == "Add bob to Devs."


def test_start_attempt_builds_the_learners_own_sandbox_once(lessons_folder, alice, bob):
    attempt = services.start_attempt(alice, "tiny")
    assert attempt.sandbox.owner == alice and attempt.sandbox.lesson == "tiny"
    assert attempt.lesson_version == 1
    assert services.start_attempt(alice, "tiny").pk == attempt.pk
    assert services.current_attempt(alice, "tiny").pk == attempt.pk
    other = services.start_attempt(bob, "tiny")
    assert other.sandbox_id != attempt.sandbox_id
    assert services.current_attempt(bob, "tiny").pk == other.pk


def test_grading_scores_passed_checks_and_keeps_history(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    first = services.grade(attempt)
    assert (first.score, first.passed) == (33, False)
    failed = {c.check_id: c for c in first.checks if not c.passed}
    assert set(failed) == {"group-exists", "bob-in-devs"}
    assert failed["group-exists"].message == "Create the group Devs."
    assert "no group" in failed["group-exists"].detail.lower()
    assert failed["group-exists"].step_id == "make-group"

    _solve_first_step(attempt)
    second = services.grade(attempt)
    assert (second.score, second.passed) == (100, True)
    attempt.refresh_from_db()
    assert (attempt.best_score, attempt.last_score, attempt.gradings) == (100, 100, 2)
    assert attempt.finished_at is not None
    assert Grade.objects.filter(attempt=attempt).count() == 2
    card = next(c for c in services.catalog(alice) if c.id == "tiny")
    assert (card.status, card.best_score, card.last_score) == ("done", 100, 100)


def test_last_score_can_drop_below_best(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    _solve_first_step(attempt)
    services.grade(attempt)
    admin = principals.as_user(attempt.sandbox, "admin")
    iam.remove_user_from_group(admin, GroupName="Devs", UserName="bob")
    result = services.grade(attempt)
    attempt.refresh_from_db()
    assert result.score == 67
    assert (attempt.best_score, attempt.last_score) == (100, 67)


def test_hints_are_revealed_one_at_a_time_and_cost_points(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    assert services.reveal_hint(attempt, "make-group").text == "CreateGroup first."
    assert services.reveal_hint(attempt, "make-group").text == "Then AddUserToGroup."
    assert services.reveal_hint(attempt, "make-group") is None
    assert services.reveal_hint(attempt, "keep-bob") is None
    assert services.reveal_hint(attempt, "no-such-step") is None
    attempt.refresh_from_db()
    assert attempt.hints_used == {"make-group": 2}
    _solve_first_step(attempt)
    assert services.grade(attempt).score == 85


def test_the_score_never_drops_below_zero(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    services.reveal_hint(attempt, "make-group")
    services.reveal_hint(attempt, "make-group")
    IamUser.objects.filter(sandbox=attempt.sandbox, name="bob").delete()
    assert services.grade(attempt).score == 0


def test_reset_gives_a_fresh_sandbox_and_keeps_history(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    _solve_first_step(attempt)
    services.grade(attempt)
    old_sandbox = attempt.sandbox_id
    services.reset_attempt(attempt)
    attempt.refresh_from_db()
    assert attempt.sandbox_id != old_sandbox
    assert not Sandbox.objects.filter(pk=old_sandbox).exists()
    assert attempt.gradings == 1 and attempt.best_score == 100


def test_solution_is_available_after_three_gradings(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    for _ in range(2):
        services.grade(attempt)
        assert not services.solution_available(attempt)
    services.grade(attempt)
    assert services.solution_available(attempt)
    steps = services.solution_steps(services.get_lesson("tiny"))
    assert steps["keep-bob"] == []
    assert "iam.create_group" in steps["make-group"][0]
    assert "GroupName=Devs" in steps["make-group"][0]


def test_only_what_the_lesson_lists_is_editable(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    assert services.is_editable(attempt, "arn:aws:iam::111122223333:user/bob")
    assert services.is_editable(attempt, "arn:aws:iam::111122223333:group/Devs")
    assert not services.is_editable(attempt, "arn:aws:iam::111122223333:user/admin")
    assert not services.is_editable(attempt, "arn:aws:iam::111122223333:group/Admins")
    assert not services.is_editable(attempt, "arn:aws:iam::444455556666:user/bob")
    assert not services.is_editable(attempt, "not an arn")


def test_progress_counts_done_lessons_per_topic_and_domain(lessons_folder, alice):
    attempt = services.start_attempt(alice, "tiny")
    assert services.progress(alice)["topics"]["groups"] == {"done": 0, "total": 1}
    _solve_first_step(attempt)
    services.grade(attempt)
    progress = services.progress(alice)
    assert progress["topics"]["groups"] == {"done": 1, "total": 1}
    assert progress["domains"]["secure"] == {"done": 1, "total": 1}
    assert progress["topics"]["users"] == {"done": 0, "total": 0}


def test_an_attempt_keeps_its_lesson_version_when_the_file_changes(lessons_folder, alice, bob):
    attempt = services.start_attempt(alice, "tiny")
    path = lessons_folder / "tiny.yaml"
    path.write_text(
        path.read_text()
        .replace("version: 1", "version: 2")
        .replace('message: "Create the group Devs."', 'message: "Now called Devs."')
    )
    from iamlab.lessons import store

    store.load_all(lessons_folder)
    assert LessonVersion.objects.filter(lesson_id="tiny").count() == 2
    assert services.get_lesson("tiny").version == 2
    old = services.grade(attempt)
    assert next(c for c in old.checks if c.check_id == "group-exists").message == (
        "Create the group Devs."
    )
    new_attempt = services.start_attempt(bob, "tiny")
    assert new_attempt.lesson_version == 2


def test_in_debug_an_edited_file_is_picked_up_without_reloading(lessons_folder, settings):
    settings.DEBUG = True
    assert services.get_lesson("tiny").title == "A tiny lesson"
    path = lessons_folder / "tiny.yaml"
    path.write_text(path.read_text().replace("A tiny lesson", "A renamed lesson"))
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert services.get_lesson("tiny").title == "A renamed lesson"


def test_without_debug_the_database_is_the_source(lessons_folder, settings):
    services.get_lesson("tiny")  # first use loads the folder
    path = lessons_folder / "tiny.yaml"
    path.write_text(path.read_text().replace("A tiny lesson", "A renamed lesson"))
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert services.get_lesson("tiny").title == "A tiny lesson"


def test_in_debug_a_changed_shared_piece_reloads_the_lessons(lessons_folder, settings):
    settings.DEBUG = True
    shared = lessons_folder / "shared" / "extra.yaml"
    shared.write_text("description: first\n")
    path = lessons_folder / "tiny.yaml"
    path.write_text(path.read_text().replace("setup:\n", "setup:\n  include: [extra]\n", 1))
    services.get_lesson("tiny")
    first = LessonVersion.objects.get(lesson_id="tiny", current=True)
    assert "description: first" in first.setup_text
    shared.write_text("description: second\n")
    stat = shared.stat()
    os.utime(shared, (stat.st_atime, stat.st_mtime + 5))
    services.get_lesson("tiny")
    second = LessonVersion.objects.get(lesson_id="tiny", current=True)
    assert "description: second" in second.setup_text
