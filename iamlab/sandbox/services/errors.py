"""AWS's errors, one class per error code, with AWS's HTTP status and (where AWS's wording is
known) its message.

    raise NoSuchEntity(f"The user with name {name} cannot be found.")
    raise LimitExceeded("Cannot exceed quota for UsersPerAccount: 5000")

Messages come from the IAM, STS, S3, Lambda, SQS, KMS and EC2 API references ("Errors" sections
and "Common Errors") and from what the services answer. A class's `default_message` is used when
no message is given.
"""

from __future__ import annotations

from typing import Any


class AwsError(Exception):
    """An error as the AWS API returns it: `code`, `message`, `http_status`.

    `sender` is False for AWS-side faults (HTTP 5xx), as the API's `Error.Type` says.
    """

    code = "InternalFailure"
    http_status = 500
    default_message = "The request processing has failed because of an unknown error."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, http_status: int | None = None
    ) -> None:
        self.message = self.default_message if message is None else message
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status
        super().__init__(f"{self.code}: {self.message}")

    @property
    def sender(self) -> bool:
        return self.http_status < 500

    def to_dict(self) -> dict[str, Any]:
        """The body of AWS's error response (`ErrorResponse.Error`)."""
        return {
            "Error": {
                "Type": "Sender" if self.sender else "Receiver",
                "Code": self.code,
                "Message": self.message,
            }
        }


def _error(name: str, code: str, status: int, message: str = "") -> type[AwsError]:
    return type(
        name, (AwsError,), {"code": code, "http_status": status, "default_message": message}
    )


# --- Common to every service (IAM/STS "Common Errors") --------------------------------------
class AccessDenied(AwsError):
    code = "AccessDenied"
    http_status = 403
    default_message = "Access Denied"


class ValidationError(AwsError):
    """A parameter breaks its constraint: "1 validation error detected: Value 'x' at 'name'
    failed to satisfy constraint: Member must ..." (see `validation_message`)."""

    code = "ValidationError"
    http_status = 400
    default_message = "The input fails to satisfy the constraints specified by an AWS service."


class InvalidClientTokenId(AwsError):
    code = "InvalidClientTokenId"
    http_status = 403
    default_message = "The security token included in the request is invalid."


class ExpiredToken(AwsError):
    code = "ExpiredToken"
    http_status = 403
    default_message = "The security token included in the request is expired"


class SignatureDoesNotMatch(AwsError):
    code = "SignatureDoesNotMatch"
    http_status = 403
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


class ServiceFailure(AwsError):
    code = "ServiceFailure"
    http_status = 500
    default_message = "The request processing has failed because of an unknown error."


# --- IAM ---------------------------------------------------------------------------------------
class NoSuchEntity(AwsError):
    code = "NoSuchEntity"
    http_status = 404
    default_message = (
        "The request was rejected because it referenced a resource entity that does not exist."
    )


class EntityAlreadyExists(AwsError):
    code = "EntityAlreadyExists"
    http_status = 409
    default_message = (
        "The request was rejected because it attempted to create a resource that already exists."
    )


class LimitExceeded(AwsError):
    code = "LimitExceeded"
    http_status = 409
    default_message = (
        "The request was rejected because it attempted to create resources beyond the "
        "current AWS account limits."
    )


class MalformedPolicyDocument(AwsError):
    code = "MalformedPolicyDocument"
    http_status = 400
    default_message = "Syntax errors in policy."


class DeleteConflict(AwsError):
    code = "DeleteConflict"
    http_status = 409
    default_message = "Cannot delete entity, must detach all policies first."


class InvalidInput(AwsError):
    code = "InvalidInput"
    http_status = 400
    default_message = (
        "The request was rejected because an invalid or out-of-range value was supplied "
        "for an input parameter."
    )


class UnmodifiableEntity(AwsError):
    code = "UnmodifiableEntity"
    http_status = 400
    default_message = (
        "The request was rejected because service-linked roles are protected AWS resources."
    )


class ConcurrentModification(AwsError):
    """The sandbox changed under the call (`Sandbox.bump_version` found a newer version)."""

    code = "ConcurrentModification"
    http_status = 409
    default_message = (
        "The request was rejected because multiple requests to change this object were "
        "submitted simultaneously. Wait a few minutes and submit your request again."
    )


class EntityTemporarilyUnmodifiable(AwsError):
    code = "EntityTemporarilyUnmodifiable"
    http_status = 409


class PasswordPolicyViolation(AwsError):
    code = "PasswordPolicyViolation"
    http_status = 400


class InvalidAuthenticationCode(AwsError):
    code = "InvalidAuthenticationCode"
    http_status = 403
    default_message = "Authentication code for device is not valid."


class ReportNotPresent(AwsError):
    code = "ReportNotPresent"
    http_status = 410
    default_message = (
        "The request was rejected because the credential report does not exist. To generate a "
        "credential report, use GenerateCredentialReport."
    )


class ReportExpired(AwsError):
    code = "ReportExpired"
    http_status = 410
    default_message = (
        "The request was rejected because the most recent credential report has expired. To "
        "generate a new credential report, use GenerateCredentialReport. For more information "
        "about credential report expiration, see Getting credential reports in the IAM User "
        "Guide."
    )


class ReportInProgress(AwsError):
    code = "ReportInProgress"
    http_status = 404
    default_message = (
        "The request was rejected because the credential report is still being generated."
    )


# --- STS ---------------------------------------------------------------------------------------
class PackedPolicyTooLarge(AwsError):
    code = "PackedPolicyTooLarge"
    http_status = 400


class RegionDisabled(AwsError):
    code = "RegionDisabled"
    http_status = 403


class InvalidIdentityToken(AwsError):
    code = "InvalidIdentityToken"
    http_status = 400
    default_message = (
        "The web identity token that was passed could not be validated by AWS. Get a new "
        "identity token from the identity provider and then retry the request."
    )


class IDPRejectedClaim(AwsError):
    code = "IDPRejectedClaim"
    http_status = 403
    default_message = "The identity provider (IdP) reported that authentication failed."


class IDPCommunicationError(AwsError):
    code = "IDPCommunicationError"
    http_status = 400


class ExpiredTokenException(AwsError):
    """AssumeRoleWithSAML/WithWebIdentity: the assertion or token is past its expiry."""

    code = "ExpiredTokenException"
    http_status = 400
    default_message = (
        "The web identity token that was passed is expired or is not valid. Get a new "
        "identity token from the identity provider and then retry the request."
    )


class MalformedPolicyDocumentSts(AwsError):
    code = "MalformedPolicyDocument"
    http_status = 400
    default_message = "The request was rejected because the policy document was malformed."


# --- S3 ----------------------------------------------------------------------------------------
NoSuchBucket = _error("NoSuchBucket", "NoSuchBucket", 404, "The specified bucket does not exist")
NoSuchBucketPolicy = _error(
    "NoSuchBucketPolicy", "NoSuchBucketPolicy", 404, "The bucket policy does not exist"
)
NoSuchKey = _error("NoSuchKey", "NoSuchKey", 404, "The specified key does not exist.")
NoSuchPublicAccessBlockConfiguration = _error(
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchPublicAccessBlockConfiguration",
    404,
    "The public access block configuration was not found",
)
MalformedPolicy = _error(
    "MalformedPolicy",
    "MalformedPolicy",
    400,
    "Policies must be valid JSON and the first byte must be '{'",
)
BucketAlreadyExists = _error(
    "BucketAlreadyExists",
    "BucketAlreadyExists",
    409,
    "The requested bucket name is not available. The bucket namespace is shared by all users "
    "of the system. Please select a different name and try again.",
)
BucketAlreadyOwnedByYou = _error(
    "BucketAlreadyOwnedByYou",
    "BucketAlreadyOwnedByYou",
    409,
    "Your previous request to create the named bucket succeeded and you already own it.",
)
InvalidBucketName = _error(
    "InvalidBucketName", "InvalidBucketName", 400, "The specified bucket is not valid."
)
BucketNotEmpty = _error(
    "BucketNotEmpty", "BucketNotEmpty", 409, "The bucket you tried to delete is not empty"
)

# --- Lambda, SQS, KMS, EC2 (their own names for the same failures) -------------------------
AccessDeniedException = _error("AccessDeniedException", "AccessDeniedException", 403)
ResourceNotFoundException = _error(
    "ResourceNotFoundException",
    "ResourceNotFoundException",
    404,
    "The resource you requested does not exist.",
)
ResourceConflictException = _error("ResourceConflictException", "ResourceConflictException", 409)
InvalidParameterValueException = _error(
    "InvalidParameterValueException", "InvalidParameterValueException", 400
)
PolicyLengthExceededException = _error(
    "PolicyLengthExceededException",
    "PolicyLengthExceededException",
    400,
    "The function's resource-based policy exceeds 20 KB.",
)
QueueDoesNotExist = _error(
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    400,
    "The specified queue does not exist.",
)
InvalidAttributeValue = _error("InvalidAttributeValue", "InvalidAttributeValue", 400)
InvalidAttributeName = _error("InvalidAttributeName", "InvalidAttributeName", 400)
KmsNotFound = _error("KmsNotFound", "NotFoundException", 400)
KmsMalformedPolicyDocument = _error(
    "KmsMalformedPolicyDocument", "MalformedPolicyDocumentException", 400
)
KmsAccessDenied = _error("KmsAccessDenied", "AccessDeniedException", 400)
UnauthorizedOperation = _error(
    "UnauthorizedOperation",
    "UnauthorizedOperation",
    403,
    "You are not authorized to perform this operation.",
)
InvalidInstanceIdNotFound = _error("InvalidInstanceIdNotFound", "InvalidInstanceID.NotFound", 400)
InvalidParameterValue = _error("InvalidParameterValue", "InvalidParameterValue", 400)
IncorrectState = _error("IncorrectState", "IncorrectState", 400)


# --- IAM Access Analyzer -------------------------------------------------------------------------
AnalyzerValidationException = _error(
    "AnalyzerValidationException", "ValidationException", 400, "Invalid parameter."
)
ConflictException = _error("ConflictException", "ConflictException", 409)
ServiceQuotaExceededException = _error(
    "ServiceQuotaExceededException", "ServiceQuotaExceededException", 402
)


def validation_message(problems: list[str]) -> str:
    """AWS's wording for failed parameter constraints: "1 validation error detected: Value 'x'
    at 'roleSessionName' failed to satisfy constraint: Member must ..." (several joined by
    "; "). Each problem is already "Value 'x' at 'name' failed to satisfy constraint: ..."."""
    count = len(problems)
    noun = "validation error" if count == 1 else "validation errors"
    return f"{count} {noun} detected: " + "; ".join(problems)


def constraint(value: Any, name: str, rule: str) -> str:
    """One failed constraint, as `validation_message` joins them."""
    shown = "null" if value is None else value
    return f"Value '{shown}' at '{name}' failed to satisfy constraint: Member {rule}"


# -- AWS Organizations' own codes (all HTTP 400, as its API reference lists them) ---------------
class OrganizationsError(AwsError):
    http_status = 400


class OrganizationsAccessDenied(OrganizationsError):
    """AWS Organizations' AccessDeniedException (HTTP 400, its own message)."""

    code = "AccessDeniedException"
    default_message = "You don't have permissions to access this resource."


class AWSOrganizationsNotInUseException(OrganizationsError):
    code = "AWSOrganizationsNotInUseException"
    default_message = "Your account is not a member of an organization."


class _WithReason(OrganizationsError):
    """An error that carries a `Reason` code, as InvalidInputException and
    ConstraintViolationException do."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        self.reason = reason
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["Reason"] = self.reason
        return out


class InvalidInputException(_WithReason):
    code = "InvalidInputException"
    default_message = "The requested operation failed because you provided invalid values."


class ConstraintViolationException(_WithReason):
    code = "ConstraintViolationException"
    default_message = "Performing this operation violates a minimum or maximum value limit."


class PolicyNotFoundException(OrganizationsError):
    code = "PolicyNotFoundException"
    default_message = "We can't find a policy with the PolicyId that you specified."


class TargetNotFoundException(OrganizationsError):
    code = "TargetNotFoundException"
    default_message = (
        "We can't find a root, OU, account, or policy with the TargetId that you specified."
    )


class ParentNotFoundException(OrganizationsError):
    code = "ParentNotFoundException"
    default_message = "We can't find a root or OU with the ParentId that you specified."


class DuplicatePolicyException(OrganizationsError):
    code = "DuplicatePolicyException"
    default_message = "A policy with the same name already exists."


class DuplicatePolicyAttachmentException(OrganizationsError):
    code = "DuplicatePolicyAttachmentException"
    default_message = "The selected policy is already attached to the specified target."


class PolicyNotAttachedException(OrganizationsError):
    code = "PolicyNotAttachedException"
    default_message = "The policy isn't attached to the specified target in the specified root."


class PolicyInUseException(OrganizationsError):
    code = "PolicyInUseException"
    default_message = (
        "The policy is attached to one or more entities. You must detach it from all roots, "
        "OUs, and accounts before performing this operation."
    )


class PolicyTypeNotEnabledException(OrganizationsError):
    code = "PolicyTypeNotEnabledException"
    default_message = (
        "The specified policy type isn't currently enabled in this root. You can't attach "
        "policies of the specified type to entities in a root until you enable that type in "
        "the root."
    )


class MalformedPolicyDocumentException(OrganizationsError):
    code = "MalformedPolicyDocumentException"
    default_message = (
        "The provided policy document doesn't meet the requirements of the specified policy type."
    )


# EC2's codes for its own failures (the EC2 API reference, "Error codes").
class InvalidAssociationIdNotFound(AwsError):
    code = "InvalidAssociationID.NotFound"
    http_status = 400


class InvalidParameterCombination(AwsError):
    code = "InvalidParameterCombination"
    http_status = 400


class InvalidPaginationToken(AwsError):
    code = "InvalidPaginationToken"
    http_status = 400
