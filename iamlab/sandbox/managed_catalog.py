"""The catalogs of AWS managed policies, shipped as data (see data/aws_managed_policies/README.md).

The sandbox never copies an AWS managed policy: an attachment keeps the ARN
(arn:aws:iam::aws:policy/PATH/NAME) and this module answers with the policy. The data has one
file per policy, `<PolicyName>.json`, in the IAM API's shape (PolicyName, Arn, Path, PolicyId,
DefaultVersionId, Description, CreateDate, UpdateDate, Versions[VersionId, IsDefaultVersion,
CreateDate, Document]). Organizations' managed policies (FullAWSAccess, RCPFullAWSAccess) are
in the same shape under data/organizations_managed_policies/.

Lookups read one file and are cached for the life of the process (`reset_cache()` forgets).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOG_DIR = DATA_DIR / "aws_managed_policies"
ORGANIZATIONS_DIR = DATA_DIR / "organizations_managed_policies"
ARN_PREFIX = "arn:aws:iam::aws:policy/"
_NAME_RE = re.compile(r"[\w+=,.@-]{1,128}")


def policy_name_from_arn(arn: str) -> str:
    """arn:aws:iam::aws:policy/service-role/NAME → NAME."""
    return arn.rsplit("/", 1)[-1]


def is_aws_managed_arn(arn: str) -> bool:
    return arn.startswith(ARN_PREFIX)


def aws_managed_policy(name_or_arn: str) -> dict[str, Any] | None:
    """An AWS managed policy by name or ARN (for an ARN the path must match too), or None.

    The answer is {"name", "arn", "path", "policy_id", "description", "created", "updated",
    "version_id", "document", "versions"}: `document` is the default version's document (a
    dict), `versions` lists {"version_id", "is_default", "created", "document"} newest first,
    and dates are the data's ISO 8601 text (None where unknown). Treat it as read-only.
    """
    by_arn = is_aws_managed_arn(name_or_arn)
    name = policy_name_from_arn(name_or_arn) if by_arn else name_or_arn
    entry = _read(str(CATALOG_DIR), name)
    if entry is None or (by_arn and entry["arn"] != name_or_arn):
        return None
    return entry


def organizations_managed_policy(name: str) -> dict[str, Any] | None:
    """FullAWSAccess or RCPFullAWSAccess, in the same shape plus "type"; None if unknown."""
    return _read(str(ORGANIZATIONS_DIR), name)


def aws_managed_policy_names() -> list[str]:
    """Every AWS managed policy name the catalog has, sorted."""
    if not CATALOG_DIR.is_dir():
        return []
    return sorted(path.stem for path in CATALOG_DIR.glob("*.json"))


def reset_cache() -> None:
    _read.cache_clear()


@lru_cache(maxsize=4096)
def _read(directory: str, name: str) -> dict[str, Any] | None:
    if not _NAME_RE.fullmatch(name):
        return None
    try:
        data = json.loads((Path(directory) / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("PolicyName") != name:
        return None  # also guards against case-insensitive file systems
    versions = [
        {
            "version_id": v.get("VersionId"),
            "is_default": bool(v.get("IsDefaultVersion")),
            "created": v.get("CreateDate"),
            "document": v.get("Document"),
        }
        for v in data.get("Versions") or []
        if isinstance(v, dict) and isinstance(v.get("Document"), dict)
    ]
    default = next((v for v in versions if v["is_default"]), None)
    if default is None:
        return None
    return {
        "name": name,
        "arn": data.get("Arn") or "",
        "path": data.get("Path") or "/",
        "policy_id": data.get("PolicyId"),
        "type": data.get("Type"),
        "description": data.get("Description") or "",
        "created": data.get("CreateDate"),
        "updated": data.get("UpdateDate"),
        "version_id": default["version_id"],
        "document": default["document"],
        "versions": versions,
    }
