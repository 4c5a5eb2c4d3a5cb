"""Grading: every check of a lesson against a sandbox, and the score."""

from __future__ import annotations

import inspect
import json
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from iamlab.sandbox.models import MfaDevice, OrganizationPolicy, Sandbox
from iamlab.sandbox.services import access_analyzer as analyzer_ops
from iamlab.sandbox.services import iam as iam_ops
from iamlab.sandbox.services import mfa, principals
from iamlab.sandbox.services import organizations as organizations_ops
from iamlab.sandbox.services import resources as resource_ops
from iamlab.sandbox.services import resources_compute as compute_ops
from iamlab.sandbox.services import sts as sts_ops

from .checks import Run, run_check
from .lesson import Hint, Lesson, SolutionAction
from .loader import call_params


@dataclass(frozen=True)
class CheckResult:
    step_id: str
    check_id: str
    passed: bool
    message: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GradeResult:
    score: int
    passed: bool
    checks: list[CheckResult]

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]


def run_checks(lesson: Lesson, sandbox: Sandbox) -> list[CheckResult]:
    run = Run(sandbox, lesson.first_account)
    out = []
    for step, check in lesson.checks:
        passed, detail = run_check(run, check.kind, check.args)
        out.append(CheckResult(step.id, check.id, passed, check.message, detail))
    return out


def hint_cost(lesson: Lesson, hints_used: dict[str, int]) -> int:
    total = 0
    for step in lesson.steps:
        revealed: list[Hint] = step.hints[: int(hints_used.get(step.id, 0))]
        total += sum(h.cost for h in revealed)
    return total


def score(results: list[CheckResult], cost: int) -> int:
    """100 × checks passed / checks, minus hint costs, never below 0."""
    if not results:
        return 0
    passed = sum(1 for r in results if r.passed)
    return max(0, round(100 * passed / len(results)) - cost)


def grade_sandbox(lesson: Lesson, sandbox: Sandbox, hints_used: dict[str, int]) -> GradeResult:
    results = run_checks(lesson, sandbox)
    return GradeResult(
        score(results, hint_cost(lesson, hints_used)), all(r.passed for r in results), results
    )


# ----------------------------------------------------------------------------------- solution
_MODULES = {
    "iam": iam_ops,
    "sts": sts_ops,
    "resources": resource_ops,
    "resources_compute": compute_ops,
    "organizations": organizations_ops,
    "access_analyzer": analyzer_ops,
}


def apply_action(sandbox: Sandbox, action: SolutionAction) -> Any:
    """Apply one reference action (raises the service's AwsError if it fails)."""
    if action.clock:
        sandbox.move_clock(
            timedelta(
                days=action.clock.get("days", 0),
                hours=action.clock.get("hours", 0),
                minutes=action.clock.get("minutes", 0),
            )
        )
        return None
    module_name, _, op = action.call.partition(".")
    operation = getattr(_MODULES[module_name], op)
    params = {k: _resolve(sandbox, v) for k, v in call_params(action.call, action.params).items()}
    if takes_sandbox(operation):
        # Calls made without AWS credentials (AssumeRoleWithWebIdentity, …WithSAML): the
        # identity provider named by `as` vouches for the caller.
        return operation(sandbox, **params)
    return operation(principals.as_principal(sandbox, action.as_), **params)


def _resolve(sandbox: Sandbox, value: Any) -> Any:
    """Values only known once the sandbox exists:

    - `{totp: SERIAL}` (optionally `step: 1` for the code after) is the code the MFA device
      shows now, by the sandbox's clock: what a learner would read off their authenticator app;
    - `{org_policy: NAME}` is the id (p-…) of the organization's policy of that name.
    """
    if isinstance(value, dict) and set(value) == {"org_policy"}:
        policy_id = (
            OrganizationPolicy.objects.filter(
                organization__sandbox=sandbox, name=str(value["org_policy"])
            )
            .values_list("policy_id", flat=True)
            .first()
        )
        return policy_id or _absent_org_policy_id(sandbox)
    if not (isinstance(value, dict) and set(value) <= {"totp", "step"} and "totp" in value):
        return value
    serial = str(value["totp"])
    account_id = serial.split(":")[4] if serial.count(":") >= 5 else ""
    name = serial.rsplit("/", 1)[-1]
    device = MfaDevice.objects.filter(
        sandbox=sandbox, account__account_id=account_id, name=name
    ).first()
    if device is None:
        return "000000"  # the service answers as AWS does for a wrong code
    return mfa.totp(mfa.seed(device), sandbox.now(), offset_steps=int(value.get("step", 0)))


def _absent_org_policy_id(sandbox: Sandbox) -> str:
    """A policy id that AWS's pattern accepts ("p-" then 8 to 128 letters, digits or "_"; here
    lowercase and digits only, as AWS's older pattern demanded too) and that no policy of the
    sandbox has: the call then fails as AWS fails for a policy that does not exist
    (PolicyNotFoundException), not for a malformed id (InvalidInputException)."""
    taken = set(
        OrganizationPolicy.objects.filter(organization__sandbox=sandbox).values_list(
            "policy_id", flat=True
        )
    )
    candidate = "p-00000000"
    while candidate in taken:
        candidate += "0"
    return candidate


def takes_sandbox(operation: Any) -> bool:
    first = next(iter(inspect.signature(operation).parameters), "")
    return first == "sandbox"


def describe_action(action: SolutionAction) -> str:
    """A solution action as readable text, shown to a learner."""
    if action.clock:
        moved = ", ".join(f"{v} {k}" for k, v in action.clock.items())
        return f"Move the clock forward {moved}."
    lines = [f"As {action.as_}: {action.call}("]
    for key, value in call_params(action.call, action.params).items():
        shown = value if isinstance(value, str) else json.dumps(value)
        if isinstance(value, dict) and "totp" in value:
            which = "the next code" if value.get("step") else "the code"
            shown = f"<{which} shown by {value['totp']}>"
        elif isinstance(value, dict) and "org_policy" in value:
            shown = f"<the id of the policy {value['org_policy']}>"
        if isinstance(value, str) and "\n" in value:
            shown = "\n    ".join(value.splitlines())
        lines.append(f"  {key}={shown}")
    lines.append(")")
    return "\n".join(lines)
