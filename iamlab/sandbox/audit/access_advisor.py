"""Access Advisor: when did an entity last use each service its policies allow?

The answer of IAM's GetServiceLastAccessedDetails, from the sandbox's activity log:

- for a user, its own calls; for a role, the calls of its sessions; for a group, its members'
  calls; for a managed policy, the calls of every user, role and group member it is attached to
  (`TotalAuthenticatedEntities` counts the distinct ones);
- every service the entity's policies allow is listed, sorted by namespace; one never used has
  no `LastAuthenticated` (nor entity or region) and `TotalAuthenticatedEntities` 0;
- an attempt counts whether it was allowed or denied ("the date and time … when an
  authenticated entity most recently attempted to access the service"); the tracking period is
  400 days, by the sandbox clock;
- with `Granularity="ACTION_LEVEL"`, the services AWS tracks actions for (S3, EC2, IAM, Lambda)
  also get `TrackedActionsLastAccessed`.

`service_last_accessed(account, arn)` computes; `generate_…`/`get_…` keep a job as AWS does.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from iamlab.engine import catalog

from ..models import Account, ActivityEvent, AuditReport
from .errors import InvalidInput, NoSuchEntity
from .permissions import AccountPermissions, allowed_services

TRACKING_PERIOD = timedelta(days=400)
ACTION_TRACKED_SERVICES = ("ec2", "iam", "lambda", "s3")
GRANULARITIES = ("SERVICE_LEVEL", "ACTION_LEVEL")


def _principals(perms: AccountPermissions, arn: str) -> tuple[list[str], dict[str, str]]:
    """The documents' owners behind `arn`, and each caller ARN they act as → the entity ARN
    reported as LastAuthenticatedEntity."""
    account_id = perms.account.account_id
    owners: list[tuple[str, int]] = []
    by_arn = {perms.arn_of(("user", pk)): ("user", pk) for pk in perms.users}
    by_arn.update({perms.arn_of(("group", pk)): ("group", pk) for pk in perms.groups})
    by_arn.update({perms.arn_of(("role", pk)): ("role", pk) for pk in perms.roles})
    if arn in by_arn:
        owners = [by_arn[arn]]
        subjects = owners
    elif arn in perms.customer_arns or arn.startswith("arn:aws:iam::aws:policy/"):
        if perms.document(arn) is None:
            raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
        subjects = list(perms.attachments_of.get(arn, []))
        owners = []
    else:
        raise NoSuchEntity(f"The entity {arn} does not exist in account {account_id}.")

    callers: dict[str, str] = {}
    for kind, pk in subjects:
        if kind == "group":
            for user_pk in perms.members_of.get(pk, []):
                callers[perms.arn_of(("user", user_pk))] = perms.arn_of(("user", user_pk))
        elif kind == "user":
            callers[perms.arn_of((kind, pk))] = perms.arn_of((kind, pk))
        else:
            role = perms.roles[pk]
            role_arn = perms.arn_of((kind, pk))
            callers[role_arn] = role_arn
            callers[f"arn:aws:sts::{account_id}:assumed-role/{role.name}/"] = role_arn
    return [perms.arn_of(o) for o in owners], callers


def _documents(perms: AccountPermissions, arn: str) -> list:
    if arn in perms.customer_arns or arn.startswith("arn:aws:iam::aws:policy/"):
        return [perms.document(arn)]
    for owner in [("user", pk) for pk in perms.users] + [
        *(("group", pk) for pk in perms.groups),
        *(("role", pk) for pk in perms.roles),
    ]:
        if perms.arn_of(owner) == arn:
            return perms.documents_for(owner)
    return []


def _caller_entity(principal_arn: str, callers: dict[str, str]) -> str | None:
    if principal_arn in callers:
        return callers[principal_arn]
    if ":assumed-role/" in principal_arn:
        prefix = principal_arn.rsplit("/", 1)[0] + "/"
        return callers.get(prefix)
    return None


def service_last_accessed(
    account: Account,
    arn: str,
    *,
    granularity: str = "SERVICE_LEVEL",
    permissions: AccountPermissions | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """ServicesLastAccessed for a user, group, role or managed policy of `account`."""
    if granularity not in GRANULARITIES:
        raise InvalidInput(f"Granularity must be one of {', '.join(GRANULARITIES)}.")
    perms = permissions or AccountPermissions(account)
    _, callers = _principals(perms, arn)
    services = allowed_services([d for d in _documents(perms, arn) if d])
    now = now or account.sandbox.now()

    last: dict[str, tuple[datetime, str, str]] = {}
    entities: dict[str, set[str]] = {}
    actions: dict[str, dict[str, tuple[datetime, str, str]]] = {}
    events = ActivityEvent.objects.filter(
        sandbox_id=account.sandbox_id, time__gte=now - TRACKING_PERIOD, time__lte=now
    ).values_list("time", "principal_arn", "action", "region")
    for time, principal_arn, action, region in events.iterator():
        entity = _caller_entity(principal_arn, callers)
        if entity is None:
            continue
        service, _, action_name = action.partition(":")
        service = service.lower()
        if service not in services:
            continue
        entities.setdefault(service, set()).add(entity)
        if service not in last or time >= last[service][0]:
            last[service] = (time, entity, region)
        if granularity == "ACTION_LEVEL" and service in ACTION_TRACKED_SERVICES:
            per = actions.setdefault(service, {})
            if action_name not in per or time >= per[action_name][0]:
                per[action_name] = (time, entity, region)

    out = []
    for service in sorted(services):
        item: dict = {"ServiceName": catalog.service_name(service) or service}
        if service in last:
            time, entity, region = last[service]
            item["LastAuthenticated"] = time
        item["ServiceNamespace"] = service
        if service in last:
            item["LastAuthenticatedEntity"] = entity
            item["LastAuthenticatedRegion"] = region
        item["TotalAuthenticatedEntities"] = len(entities.get(service, ()))
        if granularity == "ACTION_LEVEL" and service in ACTION_TRACKED_SERVICES:
            item["TrackedActionsLastAccessed"] = [
                {
                    "ActionName": name,
                    "LastAccessedEntity": a_entity,
                    "LastAccessedTime": a_time,
                    "LastAccessedRegion": a_region,
                }
                for name, (a_time, a_entity, a_region) in sorted(actions.get(service, {}).items())
            ]
        out.append(item)
    return out


def generate_job(
    account: Account,
    *,
    Arn: str,  # noqa: N803 - AWS's names
    Granularity: str = "SERVICE_LEVEL",  # noqa: N803
    now: datetime | None = None,
) -> dict:
    """GenerateServiceLastAccessedDetails: computes at once and keeps the job."""
    now = now or account.sandbox.now()
    services = service_last_accessed(account, Arn, granularity=Granularity, now=now)
    job_id = str(uuid.uuid4())
    AuditReport.objects.create(
        sandbox_id=account.sandbox_id,
        account=account,
        kind=AuditReport.Kind.SERVICE_LAST_ACCESSED,
        job_id=job_id,
        subject=Arn,
        generated=now,
        data={"granularity": Granularity, "services": _jsonable(services)},
    )
    return {"JobId": job_id}


def get_job(account: Account, *, JobId: str) -> dict:  # noqa: N803 - AWS's names
    """GetServiceLastAccessedDetails for a job of this account."""
    report = AuditReport.objects.filter(
        account=account, kind=AuditReport.Kind.SERVICE_LAST_ACCESSED, job_id=JobId
    ).first()
    if report is None:
        raise NoSuchEntity(f"No job {JobId} found.")
    return {
        "JobStatus": "COMPLETED",
        "JobType": report.data.get("granularity", "SERVICE_LEVEL"),
        "JobCreationDate": report.generated,
        "ServicesLastAccessed": _from_json(report.data.get("services", [])),
        "JobCompletionDate": report.generated,
        "IsTruncated": False,
    }


_TIME_FIELDS = ("LastAuthenticated", "LastAccessedTime")


def _jsonable(items: list[dict]) -> list[dict]:
    def convert(item: dict) -> dict:
        out = {}
        for key, value in item.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
            elif isinstance(value, list):
                out[key] = [convert(v) for v in value]
            else:
                out[key] = value
        return out

    return [convert(i) for i in items]


def _from_json(items: list[dict]) -> list[dict]:
    def convert(item: dict) -> dict:
        out = {}
        for key, value in item.items():
            if key in _TIME_FIELDS:
                out[key] = datetime.fromisoformat(value)
            elif isinstance(value, list):
                out[key] = [convert(v) for v in value]
            else:
                out[key] = value
        return out

    return [convert(i) for i in items]
