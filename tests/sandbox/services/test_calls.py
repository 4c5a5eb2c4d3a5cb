"""The call wrapper every operation goes through: what lands in the activity log."""

import pytest


def test_the_activity_log_stores_no_nul_characters(db):
    """PostgreSQL refuses NUL in text and JSON: a hostile value is logged with U+FFFD instead."""
    from iamlab.sandbox.models import ActivityEvent
    from iamlab.sandbox.scenario import load_scenario
    from iamlab.sandbox.services import errors, iam, principals

    sandbox = load_scenario("format: 1\naccounts:\n  '111122223333': {}\n", name="nul")
    root = principals.as_root(sandbox)
    with pytest.raises(errors.AwsError):
        iam.get_user(root, UserName="bad\x00name")
    event = ActivityEvent.objects.filter(sandbox=sandbox).latest("pk")
    assert event.request_params["UserName"] == "bad\ufffdname"
    assert "\x00" not in event.reason
