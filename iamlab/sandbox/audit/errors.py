"""The AWS errors the audit tools raise, with AWS's codes and HTTP statuses.

Shaped like the service layer's `AwsError` (`.code`, `.message`, `.http_status`).
"""

from __future__ import annotations


class AuditError(Exception):
    code = "ServiceFailure"
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReportNotPresent(AuditError):
    code = "ReportNotPresent"
    http_status = 410


class ReportExpired(AuditError):
    code = "ReportExpired"
    http_status = 410


class NoSuchEntity(AuditError):
    code = "NoSuchEntity"
    http_status = 404


class InvalidInput(AuditError):
    code = "InvalidInput"
    http_status = 400


class ResourceNotFound(AuditError):
    """Access Analyzer's error for an unknown finding id."""

    code = "ResourceNotFoundException"
    http_status = 404
