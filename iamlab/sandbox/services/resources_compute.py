"""Resource policies of Lambda functions, SQS queues and KMS keys, and EC2's use of roles
(instance profiles): small versions of the AWS operations, authorized through `authz`."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from iamlab.engine import PolicyKind, Severity, compile_policy, validate_policy

from ..identifiers import new_instance_id
from ..models import Ec2Instance, InstanceProfile, KmsKey, LambdaFunction, SqsQueue, named
from . import authz, calls
from .access_analyzer import policy_changed
from .errors import (
    AccessDeniedException,
    IncorrectState,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidInstanceIdNotFound,
    InvalidParameterValue,
    InvalidParameterValueException,
    KmsAccessDenied,
    KmsMalformedPolicyDocument,
    KmsNotFound,
    QueueDoesNotExist,
    ResourceConflictException,
    ResourceNotFoundException,
    UnauthorizedOperation,
)
from .principals import Caller


def _denied_ec2(message: str) -> UnauthorizedOperation:
    return UnauthorizedOperation(f"You are not authorized to perform this operation. {message}")


def _problems(text: str, kind: PolicyKind) -> str | None:
    try:
        json.loads(text)
    except (TypeError, ValueError):
        return "This policy contains invalid Json"
    errors = [p for p in validate_policy(text, kind) if p.severity is Severity.ERROR]
    return errors[0].message if errors else None


# ------------------------------------------------------------------------------------ Lambda
def _function(caller: Caller, name: str) -> LambdaFunction:
    match = re.fullmatch(r"arn:aws:lambda:([\w-]+):(\d{12}):function:([\w-]+)(:.+)?", name)
    region, account_id, name = (
        match.group(1, 2, 3) if match else (caller.region, caller.account_id, name)
    )
    function = (
        LambdaFunction.objects.filter(
            sandbox=caller.sandbox, account__account_id=account_id, region=region, name=name
        )
        .select_related("account")
        .first()
    )
    if function is None:
        arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
        raise ResourceNotFoundException(f"Function not found: {arn}")
    return function


def _statements(text: str) -> list[dict[str, Any]]:
    if not text:
        return []
    statements = json.loads(text).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def add_permission(
    caller: Caller,
    *,
    FunctionName: str,
    StatementId: str,
    Action: str,
    Principal: str,
    SourceArn: str | None = None,
    SourceAccount: str | None = None,
    PrincipalOrgID: str | None = None,
) -> dict[str, Any]:
    function = _function(caller, FunctionName)
    params = {"FunctionName": FunctionName, "StatementId": StatementId, "Action": Action}
    with calls.authorized_call(
        caller,
        "lambda:AddPermission",
        function.arn,
        params=params,
        deny_error=AccessDeniedException,
    ):
        statements = _statements(function.policy)
        if any(s.get("Sid") == StatementId for s in statements):
            raise ResourceConflictException(
                f"The statement id ({StatementId}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement."
            )
        if Principal.endswith(".amazonaws.com"):
            principal: dict[str, str] | str = {"Service": Principal}
        elif Principal == "*":
            principal = "*"
        elif re.fullmatch(r"\d{12}", Principal):
            principal = {"AWS": f"arn:aws:iam::{Principal}:root"}
        else:
            principal = {"AWS": Principal}
        statement: dict[str, Any] = {
            "Sid": StatementId,
            "Effect": "Allow",
            "Principal": principal,
            "Action": Action,
            "Resource": function.arn,
        }
        condition: dict[str, dict[str, str]] = {}
        if SourceArn:
            condition.setdefault("ArnLike", {})["AWS:SourceArn"] = SourceArn
        if SourceAccount:
            condition.setdefault("StringEquals", {})["AWS:SourceAccount"] = SourceAccount
        if PrincipalOrgID:
            condition.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = PrincipalOrgID
        if condition:
            statement["Condition"] = condition
        try:
            compile_policy({"Version": "2012-10-17", "Statement": [statement]})
        except Exception as exc:  # noqa: BLE001 - the engine's reason is the answer
            raise InvalidParameterValueException(str(exc)) from None
        document = {"Version": "2012-10-17", "Id": "default", "Statement": [*statements, statement]}
        function.policy = json.dumps(document)
        function.save(update_fields=["policy"])
        policy_changed(caller.sandbox, function.arn)
        return {"Statement": json.dumps(statement)}


def remove_permission(caller: Caller, *, FunctionName: str, StatementId: str) -> dict[str, Any]:
    function = _function(caller, FunctionName)
    params = {"FunctionName": FunctionName, "StatementId": StatementId}
    with calls.authorized_call(
        caller,
        "lambda:RemovePermission",
        function.arn,
        params=params,
        deny_error=AccessDeniedException,
    ):
        statements = _statements(function.policy)
        kept = [s for s in statements if s.get("Sid") != StatementId]
        if len(kept) == len(statements):
            raise ResourceNotFoundException(
                f"Statement {StatementId} is not found in resource policy."
            )
        function.policy = (
            json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": kept})
            if kept
            else ""
        )
        function.save(update_fields=["policy"])
        policy_changed(caller.sandbox, function.arn)
        return {}


def get_policy(caller: Caller, *, FunctionName: str) -> dict[str, Any]:
    function = _function(caller, FunctionName)
    with calls.authorized_call(
        caller,
        "lambda:GetPolicy",
        function.arn,
        params={"FunctionName": FunctionName},
        deny_error=AccessDeniedException,
    ):
        if not function.policy:
            raise ResourceNotFoundException()
        return {"Policy": function.policy, "RevisionId": str(function.pk)}


# --------------------------------------------------------------------------------------- SQS
def _queue(caller: Caller, url: str) -> SqsQueue:
    match = re.fullmatch(r"https://sqs\.([\w-]+)\.amazonaws\.com/(\d{12})/([\w.-]+)", url or "")
    queue = None
    if match:
        region, account_id, name = match.groups()
        queue = (
            SqsQueue.objects.filter(
                sandbox=caller.sandbox, account__account_id=account_id, region=region, name=name
            )
            .select_related("account")
            .first()
        )
    if queue is None:
        raise QueueDoesNotExist()
    return queue


QUEUE_ATTRIBUTES = {"Policy", "DelaySeconds", "VisibilityTimeout", "MessageRetentionPeriod"}


def set_queue_attributes(caller: Caller, *, QueueUrl: str, Attributes: dict[str, str]) -> dict:
    queue = _queue(caller, QueueUrl)
    params = {"QueueUrl": QueueUrl, "Attributes": Attributes}
    with calls.authorized_call(caller, "sqs:SetQueueAttributes", queue.arn, params=params):
        for name in Attributes:
            if name not in QUEUE_ATTRIBUTES:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
        if "Policy" in Attributes:
            text = Attributes["Policy"]
            if text and _problems(text, PolicyKind.RESOURCE):
                raise InvalidAttributeValue("Invalid value for the parameter Policy.")
            queue.policy = text
            queue.save(update_fields=["policy"])
            policy_changed(caller.sandbox, queue.arn)
        return {}


def get_queue_attributes(
    caller: Caller, *, QueueUrl: str, AttributeNames: list[str] | None = None
) -> dict[str, Any]:
    queue = _queue(caller, QueueUrl)
    with calls.authorized_call(
        caller, "sqs:GetQueueAttributes", queue.arn, params={"QueueUrl": QueueUrl}
    ):
        names = set(AttributeNames or ["All"])
        every = {"QueueArn": queue.arn, "Policy": queue.policy}
        wanted = {k: v for k, v in every.items() if ("All" in names or k in names) and v}
        return {"Attributes": wanted}


# --------------------------------------------------------------------------------------- KMS
def _key(caller: Caller, key_id: str) -> KmsKey:
    match = re.fullmatch(r"arn:aws:kms:([\w-]+):(\d{12}):key/([\w-]+)", key_id or "")
    region, account_id, kid = (
        match.groups() if match else (caller.region, caller.account_id, key_id)
    )
    key = (
        KmsKey.objects.filter(
            sandbox=caller.sandbox, account__account_id=account_id, region=region, key_id=kid
        )
        .select_related("account")
        .first()
    )
    if key is None:
        raise KmsNotFound(f"Key '{f'arn:aws:kms:{region}:{account_id}:key/{kid}'}' does not exist")
    return key


def put_key_policy(
    caller: Caller,
    *,
    KeyId: str,
    Policy: str,
    PolicyName: str = "default",
    BypassPolicyLockoutSafetyCheck: bool = False,
) -> dict[str, Any]:
    key = _key(caller, KeyId)
    params = {"KeyId": KeyId, "PolicyName": PolicyName, "Policy": Policy}
    with calls.authorized_call(
        caller, "kms:PutKeyPolicy", key.arn, params=params, deny_error=KmsAccessDenied
    ):
        if PolicyName != "default":
            raise InvalidParameterValue("PolicyName must be default", code="ValidationException")
        problem = _problems(Policy, PolicyKind.RESOURCE)
        if problem:
            raise KmsMalformedPolicyDocument(problem)
        if not BypassPolicyLockoutSafetyCheck:
            # The new policy must still let the caller change it (KMS's lockout safety check).
            check = authz.authorize(
                caller.sandbox,
                None,
                "kms:PutKeyPolicy",
                key.arn,
                caller=caller,
                explain=False,
                resource_policy=compile_policy(json.loads(Policy)),
            )
            if not check.allowed:
                raise KmsMalformedPolicyDocument(
                    "The new key policy will not allow you to update the key policy in the future."
                )
        key.policy = Policy
        key.save(update_fields=["policy"])
        policy_changed(caller.sandbox, key.arn)
        return {}


def get_key_policy(caller: Caller, *, KeyId: str, PolicyName: str = "default") -> dict[str, Any]:
    key = _key(caller, KeyId)
    with calls.authorized_call(
        caller, "kms:GetKeyPolicy", key.arn, params={"KeyId": KeyId}, deny_error=KmsAccessDenied
    ):
        return {"Policy": key.policy, "PolicyName": "default"}


# --------------------------------------------------------------------------------------- EC2
def _profile(caller: Caller, spec: dict[str, str] | None) -> InstanceProfile | None:
    if not spec:
        return None
    name = spec.get("Name") or (spec.get("Arn") or "").rsplit("/", 1)[-1]
    profile = (
        named(InstanceProfile.objects.filter(sandbox=caller.sandbox, account=caller.account), name)
        .select_related("role__account", "account")
        .first()
    )
    if profile is None:
        raise InvalidParameterValue(
            f"Value ({name}) for parameter iamInstanceProfile.name is invalid. "
            "Invalid IAM Instance Profile name"
        )
    return profile


def _profile_dict(profile: InstanceProfile) -> dict[str, str]:
    return {"Arn": profile.arn, "Id": profile.instance_profile_id}


def run_instances(
    caller: Caller,
    *,
    ImageId: str,
    MinCount: int = 1,
    MaxCount: int = 1,
    IamInstanceProfile: dict[str, str] | None = None,
    UserData: str = "",
) -> dict[str, Any]:
    resource = f"arn:aws:ec2:{caller.region}:{caller.account_id}:instance/*"
    params = {"ImageId": ImageId, "MaxCount": MaxCount, "IamInstanceProfile": IamInstanceProfile}
    with calls.operation(caller, "ec2:RunInstances", params=params) as op:
        op.deny_error = _denied_ec2
        op.authorize(resource)
        profile = _profile(caller, IamInstanceProfile)
        if profile is not None and profile.role is not None:
            op.authorize(profile.role.arn, action="iam:PassRole")
        instances = []
        for _ in range(max(1, min(MaxCount, 20))):
            instance = Ec2Instance.objects.create(
                sandbox=caller.sandbox,
                account=caller.account,
                instance_id=new_instance_id(),
                region=caller.region,
                instance_profile=profile,
                user_data=UserData,
                launched=caller.sandbox.now(),
            )
            entry: dict[str, Any] = {
                "InstanceId": instance.instance_id,
                "ImageId": ImageId,
                "State": {"Code": 16, "Name": "running"},
            }
            if profile is not None:
                entry["IamInstanceProfile"] = _profile_dict(profile)
            instances.append(entry)
        return {"Instances": instances, "OwnerId": caller.account_id}


def associate_iam_instance_profile(
    caller: Caller, *, IamInstanceProfile: dict[str, str], InstanceId: str
) -> dict[str, Any]:
    instance = Ec2Instance.objects.filter(sandbox=caller.sandbox, instance_id=InstanceId).first()
    arn = f"arn:aws:ec2:{caller.region}:{caller.account_id}:instance/{InstanceId}"
    params = {"InstanceId": InstanceId, "IamInstanceProfile": IamInstanceProfile}
    with calls.operation(caller, "ec2:AssociateIamInstanceProfile", params=params) as op:
        op.resource = arn
        if instance is None or instance.account_id != caller.account.pk:
            raise InvalidInstanceIdNotFound(f"The instance ID '{InstanceId}' does not exist")
        op.deny_error = _denied_ec2
        op.authorize(arn)
        profile = _profile(caller, IamInstanceProfile)
        if profile.role is not None:
            op.authorize(profile.role.arn, action="iam:PassRole")
        if instance.instance_profile_id is not None:
            raise IncorrectState(f"There is an existing association for instance {InstanceId}")
        instance.instance_profile = profile
        instance.save(update_fields=["instance_profile"])
        return {
            "IamInstanceProfileAssociation": {
                "AssociationId": "iip-assoc-" + secrets.token_hex(8)[:17],
                "InstanceId": InstanceId,
                "IamInstanceProfile": _profile_dict(profile),
                "State": "associating",
            }
        }
