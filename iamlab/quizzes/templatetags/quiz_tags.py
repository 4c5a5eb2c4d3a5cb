"""Template helpers for quiz pages: Markdown stems and explanations, rendered safely."""

from __future__ import annotations

from functools import lru_cache

import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

# CommonMark with raw HTML off; nh3 cleans the output again (question files are trusted-ish,
# but defence in depth costs nothing).
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return nh3.clean(_MD.render(text))


@register.filter
def quiz_markdown(text: str | None) -> SafeString:
    return mark_safe(_render(text or ""))  # noqa: S308 - sanitised by nh3 above


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if isinstance(mapping, dict) else None
