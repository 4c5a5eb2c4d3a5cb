"""Fixtures for the IAM operations: one account with a frozen clock, its root user, an
administrator (AdministratorAccess) and `nobody`, a user with no permissions at all."""

import json
from datetime import UTC, datetime

import pytest

from iamlab.sandbox.models import Account, Sandbox
from iamlab.sandbox.services import iam, principals

ACCOUNT = "111122223333"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def document(*statements: dict) -> str:
    """A policy document's JSON text."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str = "s3:GetObject", resource: str = "*") -> str:
    return document({"Effect": "Allow", "Action": action, "Resource": resource})


def trust(service: str = "ec2.amazonaws.com") -> str:
    return document(
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    )


def denied(who: str, action: str, resource: str) -> str:
    """AWS's AccessDenied message for a principal no policy allows."""
    return (
        f"User: arn:aws:iam::{ACCOUNT}:user/{who} is not authorized to perform: {action} on "
        f"resource: {resource} because no identity-based policy allows the {action} action"
    )


@pytest.fixture
def sandbox(db):
    sandbox = Sandbox.objects.create(name="iam-tests", clock_frozen_at=NOW)
    Account.objects.create(
        sandbox=sandbox, account_id=ACCOUNT, created=datetime(2025, 1, 1, tzinfo=UTC)
    )
    return sandbox


@pytest.fixture
def root(sandbox):
    return principals.as_root(sandbox)


@pytest.fixture
def admin(sandbox, root):
    iam.create_user(root, UserName="admin")
    iam.attach_user_policy(root, UserName="admin", PolicyArn=ADMIN_ARN)
    return principals.as_user(sandbox, "admin")


@pytest.fixture
def nobody(sandbox, root):
    iam.create_user(root, UserName="nobody")
    return principals.as_user(sandbox, "nobody")
