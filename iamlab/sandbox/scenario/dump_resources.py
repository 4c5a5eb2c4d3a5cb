"""Resources → scenario YAML: buckets and objects, functions, queues, KMS keys, instances."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..models import (
    DEFAULT_REGION,
    Bucket,
    BucketObject,
    Ec2Instance,
    KmsKey,
    LambdaFunction,
    SqsQueue,
)
from .yamlio import Flow
from .yamlio import doc as _doc
from .yamlio import put as _put
from .yamlio import timestamp as _t


def bucket(bucket: Bucket, objects: list[BucketObject]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "region", bucket.region, unless=DEFAULT_REGION)
    out["created"] = _t(bucket.created)
    _put(out, "tags", bucket.tags)
    _put(out, "policy", _doc(bucket.policy) if bucket.policy else None)
    settings = {
        k: getattr(bucket, k)
        for k in (
            "block_public_acls",
            "ignore_public_acls",
            "block_public_policy",
            "restrict_public_buckets",
        )
    }
    if not bucket.public_access_block:
        out["block_public_access"] = "none"
    elif not any(settings.values()):
        out["block_public_access"] = False
    elif not all(settings.values()):
        out["block_public_access"] = {k: v for k, v in settings.items() if not v}
    objects = {}
    for obj in objects:
        entry: dict[str, Any] = {}
        _put(entry, "body", obj.body)
        _put(entry, "size", obj.size, unless=len(obj.body.encode()))
        _put(entry, "content_type", obj.content_type, unless="binary/octet-stream")
        _put(entry, "created", _t(obj.created), unless=_t(bucket.created))
        _put(entry, "tags", obj.tags)
        objects[obj.key] = entry
    _put(out, "objects", objects)
    return out


def regional(rows: list, export) -> dict[str, Any]:  # noqa: ANN001
    """Keyed by name; by REGION/NAME where one name is used in several regions."""
    count: dict[str, int] = defaultdict(int)
    for row in rows:
        count[row.name] += 1
    out = {}
    for row in rows:
        entry = export(row)
        if count[row.name] > 1:
            out[f"{row.region}/{row.name}"] = entry
        else:
            if row.region != DEFAULT_REGION:
                entry = {"region": row.region, **entry}
            out[row.name] = entry
    return out


def function(function: LambdaFunction, role_names: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if function.role_id:
        out["role"] = role_names[function.role_id]
    _put(out, "runtime", function.runtime, unless="python3.12")
    _put(out, "handler", function.handler, unless="lambda_function.lambda_handler")
    _put(out, "description", function.description)
    _put(out, "environment", function.environment)
    _put(out, "policy", _doc(function.policy) if function.policy else None)
    out["created"] = _t(function.created)
    _put(out, "tags", function.tags)
    return out


def queue(queue: SqsQueue) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "policy", _doc(queue.policy) if queue.policy else None)
    out["created"] = _t(queue.created)
    _put(out, "tags", queue.tags)
    return out


def kms_key(key: KmsKey) -> tuple[str, dict[str, Any]]:
    out: dict[str, Any] = {}
    aliases = list(key.aliases)
    if aliases:
        name = aliases.pop(0)
        out["id"] = key.key_id
    else:
        name = key.key_id
    _put(out, "region", key.region, unless=DEFAULT_REGION)
    _put(out, "aliases", Flow(aliases) if aliases else None)
    _put(out, "description", key.description)
    _put(out, "policy", _doc(key.policy) if key.policy else None)
    if not key.enabled:
        out["enabled"] = False
    out["created"] = _t(key.created)
    _put(out, "tags", key.tags)
    return name, out


def instance(instance: Ec2Instance, profile_names: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _put(out, "region", instance.region, unless=DEFAULT_REGION)
    if instance.instance_profile_id:
        out["instance_profile"] = profile_names[instance.instance_profile_id]
    _put(out, "state", instance.state, unless=Ec2Instance.State.RUNNING)
    _put(out, "user_data", instance.user_data)
    out["launched"] = _t(instance.launched)
    _put(out, "tags", instance.tags)
    return out
