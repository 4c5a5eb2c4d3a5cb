"""Printing an API response as the AWS CLI does: `json` (4-space indent, ISO 8601 times) or
`text` (tab-separated values, one line per structure, prefixed by its key in capitals)."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):  # blobs: the CLI prints them base64-encoded
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def as_json(response: dict[str, Any]) -> str:
    if not response:
        return ""
    return json.dumps(_plain(response), indent=4, ensure_ascii=False) + "\n"


def _scalar(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _text_value(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _text(item: Any, lines: list[str], identifier: str | None) -> None:
    if isinstance(item, dict):
        scalars = sorted(k for k, v in item.items() if _scalar(v))
        if scalars:
            values = [_text_value(item[k]) for k in scalars]
            if identifier:
                values.insert(0, identifier.upper())
            lines.append("\t".join(values))
        for key in sorted(k for k, v in item.items() if not _scalar(v)):
            _text(item[key], lines, key)
    elif isinstance(item, list):
        scalars = [_text_value(v) for v in item if _scalar(v)]
        if scalars:
            lines.append("\t".join(([identifier.upper()] if identifier else []) + scalars))
        for v in item:
            if not _scalar(v):
                _text(v, lines, identifier)
    else:
        lines.append(_text_value(item))


def as_text(response: dict[str, Any]) -> str:
    if not response:
        return ""
    lines: list[str] = []
    _text(_plain(response), lines, None)
    return "\n".join(lines) + "\n"


def render(response: dict[str, Any], output: str) -> str:
    return as_text(response) if output == "text" else as_json(response)
