"""Resource policies of Lambda functions, SQS queues and KMS keys, and EC2's use of roles
(instance profiles): small versions of the AWS operations, authorized through `authz`."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from iamlab.engine import PolicyKind, Severity, compile_policy, validate_policy

from ..identifiers import new_instance_id
from ..models import Ec2Instance, InstanceProfile, KmsKey, LambdaFunction, SqsQueue, named
from . import authz, calls
from .access_analyzer import policy_changed
from .errors import (
    AccessDeniedException,
    IncorrectState,
    InvalidAssociationIdNotFound,
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidInstanceIdNotFound,
    InvalidPaginationToken,
    InvalidParameterCombination,
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
from .iam_common import write
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
        with write(caller):
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
        with write(caller):
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
            with write(caller):
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
        with write(caller):
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
            with write(caller):
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
        with write(caller):
            instance.save(update_fields=["instance_profile"])
        return {"IamInstanceProfileAssociation": _association(instance, "associating")}


_STATE_CODES = {"pending": 0, "running": 16, "terminated": 48, "stopped": 80}


def association_id(instance: Ec2Instance) -> str:
    """The ID of an instance's instance profile association (`iip-assoc-` and 17 hex digits):
    the same while the association lasts, a new one when the profile changes."""
    seed = f"{instance.sandbox_id}/{instance.instance_id}/{instance.instance_profile_id}"
    return "iip-assoc-" + hashlib.sha256(seed.encode()).hexdigest()[:17]


def _association(instance: Ec2Instance, state: str = "associated") -> dict[str, Any]:
    profile = instance.instance_profile
    return {
        "AssociationId": association_id(instance),
        "InstanceId": instance.instance_id,
        "IamInstanceProfile": _profile_dict(profile),
        "State": state,
        "Timestamp": instance.launched,
    }


def _associated(caller: Caller) -> list[Ec2Instance]:
    return list(
        Ec2Instance.objects.filter(
            sandbox=caller.sandbox, account=caller.account, instance_profile__isnull=False
        )
        .select_related("instance_profile__account", "instance_profile__role__account", "account")
        .order_by("instance_id")
    )


def _by_association(caller: Caller, association: str) -> Ec2Instance:
    for instance in _associated(caller):
        if association_id(instance) == association:
            return instance
    raise InvalidAssociationIdNotFound(f"An association with ID {association} does not exist.")


def _filter_values(filters: Any) -> dict[str, list[str]]:
    """EC2's Filters ([{"Name": ..., "Values": [...]}]) as name → values."""
    out: dict[str, list[str]] = {}
    for entry in filters or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("Name"), str):
            raise InvalidParameterValue("The filter is not valid: each needs a Name and Values.")
        values = entry.get("Values") or []
        values = [values] if isinstance(values, str) else [str(v) for v in values]
        out.setdefault(entry["Name"], []).extend(values)
    return out


def _page(items: list[Any], max_results: Any, token: Any, low: int) -> tuple[list[Any], str]:
    start = 0
    if token:
        if not str(token).isdigit() or int(token) > len(items):
            raise InvalidPaginationToken(f"Invalid pagination token: {token}")
        start = int(token)
    if max_results is None:
        return items[start:], ""
    if isinstance(max_results, bool) or not isinstance(max_results, int):
        raise InvalidParameterValue(f"Value ({max_results}) for parameter maxResults is invalid.")
    if not low <= max_results <= 1000:
        raise InvalidParameterValue(
            f"Value ( {max_results} ) for parameter maxResults is invalid. "
            f"Expecting a value greater than {low - 1} and less than 1001."
        )
    end = start + max_results
    return items[start:end], str(end) if end < len(items) else ""


def describe_iam_instance_profile_associations(
    caller: Caller,
    *,
    AssociationIds: list[str] | None = None,
    Filters: list[dict[str, Any]] | None = None,
    MaxResults: int | None = None,
    NextToken: str | None = None,
) -> dict[str, Any]:
    """The account's instance profile associations; filters `instance-id` and `state`."""
    params = {"AssociationIds": AssociationIds, "Filters": Filters, "MaxResults": MaxResults}
    with calls.operation(caller, "ec2:DescribeIamInstanceProfileAssociations", params=params) as op:
        if AssociationIds and MaxResults is not None:
            raise InvalidParameterCombination(
                "The parameter AssociationIds cannot be used with the parameter MaxResults"
            )
        wanted = _filter_values(Filters)
        op.deny_error = _denied_ec2
        op.authorize("*")
        rows = [_association(i) for i in _associated(caller)]
        if AssociationIds:
            known = {row["AssociationId"] for row in rows}
            for association in AssociationIds:
                if association not in known:
                    raise InvalidAssociationIdNotFound(
                        f"An association with ID {association} does not exist."
                    )
            rows = [row for row in rows if row["AssociationId"] in AssociationIds]
        if "instance-id" in wanted:
            rows = [row for row in rows if row["InstanceId"] in wanted["instance-id"]]
        if "state" in wanted:
            rows = [row for row in rows if row["State"] in wanted["state"]]
        page, token = _page(rows, MaxResults, NextToken, low=5)
        out: dict[str, Any] = {"IamInstanceProfileAssociations": page}
        if token:
            out["NextToken"] = token
        return out


def replace_iam_instance_profile_association(
    caller: Caller, *, IamInstanceProfile: dict[str, str], AssociationId: str
) -> dict[str, Any]:
    """Give an instance another instance profile without disassociating the first: iam:PassRole
    on the new profile's role is needed too, as for AssociateIamInstanceProfile."""
    params = {"AssociationId": AssociationId, "IamInstanceProfile": IamInstanceProfile}
    with calls.operation(caller, "ec2:ReplaceIamInstanceProfileAssociation", params=params) as op:
        instance = _by_association(caller, AssociationId)
        op.deny_error = _denied_ec2
        op.authorize(instance.arn)
        profile = _profile(caller, IamInstanceProfile)
        if profile is None:
            raise InvalidParameterValue(
                "Value () for parameter iamInstanceProfile is invalid. "
                "Invalid IAM Instance Profile name"
            )
        if profile.role is not None:
            op.authorize(profile.role.arn, action="iam:PassRole")
        instance.instance_profile = profile
        with write(caller):
            instance.save(update_fields=["instance_profile"])
        return {"IamInstanceProfileAssociation": _association(instance, "associating")}


def disassociate_iam_instance_profile(caller: Caller, *, AssociationId: str) -> dict[str, Any]:
    with calls.operation(
        caller, "ec2:DisassociateIamInstanceProfile", params={"AssociationId": AssociationId}
    ) as op:
        instance = _by_association(caller, AssociationId)
        op.deny_error = _denied_ec2
        op.authorize(instance.arn)
        answer = _association(instance, "disassociating")
        instance.instance_profile = None
        with write(caller):
            instance.save(update_fields=["instance_profile"])
        return {"IamInstanceProfileAssociation": answer}


def _instance_shape(instance: Ec2Instance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "InstanceId": instance.instance_id,
        "State": {"Code": _STATE_CODES.get(instance.state, 16), "Name": instance.state},
        "LaunchTime": instance.launched,
        "Placement": {"AvailabilityZone": f"{instance.region}a"},
    }
    if instance.instance_profile is not None:
        out["IamInstanceProfile"] = _profile_dict(instance.instance_profile)
    if instance.tags:
        out["Tags"] = [{"Key": k, "Value": v} for k, v in instance.tags.items()]
    return out


def describe_instances(
    caller: Caller,
    *,
    InstanceIds: list[str] | None = None,
    Filters: list[dict[str, Any]] | None = None,
    MaxResults: int | None = None,
    NextToken: str | None = None,
) -> dict[str, Any]:
    """A minimal DescribeInstances: the account's instances in the caller's Region, each in a
    reservation of its own; filters `instance-id`, `instance-state-name` and
    `iam-instance-profile.arn`."""
    params = {"InstanceIds": InstanceIds, "Filters": Filters, "MaxResults": MaxResults}
    with calls.operation(caller, "ec2:DescribeInstances", params=params) as op:
        if InstanceIds and MaxResults is not None:
            raise InvalidParameterCombination(
                "The parameter instancesSet cannot be used with the parameter maxResults"
            )
        wanted = _filter_values(Filters)
        op.deny_error = _denied_ec2
        op.authorize("*")
        rows = list(
            Ec2Instance.objects.filter(
                sandbox=caller.sandbox, account=caller.account, region=caller.region
            )
            .select_related("instance_profile__account", "account")
            .order_by("launched", "instance_id")
        )
        if InstanceIds:
            known = {i.instance_id for i in rows}
            missing = [i for i in InstanceIds if i not in known]
            if len(missing) == 1:
                raise InvalidInstanceIdNotFound(f"The instance ID '{missing[0]}' does not exist")
            if missing:
                raise InvalidInstanceIdNotFound(
                    f"The instance IDs '{', '.join(missing)}' do not exist"
                )
            rows = [i for i in rows if i.instance_id in InstanceIds]
        if "instance-id" in wanted:
            rows = [i for i in rows if i.instance_id in wanted["instance-id"]]
        if "instance-state-name" in wanted:
            rows = [i for i in rows if i.state in wanted["instance-state-name"]]
        if "iam-instance-profile.arn" in wanted:
            arns = wanted["iam-instance-profile.arn"]
            rows = [i for i in rows if i.instance_profile and i.instance_profile.arn in arns]
        page, token = _page(rows, MaxResults, NextToken, low=5)
        reservations = [
            {
                "ReservationId": "r-" + hashlib.sha256(i.instance_id.encode()).hexdigest()[:17],
                "OwnerId": caller.account_id,
                "Instances": [_instance_shape(i)],
            }
            for i in page
        ]
        out: dict[str, Any] = {"Reservations": reservations}
        if token:
            out["NextToken"] = token
        return out
