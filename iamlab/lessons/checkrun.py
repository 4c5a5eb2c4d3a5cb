"""What every check shares: the grading run (sandbox, default account, caches), `Missing`,
and how details are written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iamlab.sandbox.models import Account, Sandbox
from iamlab.sandbox.services import authz, principals
from iamlab.sandbox.services.errors import AwsError

Result = tuple[bool, str]


class Run:
    """One grading of one sandbox: the lesson's default account and per-run caches (callers,
    authorizers, reports). The checks only read the sandbox, so what a cache holds stays true
    for the whole grading; a new grading makes a new Run."""

    def __init__(self, sandbox: Sandbox, first_account: str) -> None:
        self.sandbox = sandbox
        self.first_account = first_account
        self._accounts: dict[str, Account | None] = {}
        self._callers: dict[str, principals.Caller] = {}
        self._authorizers: dict[str, authz.Authorizer] = {}
        self._memo: dict[tuple[str, str], Any] = {}

    def caller(self, arn: str) -> principals.Caller:
        """The caller for a principal ARN, made once per grading."""
        if arn not in self._callers:
            try:
                self._callers[arn] = principals.as_principal(self.sandbox, arn)
            except AwsError as exc:
                raise Missing(f"{arn} cannot make requests: {exc.message}") from None
        return self._callers[arn]

    def authorizer(self, arn: str) -> authz.Authorizer:
        """The principal's policies, gathered once per grading for all its access checks."""
        if arn not in self._authorizers:
            self._authorizers[arn] = authz.authorizer(self.sandbox, caller=self.caller(arn))
        return self._authorizers[arn]

    def memo(self, what: str, account: Account, compute: Callable[[], Any]) -> Any:
        """A per-account report (credential report, scorecard) computed once per grading."""
        key = (what, account.account_id)
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def account(self, args: dict[str, Any]) -> Account:
        account_id = args.get("account") or self.first_account
        if account_id not in self._accounts:
            self._accounts[account_id] = Account.objects.filter(
                sandbox=self.sandbox, account_id=account_id
            ).first()
        account = self._accounts[account_id]
        if account is None:
            raise Missing(f"there is no account {account_id} in the sandbox")
        return account

    def named(self, model: type, args: dict[str, Any], name: str, what: str) -> Any:
        account = self.account(args)
        row = model.objects.filter(account=account, name__iexact=name).first()
        if row is None:
            raise Missing(f"there is no {what} named {name!r} in account {account.account_id}")
        return row


class Missing(Exception):
    """What a check needs does not exist: the check fails with this detail."""


def sentence(text: str) -> str:
    """First letter up (not an ARN's: `arn:` is how AWS spells it), one full stop at the end."""
    text = text.strip()
    if not text:
        return text
    if not text.startswith("arn:"):
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
