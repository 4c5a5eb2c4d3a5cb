"""The sandbox's models, one module per concept; import them from here.

Every model carries `sandbox` (a foreign key), so keeping learners apart is one filter.
"""

from .activity import ActivityEvent
from .audit import Analyzer, AnalyzerFinding, AuditReport
from .base import DEFAULT_REGION, PARTITION, iam_arn, named, valid_path
from .credentials import AccessKey, MfaDevice, StsSession, hash_secret
from .iam import (
    AWS_MANAGED_POLICY_PREFIX,
    GroupMembership,
    IamGroup,
    IamUser,
    IdentityProvider,
    InlinePolicy,
    InstanceProfile,
    ManagedPolicy,
    PolicyAttachment,
    PolicyVersion,
    Role,
)
from .organizations import (
    FULL_AWS_ACCESS,
    RCP_FULL_AWS_ACCESS,
    Organization,
    OrganizationalUnit,
    OrganizationPolicy,
    OrganizationPolicyAttachment,
)
from .resources import Bucket, BucketObject, Ec2Instance, KmsKey, LambdaFunction, SqsQueue
from .sandbox import Account, Sandbox, StaleSandboxError

__all__ = [
    "AWS_MANAGED_POLICY_PREFIX",
    "DEFAULT_REGION",
    "FULL_AWS_ACCESS",
    "PARTITION",
    "RCP_FULL_AWS_ACCESS",
    "AccessKey",
    "Account",
    "ActivityEvent",
    "Analyzer",
    "AnalyzerFinding",
    "AuditReport",
    "Bucket",
    "BucketObject",
    "Ec2Instance",
    "GroupMembership",
    "IamGroup",
    "IamUser",
    "IdentityProvider",
    "InlinePolicy",
    "InstanceProfile",
    "KmsKey",
    "LambdaFunction",
    "ManagedPolicy",
    "MfaDevice",
    "Organization",
    "OrganizationPolicy",
    "OrganizationPolicyAttachment",
    "OrganizationalUnit",
    "PolicyAttachment",
    "PolicyVersion",
    "Role",
    "Sandbox",
    "SqsQueue",
    "StaleSandboxError",
    "StsSession",
    "hash_secret",
    "iam_arn",
    "named",
    "valid_path",
]
