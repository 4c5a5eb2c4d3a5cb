"""Resources that carry resource policies or roles: S3 buckets and objects, EC2 instances,
Lambda functions, SQS queues and KMS keys. All taggable (`tags`, a JSON object)."""

from __future__ import annotations

from django.db import models

from .base import DEFAULT_REGION, PARTITION, AccountScoped, SandboxScoped
from .iam import InstanceProfile, Role


class Bucket(AccountScoped):
    """An S3 bucket. Bucket names are global in AWS, so unique per sandbox here."""

    name = models.CharField(max_length=63)
    region = models.CharField(max_length=32, default=DEFAULT_REGION)
    created = models.DateTimeField()
    policy = models.TextField(blank=True, help_text="the bucket policy's JSON text; blank: none")
    block_public_acls = models.BooleanField(default=True)
    ignore_public_acls = models.BooleanField(default=True)
    block_public_policy = models.BooleanField(default=True)
    restrict_public_buckets = models.BooleanField(default=True)
    public_access_block = models.BooleanField(
        default=True, help_text="False once DeletePublicAccessBlock removed the configuration"
    )
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "name"], name="bucket_unique_per_sandbox"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:s3:::{self.name}"


class BucketObject(SandboxScoped):
    bucket = models.ForeignKey(Bucket, on_delete=models.CASCADE, related_name="bucket_objects")
    key = models.CharField(max_length=1024)
    body = models.TextField(blank=True, help_text="small text content, for lessons")
    size = models.PositiveBigIntegerField(default=0)
    content_type = models.CharField(max_length=255, default="binary/octet-stream")
    created = models.DateTimeField(help_text="LastModified")
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "key"], name="object_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:s3:::{self.bucket.name}/{self.key}"


class Ec2Instance(AccountScoped):
    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        STOPPED = "stopped"
        TERMINATED = "terminated"

    instance_id = models.CharField(max_length=19)
    region = models.CharField(max_length=32, default=DEFAULT_REGION)
    instance_profile = models.ForeignKey(
        InstanceProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    user_data = models.TextField(blank=True)
    launched = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sandbox", "instance_id"], name="instance_unique_per_sandbox"
            ),
        ]

    def __str__(self) -> str:
        return self.instance_id

    @property
    def arn(self) -> str:
        return (
            f"arn:{PARTITION}:ec2:{self.region}:{self.account.account_id}:"
            f"instance/{self.instance_id}"
        )


class LambdaFunction(AccountScoped):
    name = models.CharField(max_length=64)
    region = models.CharField(max_length=32, default=DEFAULT_REGION)
    role = models.ForeignKey(
        Role,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="functions",
        help_text="the execution role",
    )
    runtime = models.CharField(max_length=32, default="python3.12")
    handler = models.CharField(max_length=128, default="lambda_function.lambda_handler")
    description = models.CharField(max_length=256, blank=True)
    environment = models.JSONField(default=dict, blank=True)
    policy = models.TextField(blank=True, help_text="the resource-based policy's JSON text")
    created = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "region", "name"], name="function_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return (
            f"arn:{PARTITION}:lambda:{self.region}:{self.account.account_id}:function:{self.name}"
        )


class SqsQueue(AccountScoped):
    name = models.CharField(max_length=80)
    region = models.CharField(max_length=32, default=DEFAULT_REGION)
    policy = models.TextField(blank=True, help_text="the queue policy's JSON text")
    created = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "region", "name"], name="queue_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:sqs:{self.region}:{self.account.account_id}:{self.name}"

    @property
    def url(self) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account.account_id}/{self.name}"


class KmsKey(AccountScoped):
    key_id = models.CharField(max_length=36)
    region = models.CharField(max_length=32, default=DEFAULT_REGION)
    aliases = models.JSONField(default=list, blank=True, help_text='["alias/NAME", …]')
    description = models.CharField(max_length=8192, blank=True)
    policy = models.TextField(help_text="the key policy's JSON text")
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField()
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key_id"], name="kms_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key_id

    @property
    def arn(self) -> str:
        return f"arn:{PARTITION}:kms:{self.region}:{self.account.account_id}:key/{self.key_id}"
