"""`authorized_call`: how every operation is authorized, logged and counted as "last used".

    calls.authorized_call(caller, "iam:CreateUser", user_arn, params=params)
        # authorizes, writes the ActivityEvent, updates last-used, raises AccessDenied if denied

    with calls.authorized_call(caller, "s3:GetObject", object_arn, params=params):
        ...   # an AwsError raised in the block is added to the event (its error code)

    with calls.operation(caller, "iam:CreateUser", params=params) as op:
        _validate(params)             # ValidationError/InvalidInput before authorization: logged
        op.authorize(user_arn)        # AccessDenied (logged) when denied
        op.authorize(role_arn, action="iam:PassRole")   # a further permission the call needs
        ...                           # NoSuchEntity etc.: logged with its code

One `ActivityEvent` per call, allowed or not, written when the call is authorized (so a plain
`authorized_call(...)` logs too), with the error code of a later failure added on leaving the
`with` block. Last-used data: the access key (date, region, service) and, for a role session,
its role (`Role.last_used`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from iamlab.engine import Decision

from ..models import AccessKey, ActivityEvent, Role
from . import authz
from .errors import AccessDenied, AwsError
from .principals import Caller


class Operation:
    """One call in progress: `authorization` and `event` are set once `authorize()` ran."""

    def __init__(
        self,
        caller: Caller,
        action: str,
        params: Mapping[str, Any] | None = None,
        deny_error: type[AwsError] = AccessDenied,
    ) -> None:
        self.caller = caller
        self.action = action
        self.params = dict(params or {})
        self.deny_error = deny_error
        self.resource = ""
        self.authorization: authz.Authorization | None = None
        self.event: ActivityEvent | None = None
        #: Set for operations that need no permission (sts:GetSessionToken): logged as allowed.
        self.no_permission_needed = False
        self.denied_by: AwsError | None = None
        #: Service calls need the decision and AWS's message, not the engine's trace: the
        #: lesson grader and the simulator call `authz.authorize(..., explain=True)` themselves.
        self.explain = False

    def authorize(
        self,
        resource: str = "*",
        *,
        context: Mapping[str, Any] | None = None,
        action: str | None = None,
    ) -> authz.Authorization:
        """Authorize the call (or, with `action`, a further permission the call needs, such as
        iam:PassRole) and log it; raise `deny_error` with AWS's message when denied."""
        result = authz.authorize(
            self.caller.sandbox,
            None,
            action or self.action,
            resource,
            context=context,
            caller=self.caller,
            explain=self.explain,
        )
        if self.authorization is None or not result.allowed:
            self.authorization = result
            self.resource = self.resource or resource
        if not result.allowed:
            error = self.deny_error(result.message)
            if self.event is None:
                self._log(error)
            else:  # a further permission was denied: the call is denied
                self.event.decision = result.decision.value
                self.event.reason = result.reason
                self.event.error_code = error.code
                self.event.save(update_fields=["decision", "reason", "error_code"])
            raise error
        if self.event is None:
            self._log(None)
        return result

    def deny(self, error: AwsError) -> None:
        """Fail the call with a denial the engine did not make (an invalid MFA code, a root
        user assuming a role): logged as an implicit deny, then raised."""
        self.denied_by = error
        self.fail(error)
        raise error

    def fail(self, error: AwsError) -> None:
        """Log a failure (before or after authorization)."""
        if self.event is None:
            self._log(error)
        elif not self.event.error_code:
            self.event.error_code = error.code
            if self.authorization is not None and self.authorization.allowed:
                self.event.reason = error.message
            self.event.save(update_fields=["error_code", "reason"])

    def __enter__(self) -> Operation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, AwsError):
            self.fail(exc)
        elif self.event is None and exc is None:
            # An operation that never needed authorizing still lands in the log.
            self._log(None)

    def _log(self, error: AwsError | None) -> None:
        self.event = record(self, error)


def operation(
    caller: Caller,
    action: str,
    *,
    params: Mapping[str, Any] | None = None,
    deny_error: type[AwsError] = AccessDenied,
) -> Operation:
    """An operation whose body validates, then calls `op.authorize(resource)`, then acts."""
    return Operation(caller, action, params, deny_error)


def authorized_call(
    caller: Caller,
    action: str,
    resource: str = "*",
    *,
    context: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    deny_error: type[AwsError] = AccessDenied,
) -> Operation:
    """Authorize `action` on `resource` and log it (raising `deny_error` when denied); use the
    result as a context manager to add a later failure's error code to the event."""
    op = Operation(caller, action, params, deny_error)
    op.authorize(resource, context=context)
    return op


def record(op: Operation, error: AwsError | None) -> ActivityEvent:
    """Write the call's event and update last-used data (a few queries, whatever the size)."""
    caller = op.caller
    sandbox = caller.sandbox
    now = sandbox.now()
    result = op.authorization
    if op.denied_by is not None:
        decision, reason = Decision.IMPLICIT_DENY.value, op.denied_by.message
    elif result is None and op.no_permission_needed:
        decision, reason = Decision.ALLOWED.value, error.message if error else ""
    else:
        if result is None:
            # Failed before authorization (parameter validation): log what IAM would decide.
            result = authz.authorize(
                sandbox, None, op.action, op.resource or "*", caller=caller, explain=False
            )
        decision = result.decision.value
        if error is None:
            reason = "" if result.allowed else result.reason
        else:
            reason = result.reason if not result.allowed else error.message
    event = ActivityEvent.objects.create(
        sandbox=sandbox,
        time=now,
        account_id=caller.account_id,
        principal_arn=caller.arn,
        principal_type=caller.principal_type,
        access_key_id=caller.access_key_id,
        action=op.action,
        resource=_text(op.resource or (result.resource if result else "*")),
        decision=decision,
        reason=_text(reason),
        error_code=error.code if error else "",
        source_ip=caller.source_ip,
        region=caller.region,
        request_params=_jsonable(op.params),
    )
    service = op.action.split(":", 1)[0]
    if caller.access_key is not None:
        AccessKey.objects.filter(pk=caller.access_key.pk).update(
            last_used=now, last_used_region=caller.region, last_used_service=service
        )
    if caller.role is not None and caller.session is not None and caller.session.pk is not None:
        Role.objects.filter(pk=caller.role.pk).update(last_used=now, last_used_region=caller.region)
    return event


def _text(value: str) -> str:
    """Text a database can store: PostgreSQL refuses NUL characters in text and JSON."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _jsonable(value: Any) -> Any:
    """Request parameters as CloudTrail shows them: secrets hidden, datetimes as text."""
    if isinstance(value, Mapping):
        return {
            _text(str(k)): (
                "HIDDEN_DUE_TO_SECURITY_REASONS" if str(k) in _SECRET_PARAMS else _jsonable(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str):
        return _text(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    return _text(str(value))


_SECRET_PARAMS = frozenset(
    {
        "Password",
        "OldPassword",
        "NewPassword",
        "TokenCode",
        "SAMLAssertion",
        "WebIdentityToken",
        "AuthenticationCode1",
        "AuthenticationCode2",
        "SecretAccessKey",
    }
)
