"""Generate a realistic batch of simulation cases (one JSON object per line), reproducibly.

    python tests/benchmarks/gen_cases.py [--count 20000] [--seed 20260101] [--out FILE]

The mix aims at what the engine meets in practice rather than at the worst case:

- 1 to 3 identity policies of 1 to 3 statements each, drawn mostly from a pool of policies that
  many principals share (as managed policies are), the rest written for the case;
- realistic services, actions and ARNs (S3, EC2, DynamoDB, Lambda, IAM, KMS, SQS, SNS, logs, STS,
  Secrets Manager), with wildcards, NotAction/NotResource now and then and policy variables;
- a condition block on about a third of the statements (tags, MFA, source IP, region, time, ...);
- a resource policy on two cases in five (bucket, key, queue, topic, trust policies; every
  cross-account case has one), a permissions boundary on a fifth, a session policy on some role
  sessions, SCPs on two fifths;
- about a quarter of the requests cross-account, and 1% of the lines malformed on purpose (the
  batch must answer them with an error object and go on).

The output is the same for the same seed and count; by default it goes to tmp/bench/ (ignored).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COUNT = 20_000
DEFAULT_SEED = 20260101
DEFAULT_OUT = ROOT / "tmp" / "bench" / f"cases-{DEFAULT_COUNT}-{DEFAULT_SEED}.jsonl"

ACCOUNTS = ["111122223333", "444455556666", "777788889999"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
ROLES = ["Admin", "ReadOnly", "DataEngineer", "Deployer", "LambdaExec", "Auditor", "Support"]
TEAMS = ["payments", "search", "platform", "data", "web"]
ENVS = ["prod", "staging", "dev"]
BUCKETS = ["reports", "raw-data", "web-assets", "backups", "team-share", "logs-archive"]
TABLES = ["Orders", "Users", "Sessions", "Inventory", "Events"]
FUNCTIONS = ["resize-image", "send-mail", "ingest", "nightly-report", "auth-hook"]
QUEUES = ["jobs", "emails", "dead-letters", "ingest"]
TOPICS = ["alerts", "deployments", "billing"]
IPS = ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"]

# service -> (read actions, write actions)
ACTIONS: dict[str, tuple[list[str], list[str]]] = {
    "s3": (
        ["GetObject", "ListBucket", "GetObjectVersion", "GetBucketLocation", "GetObjectTagging"],
        ["PutObject", "DeleteObject", "PutObjectTagging", "PutBucketPolicy", "DeleteBucket"],
    ),
    "ec2": (
        ["DescribeInstances", "DescribeVolumes", "DescribeSecurityGroups", "DescribeImages"],
        ["StartInstances", "StopInstances", "TerminateInstances", "RunInstances", "CreateTags"],
    ),
    "dynamodb": (
        ["GetItem", "Query", "Scan", "BatchGetItem", "DescribeTable"],
        ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "DeleteTable"],
    ),
    "lambda": (
        ["GetFunction", "ListFunctions", "GetFunctionConfiguration"],
        ["InvokeFunction", "UpdateFunctionCode", "DeleteFunction", "CreateFunction"],
    ),
    "iam": (
        ["GetUser", "ListUsers", "GetRole", "ListAttachedRolePolicies", "GetPolicy"],
        ["CreateUser", "DeleteUser", "PassRole", "AttachRolePolicy", "CreateAccessKey"],
    ),
    "kms": (
        ["DescribeKey", "ListKeys"],
        ["Decrypt", "Encrypt", "GenerateDataKey", "ScheduleKeyDeletion"],
    ),
    "sqs": (
        ["ReceiveMessage", "GetQueueAttributes"],
        ["SendMessage", "DeleteMessage", "PurgeQueue"],
    ),
    "sns": (["GetTopicAttributes", "ListSubscriptions"], ["Publish", "Subscribe", "DeleteTopic"]),
    "logs": (
        ["GetLogEvents", "DescribeLogGroups"],
        ["PutLogEvents", "CreateLogStream", "DeleteLogGroup"],
    ),
    "secretsmanager": (["GetSecretValue", "DescribeSecret"], ["PutSecretValue", "DeleteSecret"]),
    "sts": ([], ["AssumeRole", "TagSession"]),
}
SERVICE_WEIGHTS = {
    "s3": 30, "ec2": 14, "dynamodb": 12, "lambda": 8, "iam": 8, "kms": 6, "sqs": 5,
    "sns": 4, "logs": 5, "secretsmanager": 4, "sts": 4,
}  # fmt: skip

Doc = dict[str, Any]


class Generator:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.shared_identity = [self.identity_policy() for _ in range(150)]
        self.shared_boundaries = [self.boundary_policy() for _ in range(12)]
        self.shared_scp_levels = [self.scp_levels() for _ in range(8)]

    # -- small pieces ------------------------------------------------------------------------

    def service(self) -> str:
        services = list(SERVICE_WEIGHTS)
        return self.r.choices(services, weights=[SERVICE_WEIGHTS[s] for s in services])[0]

    def action(self, service: str, *, write: bool | None = None) -> str:
        reads, writes = ACTIONS[service]
        if write is None:
            write = not reads or self.r.random() < 0.45
        return f"{service}:{self.r.choice(writes if write and writes else reads)}"

    def action_pattern(self, service: str) -> str | list[str]:
        roll = self.r.random()
        if roll < 0.15:
            return f"{service}:*"
        if roll < 0.35:
            reads, writes = ACTIONS[service]
            verb = self.r.choice(["Get", "List", "Describe", "Put", "Delete"])
            return f"{service}:{verb}*"
        if roll < 0.65:
            return [self.action(service) for _ in range(self.r.randint(2, 4))]
        return self.action(service)

    def arn(self, service: str, account: str, *, pattern: bool = False) -> str:
        r = self.r
        region = r.choice(REGIONS)
        star = pattern and r.random() < 0.5
        if service == "s3":
            bucket = r.choice(BUCKETS)
            if pattern:
                return r.choice(
                    [
                        f"arn:aws:s3:::{bucket}/*",
                        f"arn:aws:s3:::{bucket}",
                        "arn:aws:s3:::*",
                        f"arn:aws:s3:::{bucket}/${{aws:username}}/*",
                        f"arn:aws:s3:::{bucket}/{r.choice(TEAMS)}/*",
                    ]
                )
            return f"arn:aws:s3:::{bucket}/{r.choice(TEAMS + USERS)}/{r.randint(1, 999)}.csv"
        if service == "ec2":
            ident = "*" if star else f"i-0{r.getrandbits(48):012x}"
            return f"arn:aws:ec2:{region}:{account}:instance/{ident}"
        if service == "dynamodb":
            table = "*" if star else r.choice(TABLES)
            return f"arn:aws:dynamodb:{region}:{account}:table/{table}"
        if service == "lambda":
            fn = "*" if star else r.choice(FUNCTIONS)
            return f"arn:aws:lambda:{region}:{account}:function:{fn}"
        if service == "iam":
            if r.random() < 0.5:
                return f"arn:aws:iam::{account}:user/{'*' if star else r.choice(USERS)}"
            return f"arn:aws:iam::{account}:role/{'*' if star else r.choice(ROLES)}"
        if service == "kms":
            key = "*" if star else f"{r.getrandbits(128):032x}"
            return f"arn:aws:kms:{region}:{account}:key/{key}"
        if service == "sqs":
            return f"arn:aws:sqs:{region}:{account}:{'*' if star else r.choice(QUEUES)}"
        if service == "sns":
            return f"arn:aws:sns:{region}:{account}:{'*' if star else r.choice(TOPICS)}"
        if service == "logs":
            group = "*" if star else f"/aws/lambda/{r.choice(FUNCTIONS)}"
            return f"arn:aws:logs:{region}:{account}:log-group:{group}"
        if service == "secretsmanager":
            name = "*" if star else f"{r.choice(TEAMS)}/db-password-{r.choice('AbCdEf')}"
            return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"
        if service == "sts":
            return f"arn:aws:iam::{account}:role/{'*' if star else r.choice(ROLES)}"
        raise ValueError(service)

    def condition(self) -> Doc:
        r = self.r
        kind = r.randrange(10)
        if kind == 0:
            return {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        if kind == 1:
            return {"IpAddress": {"aws:SourceIp": r.sample(IPS, r.randint(1, 2))}}
        if kind == 2:
            return {"StringEquals": {"aws:RequestedRegion": r.sample(REGIONS, 2)}}
        if kind == 3:
            return {"StringEquals": {"aws:PrincipalTag/team": r.choice(TEAMS)}}
        if kind == 4:
            return {"StringEquals": {"aws:ResourceTag/env": "${aws:PrincipalTag/env}"}}
        if kind == 5:
            return {"DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}
        if kind == 6:
            return {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "owner"]}}
        if kind == 7:
            return {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/*"]}}
        if kind == 8:
            return {"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}}
        return {
            "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
            "Null": {"aws:SourceVpc": "false"},
        }

    def statement(self, account: str, *, effect: str | None = None) -> Doc:
        r = self.r
        service = self.service()
        stmt: Doc = {}
        if r.random() < 0.5:
            stmt["Sid"] = (
                f"{service.capitalize()}{r.choice(['Read', 'Write', 'Admin'])}{r.randint(1, 99)}"
            )
        stmt["Effect"] = effect or ("Deny" if r.random() < 0.15 else "Allow")
        if r.random() < 0.05:
            stmt["NotAction"] = [f"{service}:*", "iam:*"]
        else:
            stmt["Action"] = self.action_pattern(service)
        roll = r.random()
        if roll < 0.15:
            stmt["Resource"] = "*"
        elif roll < 0.18:
            stmt["NotResource"] = self.arn(service, account, pattern=True)
        elif roll < 0.55:
            stmt["Resource"] = [self.arn(service, account, pattern=True) for _ in range(2)]
        else:
            stmt["Resource"] = self.arn(service, account, pattern=True)
        if r.random() < 0.33:
            stmt["Condition"] = self.condition()
        return stmt

    def policy(self, statements: list[Doc]) -> Doc:
        return {"Version": "2012-10-17", "Statement": statements}

    def identity_policy(self, account: str | None = None) -> Doc:
        account = account or ACCOUNTS[0]
        n = self.r.randint(1, 3)
        return self.policy([self.statement(account) for _ in range(n)])

    def boundary_policy(self) -> Doc:
        services = self.r.sample(list(ACTIONS), self.r.randint(2, 5))
        stmts: list[Doc] = [
            {"Effect": "Allow", "Action": [f"{s}:*" for s in services], "Resource": "*"}
        ]
        if self.r.random() < 0.4:
            stmts.append(
                {"Effect": "Deny", "Action": "iam:*", "Resource": "*", "Sid": "NoIamChanges"}
            )
        return self.policy(stmts)

    def scp_levels(self) -> list[list[Doc]]:
        full = self.policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        levels: list[list[Doc]] = [[full]]
        for _ in range(self.r.randint(0, 2)):
            level = [full]
            roll = self.r.random()
            if roll < 0.4:
                level.append(
                    self.policy(
                        [
                            {
                                "Sid": "DenyOutsideRegions",
                                "Effect": "Deny",
                                "NotAction": ["iam:*", "sts:*", "organizations:*"],
                                "Resource": "*",
                                "Condition": {
                                    "StringNotEquals": {"aws:RequestedRegion": REGIONS[:2]}
                                },
                            }
                        ]
                    )
                )
            elif roll < 0.7:
                services = self.r.sample(list(ACTIONS), 6)
                level = [
                    self.policy(
                        [
                            {
                                "Effect": "Allow",
                                "Action": [f"{s}:*" for s in services],
                                "Resource": "*",
                            }
                        ]
                    )
                ]
            else:
                level.append(
                    self.policy(
                        [
                            {
                                "Effect": "Deny",
                                "Action": ["s3:DeleteBucket", "kms:ScheduleKeyDeletion"],
                                "Resource": "*",
                            }
                        ]
                    )
                )
            levels.append(level)
        return levels

    def resource_policy(self, service: str, resource: str, principal: str, account: str) -> Doc:
        r = self.r
        who: Any = r.choice(
            [
                {"AWS": principal},
                {"AWS": f"arn:aws:iam::{principal.split(':')[4] or account}:root"},
                {"AWS": principal.split(":")[4] or account},
                "*",
                {"Service": "lambda.amazonaws.com"},
            ]
        )
        stmt: Doc = {
            "Effect": "Allow",
            "Principal": who,
            "Action": f"{service}:*" if r.random() < 0.3 else self.action(service),
            "Resource": resource if r.random() < 0.5 else self.arn(service, account, pattern=True),
        }
        if who == "*" or r.random() < 0.3:
            stmt["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
        stmts = [stmt]
        if r.random() < 0.3:
            stmts.append(
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": f"{service}:*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            )
        return self.policy(stmts)

    # -- a case ------------------------------------------------------------------------------

    def principal(self, account: str) -> tuple[str, dict[str, Any]]:
        r = self.r
        roll = r.random()
        if roll < 0.45:
            user = r.choice(USERS)
            arn = f"arn:aws:iam::{account}:user/{user}"
            ctx: dict[str, Any] = {"aws:username": user}
        elif roll < 0.9:
            role = r.choice(ROLES)
            arn = f"arn:aws:sts::{account}:assumed-role/{role}/session-{r.randint(1, 500)}"
            ctx = {}
        else:
            arn = f"arn:aws:iam::{account}:role/{r.choice(ROLES)}"
            ctx = {}
        ctx["aws:PrincipalArn"] = arn
        ctx["aws:PrincipalAccount"] = account
        if r.random() < 0.7:
            ctx["aws:PrincipalTag/team"] = r.choice(TEAMS)
            ctx["aws:PrincipalTag/env"] = r.choice(ENVS)
        return arn, ctx

    def case(self) -> Doc:
        r = self.r
        account = ACCOUNTS[0]
        principal, ctx = self.principal(account)
        service = self.service()
        action = self.action(service)
        cross = r.random() < 0.25
        resource_account = r.choice(ACCOUNTS[1:]) if cross else account
        resource = (
            "*"
            if action.endswith(("ListBuckets", "ListUsers"))
            else self.arn(service, resource_account)
        )
        ctx["aws:SourceIp"] = (
            f"{r.choice(['203.0.113', '198.51.100', '10.1.2'])}.{r.randint(1, 254)}"
        )
        ctx["aws:RequestedRegion"] = r.choice(REGIONS)
        ctx["aws:SecureTransport"] = r.choice(["true", "true", "true", "false"])
        ctx["aws:CurrentTime"] = f"2026-0{r.randint(1, 9)}-1{r.randint(0, 9)}T12:00:00Z"
        if r.random() < 0.5:
            ctx["aws:MultiFactorAuthPresent"] = r.choice(["true", "false"])
            ctx["aws:MultiFactorAuthAge"] = str(r.randint(10, 90000))
        if r.random() < 0.2:
            ctx["aws:TagKeys"] = r.sample(["env", "owner", "cost-center", "team"], r.randint(1, 3))
        if r.random() < 0.3:
            ctx["aws:ResourceTag/env"] = r.choice(ENVS)
        if service == "s3" and r.random() < 0.3:
            ctx["s3:prefix"] = f"home/{r.choice(USERS)}/"

        identity: list[Doc] = []
        for _ in range(r.randint(1, 3)):
            if r.random() < 0.75:
                identity.append(r.choice(self.shared_identity))
            else:
                policy = self.identity_policy(account)
                # Make sure the request is the kind of thing the policy talks about, often.
                if r.random() < 0.7:
                    first = policy["Statement"][0]
                    first.pop("NotAction", None)
                    first.pop("NotResource", None)
                    first["Action"] = action if r.random() < 0.5 else f"{service}:*"
                    first["Resource"] = resource if r.random() < 0.5 else "*"
                identity.append(policy)

        case: Doc = {
            "request": {
                "principal": principal,
                "action": action,
                "resource": resource,
                "resourceAccount": resource_account,
                "context": ctx,
            },
            "identityPolicies": identity,
        }
        if r.random() < 0.2:
            case["permissionBoundary"] = r.choice(self.shared_boundaries)
        if ":assumed-role/" in principal and r.random() < 0.15:
            case["sessionPolicy"] = self.policy(
                [{"Effect": "Allow", "Action": f"{service}:*", "Resource": "*"}]
            )
        if resource != "*" and (cross or r.random() < 0.2):
            case["resourcePolicy"] = self.resource_policy(
                service, resource, principal, resource_account
            )
        if r.random() < 0.4:
            case["scps"] = r.choice(self.shared_scp_levels)
        return case

    def broken(self) -> str:
        """A line the batch must answer with an error object."""
        r = self.r
        case = copy.deepcopy(self.case())  # the pools' policies are shared: break a copy
        kind = r.randrange(5)
        if kind == 0:
            return json.dumps(case)[:-7]  # truncated JSON
        if kind == 1:
            del case["request"]["action"]
        elif kind == 2:
            case["identityPolicies"][0]["Statement"] = [{"Effect": "Maybe", "Action": "*"}]
        elif kind == 3:
            case["scps"] = [{"Version": "2012-10-17", "Statement": []}]  # not a list of lists
        else:
            case["request"]["context"] = {"aws:TagKeys": {"env": "prod"}}
        return json.dumps(case)


def generate(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[str]:
    gen = Generator(seed)
    lines = []
    for _ in range(count):
        if gen.r.random() < 0.01:
            lines.append(gen.broken())
        else:
            lines.append(json.dumps(gen.case()))
    return lines


def write_cases(path: Path, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(generate(count, seed)) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="'-' for stdout")
    args = parser.parse_args(argv)
    if str(args.out) == "-":
        sys.stdout.write("\n".join(generate(args.count, args.seed)) + "\n")
    else:
        path = write_cases(args.out, args.count, args.seed)
        print(f"wrote {args.count} cases to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
