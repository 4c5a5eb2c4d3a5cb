"""Scenario YAML → one account's resources: buckets (and objects), Lambda functions, SQS queues,
KMS keys and EC2 instances.

Functions and queues are keyed by name; AWS allows one name in several regions, so a key may
also be `REGION/NAME` (a slash never appears in either name).
"""

from __future__ import annotations

import re

from ..identifiers import INSTANCE_ID_RE, KMS_KEY_ID_RE, new_kms_key_id
from ..models import (
    DEFAULT_REGION,
    Bucket,
    BucketObject,
    Ec2Instance,
    KmsKey,
    LambdaFunction,
    SqsQueue,
)
from .context import AccountState, Context
from .yamlio import BOOL, STR, Entry

SECTIONS = ["buckets", "functions", "queues", "kms_keys", "instances"]
BUCKET_KEYS = ["region", "created", "tags", "policy", "block_public_access", "objects"]
BPA_KEYS = [
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
]
OBJECT_KEYS = ["body", "size", "content_type", "created", "tags"]
FUNCTION_KEYS = [
    "region",
    "role",
    "runtime",
    "handler",
    "description",
    "environment",
    "policy",
    "created",
    "tags",
]
QUEUE_KEYS = ["region", "policy", "created", "tags"]
KEY_KEYS = ["id", "region", "aliases", "description", "policy", "enabled", "created", "tags"]
INSTANCE_KEYS = ["region", "instance_profile", "state", "user_data", "launched", "tags"]

REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
FUNCTION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
QUEUE_RE = re.compile(r"[A-Za-z0-9_-]{1,75}(\.fifo)?")
ALIAS_RE = re.compile(r"alias/[A-Za-z0-9/_-]{1,250}")


def account_resources(ctx: Context, state: AccountState, fields: dict[str, Entry]) -> None:
    for section, load in [
        ("buckets", _bucket),
        ("functions", _function),
        ("queues", _queue),
        ("kms_keys", _kms_key),
        ("instances", _instance),
    ]:
        if section in fields:
            entry = fields[section]
            for key, item in (ctx.reader.mapping(entry.value, entry.path) or {}).items():
                load(ctx, state, key, item)


def _region(ctx: Context, fields: dict[str, Entry], default: str = DEFAULT_REGION) -> str:
    return ctx.text(fields, "region", default, pattern=REGION_RE, expected="a region")


def _bucket(ctx: Context, state: AccountState, name: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=BUCKET_KEYS)
    if fields is None:
        return
    if not BUCKET_RE.fullmatch(name):
        ctx.fail(entry.key, entry.path, f"{name!r} is not a valid bucket name")
    registry = ctx.taken.setdefault("buckets", set())
    if name in registry:
        ctx.fail(entry.key, entry.path, f"bucket {name!r} exists already (names are global)")
        return
    registry.add(name)
    bucket = ctx.builder.add(
        Bucket(
            account=state.account,
            name=name,
            region=_region(ctx, fields),
            created=ctx.time(fields, "created", ctx.now),
            tags=ctx.tags(fields),
            policy=ctx.document(fields, "policy"),
        )
    )
    if "block_public_access" in fields:
        _block_public_access(ctx, bucket, fields["block_public_access"])
    if "objects" in fields:
        objects = fields["objects"]
        for key, object_entry in (ctx.reader.mapping(objects.value, objects.path) or {}).items():
            _object(ctx, bucket, key, object_entry)


def _block_public_access(ctx: Context, bucket: Bucket, entry: Entry) -> None:
    if entry.value.tag == STR and entry.value.value == "none":
        # No configuration at all (DeletePublicAccessBlock): every setting off.
        for key in BPA_KEYS:
            setattr(bucket, key, False)
        bucket.public_access_block = False
        return
    if entry.value.tag == BOOL:
        value = ctx.reader.boolean(entry.value, entry.path)
        for key in BPA_KEYS:
            setattr(bucket, key, bool(value))
        return
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=BPA_KEYS) or {}
    for key in BPA_KEYS:
        setattr(bucket, key, ctx.flag(fields, key, True))


def _object(ctx: Context, bucket: Bucket, key: str, entry: Entry) -> None:
    if entry.value.tag == STR:
        fields = {"body": entry}
    else:
        fields = ctx.reader.mapping(entry.value, entry.path, allowed=OBJECT_KEYS)
        if fields is None:
            return
    body = ctx.text(fields, "body")
    size = len(body.encode())
    if "size" in fields:
        size = ctx.reader.integer(fields["size"].value, fields["size"].path, minimum=0) or 0
    ctx.builder.add(
        BucketObject(
            bucket=bucket,
            key=key,
            body=body,
            size=size,
            content_type=ctx.text(fields, "content_type", "binary/octet-stream"),
            created=ctx.time(fields, "created", bucket.created),
            tags=ctx.tags(fields),
        )
    )


def _regional_key(
    ctx: Context,
    key: str,
    entry: Entry,
    fields: dict[str, Entry],
    pattern: re.Pattern[str],
    what: str,
) -> tuple[str, str] | None:
    region_part, _, name = key.rpartition("/")
    if region_part and not REGION_RE.fullmatch(region_part):
        ctx.fail(entry.key, entry.path, f"{region_part!r} is not a region")
        return None
    if not pattern.fullmatch(name):
        ctx.fail(entry.key, entry.path, f"{name!r} is not a valid {what} name")
        return None
    region = _region(ctx, fields, region_part or DEFAULT_REGION)
    if region_part and "region" in fields and region != region_part:
        ctx.fail(
            fields["region"].value, fields["region"].path, f"the key says region {region_part}"
        )
    return region, name


def _function(ctx: Context, state: AccountState, key: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=FUNCTION_KEYS)
    if fields is None:
        return
    place = _regional_key(ctx, key, entry, fields, FUNCTION_RE, "function")
    if place is None or _taken(ctx, "functions", state, place, entry):
        return
    role = None
    if "role" in fields:
        e = fields["role"]
        role = ctx.lookup(
            state.roles, ctx.text(fields, "role"), e.value, e.path, "role", state.account.account_id
        )
    environment: dict = {}
    if "environment" in fields:
        e = fields["environment"]
        environment = ctx.reader.tags(e.value, e.path)
    ctx.builder.add(
        LambdaFunction(
            account=state.account,
            region=place[0],
            name=place[1],
            role=role,
            runtime=ctx.text(fields, "runtime", "python3.12"),
            handler=ctx.text(fields, "handler", "lambda_function.lambda_handler"),
            description=ctx.text(fields, "description", max_length=256),
            environment=environment,
            policy=ctx.document(fields, "policy"),
            created=ctx.time(fields, "created", ctx.now),
            tags=ctx.tags(fields),
        )
    )


def _taken(
    ctx: Context, kind: str, state: AccountState, place: tuple[str, str], entry: Entry
) -> bool:
    registry = ctx.taken.setdefault(kind, set())
    identity = (state.account.account_id, *place)
    if identity in registry:
        ctx.fail(entry.key, entry.path, f"{place[1]!r} exists already in {place[0]}")
        return True
    registry.add(identity)
    return False


def _queue(ctx: Context, state: AccountState, key: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=QUEUE_KEYS)
    if fields is None:
        return
    place = _regional_key(ctx, key, entry, fields, QUEUE_RE, "queue")
    if place is None or _taken(ctx, "queues", state, place, entry):
        return
    ctx.builder.add(
        SqsQueue(
            account=state.account,
            region=place[0],
            name=place[1],
            policy=ctx.document(fields, "policy"),
            created=ctx.time(fields, "created", ctx.now),
            tags=ctx.tags(fields),
        )
    )


def _kms_key(ctx: Context, state: AccountState, key: str, entry: Entry) -> None:
    """Keyed by key id (a UUID) or by an alias (`alias/NAME`, with the key id under `id`)."""
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=KEY_KEYS)
    if fields is None:
        return
    aliases: list[str] = []
    if KMS_KEY_ID_RE.fullmatch(key):
        if "id" in fields:
            ctx.fail(fields["id"].key, fields["id"].path, "the key id is already the key")
        key_id = ctx.unique_id(
            {"id": _key_entry(entry)}, "id", "KMS key id", new_kms_key_id, pattern=KMS_KEY_ID_RE
        )
    elif ALIAS_RE.fullmatch(key):
        aliases.append(key)
        key_id = ctx.unique_id(fields, "id", "KMS key id", new_kms_key_id, pattern=KMS_KEY_ID_RE)
    else:
        ctx.fail(
            entry.key,
            entry.path,
            "a KMS key is named by its key id (a UUID) or an alias (alias/NAME)",
        )
        return
    if "aliases" in fields:
        e = fields["aliases"]
        aliases += [
            a
            for a, _, _ in ctx.reader.text_list(
                e.value, e.path, pattern=ALIAS_RE, expected="alias/NAME"
            )
        ]
    ctx.builder.add(
        KmsKey(
            account=state.account,
            key_id=key_id,
            region=_region(ctx, fields),
            aliases=aliases,
            description=ctx.text(fields, "description", max_length=8192),
            policy=ctx.document(fields, "policy"),
            enabled=ctx.flag(fields, "enabled", True),
            created=ctx.time(fields, "created", ctx.now),
            tags=ctx.tags(fields),
        )
    )


def _key_entry(entry: Entry) -> Entry:
    """The mapping key itself, as an entry whose value is the key's text."""
    return Entry(entry.key, entry.key, entry.path)


def _instance(ctx: Context, state: AccountState, instance_id: str, entry: Entry) -> None:
    fields = ctx.reader.mapping(entry.value, entry.path, allowed=INSTANCE_KEYS)
    if fields is None:
        return
    instance_id = ctx.unique_id(
        {"id": _key_entry(entry)}, "id", "instance id", lambda: "", pattern=INSTANCE_ID_RE
    )
    profile = None
    if "instance_profile" in fields:
        e = fields["instance_profile"]
        profile = ctx.lookup(
            state.profiles,
            ctx.text(fields, "instance_profile"),
            e.value,
            e.path,
            "instance profile",
            state.account.account_id,
        )
    ctx.builder.add(
        Ec2Instance(
            account=state.account,
            instance_id=instance_id,
            region=_region(ctx, fields),
            instance_profile=profile,
            state=ctx.text(fields, "state", "running", choices=Ec2Instance.State.values),
            user_data=ctx.text(fields, "user_data"),
            launched=ctx.time(fields, "launched", ctx.now),
            tags=ctx.tags(fields),
        )
    )
