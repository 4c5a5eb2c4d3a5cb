"""IAM Access Analyzer in the sandbox: findings kept up to date, archived, listed.

    analyze(sandbox, analyzer_type="ACCOUNT")            external access (or "ORGANIZATION")
    analyze(sandbox, "ACCOUNT_UNUSED_ACCESS", days=90)   unused access
    archive_finding(sandbox, finding_id) / unarchive_finding(sandbox, finding_id)
    refresh_resource(sandbox, resource_arn)              one resource's policy changed
    list_findings(sandbox, analyzer_type, status=None) -> [finding as AWS shows it]

`analyze` computes every finding afresh and compares with what is stored: a new one is ACTIVE;
one still there keeps its status (an ARCHIVED finding stays archived) and gets its details
updated; one whose access is gone becomes RESOLVED; a RESOLVED one that comes back is ACTIVE
again. Run it after any policy change (the service layer can call it; the web app does on view).

The analyses themselves live in `external_access`, `unused_access` and `policy_checks`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from ..models import Analyzer, AnalyzerFinding, Sandbox
from .errors import InvalidInput, ResourceNotFound
from .external_access import external_access_findings
from .unused_access import DEFAULT_UNUSED_DAYS, unused_access_findings

ANALYZER_TYPES = tuple(AnalyzerFinding.AnalyzerType.values)
Status = AnalyzerFinding.Status


def compute(sandbox: Sandbox, analyzer_type: str, *, days: int = DEFAULT_UNUSED_DAYS) -> list:
    if analyzer_type not in ANALYZER_TYPES:
        raise InvalidInput(f"analyzer type must be one of {', '.join(ANALYZER_TYPES)}")
    if analyzer_type == AnalyzerFinding.AnalyzerType.ACCOUNT_UNUSED_ACCESS:
        return unused_access_findings(sandbox, days=days)
    if analyzer_type == AnalyzerFinding.AnalyzerType.ORGANIZATION and not hasattr(
        sandbox, "organization"
    ):
        raise InvalidInput("an ORGANIZATION analyzer needs the sandbox to have an organization")
    return external_access_findings(sandbox, analyzer_type=analyzer_type)


def analyze(
    sandbox: Sandbox, analyzer_type: str = "ACCOUNT", *, days: int = DEFAULT_UNUSED_DAYS
) -> dict[str, int]:
    """Re-analyze and update the stored findings; returns how many were created, updated,
    resolved and reactivated."""
    current = compute(sandbox, analyzer_type, days=days)
    return _merge(sandbox, analyzer_type, current)


EXTERNAL_TYPES = (AnalyzerFinding.AnalyzerType.ACCOUNT, AnalyzerFinding.AnalyzerType.ORGANIZATION)


def refresh_resource(sandbox: Sandbox, resource_arn: str) -> dict[str, int]:
    """A resource's policy changed (or the resource is gone): re-analyze that resource alone
    for every external access analyzer the sandbox has, as Access Analyzer does when a policy
    changes. No analyzer, nothing to do (AWS keeps no findings without one)."""
    types = set(
        Analyzer.objects.filter(sandbox=sandbox, analyzer_type__in=EXTERNAL_TYPES).values_list(
            "analyzer_type", flat=True
        )
    )
    counts = {"created": 0, "updated": 0, "resolved": 0, "reactivated": 0}
    for analyzer_type in sorted(types):
        if analyzer_type == AnalyzerFinding.AnalyzerType.ORGANIZATION and not hasattr(
            sandbox, "organization"
        ):
            continue
        current = external_access_findings(
            sandbox, analyzer_type=analyzer_type, resource_arn=resource_arn
        )
        for key, value in _merge(sandbox, analyzer_type, current, resource_arn).items():
            counts[key] += value
    return counts


def _merge(
    sandbox: Sandbox, analyzer_type: str, current: list, resource_arn: str | None = None
) -> dict[str, int]:
    """Store `current` findings: new ones ACTIVE, known ones keep their status (a RESOLVED one
    comes back ACTIVE), stored ones no longer found RESOLVED (only `resource_arn`'s, if given)."""
    now = sandbox.now()
    counts = {"created": 0, "updated": 0, "resolved": 0, "reactivated": 0}
    with transaction.atomic():
        rows = AnalyzerFinding.objects.filter(sandbox=sandbox, analyzer_type=analyzer_type)
        if resource_arn is not None:
            rows = rows.filter(resource_arn=resource_arn)
        stored = {f.key: f for f in rows}
        seen: set[str] = set()
        new_rows = []
        for finding in current:
            key = finding.key
            if key in seen:
                continue
            seen.add(key)
            details = finding.details()
            row = stored.get(key)
            if row is None:
                new_rows.append(
                    AnalyzerFinding(
                        sandbox=sandbox,
                        account=finding.account,
                        finding_id=str(uuid.uuid4()),
                        analyzer_type=analyzer_type,
                        finding_type=getattr(finding, "finding_type", "ExternalAccess"),
                        resource_type=finding.resource_type,
                        resource_arn=finding.resource_arn,
                        key=key,
                        details=details,
                        created=now,
                        updated=now,
                        analyzed=now,
                    )
                )
                counts["created"] += 1
                continue
            fields = ["analyzed"]
            row.analyzed = now
            if row.status == Status.RESOLVED:
                row.status = Status.ACTIVE
                fields.append("status")
                counts["reactivated"] += 1
            if row.details != details:
                row.details = details
                fields.append("details")
                counts["updated"] += 1
            if len(fields) > 1:
                row.updated = now
                fields.append("updated")
            row.save(update_fields=fields)
        AnalyzerFinding.objects.bulk_create(new_rows)
        gone = [
            row.pk
            for key, row in stored.items()
            if key not in seen and row.status != Status.RESOLVED
        ]
        if gone:
            AnalyzerFinding.objects.filter(pk__in=gone).update(
                status=Status.RESOLVED, updated=now, analyzed=now
            )
        counts["resolved"] = len(gone)
    return counts


def _finding(sandbox: Sandbox, finding_id: str) -> AnalyzerFinding:
    row = AnalyzerFinding.objects.filter(sandbox=sandbox, finding_id=finding_id).first()
    if row is None:
        raise ResourceNotFound(f"Finding {finding_id} not found.")
    return row


def _set_status(sandbox: Sandbox, finding_id: str, status: str) -> AnalyzerFinding:
    row = _finding(sandbox, finding_id)
    if row.status == Status.RESOLVED:
        raise InvalidInput("A resolved finding cannot be archived or unarchived.")
    if row.status != status:
        row.status = status
        row.updated = sandbox.now()
        row.save(update_fields=["status", "updated"])
    return row


def archive_finding(sandbox: Sandbox, finding_id: str) -> AnalyzerFinding:
    """UpdateFindings with status ARCHIVED: the access is intended; keep it out of the way."""
    return _set_status(sandbox, finding_id, Status.ARCHIVED)


def unarchive_finding(sandbox: Sandbox, finding_id: str) -> AnalyzerFinding:
    return _set_status(sandbox, finding_id, Status.ACTIVE)


def finding_to_aws(row: AnalyzerFinding) -> dict[str, Any]:
    """A finding as ListFindingsV2/GetFinding show it (the fields the sandbox has)."""
    out: dict[str, Any] = {
        "id": row.finding_id,
        "findingType": row.finding_type,
        "resource": row.resource_arn,
        "resourceType": row.resource_type,
        "status": row.status,
        "createdAt": row.created,
        "updatedAt": row.updated,
        "analyzedAt": row.analyzed,
    }
    out.update(row.details)
    return out


def list_findings(
    sandbox: Sandbox, analyzer_type: str = "ACCOUNT", *, status: str | None = None
) -> list[dict[str, Any]]:
    rows = AnalyzerFinding.objects.filter(sandbox=sandbox, analyzer_type=analyzer_type)
    if status is not None:
        rows = rows.filter(status=status)
    return [finding_to_aws(r) for r in rows.order_by("resource_arn", "created", "pk")]
