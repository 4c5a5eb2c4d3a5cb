"""Policy documents as the sandbox keeps them: JSON text, exactly as given.

AWS keeps the text a user wrote, whitespace and all. When a document arrives as a structure (a
YAML mapping, or a JSON object in the CLI's output) there is no text to keep, so it is written
in one canonical form; `as_structure` tells a stored text that is in that form (and so can be
shown as a structure again without losing anything) from one that is not.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote


def canonical_json(document: Any) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False)


def as_structure(text: str) -> dict[str, Any] | None:
    """The document as a dict when `text` is exactly its canonical form, else None."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if isinstance(parsed, dict) and canonical_json(parsed) == text:
        return parsed
    return None


def decode_policy_text(text: str) -> str:
    """AWS's APIs return documents URL-encoded (RFC 3986); JSON text starts with `{` instead."""
    stripped = text.strip()
    if stripped.startswith("{") or stripped.startswith("["):
        return text
    return unquote(text)


def check_document_text(text: str) -> str | None:
    """Why `text` is not a JSON object, or None when it is one."""
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        return f"not valid JSON ({exc})"
    if not isinstance(parsed, dict):
        return "a policy document must be a JSON object"
    return None
