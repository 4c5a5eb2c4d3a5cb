"""Who has which policies in one account, read in a fixed number of queries.

The audit tools ask the same questions of many entities (which documents apply to this user,
which services do they allow, who is this policy attached to), so `AccountPermissions` loads an
account's users, groups, roles, policies and attachments once and answers from memory.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cached_property
from typing import Any

from django.db.models import Q

from iamlab.engine import catalog

from ..managed_catalog import aws_managed_policy
from ..models import (
    Account,
    GroupMembership,
    IamGroup,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Role,
    iam_arn,
)

Document = dict[str, Any]


def parse_document(text: str) -> Document | None:
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


def statements(document: Document | None) -> list[dict[str, Any]]:
    if not document:
        return []
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, dict)]


def as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def allowed_services(documents: list[Document]) -> set[str]:
    """Service prefixes an Allow statement of these documents could grant an action of.

    `NotAction` grants every service but those it excludes whole (`"NotAction": "iam:*"`).
    """
    known = catalog.services()
    found: set[str] = set()
    for document in documents:
        for stmt in statements(document):
            if stmt.get("Effect") != "Allow":
                continue
            if "NotAction" in stmt:
                excluded = {
                    p.split(":", 1)[0].lower()
                    for p in as_list(stmt["NotAction"])
                    if p.endswith(":*")
                }
                found.update(s for s in known if s not in excluded)
                continue
            for pattern in as_list(stmt.get("Action")):
                if pattern == "*":
                    found.update(known)
                    continue
                service = pattern.split(":", 1)[0].lower()
                if "*" in service or "?" in service:
                    found.update(s for s in known if catalog.glob_match(service, s))
                elif service:
                    found.add(service)
    return found


class AccountPermissions:
    """An account's identities and the policy documents that apply to each of them."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.users = {u.pk: u for u in IamUser.objects.filter(account=account)}
        self.groups = {g.pk: g for g in IamGroup.objects.filter(account=account)}
        self.roles = {r.pk: r for r in Role.objects.filter(account=account)}
        self.policies = {p.pk: p for p in ManagedPolicy.objects.filter(account=account)}
        self.customer_documents: dict[int, Document | None] = {
            policy_id: parse_document(text)
            for policy_id, text in PolicyVersion.objects.filter(
                policy__account=account, is_default=True
            ).values_list("policy_id", "document")
        }
        self.attached: dict[tuple[str, int], list[str]] = defaultdict(list)
        self.attachments_of: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for user_id, group_id, role_id, policy_id, aws_arn in PolicyAttachment.objects.filter(
            _owned_by(account), sandbox_id=account.sandbox_id
        ).values_list("user_id", "group_id", "role_id", "policy_id", "aws_policy_arn"):
            owner = _owner(user_id, group_id, role_id)
            arn = self.policy_arn(policy_id) if policy_id else aws_arn
            self.attached[owner].append(arn)
            self.attachments_of[arn].append(owner)
        self.inline: dict[tuple[str, int], list[tuple[str, Document | None]]] = defaultdict(list)
        for user_id, group_id, role_id, name, text in InlinePolicy.objects.filter(
            _owned_by(account), sandbox_id=account.sandbox_id
        ).values_list("user_id", "group_id", "role_id", "name", "document"):
            self.inline[_owner(user_id, group_id, role_id)].append((name, parse_document(text)))
        self.groups_of: dict[int, list[int]] = defaultdict(list)
        self.members_of: dict[int, list[int]] = defaultdict(list)
        for group_id, user_id in GroupMembership.objects.filter(group__account=account).values_list(
            "group_id", "user_id"
        ):
            self.groups_of[user_id].append(group_id)
            self.members_of[group_id].append(user_id)
        self._by_arn: dict[str, Document | None] = {}

    # --- documents -----------------------------------------------------------------------

    def document(self, arn: str) -> Document | None:
        """A managed policy's default document, by ARN (customer or AWS managed)."""
        if arn not in self._by_arn:
            doc = None
            if arn.startswith("arn:aws:iam::aws:policy/"):
                entry = aws_managed_policy(arn)
                doc = entry["document"] if entry else None
            elif arn in self.customer_arns:
                doc = self.customer_documents.get(self.customer_arns[arn])
            self._by_arn[arn] = doc
        return self._by_arn[arn]

    def policy_arn(self, policy_id: int) -> str:
        policy = self.policies[policy_id]
        return iam_arn(self.account.account_id, "policy", policy.path, policy.name)

    @cached_property
    def customer_arns(self) -> dict[str, int]:
        return {self.policy_arn(pk): pk for pk in self.policies}

    def own_documents(self, owner: tuple[str, int]) -> list[Document]:
        docs = [self.document(arn) for arn in self.attached.get(owner, [])]
        docs += [doc for _, doc in self.inline.get(owner, [])]
        return [d for d in docs if d]

    def documents_for(self, owner: tuple[str, int]) -> list[Document]:
        """Every identity-based document that applies: a user's own and its groups'."""
        docs = self.own_documents(owner)
        if owner[0] == "user":
            for group_id in self.groups_of.get(owner[1], []):
                docs += self.own_documents(("group", group_id))
        return docs

    def arn_of(self, owner: tuple[str, int]) -> str:
        kind, pk = owner
        entity = {"user": self.users, "group": self.groups, "role": self.roles}[kind][pk]
        return iam_arn(self.account.account_id, kind, entity.path, entity.name)


def _owner(user_id: int | None, group_id: int | None, role_id: int | None) -> tuple[str, int]:
    if user_id:
        return ("user", user_id)
    if group_id:
        return ("group", group_id)
    return ("role", role_id or 0)


def _owned_by(account: Account) -> Q:
    """Rows owned by a user, group or role of the account."""
    return Q(user__account=account) | Q(group__account=account) | Q(role__account=account)
