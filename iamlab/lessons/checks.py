"""Every check kind of the lesson format, by name, and `run_check` (docs/lesson-format.md).

Each check takes a `Run` (the sandbox being graded, with small caches) and the check's
arguments, and returns `(passed, detail)`: the detail says why, in words for the learner (the
engine's reason and deciding statement, the extra and missing actions, what is missing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from iamlab.sandbox.services.errors import AwsError

from . import access_checks, audit_checks, config_checks, entity_checks
from .checkrun import Missing, Result, Run, sentence

__all__ = ["CHECKS", "Missing", "Result", "Run", "run_check", "sentence"]
logger = logging.getLogger(__name__)

CHECKS: dict[str, Callable[[Run, dict[str, Any]], Result]] = {
    "can": access_checks.check_can,
    "cannot": access_checks.check_cannot,
    "allowed_actions": access_checks.check_allowed_actions,
    "exists": entity_checks.check_exists,
    "absent": entity_checks.check_absent,
    "in_group": entity_checks.check_in_group,
    "no_inline_policies": entity_checks.check_no_inline_policies,
    "no_attached_policies": entity_checks.check_no_attached_policies,
    "attached": entity_checks.check_attached,
    "trusts_exactly": entity_checks.check_trusts_exactly,
    "trust_requires": entity_checks.check_trust_requires,
    "boundary": entity_checks.check_boundary,
    "access_key_age_below": audit_checks.check_access_key_age_below,
    "no_active_access_keys": audit_checks.check_no_active_access_keys,
    "root_has_no_access_keys": audit_checks.check_root_has_no_access_keys,
    "root_mfa": audit_checks.check_root_mfa,
    "mfa_enabled": audit_checks.check_mfa_enabled,
    "credential_report": audit_checks.check_credential_report,
    "no_active_external_findings": audit_checks.check_no_active_external_findings,
    "scorecard": audit_checks.check_scorecard,
    "policy_valid": audit_checks.check_policy_valid,
    "assumed": entity_checks.check_assumed,
    "instance_profile": config_checks.check_instance_profile,
    "role_settings": config_checks.check_role_settings,
}


def run_check(run: Run, kind: str, args: dict[str, Any]) -> Result:
    """One check; never raises for a sandbox state it does not expect."""
    try:
        return CHECKS[kind](run, args)
    except Missing as exc:
        return False, sentence(str(exc))
    except AwsError as exc:
        return False, sentence(exc.message)
    except Exception as exc:  # noqa: BLE001 - one broken check must not break the grading
        logger.exception("check %s failed to run", kind)
        return False, f"This check could not be run ({type(exc).__name__}); please report it."
