"""Questions the policy engine writes: unlimited, reproducible from a seed, always right.

Three kinds, each at three difficulties:

- `decision`  "Allowed, explicitly denied or implicitly denied?"
- `decisive`  "Which statement decides?" (multiple response when several statements decide)
- `fix`       "Which one change would allow it?" (for requests the policies deny)

A question's id names it completely: `gen-<kind>-<difficulty>-<seed>`, e.g. `gen-fix-hard-42`;
`generate_by_id` rebuilds the same question from it. Every scenario is random but realistic
(identity policies, and with difficulty permissions boundaries, bucket policies, SCPs and
conditions), the answer is the engine's decision, and every distractor is checked against the
engine before it is offered. Only `iamlab.engine`'s public API is used.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from iamlab.engine import (
    Context,
    Decision,
    Evaluation,
    Request,
    compile_policy,
    evaluate,
    render_text,
)

from .bank import Option, Question

KINDS = ("decision", "decisive", "fix")
DIFFICULTIES = ("easy", "medium", "hard")
ID_PATTERN = re.compile(r"^gen-(decision|decisive|fix)-(easy|medium|hard)-(\d{1,12})$")

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
USERS = ("ana", "bikram", "chen", "dara", "eitan", "fatima", "goran", "hana")
VERSION = "2012-10-17"

# Realistic resources per service: the actions on them, the resources a request may name, and
# patterns a policy may use (some cover the request's resource, some don't).
_FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "s3": {
        "actions": ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
        "resources": (
            "arn:aws:s3:::example-reports/2026/q3.csv",
            "arn:aws:s3:::example-reports/public/index.html",
            "arn:aws:s3:::example-app-logs/web/today.log",
        ),
        "patterns": (
            "arn:aws:s3:::example-reports/*",
            "arn:aws:s3:::example-reports/2026/*",
            "arn:aws:s3:::example-reports/public/*",
            "arn:aws:s3:::example-app-logs/*",
            "*",
        ),
    },
    "dynamodb": {
        "actions": (
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        ),
        "resources": (
            f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Orders",
            f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/Customers",
        ),
        "patterns": (
            f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/*",
            f"arn:aws:dynamodb:*:{ACCOUNT}:table/Orders",
            f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*",
            "*",
        ),
    },
    "ec2": {
        "actions": (
            "ec2:StartInstances",
            "ec2:StopInstances",
            "ec2:RebootInstances",
            "ec2:TerminateInstances",
        ),
        "resources": (
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0a1b2c3d4e5f67890",
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/i-0fedcba9876543210",
        ),
        "patterns": (
            f"arn:aws:ec2:eu-west-1:{ACCOUNT}:instance/*",
            f"arn:aws:ec2:*:{ACCOUNT}:instance/i-0a1b2c3d4e5f67890",
            f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*",
            "*",
        ),
    },
}

_IDENTITY_NAMES = ("AppDataAccess", "TeamBaseline", "ReportsReadOnly", "OpsHelpers", "DevTools")

# Conditions used at the hard level: (condition block, context key, value meeting it, value not)
_CONDITIONS = (
    (
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        "aws:MultiFactorAuthPresent",
        "true",
        "false",
    ),
    (
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        "aws:SourceIp",
        "203.0.113.40",
        "198.51.100.7",
    ),
    (
        {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
        "aws:RequestedRegion",
        "eu-west-1",
        "us-east-1",
    ),
)


@dataclass
class Scenario:
    """Everything the engine needs for one request, kept as plain data so changes can be tried."""

    principal: str
    action: str
    resource: str
    resource_account: str | None = None
    context: dict[str, str] = field(default_factory=dict)
    identity: list[tuple[str, dict]] = field(default_factory=list)
    boundary: tuple[str, dict] | None = None
    resource_policy: tuple[str, dict] | None = None
    scps: list[tuple[str, dict]] | None = None

    @property
    def user(self) -> str:
        return self.principal.rsplit("/", 1)[-1]

    def evaluate(self, *, explain: bool = True) -> Evaluation:
        request = Request(
            principal=self.principal,
            action=self.action,
            resource=self.resource,
            resource_account=self.resource_account,
            context=Context(self.context),
        )
        return evaluate(
            request,
            identity_policies=[compile_policy(doc, name=name) for name, doc in self.identity],
            permission_boundary=(
                compile_policy(self.boundary[1], name=self.boundary[0]) if self.boundary else None
            ),
            resource_policy=(
                compile_policy(self.resource_policy[1], name=self.resource_policy[0])
                if self.resource_policy
                else None
            ),
            scps=[[compile_policy(doc, name=name) for name, doc in self.scps]]
            if self.scps
            else None,
            explain=explain,
        )

    def statements(self) -> list[tuple[str, str, str, dict]]:
        """(engine path, policy name, kind, statement) for every statement, in reading order."""
        out = []
        for i, (name, doc) in enumerate(self.identity):
            for j, st in enumerate(doc["Statement"]):
                out.append((f"/identityPolicies/{i}/Statement/{j}", name, "identity", st))
        if self.boundary:
            for j, st in enumerate(self.boundary[1]["Statement"]):
                out.append((f"/permissionBoundary/Statement/{j}", self.boundary[0], "boundary", st))
        if self.resource_policy:
            name, doc = self.resource_policy
            for j, st in enumerate(doc["Statement"]):
                out.append((f"/resourcePolicy/Statement/{j}", name, "resource", st))
        for i, (name, doc) in enumerate(self.scps or ()):
            for j, st in enumerate(doc["Statement"]):
                out.append((f"/scps/0/{i}/Statement/{j}", name, "scp", st))
        return out


# ----------------------------------------------------------------------------- scenarios


class _Builder:
    def __init__(self, rng: random.Random, difficulty: str, *, more: bool = False) -> None:
        self.rng = rng
        self.difficulty = difficulty
        self.more = more  # more statements, so that "which statement decides?" has choices
        self.sids: set[str] = set()

    def sid(self, effect: str, action: str) -> str:
        verb = re.sub(r"[^A-Za-z0-9]", "", action.split(":", 1)[-1]) or "All"
        base = f"{effect}{verb}"
        sid, n = base, 2
        while sid in self.sids:
            sid, n = f"{base}{n}", n + 1
        self.sids.add(sid)
        return sid

    def action_pattern(self, family: str, action: str, cover: bool) -> str | list[str]:
        rng = self.rng
        service, verb = action.split(":", 1)
        others = [a for a in _FAMILIES[family]["actions"] if a != action]
        if cover:
            prefix = re.match(r"[A-Z][a-z]+", verb)
            choices: list[str | list[str]] = [action, f"{service}:*", [action, rng.choice(others)]]
            if prefix:
                choices.append(f"{service}:{prefix.group(0)}*")
            return rng.choice(choices)
        pick = rng.choice(others)
        return rng.choice([pick, sorted({pick, rng.choice(others)})])

    def resource_pattern(self, family: str, resource: str, cover: bool) -> str:
        data = _FAMILIES[family]
        candidates = list(data["patterns"]) + list(data["resources"])
        matching = [p for p in candidates if fnmatch.fnmatchcase(resource, p)]
        missing = [p for p in candidates if not fnmatch.fnmatchcase(resource, p)]
        return self.rng.choice(matching if cover or not missing else missing)

    def statement(
        self, family: str, action: str, resource: str, effect: str, *, condition: dict | None = None
    ) -> dict:
        rng = self.rng
        cover_action = rng.random() < 0.75
        cover_resource = rng.random() < 0.75
        pattern = self.action_pattern(family, action, cover_action)
        first = pattern if isinstance(pattern, str) else pattern[0]
        st: dict = {
            "Sid": self.sid(effect, first),
            "Effect": effect,
            "Action": pattern,
            "Resource": self.resource_pattern(family, resource, cover_resource),
        }
        if condition:
            st["Condition"] = copy.deepcopy(condition)
        return st

    def conditions(self) -> list[tuple[dict, str, str, str]]:
        return list(_CONDITIONS) if self.difficulty == "hard" else []

    def maybe_condition(self, context: dict[str, str]) -> dict | None:
        choices = self.conditions()
        if not choices or self.rng.random() < 0.5:
            return None
        block, key, good, bad = self.rng.choice(choices)
        context.setdefault(key, self.rng.choice([good, bad]))
        return block

    def scenario(self) -> Scenario:
        rng = self.rng
        family = rng.choice(sorted(_FAMILIES))
        data = _FAMILIES[family]
        action = rng.choice(data["actions"])
        resource = rng.choice(data["resources"])
        user = rng.choice(USERS)
        account = ACCOUNT
        resource_account = None
        hard = self.difficulty == "hard"
        if hard and family == "s3" and rng.random() < 0.3:
            account, resource_account = OTHER_ACCOUNT, ACCOUNT  # cross-account
        principal = f"arn:aws:iam::{account}:user/{user}"
        scn = Scenario(principal=principal, action=action, resource=resource)
        scn.resource_account = resource_account
        context: dict[str, str] = {}

        n_policies = 1 if self.difficulty == "easy" else rng.choice([1, 1, 2])
        names = rng.sample(_IDENTITY_NAMES, n_policies)
        for name in names:
            count = rng.randint(1, 2) if self.difficulty == "easy" else rng.randint(1, 3)
            if self.more:
                count += 2
            statements = []
            for k in range(count):
                effect = "Allow" if k == 0 or rng.random() < 0.7 else "Deny"
                statements.append(
                    self.statement(
                        family, action, resource, effect, condition=self.maybe_condition(context)
                    )
                )
            scn.identity.append((name, {"Version": VERSION, "Statement": statements}))

        extras: list[str] = []
        if self.difficulty == "medium":
            extras = [rng.choice(["boundary", "resource"] if family == "s3" else ["boundary"])]
        elif hard:
            pool = ["boundary", "scp"] + (["resource"] if family == "s3" else [])
            extras = rng.sample(pool, rng.randint(1, min(2, len(pool))))
            if resource_account and "resource" not in extras:
                extras.append("resource")
        if "boundary" in extras:
            scn.boundary = ("DeveloperBoundary", self.boundary(family, action, resource, context))
        if "resource" in extras:
            scn.resource_policy = self.bucket_policy(scn, resource, context)
        if "scp" in extras:
            scn.scps = self.scps(family, action, resource, context)
        scn.context = context
        return scn

    def boundary(self, family: str, action: str, resource: str, context: dict) -> dict:
        statements = [self.statement(family, action, resource, "Allow")]
        if self.rng.random() < 0.3:
            statements.append(
                self.statement(
                    family, action, resource, "Deny", condition=self.maybe_condition(context)
                )
            )
        return {"Version": VERSION, "Statement": statements}

    def bucket_policy(self, scn: Scenario, resource: str, context: dict) -> tuple[str, dict]:
        rng = self.rng
        bucket = resource.split(":::", 1)[1].split("/", 1)[0]
        caller_account = scn.principal.split(":")[4]
        principal = rng.choice(
            [
                scn.principal,
                f"arn:aws:iam::{caller_account}:root",
                f"arn:aws:iam::{ACCOUNT}:user/{rng.choice(USERS)}",
                f"arn:aws:iam::{OTHER_ACCOUNT}:root",
            ]
        )
        statements = []
        for effect in ["Allow"] + (["Deny"] if rng.random() < 0.35 else []):
            drawn = self.statement("s3", scn.action, resource, effect)
            st = {
                "Sid": self.sid(effect + "Bucket", scn.action),
                "Effect": effect,
                "Principal": {"AWS": principal},
                "Action": drawn["Action"],
                "Resource": drawn["Resource"],
            }
            cond = self.maybe_condition(context)
            if cond:
                st["Condition"] = copy.deepcopy(cond)
            statements.append(st)
        return (f"bucket policy of {bucket}", {"Version": VERSION, "Statement": statements})

    def scps(self, family: str, action: str, resource: str, context: dict) -> list:
        rng = self.rng
        full = {
            "Version": VERSION,
            "Statement": [
                {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}
            ],
        }
        self.sids.add("FullAWSAccess")
        guard = {
            "Version": VERSION,
            "Statement": [
                self.statement(
                    family, action, resource, "Deny", condition=self.maybe_condition(context)
                )
            ],
        }
        if rng.random() < 0.3:
            # an allow-list SCP in place of FullAWSAccess
            allow = self.statement(family, action, resource, "Allow")
            allow["Resource"] = "*"
            return [("AllowListedServices", {"Version": VERSION, "Statement": [allow]})]
        return [("FullAWSAccess", full), ("Guardrails", guard)]


# ----------------------------------------------------------------------------- text


_WORDS = {
    Decision.ALLOWED: "Allowed",
    Decision.EXPLICIT_DENY: "Explicitly denied",
    Decision.IMPLICIT_DENY: "Implicitly denied",
}


def _describe(scn: Scenario) -> str:
    account = scn.principal.split(":")[4]
    lines = [
        f"The IAM user `{scn.user}` in account `{account}` sends this request:",
        "",
        f"- Action: `{scn.action}`",
        f"- Resource: `{scn.resource}`"
        + (f" (in account `{scn.resource_account}`)" if scn.resource_account else ""),
    ]
    for key, value in scn.context.items():
        lines.append(f"- Request context: `{key}` = `{value}`")
    if account != (scn.resource_account or account):
        lines.append("")
        lines.append("This is a cross-account request.")
    for name, doc in scn.identity:
        lines += ["", f"Identity-based policy **{name}**, attached to `{scn.user}`:", _json(doc)]
    if scn.boundary:
        lines += [
            "",
            f"Permissions boundary **{scn.boundary[0]}** of `{scn.user}`:",
            _json(scn.boundary[1]),
        ]
    if scn.resource_policy:
        lines += ["", f"The **{scn.resource_policy[0]}**:", _json(scn.resource_policy[1])]
    if scn.scps:
        lines += ["", f"Service control policies attached to account `{account}`:"]
        for name, doc in scn.scps:
            lines += ["", f"SCP **{name}**:", _json(doc)]
    else:
        lines += ["", "The account is not in an organization, so no SCPs apply."]
    if not scn.boundary:
        lines += ["", f"`{scn.user}` has no permissions boundary."]
    if not scn.resource_policy:
        lines += ["", "No resource-based policy applies."]
    return "\n".join(lines)


def _json(doc: dict) -> str:
    return "```json\n" + json.dumps(doc, indent=2) + "\n```"


def _statement_label(name: str, st: dict) -> str:
    return f"Statement `{st['Sid']}` ({st['Effect']}) in {name}"


def _why_not_applies(ev: Evaluation, path: str) -> str:
    for ptrace in ev.trace:
        for st in ptrace.statements:
            if st.path != path:
                continue
            if st.applies:
                return "It matches the request"
            failed = [
                reason
                for ok, reason in (
                    (st.action_matched, st.action_reason),
                    (st.resource_matched, st.resource_reason),
                    (st.principal_matched is not False, st.principal_reason),
                )
                if not ok
            ]
            failed += [f"{c.operator} {c.key}: {c.reason}" for c in st.conditions if not c.matched]
            return "It does not match the request: " + "; ".join(failed or ["its conditions fail"])
    return "The engine did not consider it for this request"


# ----------------------------------------------------------------------------- kinds


class _Reject(Exception):
    """This random scenario does not make a good question of this kind: draw another."""


def _decision_question(rng: random.Random, scn: Scenario, ev: Evaluation) -> tuple:
    decision = ev.decision
    options = []
    for d in (Decision.ALLOWED, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY):
        if d is decision:
            explanation = f"Right. {ev.reason}"
        else:
            explanation = f"No: the engine's answer is “{_WORDS[decision]}”. {ev.reason}"
        options.append(Option(_WORDS[d], d is decision, explanation))
    # A common misconception: that statement order matters. Check it really doesn't, here.
    reversed_scn = copy.deepcopy(scn)
    for _, doc in reversed_scn.identity:
        doc["Statement"].reverse()
    if reversed_scn.evaluate(explain=False).decision is not decision:  # pragma: no cover
        raise _Reject
    options.append(
        Option(
            "It depends on which statement comes first",
            False,
            "No: AWS evaluates all statements of all policies that apply; their order never "
            "changes the result (an explicit deny wins wherever it is). Reversing the statements "
            "here gives the same answer.",
        )
    )
    stem = _describe(scn) + "\n\nWhat does AWS decide for this request?"
    return stem, 1, options


def _decisive_question(rng: random.Random, scn: Scenario, ev: Evaluation) -> tuple:
    decisive = {d.path for d in ev.decisive}
    statements = scn.statements()
    if len(decisive) > 3 or not decisive.issubset({s[0] for s in statements}):
        raise _Reject
    kinds = [d.kind for d in ev.decisive]
    if len(set(kinds)) != len(kinds):
        raise _Reject  # two statements of one policy type that say the same: not one answer
    none_correct = not decisive
    pick = max(1, len(decisive))
    correct, wrong = [], []
    for path, name, _kind, st in statements:
        label = _statement_label(name, st)
        why = _why_not_applies(ev, path)
        if path in decisive:
            correct.append(Option(label, True, f"Right. {why}, and it decides: {ev.reason}"))
        elif why.startswith("It matches"):
            wrong.append(Option(label, False, f"{why}, but it does not decide: {ev.reason}"))
        else:
            wrong.append(Option(label, False, f"{why}. So it cannot decide."))
    nothing = Option(
        "No statement decides it: the request is implicitly denied, because a policy it needs "
        "does not allow it",
        none_correct,
        ("Right. " if none_correct else "No. ") + ev.reason,
    )
    if none_correct:
        correct.append(nothing)
    else:
        wrong.append(nothing)
    if len(wrong) < 3:
        raise _Reject
    needed = {1: 3, 2: 3}.get(pick, 3)
    chosen = correct + rng.sample(wrong, min(len(wrong), needed + rng.randint(0, 1)))
    rng.shuffle(chosen)
    ask = (
        "Which statement decides the outcome?"
        if pick == 1
        else f"Which statements together decide the outcome? (Choose {pick}.)"
    )
    return _describe(scn) + "\n\n" + ask, pick, chosen


def _changes(scn: Scenario) -> list[tuple[str, Callable[[Scenario], None]]]:
    """Candidate single changes to a scenario, each described and applicable to a copy."""
    out: list[tuple[str, Callable[[Scenario], None]]] = []
    target = scn.identity[0][0]
    allow = {"Effect": "Allow", "Action": scn.action, "Resource": scn.resource}

    def add_identity(s: Scenario) -> None:
        s.identity[0][1]["Statement"].append({"Sid": "AddedAllow", **allow})

    out.append(
        (
            f"Add a statement to {target} that allows `{scn.action}` on `{scn.resource}`",
            add_identity,
        )
    )

    service = scn.action.split(":")[0]
    family = _FAMILIES[service]
    elsewhere = next(
        (
            p
            for p in family["patterns"] + family["resources"]
            if p != "*" and not fnmatch.fnmatchcase(scn.resource, p)
        ),
        None,
    )
    if elsewhere:

        def add_elsewhere(s: Scenario) -> None:
            s.identity[0][1]["Statement"].append(
                {
                    "Sid": "AddedElsewhere",
                    "Effect": "Allow",
                    "Action": f"{service}:*",
                    "Resource": elsewhere,
                }
            )

        out.append(
            (
                f"Add a statement to {target} that allows `{service}:*` on `{elsewhere}`",
                add_elsewhere,
            )
        )
    for path, name, _kind, st in scn.statements():
        sid = st["Sid"]

        def remove(s: Scenario, path: str = path) -> None:
            _remove_statement(s, path)

        out.append((f"Remove statement `{sid}` ({st['Effect']}) from {name}", remove))
    if scn.boundary:

        def widen(s: Scenario) -> None:
            s.boundary[1]["Statement"].append({"Sid": "AddedToBoundary", **allow})

        out.append(
            (
                f"Add an Allow for `{scn.action}` on `{scn.resource}` to the permissions boundary",
                widen,
            )
        )

        def drop_boundary(s: Scenario) -> None:
            s.boundary = None

        out.append(("Remove the permissions boundary from the user", drop_boundary))
    if scn.scps:

        def scp_allow(s: Scenario) -> None:
            s.scps.append(
                (
                    "AddedAllow",
                    {"Version": VERSION, "Statement": [{"Sid": "AddedScpAllow", **allow}]},
                )
            )

        out.append((f"Attach another SCP to the account that allows `{scn.action}`", scp_allow))
    if scn.action.startswith("s3:"):
        bucket = scn.resource.split(":::", 1)[1].split("/", 1)[0]

        def bucket_allow(s: Scenario) -> None:
            st = {
                "Sid": "AddedBucketAllow",
                "Effect": "Allow",
                "Principal": {"AWS": scn.principal},
                "Action": scn.action,
                "Resource": scn.resource,
            }
            if s.resource_policy:
                s.resource_policy[1]["Statement"].append(st)
            else:
                s.resource_policy = (
                    f"bucket policy of {bucket}",
                    {"Version": VERSION, "Statement": [st]},
                )

        out.append(
            (
                f"Add a statement to the bucket policy of {bucket} that allows `{scn.user}` "
                f"`{scn.action}`",
                bucket_allow,
            )
        )
    for _block, key, good, bad in _CONDITIONS:
        if key not in scn.context:
            continue
        value = good if scn.context[key] == bad else bad

        def set_context(s: Scenario, key: str = key, value: str = value) -> None:
            s.context[key] = value

        out.append((f"Send the request with `{key}` = `{value}`", set_context))
    return out


def _remove_statement(scn: Scenario, path: str) -> None:
    parts = path.strip("/").split("/")
    if parts[0] == "identityPolicies":
        scn.identity[int(parts[1])][1]["Statement"].pop(int(parts[3]))
    elif parts[0] == "permissionBoundary":
        scn.boundary[1]["Statement"].pop(int(parts[2]))
    elif parts[0] == "resourcePolicy":
        scn.resource_policy[1]["Statement"].pop(int(parts[2]))
    elif parts[0] == "scps":
        scn.scps[int(parts[2])][1]["Statement"].pop(int(parts[4]))


def apply_change(scn: Scenario, change: Callable[[Scenario], None]) -> Scenario:
    changed = copy.deepcopy(scn)
    change(changed)
    return changed


def _fix_question(rng: random.Random, scn: Scenario, ev: Evaluation) -> tuple:
    if ev.decision is Decision.ALLOWED:
        raise _Reject
    works, fails = [], []
    for text, change in _changes(scn):
        try:
            result = apply_change(scn, change).evaluate()
        except Exception:  # noqa: BLE001 - a change that leaves no usable policy is not offered
            continue
        (works if result.decision is Decision.ALLOWED else fails).append((text, result))
    if not works or len(fails) < 3:
        raise _Reject
    text, result = rng.choice(works)
    options = [Option(text, True, f"Right. After this change: {result.reason}")]
    for text, result in rng.sample(fails, 3):
        options.append(
            Option(
                text,
                False,
                f"Not enough: after this change the request is still "
                f"{_WORDS[result.decision].lower()}. {result.reason}",
            )
        )
    rng.shuffle(options)
    stem = (
        _describe(scn) + f"\n\nAWS denies this request ({_WORDS[ev.decision].lower()}). "
        "Which one change would allow it?"
    )
    return stem, 1, options


_KIND_BUILDERS = {
    "decision": _decision_question,
    "decisive": _decisive_question,
    "fix": _fix_question,
}

_TITLES = {
    "decision": "Allowed, explicitly denied or implicitly denied?",
    "decisive": "Which statement decides?",
    "fix": "Which one change would allow it?",
}


@dataclass(frozen=True)
class Generated:
    question: Question
    scenario: Scenario
    evaluation: Evaluation


def generate(kind: str, difficulty: str, seed: int) -> Generated:
    """The question of this kind and difficulty for this seed (the same every time)."""
    if kind not in KINDS or difficulty not in DIFFICULTIES:
        raise ValueError(f"unknown kind or difficulty: {kind!r}, {difficulty!r}")
    rng = random.Random(f"{kind}/{difficulty}/{seed}")
    for _attempt in range(500):
        builder = _Builder(rng, difficulty, more=kind == "decisive")
        scn = builder.scenario()
        ev = scn.evaluate()
        try:
            stem, pick, options = _KIND_BUILDERS[kind](rng, scn, ev)
        except _Reject:
            continue
        topics = ["policy-anatomy"]
        if scn.boundary:
            topics.append("permissions-boundaries")
        if scn.resource_policy:
            topics.append("identity-vs-resource")
        if scn.scps:
            topics.append("organizations-scps")
        if scn.context:
            topics.append("conditions")
        if scn.resource_account:
            topics.append("cross-account")
        question = Question(
            id=f"gen-{kind}-{difficulty}-{seed}",
            stem=f"**{_TITLES[kind]}**\n\n{stem}",
            pick=pick,
            options=tuple(options),
            topics=tuple(topics),
            domain="secure",
            difficulty=difficulty,
            docs=("IAM User Guide: Policy evaluation logic",),
            source="generated",
            explanation=render_text(ev),
        )
        return Generated(question, scn, ev)
    raise RuntimeError(f"no {kind} question found for seed {seed}")  # pragma: no cover


def generate_by_id(question_id: str) -> Question | None:
    """Rebuild a generated question from its id, or None when the id is not a generated one."""
    match = ID_PATTERN.match(question_id)
    if not match:
        return None
    kind, difficulty, seed = match.groups()
    return generate(kind, difficulty, int(seed)).question


def random_ids(rng: random.Random, count: int, difficulty: str | None = None) -> list[str]:
    """Ids of `count` generated questions drawn with `rng` (kinds and levels mixed)."""
    out = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        level = difficulty or rng.choice(DIFFICULTIES)
        out.append(f"gen-{kind}-{level}-{rng.randrange(10**9)}")
    return out
