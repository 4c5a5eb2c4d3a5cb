"""AWS's identifiers, generated the way AWS generates them.

IAM unique ids are a four-letter prefix that says what the id names (AIDA user, AGPA group, AROA
role, ANPA managed policy, AIPA instance profile) followed by 17 characters of base32 (A-Z, 2-7):
21 characters in all. Access key ids are AKIA (long-term) or ASIA (temporary) plus 16 characters.
Every generator takes its randomness from `secrets`, so ids are unguessable like AWS's.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid

_BASE32 = string.ascii_uppercase + "234567"
_LOWER_ALNUM = string.ascii_lowercase + string.digits

USER_PREFIX = "AIDA"
GROUP_PREFIX = "AGPA"
ROLE_PREFIX = "AROA"
POLICY_PREFIX = "ANPA"
INSTANCE_PROFILE_PREFIX = "AIPA"
ACCESS_KEY_PREFIX = "AKIA"
SESSION_KEY_PREFIX = "ASIA"

UNIQUE_ID_RE = re.compile(r"^[A-Z0-9]{16,128}$")
ACCESS_KEY_ID_RE = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{12,124}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9]{12}$")
ORG_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
ROOT_ID_RE = re.compile(r"^r-[0-9a-z]{4,32}$")
OU_ID_RE = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
ORG_POLICY_ID_RE = re.compile(r"^p-[0-9a-zA-Z_]{8,128}$")
INSTANCE_ID_RE = re.compile(r"^i-([0-9a-f]{8}|[0-9a-f]{17})$")
KMS_KEY_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_unique_id(prefix: str) -> str:
    """An IAM unique id: `prefix` + 17 base32 characters (AIDA…, AGPA…, AROA…, ANPA…, AIPA…)."""
    return prefix + _random(_BASE32, 17)


def new_access_key_id(*, temporary: bool = False) -> str:
    """AKIA… for an IAM user's or root's long-term key, ASIA… for STS credentials."""
    return (SESSION_KEY_PREFIX if temporary else ACCESS_KEY_PREFIX) + _random(_BASE32, 16)


def new_secret_access_key() -> str:
    """40 characters of base64's alphabet, as AWS's secret access keys are."""
    return _random(string.ascii_letters + string.digits + "+/", 40)


def new_session_token() -> str:
    return _random(string.ascii_letters + string.digits + "+/", 356)


def new_account_id() -> str:
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def new_organization_id() -> str:
    return "o-" + _random(_LOWER_ALNUM, 10)


def new_root_id() -> str:
    return "r-" + _random(_LOWER_ALNUM, 4)


def new_ou_id(root_id: str) -> str:
    """OU ids carry their root's suffix: ou-ROOT-8chars."""
    return f"ou-{root_id.removeprefix('r-')}-" + _random(_LOWER_ALNUM, 8)


def new_org_policy_id() -> str:
    return "p-" + _random(_LOWER_ALNUM, 8)


def new_instance_id() -> str:
    return "i-" + _random("0123456789abcdef", 17)


def new_kms_key_id() -> str:
    return str(uuid.uuid4())
