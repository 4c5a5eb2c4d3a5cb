"""Times and durations as scenario files write them.

Absolute times are ISO 8601 in UTC (`2026-01-15T09:00:00Z`, microseconds only when there are
some). Durations are a sign and parts in weeks, days, hours, minutes and seconds (`-100d`,
`+1d12h`, `-30m`, `+1.5s`); a time written as a duration is relative to the sandbox clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_DURATION_RE = re.compile(
    r"^(?P<sign>[+-])"
    r"(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?"
    r"(?:(?P<s>\d+(?:\.\d{1,6})?)s)?$"
)


def parse_duration(text: str) -> timedelta | None:
    """`-100d` → timedelta(days=-100); None when the text is not a duration."""
    match = _DURATION_RE.match(text.strip())
    if not match or not any(match.group(k) for k in "wdhms"):
        return None
    seconds = match.group("s") or "0"
    whole, _, fraction = seconds.partition(".")
    delta = timedelta(
        weeks=int(match.group("w") or 0),
        days=int(match.group("d") or 0),
        hours=int(match.group("h") or 0),
        minutes=int(match.group("m") or 0),
        seconds=int(whole),
        microseconds=int(fraction.ljust(6, "0")) if fraction else 0,
    )
    return -delta if match.group("sign") == "-" else delta


def format_duration(delta: timedelta) -> str:
    """The canonical text of a duration: sign, then days, hours, minutes, seconds."""
    sign = "-" if delta < timedelta(0) else "+"
    total = abs(delta)
    days = total.days
    hours, rest = divmod(total.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days}d")
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if total.microseconds:
        parts.append(f"{seconds}.{total.microseconds:06d}".rstrip("0") + "s")
    elif seconds or not parts:
        parts.append(f"{seconds}s")
    return sign + "".join(parts)


def parse_timestamp(text: str) -> datetime | None:
    """An ISO 8601 time (or date, meaning midnight UTC), as an aware UTC datetime; None if not one.

    A time without an offset is taken as UTC, as AWS's own outputs mean it.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """`2026-01-15T09:00:00Z`, with `.ffffff` only when the time has microseconds."""
    value = value.astimezone(UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(pattern)


def parse_time(text: str, *, now: datetime) -> datetime | None:
    """A scenario time: `now`, a duration relative to `now`, or an absolute timestamp."""
    stripped = text.strip()
    if stripped == "now":
        return now
    delta = parse_duration(stripped)
    if delta is not None:
        return now + delta
    return parse_timestamp(stripped)
