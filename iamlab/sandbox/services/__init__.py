"""The sandbox's service layer: AWS operations as plain Python (docs/sandbox-services.md).

Framework:
    principals  Caller; as_root, as_user, as_principal, from_access_key
    authz       authorize(sandbox, principal, action, resource, *, context=None, caller=None)
    calls       operation(caller, action, params=...) / authorized_call(caller, action, resource)
    errors      AwsError and one class per AWS error code
Operations: iam_*.py (IAM), sts.py (STS), resources.py (S3, Lambda, SQS, KMS, EC2).
"""
