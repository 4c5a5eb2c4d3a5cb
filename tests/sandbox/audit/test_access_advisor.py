import pytest

from iamlab.sandbox.audit import (
    NoSuchEntity,
    generate_service_last_accessed_details,
    get_service_last_accessed_details,
    service_last_accessed,
)
from iamlab.sandbox.audit.access_advisor import TRACKING_PERIOD


def by_namespace(items):
    return {i["ServiceNamespace"]: i for i in items}


def test_a_user_sees_its_last_access_and_unused_services(account):
    services = by_namespace(service_last_accessed(account, "arn:aws:iam::111122223333:user/alice"))
    assert set(services) == {"s3"}
    s3 = services["s3"]
    assert s3["ServiceName"] == "Amazon S3"
    assert s3["LastAuthenticated"].isoformat() == "2026-05-20T10:00:00+00:00"
    assert s3["LastAuthenticatedEntity"] == "arn:aws:iam::111122223333:user/alice"
    assert s3["LastAuthenticatedRegion"] == "eu-west-1"
    assert s3["TotalAuthenticatedEntities"] == 1


def test_a_role_counts_its_sessions_and_lists_never_used_services(account):
    services = by_namespace(service_last_accessed(account, "arn:aws:iam::111122223333:role/app"))
    assert services["sqs"]["LastAuthenticatedEntity"] == "arn:aws:iam::111122223333:role/app"
    assert "LastAuthenticated" not in services["s3"]
    assert services["s3"]["TotalAuthenticatedEntities"] == 0


def test_a_group_and_a_policy_report_their_members(account):
    group = by_namespace(service_last_accessed(account, "arn:aws:iam::111122223333:group/readers"))
    assert group["s3"]["TotalAuthenticatedEntities"] == 1
    policy = by_namespace(service_last_accessed(account, "arn:aws:iam::111122223333:policy/S3Read"))
    assert policy["s3"]["LastAuthenticatedEntity"] == "arn:aws:iam::111122223333:user/alice"


def test_events_outside_the_tracking_period_do_not_count(account):
    account.sandbox.move_clock(TRACKING_PERIOD)
    services = by_namespace(service_last_accessed(account, "arn:aws:iam::111122223333:user/alice"))
    assert "LastAuthenticated" not in services["s3"]


def test_generate_then_get(account):
    job = generate_service_last_accessed_details(
        account, Arn="arn:aws:iam::111122223333:user/alice", Granularity="ACTION_LEVEL"
    )
    answer = get_service_last_accessed_details(account, JobId=job["JobId"])
    assert answer["JobStatus"] == "COMPLETED"
    assert answer["JobType"] == "ACTION_LEVEL"
    s3 = answer["ServicesLastAccessed"][0]
    assert s3["TrackedActionsLastAccessed"][0]["ActionName"] == "GetObject"
    assert s3["LastAuthenticated"] == answer["ServicesLastAccessed"][0]["LastAuthenticated"]


def test_an_unknown_entity_is_no_such_entity(account):
    with pytest.raises(NoSuchEntity):
        service_last_accessed(account, "arn:aws:iam::111122223333:user/nobody")
