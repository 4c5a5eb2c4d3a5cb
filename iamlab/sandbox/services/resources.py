"""Resource-policy operations: S3 here (buckets, bucket policies, Block Public Access, and the
data-plane calls learners test access with); Lambda, SQS, KMS and EC2 in `resources_compute`,
re-exported from this module. Every call is authorized through `authz` with the resource's own
policy, so a bucket policy or key policy takes part in the decision.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from iamlab.engine import PolicyKind, Severity, validate_policy

from ..models import Bucket as BucketModel
from ..models import BucketObject
from . import authz, calls
from .access_analyzer import policy_changed
from .errors import (
    AccessDenied,
    BucketAlreadyExists,
    BucketAlreadyOwnedByYou,
    InvalidBucketName,
    MalformedPolicy,
    NoSuchBucket,
    NoSuchBucketPolicy,
    NoSuchKey,
    NoSuchPublicAccessBlockConfiguration,
)
from .iam_common import write
from .principals import Caller
from .resources_compute import (
    add_permission,
    associate_iam_instance_profile,
    get_key_policy,
    get_policy,
    get_queue_attributes,
    put_key_policy,
    remove_permission,
    run_instances,
    set_queue_attributes,
)

BUCKET_NAME_RE = re.compile(r"(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
BUCKET_POLICY_MAX = 20 * 1024
BPA_FIELDS = {
    "BlockPublicAcls": "block_public_acls",
    "IgnorePublicAcls": "ignore_public_acls",
    "BlockPublicPolicy": "block_public_policy",
    "RestrictPublicBuckets": "restrict_public_buckets",
}
# Condition keys that pin a wildcard principal down to known callers, so the policy is not
# public (Amazon S3 User Guide, "The meaning of 'public'").
_FIXING_KEYS = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "s3:DataAccessPointArn",
        "s3:DataAccessPointAccount",
    )
)


def _bucket(caller: Caller, name: Any) -> BucketModel:
    bucket = (
        BucketModel.objects.filter(sandbox=caller.sandbox, name=name)
        .select_related("account")
        .first()
    )
    if bucket is None:
        raise NoSuchBucket()
    return bucket


def _arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


# ---------------------------------------------------------------------------------- buckets
def create_bucket(
    caller: Caller, *, Bucket: str, CreateBucketConfiguration: dict | None = None
) -> dict[str, Any]:
    with calls.operation(caller, "s3:CreateBucket", params={"Bucket": Bucket}) as op:
        op.resource = _arn(Bucket)
        if not isinstance(Bucket, str) or not BUCKET_NAME_RE.fullmatch(Bucket) or ".." in Bucket:
            raise InvalidBucketName()
        op.authorize(_arn(Bucket))
        existing = BucketModel.objects.filter(sandbox=caller.sandbox, name=Bucket).first()
        if existing is not None:
            if existing.account_id == caller.account.pk:
                raise BucketAlreadyOwnedByYou()
            raise BucketAlreadyExists()
        region = (CreateBucketConfiguration or {}).get("LocationConstraint") or caller.region
        with write(caller):
            BucketModel.objects.create(
                sandbox=caller.sandbox,
                account=caller.account,
                name=Bucket,
                region=region,
                created=caller.sandbox.now(),
            )
        return {"Location": f"/{Bucket}"}


def list_buckets(caller: Caller) -> dict[str, Any]:
    calls.authorized_call(caller, "s3:ListAllMyBuckets")
    buckets = BucketModel.objects.filter(sandbox=caller.sandbox, account=caller.account).order_by(
        "name"
    )
    return {
        "Buckets": [{"Name": b.name, "CreationDate": b.created} for b in buckets],
        "Owner": {"ID": caller.account_id},
    }


# ---------------------------------------------------------------------------------- objects
def put_object(
    caller: Caller, *, Bucket: str, Key: str, Body: str = "", ContentType: str | None = None
) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    with calls.authorized_call(caller, "s3:PutObject", _arn(Bucket, Key), params={"Key": Key}):
        body = Body.decode() if isinstance(Body, bytes) else str(Body)
        with write(caller):
            BucketObject.objects.update_or_create(
                bucket=bucket,
                key=Key,
                defaults={
                    "sandbox": caller.sandbox,
                    "body": body,
                    "size": len(body.encode()),
                    "content_type": ContentType or "binary/octet-stream",
                    "created": caller.sandbox.now(),
                },
            )
        return {"ETag": '"' + hashlib.md5(body.encode()).hexdigest() + '"'}  # noqa: S324


def get_object(caller: Caller, *, Bucket: str, Key: str) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    params = {"Bucket": Bucket, "Key": Key}
    with calls.authorized_call(caller, "s3:GetObject", _arn(Bucket, Key), params=params):
        obj = BucketObject.objects.filter(bucket=bucket, key=Key).first()
        if obj is None:
            # Without s3:ListBucket, S3 answers 403 rather than say the key does not exist.
            listing = authz.authorize(
                caller.sandbox, None, "s3:ListBucket", _arn(Bucket), caller=caller, explain=False
            )
            if not listing.allowed:
                raise AccessDenied(listing.message)
            raise NoSuchKey()
        return {
            "Body": obj.body,
            "ContentLength": obj.size,
            "ContentType": obj.content_type,
            "LastModified": obj.created,
        }


# ----------------------------------------------------------------------------- bucket policy
def put_bucket_policy(
    caller: Caller, *, Bucket: str, Policy: str, ConfirmRemoveSelfBucketAccess: bool = False
) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    with calls.authorized_call(
        caller, "s3:PutBucketPolicy", _arn(Bucket), params={"Bucket": Bucket, "Policy": Policy}
    ) as op:
        document = _bucket_policy_document(Policy)
        if bucket.block_public_policy and is_public(document):
            error = AccessDenied(
                f"User: {caller.arn} is not authorized to perform: s3:PutBucketPolicy on "
                f'resource: "{_arn(Bucket)}" because public policies are blocked by the '
                "BlockPublicPolicy block public access setting."
            )
            op.fail(error)
            raise error
        bucket.policy = Policy
        with write(caller):
            bucket.save(update_fields=["policy"])
            policy_changed(caller.sandbox, _arn(Bucket))
        return {}


def _bucket_policy_document(text: Any) -> dict[str, Any]:
    if not isinstance(text, str) or not text.lstrip().startswith("{"):
        raise MalformedPolicy()
    if len(text.encode()) > BUCKET_POLICY_MAX:
        raise MalformedPolicy("Policy exceeds the maximum allowed document size.")
    try:
        document = json.loads(text)
    except ValueError:
        raise MalformedPolicy() from None
    errors = [p for p in validate_policy(text, PolicyKind.RESOURCE) if p.severity is Severity.ERROR]
    if errors:
        raise MalformedPolicy(errors[0].message)
    return document


def is_public(document: dict[str, Any]) -> bool:
    """Does an Allow statement grant access to everyone (a wildcard principal not pinned down
    by a condition on the caller's account, organization, VPC or source)?"""
    statements = document.get("Statement")
    for stmt in statements if isinstance(statements, list) else [statements]:
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        principal = stmt.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        values = aws if isinstance(aws, list) else [aws]
        if "*" not in values:
            continue
        keys = {
            key.lower()
            for block in (stmt.get("Condition") or {}).values()
            if isinstance(block, dict)
            for key in block
        }
        if not keys & _FIXING_KEYS:
            return True
    return False


def get_bucket_policy(caller: Caller, *, Bucket: str) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    with calls.authorized_call(
        caller, "s3:GetBucketPolicy", _arn(Bucket), params={"Bucket": Bucket}
    ):
        if not bucket.policy:
            raise NoSuchBucketPolicy()
        return {"Policy": bucket.policy}


def delete_bucket_policy(caller: Caller, *, Bucket: str) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    with calls.authorized_call(
        caller, "s3:DeleteBucketPolicy", _arn(Bucket), params={"Bucket": Bucket}
    ):
        bucket.policy = ""
        with write(caller):
            bucket.save(update_fields=["policy"])
            policy_changed(caller.sandbox, _arn(Bucket))
        return {}


# ----------------------------------------------------------------------- Block Public Access
def put_public_access_block(
    caller: Caller, *, Bucket: str, PublicAccessBlockConfiguration: dict[str, bool]
) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    params = {"Bucket": Bucket, "PublicAccessBlockConfiguration": PublicAccessBlockConfiguration}
    with calls.authorized_call(
        caller, "s3:PutBucketPublicAccessBlock", _arn(Bucket), params=params
    ):
        for name, field in BPA_FIELDS.items():
            setattr(bucket, field, bool(PublicAccessBlockConfiguration.get(name, False)))
        bucket.public_access_block = True
        with write(caller):
            bucket.save(update_fields=[*BPA_FIELDS.values(), "public_access_block"])
            policy_changed(caller.sandbox, _arn(Bucket))
        return {}


def get_public_access_block(caller: Caller, *, Bucket: str) -> dict[str, Any]:
    bucket = _bucket(caller, Bucket)
    with calls.authorized_call(
        caller, "s3:GetBucketPublicAccessBlock", _arn(Bucket), params={"Bucket": Bucket}
    ):
        if not bucket.public_access_block:
            raise NoSuchPublicAccessBlockConfiguration()
        return {
            "PublicAccessBlockConfiguration": {
                name: getattr(bucket, field) for name, field in BPA_FIELDS.items()
            }
        }


def delete_public_access_block(caller: Caller, *, Bucket: str) -> dict[str, Any]:
    """DeletePublicAccessBlock: the bucket's four settings go (all off); GetPublicAccessBlock
    then answers NoSuchPublicAccessBlockConfiguration. The permission is
    s3:PutBucketPublicAccessBlock, as AWS documents for this operation."""
    bucket = _bucket(caller, Bucket)
    with calls.authorized_call(
        caller, "s3:PutBucketPublicAccessBlock", _arn(Bucket), params={"Bucket": Bucket}
    ):
        for field in BPA_FIELDS.values():
            setattr(bucket, field, False)
        bucket.public_access_block = False
        with write(caller):
            bucket.save(update_fields=[*BPA_FIELDS.values(), "public_access_block"])
            policy_changed(caller.sandbox, _arn(Bucket))
        return {}


__all__ = [
    "add_permission",
    "associate_iam_instance_profile",
    "create_bucket",
    "delete_bucket_policy",
    "delete_public_access_block",
    "get_bucket_policy",
    "get_key_policy",
    "get_object",
    "get_policy",
    "get_public_access_block",
    "get_queue_attributes",
    "is_public",
    "list_buckets",
    "put_bucket_policy",
    "put_key_policy",
    "put_object",
    "put_public_access_block",
    "remove_permission",
    "run_instances",
    "set_queue_attributes",
]
