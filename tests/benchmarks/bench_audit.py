"""Audit tools on a big account: the credential report and a full Access Analyzer scan.

    python tests/benchmarks/run_all.py audit [-- --runs 3]

Builds, in a throw-away in-memory SQLite database, one account with 1,000 users (half with a
password, a third with MFA, 1,500 access keys), 200 groups, 300 roles (a tenth trusting another
account, a few an OIDC provider), 2,000 customer managed policies attached around, and 60
resources with policies (buckets, some public, queues, KMS keys, functions). Goals: credential
report < 1 s, full external access scan < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOALS = {"credential report": 1.0, "Access Analyzer scan (external access)": 2.0}


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamlab.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # a throw-away local database, not a server
    os.environ["DATABASE_URL"] = "sqlite://:memory:"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def build():  # noqa: ANN201 - the sandbox
    from iamlab.sandbox import models as m

    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    sandbox = m.Sandbox.objects.create(name="bench-audit", clock_frozen_at=now)
    account = m.Account.objects.create(
        sandbox=sandbox, account_id="111122223333", created=now - timedelta(days=900)
    )
    common = {"sandbox": sandbox, "account": account}
    users = m.IamUser.objects.bulk_create(
        m.IamUser(
            **common,
            user_id=f"AIDA{i:016d}",
            name=f"user{i:04d}",
            created=now - timedelta(days=i % 700),
            password_created=now - timedelta(days=400) if i % 2 else None,
            password_last_changed=now - timedelta(days=i % 200) if i % 2 else None,
            password_last_used=now - timedelta(days=i % 100) if i % 4 == 1 else None,
        )
        for i in range(1000)
    )
    groups = m.IamGroup.objects.bulk_create(
        m.IamGroup(**common, group_id=f"AGPA{i:016d}", name=f"group{i:03d}", created=now)
        for i in range(200)
    )
    roles = m.Role.objects.bulk_create(
        m.Role(
            **common,
            role_id=f"AROA{i:016d}",
            name=f"role{i:03d}",
            created=now - timedelta(days=200),
            trust_policy=_trust(i),
        )
        for i in range(300)
    )
    policies = m.ManagedPolicy.objects.bulk_create(
        m.ManagedPolicy(**common, policy_id=f"ANPA{i:016d}", name=f"policy{i:04d}", created=now)
        for i in range(2000)
    )
    services = ["s3", "ec2", "sqs", "dynamodb", "lambda", "kms", "logs", "iam"]
    m.PolicyVersion.objects.bulk_create(
        m.PolicyVersion(
            sandbox=sandbox,
            policy=p,
            version_id="v1",
            is_default=True,
            created=now,
            document=_doc(
                {
                    "Effect": "Allow",
                    "Action": [f"{services[i % 8]}:Get*", f"{services[(i + 3) % 8]}:List*"],
                    "Resource": "*",
                }
            ),
        )
        for i, p in enumerate(policies)
    )
    m.PolicyAttachment.objects.bulk_create(
        [
            m.PolicyAttachment(sandbox=sandbox, group=g, policy=policies[i])
            for i, g in enumerate(groups)
        ]
        + [
            m.PolicyAttachment(sandbox=sandbox, role=r, policy=policies[200 + i])
            for i, r in enumerate(roles)
        ]
        + [
            m.PolicyAttachment(sandbox=sandbox, user=u, policy=policies[500 + i])
            for i, u in enumerate(users)
        ]
    )
    m.GroupMembership.objects.bulk_create(
        m.GroupMembership(sandbox=sandbox, group=groups[i % 200], user=u)
        for i, u in enumerate(users)
    )
    m.AccessKey.objects.bulk_create(
        m.AccessKey(
            **common,
            user=users[i % 1000],
            access_key_id=f"AKIA{i:016d}",
            created=now - timedelta(days=i % 300),
            last_used=now - timedelta(days=i % 50) if i % 3 else None,
            last_used_region="us-east-1" if i % 3 else "",
            last_used_service="s3" if i % 3 else "",
        )
        for i in range(1500)
    )
    m.MfaDevice.objects.bulk_create(
        m.MfaDevice(**common, name=f"mfa{i}", user=users[i * 3], created=now, enabled=now)
        for i in range(333)
    )
    _resources(m, common, now)
    return sandbox, account


def _trust(i: int) -> str:
    if i % 10 == 0:
        principal = {"AWS": "arn:aws:iam::444455556666:root"}
    elif i % 50 == 1:
        provider = "oidc-provider/token.actions.githubusercontent.com"
        principal = {"Federated": f"arn:aws:iam::111122223333:{provider}"}
    else:
        principal = {"Service": "ec2.amazonaws.com"}
    action = "sts:AssumeRoleWithWebIdentity" if "Federated" in principal else "sts:AssumeRole"
    return _doc({"Effect": "Allow", "Principal": principal, "Action": action})


def _resources(m, common: dict, now: datetime) -> None:  # noqa: ANN001
    for i in range(20):
        public = i % 4 == 0
        m.Bucket.objects.create(
            **common,
            name=f"bench-bucket-{i}",
            created=now,
            restrict_public_buckets=not public,
            block_public_policy=not public,
            policy=_doc(
                {
                    "Effect": "Allow",
                    "Principal": "*" if public else {"AWS": "arn:aws:iam::444455556666:root"},
                    "Action": "s3:GetObject" if public else "s3:*",
                    "Resource": f"arn:aws:s3:::bench-bucket-{i}/*",
                }
            ),
        )
        m.SqsQueue.objects.create(
            **common,
            name=f"queue{i}",
            created=now,
            policy=_doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "444455556666"},
                    "Action": "sqs:SendMessage",
                    "Resource": "*",
                }
            ),
        )
        m.KmsKey.objects.create(
            **common,
            key_id=f"1234abcd-12ab-34cd-56ef-{i:012d}",
            created=now,
            policy=_doc(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        )


def _best(run, runs: int) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    _setup()
    from iamlab.sandbox import models as m
    from iamlab.sandbox.audit import analyze, build_credential_report, refresh_resource
    from iamlab.sandbox.audit.external_access import external_access_findings
    from iamlab.sandbox.audit.unused_access import unused_access_findings

    start = time.perf_counter()
    sandbox, account = build()
    now = sandbox.now
    print("Audit tools: 1,000 users, 200 groups, 300 roles, 2,000 policies, 60 resources")
    print(f"(building the account took {time.perf_counter() - start:.1f} s)")
    results = {
        "credential report": _best(lambda: build_credential_report(account), args.runs),
        "Access Analyzer scan (external access)": _best(
            lambda: external_access_findings(sandbox), args.runs
        ),
    }
    # With an analyzer, as the service layer does it: the whole scan stored, then one policy
    # change re-analyzed (what a put_bucket_policy costs on top of the write).
    m.Analyzer.objects.create(
        sandbox=sandbox, account=account, name="bench", analyzer_type="ACCOUNT", created=now()
    )
    extra = {
        "Access Analyzer scan, findings stored": _best(lambda: analyze(sandbox), args.runs),
        "re-analysis of one changed bucket policy": _best(
            lambda: refresh_resource(sandbox, "arn:aws:s3:::bench-bucket-0"), args.runs
        ),
        "unused access scan (90 days)": _best(lambda: unused_access_findings(sandbox), args.runs),
    }
    count = len(external_access_findings(sandbox))
    status = 0
    for name, seconds in results.items():
        goal = GOALS[name]
        verdict = "meets" if seconds <= goal else "misses"
        status = status or (seconds > goal)
        print(f"  {name:40s} {seconds * 1000:7.0f} ms  ({verdict} the {goal:.0f} s goal)")
    for name, seconds in extra.items():
        print(f"  {name:40s} {seconds * 1000:7.0f} ms")
    print(f"  external access findings: {count}")
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
