"""What every sandbox model shares: the sandbox it belongs to, and ARN building."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import Lower

PARTITION = "aws"
DEFAULT_REGION = "us-east-1"


class SandboxScoped(models.Model):
    """Every row belongs to exactly one sandbox, so isolation is `filter(sandbox=...)`.

    Rows that also belong to an account keep the sandbox too (the same as their account's): one
    filter answers "everything in this sandbox" without a join.
    """

    sandbox = models.ForeignKey("sandbox.Sandbox", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class AccountScoped(SandboxScoped):
    account = models.ForeignKey("sandbox.Account", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


def iam_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """arn:aws:iam::ACCOUNT:KIND/PATH/NAME (the path's slashes included, as AWS writes it)."""
    return f"arn:{PARTITION}:iam::{account_id}:{kind}{path}{name}"


def valid_path(path: str) -> bool:
    """IAM paths are `/` or `/segments/` of printable ASCII, at most 512 characters."""
    if path == "/":
        return True
    return (
        len(path) <= 512
        and path.startswith("/")
        and path.endswith("/")
        and "//" not in path
        and all(0x21 <= ord(c) <= 0x7E for c in path)
    )


def named(queryset: QuerySet, name: str) -> QuerySet:
    """Rows whose name is `name` whatever its case, as AWS compares IAM names. Compares
    `Lower(name)`, so the (account, Lower(name)) unique index answers it (`name__iexact` is a
    LIKE or UPPER() the index cannot serve)."""
    return queryset.alias(lower_name=Lower("name")).filter(lower_name=str(name).lower())
