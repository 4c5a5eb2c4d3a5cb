"""iamlab's policy engine: would AWS allow this request, and why?

Pure Python (no Django). Stages: parse (`jsontext`) → validate (`validate`) → evaluate
(`policy`, `conditions`, `principals`, `evaluate`) → explain (`explain`). This list is the public
API: the rest of iamlab imports only these names.
"""

from .evaluate import Decisive, Evaluation, Request, evaluate
from .explain import render_text
from .model import (
    ConditionTrace,
    Context,
    Decision,
    EngineInputError,
    PolicyKind,
    PolicyTrace,
    Problem,
    Severity,
    StatementTrace,
)
from .policy import Policy, compile_policy


def validate_policy(document, kind=PolicyKind.IDENTITY, *, max_length=None):  # noqa: ANN001, ANN201
    """Every problem with a policy document (see `iamlab.engine.validate`)."""
    from .validate import validate_policy as _validate

    return _validate(document, kind, max_length=max_length)


def simulate_case(case, *, explain=False):  # noqa: ANN001, ANN201
    """Answer one simulation case (`shared/docs/simulation-case.md`) as a dict; never raises."""
    from .case import simulate_case as _simulate

    return _simulate(case, explain=explain)


__all__ = [
    "ConditionTrace",
    "Context",
    "Decision",
    "Decisive",
    "EngineInputError",
    "Evaluation",
    "Policy",
    "PolicyKind",
    "PolicyTrace",
    "Problem",
    "Request",
    "Severity",
    "StatementTrace",
    "compile_policy",
    "evaluate",
    "render_text",
    "simulate_case",
    "validate_policy",
]
