"""IAM Access Analyzer's operations, by AWS name and with AWS's (camelCase) parameter names:

    access_analyzer.create_analyzer(caller, analyzerName="account", type="ACCOUNT")
    access_analyzer.list_findings(caller, analyzerArn=arn, filter={"status": {"eq": ["ACTIVE"]}})
    access_analyzer.update_findings(caller, analyzerArn=arn, status="ARCHIVED", ids=[...])
    access_analyzer.validate_policy(caller, policyDocument=text, policyType="IDENTITY_POLICY")
    access_analyzer.check_no_new_access(caller, newPolicyDocument=b, existingPolicyDocument=a,
                                        policyType="IDENTITY_POLICY")
    access_analyzer.check_access_not_granted(caller, policyDocument=text,
                                             access=[{"actions": ["s3:GetObject"]}],
                                             policyType="IDENTITY_POLICY")

Every call is authorized (`access-analyzer:<Operation>`) and logged through `calls`, and fails
as Access Analyzer fails: `AccessDeniedException`, `ValidationException`,
`ResourceNotFoundException`, `ConflictException`, `ServiceQuotaExceededException`.

Findings exist while an analyzer does (as in AWS): creating an analyzer analyzes the sandbox;
afterwards `policy_changed(sandbox, resource_arn)` re-analyzes one resource whenever the
service layer writes one of its policies (bucket policy and Block Public Access, role trust
policy, KMS key policy, SQS queue policy, Lambda function policy). Unused access findings depend
on the clock, so an unused access analyzer is re-analyzed when its findings are read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..audit import access_analyzer as analysis
from ..audit import policy_checks
from ..models import Analyzer, AnalyzerFinding, Sandbox
from . import calls, errors, params
from .principals import Caller

TYPES = ("ACCOUNT", "ORGANIZATION", "ACCOUNT_UNUSED_ACCESS", "ORGANIZATION_UNUSED_ACCESS")
SUPPORTED_TYPES = tuple(AnalyzerFinding.AnalyzerType.values)
NAME_PATTERN = r"[A-Za-z][A-Za-z0-9_.-]*"
ANALYZER_ARN_RE = re.compile(
    r"^arn:[^:]+:access-analyzer:([a-z0-9-]+):(\d{12}):analyzer/([A-Za-z][A-Za-z0-9_.-]*)$"
)
POLICY_TYPES = tuple(policy_checks.POLICY_TYPES)
FINDING_STATUSES = ("ACTIVE", "ARCHIVED", "RESOLVED")
UPDATE_STATUSES = ("ACTIVE", "ARCHIVED")
EXTERNAL = ("ACCOUNT", "ORGANIZATION")


class Check(params.Check):
    """Parameter checks answered as Access Analyzer answers them (ValidationException)."""

    def enum(self, value: Any, name: str, allowed: tuple[str, ...], *, required: bool) -> None:
        if value is None:
            if required:
                self.fail(None, name, "must not be null")
        elif value not in allowed:
            self.fail(value, name, f"must satisfy enum value set: [{', '.join(allowed)}]")

    def done(self) -> None:
        if self.problems:
            raise errors.AnalyzerValidationException(errors.validation_message(self.problems))


def _operation(caller: Caller, action: str, parameters: Mapping[str, Any]) -> calls.Operation:
    return calls.operation(
        caller,
        f"access-analyzer:{action}",
        params=parameters,
        deny_error=errors.AccessDeniedException,
    )


def _analyzer_arn(caller: Caller, name: str) -> str:
    return f"arn:aws:access-analyzer:{caller.region}:{caller.account_id}:analyzer/{name}"


def _find(caller: Caller, analyzer_arn: str) -> Analyzer:
    match = ANALYZER_ARN_RE.match(analyzer_arn or "")
    row = None
    if match and match.group(2) == caller.account_id:
        row = (
            Analyzer.objects.filter(
                account=caller.account, region=match.group(1), name=match.group(3)
            )
            .select_related("account")
            .first()
        )
    if row is None:
        raise errors.ResourceNotFoundException(f"Analyzer {analyzer_arn} not found.")
    return row


def _by_name(caller: Caller, name: str) -> Analyzer:
    row = (
        Analyzer.objects.filter(account=caller.account, region=caller.region, name=name)
        .select_related("account")
        .first()
    )
    if row is None:
        raise errors.ResourceNotFoundException(f"Analyzer {_analyzer_arn(caller, name)} not found.")
    return row


def analyzer_shape(row: Analyzer) -> dict[str, Any]:
    """An AnalyzerSummary as AWS shows it."""
    out: dict[str, Any] = {
        "arn": row.arn,
        "name": row.name,
        "type": row.analyzer_type,
        "createdAt": row.created,
        "status": "ACTIVE",
        "tags": dict(row.tags),
    }
    if row.last_analyzed is not None:
        out["lastResourceAnalyzedAt"] = row.last_analyzed
    if row.analyzer_type.endswith("UNUSED_ACCESS"):
        out["configuration"] = {"unusedAccess": {"unusedAccessAge": row.unused_access_age}}
    return out


def _page(items: list[Any], key: str, token: Any, limit: Any) -> dict[str, Any]:
    start = 0
    if token is not None:
        if not isinstance(token, str) or not token.isdigit() or int(token) > len(items):
            raise errors.AnalyzerValidationException("Invalid nextToken.")
        start = int(token)
    size = limit or 100
    out: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


# -- analyzers -------------------------------------------------------------------------------


def create_analyzer(
    caller: Caller,
    *,
    analyzerName: str | None = None,  # noqa: N803 - AWS's names
    type: str | None = None,  # noqa: A002 - AWS's name
    archiveRules: list | None = None,  # noqa: N803
    tags: dict[str, str] | None = None,
    clientToken: str | None = None,  # noqa: N803
    configuration: dict | None = None,
) -> dict[str, Any]:
    """Create an analyzer and analyze the sandbox for it: {"arn": ...}."""
    parameters = {"analyzerName": analyzerName, "type": type, "tags": tags}
    with _operation(caller, "CreateAnalyzer", parameters) as op:
        check = Check()
        check.string(analyzerName, "analyzerName", max_len=255, pattern=NAME_PATTERN, required=True)
        check.enum(type, "type", TYPES, required=True)
        age = ((configuration or {}).get("unusedAccess") or {}).get("unusedAccessAge", 90)
        check.integer(age, "configuration.unusedAccess.unusedAccessAge", minimum=1, maximum=365)
        check.done()
        if type not in SUPPORTED_TYPES:
            raise errors.AnalyzerValidationException(
                f"Analyzer type {type} is not supported in the sandbox."
            )
        arn = _analyzer_arn(caller, analyzerName)
        op.authorize(arn)
        sandbox = caller.sandbox
        if type == "ORGANIZATION" and not caller.account.organization_id:
            raise errors.AnalyzerValidationException(
                "You must be a member of an organization to create an analyzer with the "
                "organization as the zone of trust."
            )
        mine = Analyzer.objects.filter(account=caller.account, region=caller.region)
        if mine.filter(name=analyzerName).exists():
            raise errors.ConflictException(f"Analyzer {analyzerName} already exists.")
        if type != "ORGANIZATION" and mine.filter(analyzer_type=type).exists():
            raise errors.ServiceQuotaExceededException(
                f"You have reached the limit of 1 account-level analyzer of type {type} "
                "per account per Region."
            )
        now = sandbox.now()
        with transaction.atomic():
            row = Analyzer.objects.create(
                sandbox=sandbox,
                account=caller.account,
                name=analyzerName,
                region=caller.region,
                analyzer_type=type,
                unused_access_age=age,
                created=now,
                last_analyzed=now,
                tags=dict(tags or {}),
            )
            analysis.analyze(sandbox, type, days=age)
        return {"arn": row.arn}


def get_analyzer(caller: Caller, *, analyzerName: str | None = None) -> dict[str, Any]:  # noqa: N803
    with _operation(caller, "GetAnalyzer", {"analyzerName": analyzerName}) as op:
        check = Check()
        check.string(analyzerName, "analyzerName", max_len=255, pattern=NAME_PATTERN, required=True)
        check.done()
        op.authorize(_analyzer_arn(caller, analyzerName))
        return {"analyzer": analyzer_shape(_by_name(caller, analyzerName))}


def list_analyzers(
    caller: Caller,
    *,
    type: str | None = None,  # noqa: A002 - AWS's name
    maxResults: int | None = None,  # noqa: N803
    nextToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    with _operation(caller, "ListAnalyzers", {"type": type}) as op:
        check = Check()
        check.enum(type, "type", TYPES, required=False)
        check.integer(maxResults, "maxResults", minimum=1, maximum=1000)
        check.done()
        op.authorize("*")  # ListAnalyzers names no resource type
        rows = Analyzer.objects.filter(account=caller.account, region=caller.region)
        if type:
            rows = rows.filter(analyzer_type=type)
        shapes = [analyzer_shape(r) for r in rows.select_related("account").order_by("name")]
        return _page(shapes, "analyzers", nextToken, maxResults)


def delete_analyzer(
    caller: Caller,
    *,
    analyzerName: str | None = None,  # noqa: N803
    clientToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """Delete an analyzer; its findings go with it when no other analyzer of its type is left."""
    with _operation(caller, "DeleteAnalyzer", {"analyzerName": analyzerName}) as op:
        check = Check()
        check.string(analyzerName, "analyzerName", max_len=255, pattern=NAME_PATTERN, required=True)
        check.done()
        op.authorize(_analyzer_arn(caller, analyzerName))
        row = _by_name(caller, analyzerName)
        with transaction.atomic():
            row.delete()
            others = Analyzer.objects.filter(
                sandbox=caller.sandbox, analyzer_type=row.analyzer_type
            )
            if not others.exists():
                AnalyzerFinding.objects.filter(
                    sandbox=caller.sandbox, analyzer_type=row.analyzer_type
                ).delete()
        return {}


# -- findings --------------------------------------------------------------------------------


def policy_changed(sandbox: Sandbox, resource_arn: str) -> None:
    """A resource policy was written (or its resource deleted): re-analyze that resource for the
    sandbox's external access analyzers (nothing to do without one)."""
    analysis.refresh_resource(sandbox, resource_arn)


def _findings(sandbox: Sandbox, row: Analyzer) -> list[dict[str, Any]]:
    """The analyzer's findings as AWS shows them, oldest first."""
    kind = row.analyzer_type
    if kind.endswith("UNUSED_ACCESS"):
        # Unused means "by the clock": read it as of now.
        analysis.analyze(sandbox, kind, days=row.unused_access_age)
    found = AnalyzerFinding.objects.filter(sandbox=sandbox, analyzer_type=kind)
    if kind != "ORGANIZATION":
        found = found.filter(account_id=row.account_id)
    ordered = found.order_by("created", "resource_arn", "pk")
    return [analysis.finding_to_aws(f) for f in ordered]


def _value(finding: Mapping[str, Any], path: str) -> list[str]:
    """The values a filter's criterion names (e.g. "status", "principal.AWS", "isPublic")."""
    current: Any = finding
    for part in path.split("."):
        current = current.get(part) if isinstance(current, Mapping) else None
    if current is None:
        return []
    values = current if isinstance(current, list) else [current]
    return ["true" if v is True else "false" if v is False else str(v) for v in values]


def _matches(finding: Mapping[str, Any], criteria: Mapping[str, Any]) -> bool:
    for key, criterion in criteria.items():
        values = _value(finding, key)
        if not isinstance(criterion, Mapping):
            raise errors.AnalyzerValidationException(f"Invalid filter criterion for {key}.")
        if "eq" in criterion and not set(values) & set(criterion["eq"]):
            return False
        if "neq" in criterion and set(values) & set(criterion["neq"]):
            return False
        if "contains" in criterion and not any(
            wanted in value for wanted in criterion["contains"] for value in values
        ):
            return False
        if "exists" in criterion and bool(values) != bool(criterion["exists"]):
            return False
    return True


def _sorted(findings: list[dict[str, Any]], sort: Mapping[str, Any] | None) -> list[dict]:
    if not sort:
        return findings
    name = sort.get("attributeName", "createdAt")
    reverse = sort.get("orderBy", "ASC") == "DESC"
    return sorted(findings, key=lambda f: str(f.get(name, "")), reverse=reverse)


def _list(
    caller: Caller,
    action: str,
    analyzerArn: Any,  # noqa: N803
    filter: Any,  # noqa: A002
    sort: Any,
    maxResults: Any,  # noqa: N803
    nextToken: Any,  # noqa: N803
) -> dict[str, Any]:
    with _operation(caller, action, {"analyzerArn": analyzerArn, "filter": filter}) as op:
        check = Check()
        check.string(analyzerArn, "analyzerArn", required=True)
        check.integer(maxResults, "maxResults", minimum=1, maximum=1000)
        check.done()
        # ListFindings is authorized on the analyzer; ListFindingsV2 names no resource type.
        op.authorize(analyzerArn if action == "ListFindings" else "*")
        row = _find(caller, analyzerArn)
        if action == "ListFindings" and row.analyzer_type.endswith("UNUSED_ACCESS"):
            raise errors.AnalyzerValidationException(
                "ListFindings is not supported for unused access analyzers: use ListFindingsV2."
            )
        findings = [f for f in _findings(caller.sandbox, row) if _matches(f, filter or {})]
        return _page(_sorted(findings, sort), "findings", nextToken, maxResults)


def list_findings(
    caller: Caller,
    *,
    analyzerArn: str | None = None,  # noqa: N803
    filter: dict | None = None,  # noqa: A002 - AWS's name
    sort: dict | None = None,
    maxResults: int | None = None,  # noqa: N803
    nextToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """ListFindings (external access analyzers): {"findings": [...], "nextToken"?}.

    `filter` maps a finding field to criteria, as AWS takes it: {"status": {"eq": ["ACTIVE"]},
    "resourceType": {"eq": ["AWS::S3::Bucket"]}, "isPublic": {"eq": ["true"]}}; criteria are
    eq, neq, contains and exists."""
    return _list(caller, "ListFindings", analyzerArn, filter, sort, maxResults, nextToken)


def list_findings_v2(
    caller: Caller,
    *,
    analyzerArn: str | None = None,  # noqa: N803
    filter: dict | None = None,  # noqa: A002 - AWS's name
    sort: dict | None = None,
    maxResults: int | None = None,  # noqa: N803
    nextToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """ListFindingsV2: external access and unused access analyzers alike."""
    return _list(caller, "ListFindingsV2", analyzerArn, filter, sort, maxResults, nextToken)


def get_finding(
    caller: Caller,
    *,
    analyzerArn: str | None = None,  # noqa: N803
    id: str | None = None,  # noqa: A002 - AWS's name
) -> dict[str, Any]:
    with _operation(caller, "GetFinding", {"analyzerArn": analyzerArn, "id": id}) as op:
        check = Check()
        check.string(analyzerArn, "analyzerArn", required=True)
        check.string(id, "id", required=True)
        check.done()
        op.authorize(analyzerArn)
        row = _find(caller, analyzerArn)
        for finding in _findings(caller.sandbox, row):
            if finding["id"] == id:
                return {"finding": finding}
        raise errors.ResourceNotFoundException(f"Finding {id} not found.")


def update_findings(
    caller: Caller,
    *,
    analyzerArn: str | None = None,  # noqa: N803
    status: str | None = None,
    ids: list[str] | None = None,
    resourceArn: str | None = None,  # noqa: N803
    clientToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """Archive findings (status ARCHIVED: the access is intended) or make archived ones ACTIVE
    again, by id or for every finding of a resource. RESOLVED is Access Analyzer's to set: a
    finding whose access is gone resolves itself when its policy changes."""
    parameters = {
        "analyzerArn": analyzerArn,
        "status": status,
        "ids": ids,
        "resourceArn": resourceArn,
    }
    with _operation(caller, "UpdateFindings", parameters) as op:
        check = Check()
        check.string(analyzerArn, "analyzerArn", required=True)
        check.enum(status, "status", UPDATE_STATUSES, required=True)
        check.done()
        if not ids and not resourceArn:
            raise errors.AnalyzerValidationException("Either ids or resourceArn must be specified.")
        op.authorize(analyzerArn)
        row = _find(caller, analyzerArn)
        found = AnalyzerFinding.objects.filter(
            sandbox=caller.sandbox, analyzer_type=row.analyzer_type
        )
        if row.analyzer_type != "ORGANIZATION":
            found = found.filter(account_id=row.account_id)
        found = found.filter(finding_id__in=ids) if ids else found.filter(resource_arn=resourceArn)
        targets = list(found)
        missing = set(ids or []) - {f.finding_id for f in targets}
        if missing:
            raise errors.ResourceNotFoundException(f"Finding {sorted(missing)[0]} not found.")
        now = caller.sandbox.now()
        changed = [f.pk for f in targets if f.status not in (status, "RESOLVED")]
        AnalyzerFinding.objects.filter(pk__in=changed).update(status=status, updated=now)
        return {}


def start_resource_scan(
    caller: Caller,
    *,
    analyzerArn: str | None = None,  # noqa: N803
    resourceArn: str | None = None,  # noqa: N803
    resourceOwnerAccount: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """Re-analyze one resource now (its findings are updated, RESOLVED when the access is gone)."""
    parameters = {"analyzerArn": analyzerArn, "resourceArn": resourceArn}
    with _operation(caller, "StartResourceScan", parameters) as op:
        check = Check()
        check.string(analyzerArn, "analyzerArn", required=True)
        check.string(resourceArn, "resourceArn", required=True)
        check.done()
        op.authorize(analyzerArn)
        row = _find(caller, analyzerArn)
        if row.analyzer_type not in EXTERNAL:
            raise errors.AnalyzerValidationException(
                "StartResourceScan is supported for external access analyzers only."
            )
        analysis.refresh_resource(caller.sandbox, resourceArn)
        return {}


# -- policy checks ---------------------------------------------------------------------------


def _document(check: Check, value: Any, name: str) -> str | None:
    if isinstance(value, Mapping):
        return json.dumps(value)
    check.string(value, name, required=True)
    return value if isinstance(value, str) else None


def _parsed(text: str, name: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError:
        raise errors.AnalyzerValidationException(f"Invalid JSON in {name}.") from None
    if not isinstance(document, dict):
        raise errors.AnalyzerValidationException(f"{name} must be a JSON object.")
    return document


def validate_policy(
    caller: Caller,
    *,
    policyDocument: str | dict | None = None,  # noqa: N803
    policyType: str | None = None,  # noqa: N803
    locale: str | None = None,
    validatePolicyResourceType: str | None = None,  # noqa: N803
    maxResults: int | None = None,  # noqa: N803
    nextToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """ValidatePolicy: {"findings": [{findingType, issueCode, learnMoreLink, findingDetails,
    locations}], "nextToken"?} (the engine's validator in Access Analyzer's shape)."""
    with _operation(caller, "ValidatePolicy", {"policyType": policyType}) as op:
        check = Check()
        text = _document(check, policyDocument, "policyDocument")
        check.enum(policyType, "policyType", POLICY_TYPES, required=True)
        check.integer(maxResults, "maxResults", minimum=1, maximum=1000)
        check.done()
        op.authorize("*")
        findings = policy_checks.validate_policy(text, policyType)["findings"]
        return _page(findings, "findings", nextToken, maxResults)


def check_no_new_access(
    caller: Caller,
    *,
    newPolicyDocument: str | dict | None = None,  # noqa: N803
    existingPolicyDocument: str | dict | None = None,  # noqa: N803
    policyType: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """CheckNoNewAccess: {"result": "PASS"|"FAIL", "message", "reasons": [...]} - does the new
    policy allow anything the existing one does not?"""
    with _operation(caller, "CheckNoNewAccess", {"policyType": policyType}) as op:
        check = Check()
        new = _document(check, newPolicyDocument, "newPolicyDocument")
        existing = _document(check, existingPolicyDocument, "existingPolicyDocument")
        check.enum(policyType, "policyType", ("IDENTITY_POLICY", "RESOURCE_POLICY"), required=True)
        check.done()
        op.authorize("*")
        return policy_checks.check_no_new_access(
            _parsed(existing, "existingPolicyDocument"), _parsed(new, "newPolicyDocument")
        )


def check_access_not_granted(
    caller: Caller,
    *,
    policyDocument: str | dict | None = None,  # noqa: N803
    access: list[dict[str, list[str]]] | None = None,
    policyType: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    """CheckAccessNotGranted: does the policy grant any of `access[0]["actions"]` (on any of its
    `resources`)? {"result": "PASS"|"FAIL", "message", "reasons": [...]}."""
    with _operation(caller, "CheckAccessNotGranted", {"policyType": policyType}) as op:
        check = Check()
        text = _document(check, policyDocument, "policyDocument")
        check.enum(policyType, "policyType", ("IDENTITY_POLICY", "RESOURCE_POLICY"), required=True)
        entries = check.count(access, "access", maximum=1)
        if access is None:
            check.fail(None, "access", "must not be null")
        elif not entries:
            check.fail(access, "access", "must have length greater than or equal to 1")
        actions: list[str] = []
        resources: list[str] = []
        for entry in entries[:1]:
            if not isinstance(entry, Mapping):
                check.fail(entry, "access.1.member", "must be a structure")
                continue
            actions = check.count(entry.get("actions"), "access.1.member.actions", maximum=100)
            resources = check.count(
                entry.get("resources"), "access.1.member.resources", maximum=100
            )
        check.done()
        if entries and not actions and not resources:
            raise errors.AnalyzerValidationException(
                "An access entry must specify actions, resources, or both."
            )
        op.authorize("*")
        return policy_checks.check_access_not_granted(
            _parsed(text, "policyDocument"), actions or None, resources or None
        )


__all__ = [
    "check_access_not_granted",
    "check_no_new_access",
    "create_analyzer",
    "delete_analyzer",
    "get_analyzer",
    "get_finding",
    "list_analyzers",
    "list_findings",
    "list_findings_v2",
    "policy_changed",
    "start_resource_scan",
    "update_findings",
    "validate_policy",
]
