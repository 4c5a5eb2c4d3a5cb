"""What every sandbox model shares: the sandbox it belongs to, and ARN building."""

from __future__ import annotations

from django.db import models

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
