"""`allow(user, scope)` and the `rate_limited(scope)` view decorator.

Limits per scope come from settings.IAMLAB_RATE_LIMITS: {scope: (requests, seconds)}. Windows are
fixed (aligned to multiples of `seconds`); the counter is incremented with one UPDATE, so
concurrent processes never lose a hit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Window

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "simulate": (120, 60),
    "grade": (30, 60),
    "cli": (120, 60),
    "validate": (600, 60),
}


def limit_for(scope: str) -> tuple[int, int]:
    limits = {**DEFAULT_LIMITS, **getattr(settings, "IAMLAB_RATE_LIMITS", {})}
    return limits[scope]


def _window_start(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def allow(user, scope: str, *, now: datetime | None = None) -> tuple[bool, int]:  # noqa: ANN001
    """Count one request; (allowed?, seconds until the window resets)."""
    requests, seconds = limit_for(scope)
    now = now or timezone.now()
    start = _window_start(now, seconds)
    retry_after = max(1, int((start.timestamp() + seconds) - now.timestamp()))
    lookup = {"user": user, "scope": scope, "start": start}
    updated = Window.objects.filter(**lookup).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Window.objects.create(**lookup, count=1)
        except IntegrityError:  # another process created it first
            Window.objects.filter(**lookup).update(count=F("count") + 1)
    count = Window.objects.filter(**lookup).values_list("count", flat=True).first() or 0
    return count <= requests, retry_after


def rate_limited(scope: str) -> Callable:
    """Answer 429 Too Many Requests, with a message a learner understands, past the limit."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
            if request.user.is_authenticated:
                ok, retry_after = allow(request.user, scope)
                if not ok:
                    requests, seconds = limit_for(scope)
                    response = HttpResponse(
                        f"Slow down: at most {requests} {scope} requests every {seconds} seconds. "
                        f"Try again in {retry_after} seconds.",
                        status=429,
                        content_type="text/plain; charset=utf-8",
                    )
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
