"""The shared vocabulary of the question bank: topics, SAA-C03 exam domains, difficulties."""

# The curriculum's 21 topics (shared/docs/curriculum.md), slug -> short title.
TOPICS: dict[str, str] = {
    "root-user": "The root user",
    "users": "IAM users",
    "groups": "Groups",
    "policy-anatomy": "Policy anatomy and evaluation",
    "identity-vs-resource": "Identity-based vs resource-based policies",
    "policy-types": "Managed, customer managed and inline policies",
    "roles-sts": "Roles and temporary credentials (STS)",
    "least-privilege": "Least privilege",
    "third-party-access": "Third-party access",
    "mfa-elevation": "MFA and elevation",
    "instance-profiles": "Instance profiles",
    "access-keys": "Access keys",
    "permissions-boundaries": "Permissions boundaries",
    "cross-account": "Cross-account access",
    "federation": "Federation",
    "credential-report": "Credential report",
    "access-advisor": "Access Advisor",
    "access-analyzer": "IAM Access Analyzer",
    "best-practices": "Best practices",
    "organizations-scps": "Organizations and SCPs",
    "conditions": "Conditions and policy variables",
}

# SAA-C03 domains: slug -> (title, weight in percent of the scored content).
DOMAINS: dict[str, tuple[str, int]] = {
    "secure": ("Design Secure Architectures", 30),
    "resilient": ("Design Resilient Architectures", 26),
    "high-performing": ("Design High-Performing Architectures", 24),
    "cost-optimized": ("Design Cost-Optimized Architectures", 20),
}

DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")


def topic_title(slug: str) -> str:
    return TOPICS.get(slug, slug)


def domain_title(slug: str) -> str:
    return DOMAINS[slug][0] if slug in DOMAINS else slug
