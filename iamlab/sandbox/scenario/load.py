"""Scenario YAML → a new sandbox. The format is docs/scenario-format.md."""

from __future__ import annotations

import yaml
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from ..errors import InputProblem, check_sandbox_name
from ..identifiers import ACCOUNT_ID_RE
from ..models import Account, ActivityEvent, Sandbox
from ..timefmt import parse_duration, parse_timestamp
from . import load_iam, load_org, load_resources
from .context import AccountState, Context
from .errors import ScenarioError
from .yamlio import Entry, Reader, compose, problem_from_yaml_error

FORMAT_VERSION = 1

TOP_KEYS = ["format", "description", "lesson", "clock", "accounts", "organization", "activity"]
ACCOUNT_KEYS = [
    "alias",
    "name",
    "created",
    "password_policy",
    "root",
    *load_iam.SECTIONS,
    *load_resources.SECTIONS,
]
EVENT_KEYS = [
    "time",
    "account",
    "principal",
    "principal_type",
    "access_key_id",
    "action",
    "resource",
    "decision",
    "reason",
    "error_code",
    "source_ip",
    "region",
    "params",
]
_DECISIONS = ["allowed", "explicitDeny", "implicitDeny"]


def load_scenario(
    text: str, *, name: str, owner: AbstractBaseUser | None = None, replace: bool = False
) -> Sandbox:
    """Create a sandbox from scenario YAML, in one transaction; raise ScenarioError listing every
    problem (each with its line, column and key path) and write nothing if there is any.

    `replace` deletes an existing sandbox of that name and owner first (same transaction).
    """
    problem = check_sandbox_name(name)
    if problem is not None:
        raise ScenarioError([problem])
    try:
        root = compose(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([problem_from_yaml_error(exc)]) from None
    if root is None:
        raise ScenarioError([InputProblem("the scenario is empty", 1, 1)])

    with transaction.atomic():
        existing = Sandbox.objects.filter(owner=owner, name=name)
        if existing.exists():
            if not replace:
                raise ScenarioError([InputProblem(f"a sandbox named {name!r} already exists")])
            existing.delete()
        sandbox = Sandbox(owner=owner, name=name)
        reader = Reader()
        top = reader.mapping(root, "", allowed=TOP_KEYS)
        if top is None:
            raise ScenarioError(reader.problems)
        _clock(reader, sandbox, top.get("clock"))
        ctx = Context(sandbox)
        ctx.reader.problems.extend(reader.problems)
        _header(ctx, top)
        if "accounts" in top:
            _accounts(ctx, top["accounts"])
        if "organization" in top:
            load_org.organization(ctx, top["organization"])
        if "activity" in top:
            _activity(ctx, top["activity"])
        if ctx.reader.problems:
            raise ScenarioError(ctx.reader.problems)
        return ctx.builder.save()


def _clock(reader: Reader, sandbox: Sandbox, entry: Entry | None) -> None:
    if entry is None:
        return
    fields = reader.mapping(entry.value, entry.path, allowed=["now", "offset"])
    if not fields:
        return
    if "now" in fields and "offset" in fields:
        reader.fail(entry.value, entry.path, "give the clock either 'now' (frozen) or 'offset'")
        return
    if "now" in fields:
        node, path = fields["now"].value, fields["now"].path
        value = reader.text(node, path)
        moment = parse_timestamp(value) if value is not None else None
        if value is not None and moment is None:
            reader.fail(node, path, f"{value!r} is not an ISO 8601 time like 2026-01-15T09:00:00Z")
        sandbox.clock_frozen_at = moment
    if "offset" in fields:
        node, path = fields["offset"].value, fields["offset"].path
        value = reader.text(node, path)
        delta = parse_duration(value) if value is not None else None
        if value is not None and delta is None:
            reader.fail(node, path, f"{value!r} is not a duration like +91d or -2h30m")
        if delta is not None:
            sandbox.clock_offset = delta


def _header(ctx: Context, top: dict[str, Entry]) -> None:
    if "format" in top:
        entry = top["format"]
        version = ctx.reader.integer(entry.value, entry.path)
        if version is not None and version != FORMAT_VERSION:
            ctx.fail(entry.value, entry.path, f"this iamlab reads format {FORMAT_VERSION}")
    ctx.sandbox.description = ctx.text(top, "description")
    ctx.sandbox.lesson = ctx.text(top, "lesson")


def _accounts(ctx: Context, entry: Entry) -> None:
    accounts = ctx.reader.mapping(entry.value, entry.path) or {}
    states: list[tuple[AccountState, dict[str, Entry]]] = []
    for account_id, account_entry in accounts.items():
        if not ACCOUNT_ID_RE.fullmatch(account_id):
            ctx.fail(
                account_entry.key,
                account_entry.path,
                f"{account_id!r} is not a 12-digit "
                "account id (quote ids with leading zeros: '012345678901')",
            )
            continue
        fields = ctx.reader.mapping(account_entry.value, account_entry.path, allowed=ACCOUNT_KEYS)
        if fields is None:
            continue
        account = ctx.builder.add(
            Account(
                account_id=account_id,
                alias=ctx.text(fields, "alias"),
                name=ctx.text(fields, "name"),
                created=ctx.time(fields, "created", ctx.now),
            )
        )
        if "password_policy" in fields:
            ok, policy = ctx.reader.value(
                fields["password_policy"].value, fields["password_policy"].path
            )
            account.password_policy = policy if ok else None
        state = AccountState(account, account_entry.path)
        ctx.accounts[account_id] = state
        states.append((state, fields))
    aliases: dict[str, str] = {}
    for state, fields in states:
        alias = state.account.alias
        if alias and alias in aliases:
            ctx.fail(
                fields["alias"].value,
                fields["alias"].path,
                f"alias {alias!r} is already account {aliases[alias]}'s",
            )
        aliases.setdefault(alias, state.account.account_id)
        load_iam.account_iam(ctx, state, fields)
        load_resources.account_resources(ctx, state, fields)


def _activity(ctx: Context, entry: Entry) -> None:
    reader = ctx.reader
    for node, path in reader.sequence(entry.value, entry.path) or []:
        fields = reader.mapping(node, path, allowed=EVENT_KEYS, required=["action", "decision"])
        if fields is None:
            continue
        params: dict = {}
        if "params" in fields:
            ok, value = reader.value(fields["params"].value, fields["params"].path)
            if ok and not isinstance(value, dict):
                ctx.fail(fields["params"].value, fields["params"].path, "expected a mapping")
            params = value if ok and isinstance(value, dict) else {}
        account_id = ctx.text(fields, "account", pattern=ACCOUNT_ID_RE, expected="an account id")
        ctx.builder.add(
            ActivityEvent(
                time=ctx.time(fields, "time", ctx.now),
                account_id=account_id,
                principal_arn=ctx.text(fields, "principal"),
                principal_type=ctx.text(fields, "principal_type"),
                access_key_id=ctx.text(fields, "access_key_id"),
                action=ctx.text(fields, "action"),
                resource=ctx.text(fields, "resource"),
                decision=ctx.text(fields, "decision", choices=_DECISIONS),
                reason=ctx.text(fields, "reason"),
                error_code=ctx.text(fields, "error_code"),
                source_ip=ctx.text(fields, "source_ip"),
                region=ctx.text(fields, "region", "us-east-1"),
                request_params=params,
            )
        )
