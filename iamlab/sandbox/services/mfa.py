"""Virtual MFA devices' codes: TOTP (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits) by the
sandbox's clock.

The models keep no seed, so a device's seed is derived from the server's SECRET_KEY, the
sandbox and the device's serial number: stable for the device's life, different for every
device and sandbox. CreateVirtualMFADevice can show it as `Base32StringSeed`, and a test or a
lesson computes the current code with `current_code(device)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import MfaDevice

STEP_SECONDS = 30
DIGITS = 6


def _server_key() -> bytes:
    """SECRET_KEY; instructors' commands may run without one (serving never does)."""
    try:
        return settings.SECRET_KEY.encode()
    except ImproperlyConfigured:
        return b"iamlab-command-line-without-a-secret-key"


def seed(device: MfaDevice) -> bytes:
    """The device's 20-byte TOTP secret."""
    message = f"iamlab-mfa:{device.sandbox_id}:{device.serial_number}".encode()
    return hmac.new(_server_key(), message, hashlib.sha256).digest()[:20]


def base32_seed(device: MfaDevice) -> str:
    return base64.b32encode(seed(device)).decode()


def totp(secret: bytes, when: datetime, *, offset_steps: int = 0) -> str:
    counter = int(when.timestamp()) // STEP_SECONDS + offset_steps
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def current_code(device: MfaDevice, when: datetime | None = None) -> str:
    """The code the device shows now (by the sandbox's clock unless `when` is given)."""
    return totp(seed(device), when or device.sandbox.now())


def verify(device: MfaDevice, code: str, when: datetime) -> bool:
    """Accept the current code and its neighbours (AWS allows for some clock drift)."""
    secret = seed(device)
    return any(
        hmac.compare_digest(totp(secret, when, offset_steps=step), code) for step in (-1, 0, 1)
    )
