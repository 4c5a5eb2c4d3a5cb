"""Scenario YAML → the organization: its policies, the root, the OU tree, account placement.

Every node (root, OU, account) has FullAWSAccess as its SCPs unless it lists its own `scps` (an
empty list detaches everything, as an allow-list strategy needs). RCPFullAWSAccess is attached
to every node and cannot be detached, as in AWS; `rcps` lists the node's other RCPs.
The two AWS managed policies' documents come from data/organizations_managed_policies/.
"""

from __future__ import annotations

import re

from .. import managed_catalog
from ..documents import canonical_json
from ..identifiers import (
    ORG_ID_RE,
    ORG_POLICY_ID_RE,
    OU_ID_RE,
    ROOT_ID_RE,
    new_org_policy_id,
    new_organization_id,
    new_ou_id,
    new_root_id,
)
from ..models import (
    FULL_AWS_ACCESS,
    RCP_FULL_AWS_ACCESS,
    Organization,
    OrganizationalUnit,
    OrganizationPolicy,
    OrganizationPolicyAttachment,
)
from .context import Context
from .yamlio import Entry

ORG_KEYS = ["id", "root_id", "management_account", "created", "policies", "root"]
POLICY_KEYS = ["type", "id", "description", "document"]
NODE_KEYS = ["scps", "rcps", "accounts", "units"]
OU_KEYS = ["id", *NODE_KEYS]
ACCOUNT_NODE_KEYS = ["scps", "rcps"]
SCP = OrganizationPolicy.Type.SCP
RCP = OrganizationPolicy.Type.RCP

_FALLBACK_DOCUMENTS = {  # used only if the data folder is missing
    FULL_AWS_ACCESS: {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
    RCP_FULL_AWS_ACCESS: {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
    },
}


def aws_managed_org_policy(organization: Organization, name: str) -> OrganizationPolicy:
    """FullAWSAccess or RCPFullAWSAccess, as a row of `organization` (not yet saved)."""
    entry = managed_catalog.organizations_managed_policy(name) or {}
    return OrganizationPolicy(
        organization=organization,
        policy_id=f"p-{name}",
        name=name,
        type=SCP if name == FULL_AWS_ACCESS else RCP,
        description=entry.get("description", ""),
        document=canonical_json(entry.get("document") or _FALLBACK_DOCUMENTS[name]),
        aws_managed=True,
    )


_SHORT_TYPES = {"SCP": SCP, "RCP": RCP}


class _OrgLoad:
    def __init__(self, ctx: Context, organization: Organization) -> None:
        self.ctx = ctx
        self.organization = organization
        self.policies: dict[str, OrganizationPolicy] = {}
        self.placed: dict[str, str] = {}

    def policy(self, name: str, entry: Entry) -> None:
        ctx = self.ctx
        fields = ctx.reader.mapping(
            entry.value, entry.path, allowed=POLICY_KEYS, required=["type", "document"]
        )
        if fields is None:
            return
        if name in self.policies:
            ctx.fail(entry.key, entry.path, f"{name} is an AWS managed policy's name")
            return
        kind = ctx.text(fields, "type", "SCP", choices=list(_SHORT_TYPES))
        self.policies[name] = ctx.builder.add(
            OrganizationPolicy(
                organization=self.organization,
                policy_id=ctx.unique_id(
                    fields,
                    "id",
                    "organization policy id",
                    new_org_policy_id,
                    pattern=ORG_POLICY_ID_RE,
                ),
                name=name,
                type=_SHORT_TYPES.get(kind, SCP),
                description=ctx.text(fields, "description", max_length=512),
                document=ctx.document(fields, "document", required=True),
            )
        )

    def attachments(self, fields: dict[str, Entry], *, ou=None, account=None) -> None:  # noqa: ANN001
        for key, kind, default in (
            ("scps", SCP, FULL_AWS_ACCESS),
            ("rcps", RCP, RCP_FULL_AWS_ACCESS),
        ):
            names = [(default, None, "")] if key not in fields or kind == RCP else []
            if key in fields:
                entry = fields[key]
                names += self.ctx.reader.text_list(entry.value, entry.path, empty=False)
            seen: set[str] = set()
            for name, node, path in names:
                if kind == RCP and name == RCP_FULL_AWS_ACCESS and node is not None:
                    continue  # always attached already
                policy = self.policies.get(name)
                if policy is None or policy.type != kind:
                    self.ctx.fail(node, path, f"no {key[:-1].upper()} named {name!r}")
                elif name in seen:
                    self.ctx.fail(node, path, f"{name} is attached twice")
                else:
                    seen.add(name)
                    self.ctx.builder.add(
                        OrganizationPolicyAttachment(policy=policy, ou=ou, account=account)
                    )

    def node(self, fields: dict[str, Entry], ou: OrganizationalUnit | None) -> None:
        """The root (ou None) or an OU: its policies, accounts, then child OUs."""
        ctx = self.ctx
        self.attachments(fields, ou=ou)
        if "accounts" in fields:
            entry = fields["accounts"]
            for account_id, account_entry in (
                ctx.reader.mapping(entry.value, entry.path) or {}
            ).items():
                self.account(account_id, account_entry, ou)
        if "units" in fields:
            entry = fields["units"]
            for name, unit_entry in (ctx.reader.mapping(entry.value, entry.path) or {}).items():
                self.unit(name, unit_entry, ou)

    def account(self, account_id: str, entry: Entry, ou: OrganizationalUnit | None) -> None:
        ctx = self.ctx
        fields = ctx.reader.mapping(entry.value, entry.path, allowed=ACCOUNT_NODE_KEYS)
        state = ctx.accounts.get(account_id)
        if state is None:
            ctx.fail(entry.key, entry.path, f"no account {account_id} under 'accounts'")
            return
        if account_id in self.placed:
            ctx.fail(
                entry.key,
                entry.path,
                f"account {account_id} is already placed at {self.placed[account_id]}",
            )
            return
        self.placed[account_id] = entry.path
        ctx.builder.place(state.account, self.organization, ou)
        self.attachments(fields or {}, account=state.account)

    def unit(self, name: str, entry: Entry, parent: OrganizationalUnit | None) -> None:
        ctx = self.ctx
        fields = ctx.reader.mapping(entry.value, entry.path, allowed=OU_KEYS)
        if fields is None:
            return
        if not re.fullmatch(r"[\s\S]{1,128}", name):
            ctx.fail(entry.key, entry.path, "an OU name has 1 to 128 characters")
        unit = ctx.builder.add(
            OrganizationalUnit(
                organization=self.organization,
                ou_id=ctx.unique_id(
                    fields,
                    "id",
                    "OU id",
                    lambda: new_ou_id(self.organization.root_id),
                    pattern=OU_ID_RE,
                ),
                name=name,
                parent=parent,
            )
        )
        self.node(fields, unit)


def organization(ctx: Context, entry: Entry) -> None:
    fields = ctx.reader.mapping(
        entry.value, entry.path, allowed=ORG_KEYS, required=["management_account"]
    )
    if fields is None:
        return
    management_id = ctx.text(fields, "management_account")
    management = ctx.accounts.get(management_id)
    if management is None and "management_account" in fields:
        e = fields["management_account"]
        ctx.fail(e.value, e.path, f"no account {management_id!r} under 'accounts'")
    org = ctx.builder.add(
        Organization(
            org_id=ctx.unique_id(
                fields, "id", "organization id", new_organization_id, pattern=ORG_ID_RE
            ),
            root_id=ctx.unique_id(fields, "root_id", "root id", new_root_id, pattern=ROOT_ID_RE),
            management_account=management.account if management else None,
            created=ctx.time(fields, "created", ctx.now),
        )
    )
    load = _OrgLoad(ctx, org)
    for name in (FULL_AWS_ACCESS, RCP_FULL_AWS_ACCESS):
        ctx.reserve_id("organization policy id", f"p-{name}")
        load.policies[name] = ctx.builder.add(aws_managed_org_policy(org, name))
    if "policies" in fields:
        e = fields["policies"]
        for name, policy_entry in (ctx.reader.mapping(e.value, e.path) or {}).items():
            load.policy(name, policy_entry)
    root_fields: dict[str, Entry] = {}
    if "root" in fields:
        e = fields["root"]
        root_fields = ctx.reader.mapping(e.value, e.path, allowed=NODE_KEYS) or {}
    load.node(root_fields, None)
    if management is not None and management_id not in load.placed:
        # The management account is always in its organization: put it under the root.
        ctx.builder.place(management.account, org, None)
        load.attachments({}, account=management.account)
