"""The lesson format's fixed vocabulary: topics, exam domains, difficulties, the keys of a
lesson and of a step, entity types, and the patterns of slugs, accounts, actions and ARNs."""

from __future__ import annotations

import re

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ACCOUNT_RE = re.compile(r"\d{12}")
ACCOUNT_TEXT = "a 12-digit account id"
ACTION_RE = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
ARN_RE = re.compile(r"arn:aws:(iam|sts)::\d{12}:.+")
# The sandbox's service modules a solution action may call (`MODULE.operation`).
SERVICE_MODULES = [
    "iam",
    "sts",
    "resources",
    "resources_compute",
    "organizations",
    "access_analyzer",
]
CALL_RE = re.compile(r"(" + "|".join(SERVICE_MODULES) + r")\.[a-z_][a-z0-9_]*")

TOPICS = [
    "root-user",
    "users",
    "groups",
    "policy-anatomy",
    "identity-vs-resource",
    "policy-types",
    "roles-sts",
    "least-privilege",
    "third-party-access",
    "mfa-elevation",
    "instance-profiles",
    "access-keys",
    "permissions-boundaries",
    "cross-account",
    "federation",
    "credential-report",
    "access-advisor",
    "access-analyzer",
    "best-practices",
    "organizations-scps",
    "conditions",
]
DOMAINS = ["secure", "resilient", "high-performing", "cost-optimized"]
DIFFICULTIES = ["beginner", "intermediate", "advanced"]

TOP_KEYS = [
    "id",
    "title",
    "summary",
    "version",
    "order",
    "topics",
    "domains",
    "difficulty",
    "minutes",
    "prerequisites",
    "setup",
    "acting_as",
    "editable",
    "steps",
    "quiz",
]
TOP_REQUIRED = [
    "id",
    "title",
    "summary",
    "version",
    "order",
    "topics",
    "domains",
    "difficulty",
    "minutes",
    "setup",
    "acting_as",
    "steps",
]
STEP_KEYS = ["id", "title", "instructions", "hints", "checks", "explanation", "solution"]
STEP_REQUIRED = ["id", "title", "instructions", "checks", "explanation", "solution"]
EDITABLE_KINDS = ["account", "user", "group", "role", "policy", "bucket"]
ENTITY_TYPES = [
    "user",
    "group",
    "role",
    "policy",
    "instance_profile",
    "bucket",
    "identity_provider",
]
CLOCK_UNITS = ["days", "hours", "minutes"]
