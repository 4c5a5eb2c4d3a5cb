"""Helpers shared by the tool pages (simulator, audit, CLI pane, graph): the sandbox page
context, the principal the learner acts as, the sandbox's principals, and policy documents laid
out line by line so that statements can be highlighted."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from iamlab.sandbox.models import Account, IamUser, Role, Sandbox
from iamlab.sandbox.services.principals import Caller

from . import console_context

TOOLS = [
    ("simulator", "Policy simulator"),
    ("cli", "CLI"),
    ("graph", "Account graph"),
    ("credential-report", "Credential report"),
    ("access-advisor", "Access Advisor"),
    ("access-analyzer", "Access Analyzer"),
    ("scorecard", "Best practices"),
]


def acting_caller(request: HttpRequest, sandbox: Sandbox) -> Caller:
    """The principal chosen in the console's switcher (root of the first account by default)."""
    return console_context.acting_caller(request, sandbox)


def sandbox_page(
    request: HttpRequest, sandbox: Sandbox, tool: str, caller: Caller | None = None
) -> dict[str, Any]:
    """The context every sandbox tool page shares: the console's (principal bar) and the
    tools' tabs."""
    context: dict[str, Any] = console_context.sandbox_context(request, sandbox, caller=caller)
    context["tools"] = [
        {"slug": slug, "label": label, "current": slug == tool, "href": tool_url(sandbox, slug)}
        for slug, label in TOOLS
    ]
    return context


def tool_url(sandbox: Sandbox, slug: str) -> str:
    return f"/sandbox/{sandbox.pk}/{slug}/"


@dataclass(slots=True)
class PrincipalChoice:
    arn: str
    label: str
    kind: str


def principal_choices(sandbox: Sandbox) -> list[PrincipalChoice]:
    """Every root user, IAM user, role and unexpired role session of the sandbox."""
    out = []
    accounts = list(Account.objects.filter(sandbox=sandbox).order_by("id"))
    users = IamUser.objects.filter(sandbox=sandbox).select_related("account").order_by("name")
    roles = Role.objects.filter(sandbox=sandbox).select_related("account").order_by("name")
    for account in accounts:
        alias = f" ({account.alias})" if account.alias else ""
        out.append(
            PrincipalChoice(account.root_arn, f"root user of {account.account_id}{alias}", "root")
        )
    for user in users:
        out.append(
            PrincipalChoice(user.arn, f"user {user.name} · {user.account.account_id}", "user")
        )
    for role in roles:
        out.append(
            PrincipalChoice(role.arn, f"role {role.name} · {role.account.account_id}", "role")
        )
    for choice in console_context.principal_choices(sandbox):
        if choice.group == "Role sessions":
            out.append(PrincipalChoice(choice.arn, f"session {choice.label}", "session"))
    return out


# ------------------------------------------------------------------------ policy documents
def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def layout(document: Any) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """The document as indented JSON lines, and for every JSON pointer its first and last line
    (0-based)."""
    lines: list[str] = []
    spans: dict[str, tuple[int, int]] = {}

    def emit(value: Any, pointer: str, depth: int, head: str, tail: str) -> None:
        start = len(lines)
        pad = "  " * depth
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{head}{{")
            items = list(value.items())
            for i, (key, item) in enumerate(items):
                comma = "," if i < len(items) - 1 else ""
                emit(
                    item, f"{pointer}/{_escape(str(key))}", depth + 1, json.dumps(key) + ": ", comma
                )
            lines.append(f"{pad}}}{tail}")
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{head}[")
            for i, item in enumerate(value):
                emit(item, f"{pointer}/{i}", depth + 1, "", "," if i < len(value) - 1 else "")
            lines.append(f"{pad}]{tail}")
        else:
            lines.append(f"{pad}{head}{json.dumps(value, ensure_ascii=False)}{tail}")
        spans[pointer] = (start, len(lines) - 1)

    emit(document, "", 0, "", "")
    return lines, spans


@dataclass(slots=True)
class PolicyLine:
    number: int
    text: str
    mark: str = ""  # "", "allow" or "deny"


@dataclass(slots=True)
class PolicyView:
    """One policy's text, with its deciding statements' lines marked."""

    label: str
    kind: str
    path: str
    outcome: str = "none"
    lines: list[PolicyLine] = field(default_factory=list)
    decisive: bool = False


def policy_view(
    label: str, kind: str, path: str, document: Any, decisive: list[tuple[str, str]], outcome: str
) -> PolicyView:
    """`decisive`: (JSON pointer of a statement in the case, effect) for every deciding one."""
    text_lines, spans = layout(document)
    marks: dict[int, str] = {}
    hit = False
    for pointer, effect in decisive:
        if not pointer.startswith(path + "/"):
            continue
        span = spans.get(pointer[len(path) :])
        if span is None:
            continue
        hit = True
        for n in range(span[0], span[1] + 1):
            marks[n] = "deny" if effect.lower() == "deny" else "allow"
    lines = [PolicyLine(i + 1, t, marks.get(i, "")) for i, t in enumerate(text_lines)]
    return PolicyView(label, kind, path, outcome, lines, hit)


def condition_keys(documents: list[Any]) -> list[str]:
    """The condition keys the documents' statements use, sorted, without duplicates."""
    found: dict[str, str] = {}
    for document in documents:
        if not isinstance(document, dict):
            continue
        statements = document.get("Statement")
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements if isinstance(statements, list) else []:
            block = statement.get("Condition") if isinstance(statement, dict) else None
            if not isinstance(block, dict):
                continue
            for keys in block.values():
                if isinstance(keys, dict):
                    for key in keys:
                        found.setdefault(str(key).lower(), str(key))
    return sorted(found.values(), key=str.lower)


def parse_context(text: str) -> tuple[dict[str, Any], list[str]]:
    """`key=value` lines (a key given twice becomes a list) → context, problems."""
    context: dict[str, Any] = {}
    problems = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        key, eq, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key:
            problems.append(f"line {number}: write a context entry as key=value")
            continue
        if key in context:
            existing = context[key]
            context[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            context[key] = value
    return context, problems


def split_actions(text: str) -> list[str]:
    """Actions separated by new lines, commas or spaces; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in text.replace(",", " ").split():
        seen.setdefault(part.strip(), None)
    return [a for a in seen if a]
