"""Condition operators: every family, IfExists, set operators, missing and multivalued keys,
variables, malformed input and the reasons a learner reads."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.engine.conditions import (
    FAMILIES,
    OPERATORS,
    compile_conditions,
    iter_operator_names,
    parse_date,
    parse_number,
    parse_operator,
    suggest_operator,
)
from iamlab.engine.model import ConditionTrace, Context

JAN_1_2024 = 1_704_067_200  # 2024-01-01T00:00:00Z in epoch seconds


def decide(
    block: Any, context: dict[str, Any], *, variables: bool = True
) -> tuple[bool, list[ConditionTrace]]:
    """Evaluate both ways and insist the fast path and the explained path agree."""
    compiled = compile_conditions(block, variables_enabled=variables)
    ctx = Context(context)
    fast, fast_traces = compiled.evaluate(ctx, explain=False)
    explained, traces = compiled.evaluate(ctx, explain=True)
    assert fast_traces == []
    assert fast is explained, "the fast and the explained evaluation disagree"
    for trace in traces:
        assert isinstance(trace, ConditionTrace)
        assert trace.reason
    return explained, traces


def case(block: dict[str, Any], context: dict[str, Any], expected: bool, sentence: str) -> Any:
    return pytest.param(block, context, expected, id=sentence)


# fmt: off
STRING = [
    case({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"}, True,
         "StringEquals matches an identical value"),
    case({"StringEquals": {"aws:username": "alice"}}, {"aws:username": "Alice"}, False,
         "StringEquals is case-sensitive"),
    case({"StringEquals": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice"}, False,
         "StringEquals does not treat a star as a wildcard"),
    case({"StringEquals": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/*"}, True,
         "StringEquals matches a literal star"),
    case({"StringEquals": {"aws:username": ["bob", "alice"]}}, {"aws:username": "alice"}, True,
         "StringEquals ORs its values"),
    case({"StringEquals": {"aws:username": ""}}, {"aws:username": ""}, True,
         "StringEquals matches an empty value"),
    case({"StringNotEquals": {"aws:username": ["bob", "carol"]}}, {"aws:username": "alice"}, True,
         "StringNotEquals is true when the value equals none of the policy values"),
    case({"StringNotEquals": {"aws:username": ["bob", "alice"]}}, {"aws:username": "alice"}, False,
         "StringNotEquals is false when the value equals one of the policy values"),
    case({"StringEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": "alice"}, True,
         "StringEqualsIgnoreCase ignores case"),
    case({"StringEqualsIgnoreCase": {"aws:username": "al*"}}, {"aws:username": "alice"}, False,
         "StringEqualsIgnoreCase has no wildcards"),
    case({"StringNotEqualsIgnoreCase": {"aws:username": "ALICE"}}, {"aws:username": "alice"}, False,
         "StringNotEqualsIgnoreCase is false for the same text in another case"),
    case({"StringNotEqualsIgnoreCase": {"aws:username": "BOB"}}, {"aws:username": "alice"}, True,
         "StringNotEqualsIgnoreCase is true for different text"),
    case({"StringLike": {"s3:prefix": "home/*"}}, {"s3:prefix": "home/alice/docs"}, True,
         "StringLike's star matches across slashes"),
    case({"StringLike": {"s3:prefix": "home/?"}}, {"s3:prefix": "home/ab"}, False,
         "StringLike's question mark matches exactly one character"),
    case({"StringLike": {"s3:prefix": "Home/*"}}, {"s3:prefix": "home/alice"}, False,
         "StringLike is case-sensitive"),
    case({"StringLike": {"s3:prefix": ["public/*", "home/*"]}}, {"s3:prefix": "home/x"}, True,
         "StringLike ORs its patterns"),
    case({"StringNotLike": {"s3:prefix": ["public/*", "home/*"]}}, {"s3:prefix": "tmp/x"}, True,
         "StringNotLike is true when no pattern matches"),
    case({"StringNotLike": {"s3:prefix": ["public/*", "home/*"]}}, {"s3:prefix": "home/x"}, False,
         "StringNotLike is false when one pattern matches"),
    case({"StringEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10"}, True,
         "a number in the policy is compared as its text"),
    case({"StringEquals": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}, True,
         "a JSON boolean in the policy is the text true"),
    case({"StringEquals": {"AWS:UserName": "alice"}}, {"aws:username": "alice"}, True,
         "condition key names are case-insensitive"),
]
# fmt: on

# fmt: off
NUMERIC = [
    case({"NumericEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True,
         "NumericEquals matches the same number"),
    case({"NumericEquals": {"s3:max-keys": 10}}, {"s3:max-keys": "10.0"}, True,
         "NumericEquals compares numbers, not text"),
    case({"NumericEquals": {"s3:max-keys": ["5", "10"]}}, {"s3:max-keys": "5"}, True,
         "NumericEquals ORs its values"),
    case({"NumericEquals": {"k": "9007199254740993"}}, {"k": "9007199254740992"}, False,
         "NumericEquals is exact for big integers"),
    case({"NumericNotEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, True,
         "NumericNotEquals is true for a different number"),
    case({"NumericNotEquals": {"s3:max-keys": ["10", "11"]}}, {"s3:max-keys": "11"}, False,
         "NumericNotEquals is false when the number equals one of them"),
    case({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "9"}, True,
         "NumericLessThan is true below the limit"),
    case({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, False,
         "NumericLessThan is false at the limit"),
    case({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True,
         "NumericLessThanEquals is true at the limit"),
    case({"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10.5"}, False,
         "NumericLessThanEquals is false above the limit"),
    case({"NumericGreaterThan": {"k": "-1"}}, {"k": "0"}, True,
         "NumericGreaterThan handles negative numbers"),
    case({"NumericGreaterThan": {"k": "0.2"}}, {"k": "0.1"}, False,
         "NumericGreaterThan handles decimals"),
    case({"NumericGreaterThanEquals": {"k": "3"}}, {"k": "3"}, True,
         "NumericGreaterThanEquals is true at the limit"),
    case({"NumericGreaterThanEquals": {"k": "3"}}, {"k": "2.999"}, False,
         "NumericGreaterThanEquals is false just below the limit"),
    case({"NumericEquals": {"k": "10"}}, {"k": "ten"}, False,
         "a request value that is not a number never matches"),
    case({"NumericNotEquals": {"k": "10"}}, {"k": "ten"}, False,
         "a request value that is not a number does not satisfy a negated operator either"),
    case({"NumericLessThan": {"k": "ten"}}, {"k": "1"}, False,
         "a policy value that is not a number never matches"),
    case({"NumericLessThan": {"k": ["ten", "5"]}}, {"k": "1"}, True,
         "a good policy value still matches next to a bad one"),
    case({"NumericNotEquals": {"k": ["ten", "5"]}}, {"k": "1"}, False,
         "a bad policy value stops a negated operator from matching"),
    case({"NumericEquals": {"k": " 10"}}, {"k": "10"}, False,
         "a number with spaces is not a number"),
]
# fmt: on

# fmt: off
DATE = [
    case({"DateEquals": {"aws:CurrentTime": "2024-01-01"}},
         {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, True,
         "a date alone is midnight UTC"),
    case({"DateEquals": {"aws:CurrentTime": "2024-01-01T02:00:00+02:00"}},
         {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, True,
         "dates in different zones are compared as instants"),
    case({"DateEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
         {"aws:CurrentTime": str(JAN_1_2024)}, True,
         "epoch seconds equal the same ISO 8601 instant"),
    case({"DateEquals": {"aws:CurrentTime": "2024-02"}},
         {"aws:CurrentTime": "2024-02-01T00:00:00.000Z"}, True,
         "a year and month is the first of the month"),
    case({"DateEquals": {"aws:CurrentTime": "20240101T000000Z"}},
         {"aws:CurrentTime": "2024-01-01T00:00Z"}, True,
         "the basic ISO 8601 form and a time without seconds are understood"),
    case({"DateNotEquals": {"aws:CurrentTime": "2024-01-01"}},
         {"aws:CurrentTime": "2024-01-01T00:00:01Z"}, True,
         "DateNotEquals is true one second later"),
    case({"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
         {"aws:CurrentTime": str(JAN_1_2024 - 1)}, True,
         "DateLessThan is true one second before"),
    case({"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
         {"aws:CurrentTime": str(JAN_1_2024)}, False,
         "DateLessThan is false at the same instant"),
    case({"DateLessThanEquals": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
         {"aws:CurrentTime": "2023-12-31T19:00:00-05:00"}, True,
         "DateLessThanEquals is true at the same instant in another zone"),
    case({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}},
         {"aws:CurrentTime": "2024-01-01T00:00:00.001Z"}, True,
         "DateGreaterThan sees fractions of a second"),
    case({"DateGreaterThan": {"aws:CurrentTime": str(JAN_1_2024)}},
         {"aws:CurrentTime": "2023-06-30"}, False,
         "DateGreaterThan is false for an earlier date"),
    case({"DateGreaterThanEquals": {"aws:EpochTime": JAN_1_2024}},
         {"aws:EpochTime": str(JAN_1_2024)}, True,
         "a JSON number in the policy is epoch seconds"),
    case({"DateLessThan": {"aws:CurrentTime": "2024-01-01"}},
         {"aws:CurrentTime": "yesterday"}, False,
         "a request value that is not a date never matches"),
    case({"DateNotEquals": {"aws:CurrentTime": "2024-01-01"}},
         {"aws:CurrentTime": "yesterday"}, False,
         "a request value that is not a date does not satisfy DateNotEquals"),
    case({"DateLessThan": {"aws:CurrentTime": "2024-13-01"}},
         {"aws:CurrentTime": "2023-01-01"}, False,
         "a policy date with month 13 never matches"),
]
# fmt: on

# fmt: off
BOOL = [
    case({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True,
         "Bool true matches true"),
    case({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": True}, True,
         "Bool takes JSON booleans"),
    case({"Bool": {"aws:SecureTransport": "True"}}, {"aws:SecureTransport": "TRUE"}, True,
         "Bool ignores case"),
    case({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False,
         "Bool false does not match true"),
    case({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "yes"}, False,
         "a request value that is not a boolean never matches"),
    case({"Bool": {"aws:SecureTransport": "yes"}}, {"aws:SecureTransport": "true"}, False,
         "a policy value that is not a boolean never matches"),
]
# fmt: on

# fmt: off
BINARY = [
    case({"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}, {"k": "QmluYXJ5VmFsdWU="}, True,
         "BinaryEquals matches the same base64 bytes"),
    case({"BinaryEquals": {"k": ["AAAA", "QmluYXJ5VmFsdWU="]}}, {"k": "QmluYXJ5VmFsdWU="}, True,
         "BinaryEquals ORs its values"),
    case({"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}, {"k": "T3RoZXI="}, False,
         "BinaryEquals does not match other bytes"),
    case({"BinaryEquals": {"k": "QmluYXJ5VmFsdWU="}}, {"k": "BinaryValue"}, False,
         "a request value that is not base64 never matches"),
    case({"BinaryEquals": {"k": "not base64!"}}, {"k": "QQ=="}, False,
         "a policy value that is not base64 never matches"),
]
# fmt: on

# fmt: off
IP = [
    case({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.113.9"}, True,
         "IpAddress matches an address inside the range"),
    case({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "203.0.114.9"}, False,
         "IpAddress does not match an address outside the range"),
    case({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}, {"aws:SourceIp": "203.0.113.9"}, True,
         "a single address in the policy is a /32"),
    case({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}, {"aws:SourceIp": "203.0.113.10"}, False,
         "a single address matches only itself"),
    case({"IpAddress": {"aws:SourceIp": "203.0.113.77/24"}}, {"aws:SourceIp": "203.0.113.1"}, True,
         "host bits in a policy range are ignored"),
    case({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
         {"aws:SourceIp": "2001:db8:85a3::8a2e:370:7334"}, True,
         "IpAddress matches an IPv6 address in an IPv6 range"),
    case({"IpAddress": {"aws:SourceIp": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"}},
         {"aws:SourceIp": "2001:db8:85a3::8a2e:370:7334"}, True,
         "IPv6 addresses are compared whatever their spelling"),
    case({"IpAddress": {"aws:SourceIp": "::/0"}}, {"aws:SourceIp": "203.0.113.9"}, False,
         "an IPv4 address is never in an IPv6 range"),
    case({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, {"aws:SourceIp": "2001:db8::1"}, False,
         "an IPv6 address is never in an IPv4 range"),
    case({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {"aws:SourceIp": "2001:db8::1"}, True,
         "NotIpAddress is true for an IPv6 address against IPv4 ranges"),
    case({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
         {"aws:SourceIp": "203.0.113.9"}, False,
         "NotIpAddress is false when the address is in one of the ranges"),
    case({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
         {"aws:SourceIp": "203.0.113.9"}, True,
         "NotIpAddress is true when the address is in none of the ranges"),
    case({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {"aws:SourceIp": "ec2.amazonaws.com"},
         False, "a request value that is not an IP address never matches IpAddress"),
    case({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
         {"aws:SourceIp": "ec2.amazonaws.com"}, False,
         "a request value that is not an IP address does not satisfy NotIpAddress either"),
    case({"IpAddress": {"aws:SourceIp": "203.0.113.0/33"}}, {"aws:SourceIp": "203.0.113.9"}, False,
         "an impossible prefix length never matches"),
]
# fmt: on

# fmt: off
ARN = [
    case({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}},
         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}, True,
         "ArnLike matches an identical ARN"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:topic-*"}},
         {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:topic-a"}, True,
         "ArnLike takes wildcards in any component"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-?:123456789012:topic"}},
         {"aws:SourceArn": "arn:aws:sns:us-east-2:123456789012:topic"}, True,
         "ArnLike takes a question mark in a component"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:s3*:::bucket"}},
         {"aws:SourceArn": "arn:aws:s3:us-east-1::bucket"}, False,
         "a star in one component does not reach into the next"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket/*"}},
         {"aws:SourceArn": "arn:aws:s3:::bucket/a/b:c"}, True,
         "a star in the resource part crosses slashes and colons"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:app:*"}},
         {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:app:log-stream:x"},
         True, "the resource part keeps its own colons"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:Topic"}},
         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}, False,
         "ArnLike is case-sensitive"),
    case({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}, True,
         "ArnEquals takes wildcards just like ArnLike"),
    case({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}},
         {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Dev"}, True,
         "ArnNotLike is true when the ARN does not match"),
    case({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin*"}},
         {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/AdminX"}, False,
         "ArnNotLike is false when the ARN matches"),
    case({"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/Admin"}},
         {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Admin"}, False,
         "ArnNotEquals also takes wildcards"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
         {"aws:SourceArn": "topic"}, False,
         "a request value that is not an ARN never matches"),
    case({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
         {"aws:SourceArn": "topic"}, False,
         "a request value that is not an ARN does not satisfy ArnNotLike"),
    case({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*"}},
         {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}, False,
         "a policy value with fewer than six parts never matches"),
]
# fmt: on

# fmt: off
NULL = [
    case({"Null": {"aws:TokenIssueTime": "true"}}, {}, True,
         "Null true matches an absent key"),
    case({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "2024-01-01"}, False,
         "Null true does not match a present key"),
    case({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "2024-01-01"}, True,
         "Null false matches a present key"),
    case({"Null": {"aws:TokenIssueTime": False}}, {}, False,
         "Null false does not match an absent key"),
    case({"Null": {"aws:TokenIssueTime": True}}, {}, True,
         "Null takes JSON booleans"),
    case({"Null": {"aws:TokenIssueTime": "TRUE"}}, {}, True,
         "Null ignores the case of true and false"),
    case({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": ""}, False,
         "an empty string is a present value"),
    case({"Null": {"aws:TagKeys": "true"}}, {"aws:TagKeys": []}, True,
         "an empty list counts as absent"),
    case({"Null": {"aws:TokenIssueTime": "maybe"}}, {}, False,
         "Null with a value other than true or false never matches"),
    case({"NullIfExists": {"aws:TokenIssueTime": "true"}}, {}, False,
         "Null takes no IfExists"),
    case({"ForAnyValue:Null": {"aws:TagKeys": "true"}}, {}, False,
         "Null takes no set operator"),
]
# fmt: on

# fmt: off
IF_EXISTS = [
    case({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}}, {}, True,
         "IfExists is true when the key is absent"),
    case({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
         {"ec2:InstanceType": "t3.micro"}, True,
         "IfExists matches a present key that matches"),
    case({"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
         {"ec2:InstanceType": "m5.large"}, False,
         "IfExists still checks a present key"),
    case({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {}, True,
         "NumericLessThanIfExists is true when the key is absent"),
    case({"DateGreaterThanIfExists": {"aws:TokenIssueTime": "2024-01-01"}}, {}, True,
         "DateGreaterThanIfExists is true when the key is absent"),
    case({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, {}, True,
         "BoolIfExists is true when the key is absent"),
    case({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
         {"aws:MultiFactorAuthPresent": "false"}, False,
         "BoolIfExists is false for a present false"),
    case({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True,
         "IpAddressIfExists is true when the key is absent"),
    case({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, {}, True,
         "ArnLikeIfExists is true when the key is absent"),
    case({"BinaryEqualsIfExists": {"k": "QQ=="}}, {}, True,
         "BinaryEqualsIfExists is true when the key is absent"),
    case({"StringNotEqualsIfExists": {"aws:username": "alice"}}, {"aws:username": "alice"}, False,
         "a negated IfExists still checks a present key"),
    case({"StringEqualsIfExists": {"aws:TagKeys": "a"}}, {"aws:TagKeys": []}, True,
         "IfExists treats an empty list as absent"),
]
# fmt: on

# fmt: off
MISSING = [
    case({"StringEquals": {"aws:username": "alice"}}, {}, False,
         "a positive string operator is false when the key is absent"),
    case({"StringLike": {"aws:username": "*"}}, {}, False,
         "even a lone star does not match an absent key"),
    case({"NumericEquals": {"k": "1"}}, {}, False,
         "a positive numeric operator is false when the key is absent"),
    case({"DateLessThan": {"k": "2024-01-01"}}, {}, False,
         "a positive date operator is false when the key is absent"),
    case({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, {}, False,
         "Bool false does not match an absent key"),
    case({"BinaryEquals": {"k": "QQ=="}}, {}, False,
         "BinaryEquals is false when the key is absent"),
    case({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}, {}, False,
         "IpAddress is false when the key is absent"),
    case({"ArnLike": {"aws:SourceArn": "arn:*:*:*:*:*"}}, {}, False,
         "ArnLike is false when the key is absent"),
    case({"StringNotEquals": {"aws:username": "alice"}}, {}, True,
         "StringNotEquals is true when the key is absent"),
    case({"StringNotEqualsIgnoreCase": {"aws:username": "alice"}}, {}, True,
         "StringNotEqualsIgnoreCase is true when the key is absent"),
    case({"StringNotLike": {"aws:username": "a*"}}, {}, True,
         "StringNotLike is true when the key is absent"),
    case({"NumericNotEquals": {"k": "1"}}, {}, True,
         "NumericNotEquals is true when the key is absent"),
    case({"DateNotEquals": {"k": "2024-01-01"}}, {}, True,
         "DateNotEquals is true when the key is absent"),
    case({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, {}, True,
         "NotIpAddress is true when the key is absent"),
    case({"ArnNotLike": {"aws:SourceArn": "arn:*:*:*:*:*"}}, {}, True,
         "ArnNotLike is true when the key is absent"),
    case({"ArnNotEquals": {"aws:SourceArn": "arn:*:*:*:*:*"}}, {}, True,
         "ArnNotEquals is true when the key is absent"),
    case({"StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": []}, False,
         "an empty list is like an absent key for a positive operator"),
    case({"StringNotEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": []}, True,
         "an empty list is like an absent key for a negated operator"),
]
# fmt: on

# fmt: off
SET_OPERATORS = [
    case({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}, {}, True,
         "ForAllValues is true when the key is absent"),
    case({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}, {"aws:TagKeys": []},
         True, "ForAllValues is true for an empty list"),
    case({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["team", "env"]}, True,
         "ForAllValues is true when every request value is allowed"),
    case({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["env"]}, True,
         "ForAllValues is true for a subset of the allowed values"),
    case({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["env", "owner"]}, False,
         "ForAllValues is false when one request value is not allowed"),
    case({"ForAllValues:StringLike": {"aws:TagKeys": ["env*", "team"]}},
         {"aws:TagKeys": ["env-1", "env-2", "team"]}, True,
         "ForAllValues works with wildcards"),
    case({"ForAllValues:StringEquals": {"aws:username": ["alice", "bob"]}},
         {"aws:username": "alice"}, True,
         "a single value is a set of one for ForAllValues"),
    case({"ForAllValues:StringEquals": {"aws:username": ["alice", "bob"]}},
         {"aws:username": "carol"}, False,
         "a single value outside the set fails ForAllValues"),
    case({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["admin", "root"]}},
         {"aws:TagKeys": ["env", "team"]}, True,
         "ForAllValues with a negated operator: no value is forbidden"),
    case({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["admin", "root"]}},
         {"aws:TagKeys": ["env", "admin"]}, False,
         "ForAllValues with a negated operator: one value is forbidden"),
    case({"ForAllValues:NumericLessThan": {"k": "10"}}, {"k": ["1", "x"]}, False,
         "ForAllValues fails when one value cannot be compared"),
    case({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}}, {}, False,
         "ForAnyValue is false when the key is absent"),
    case({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}}, {"aws:TagKeys": []},
         False, "ForAnyValue is false for an empty list"),
    case({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["owner", "team"]}, True,
         "ForAnyValue is true when one request value matches"),
    case({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["owner", "cost"]}, False,
         "ForAnyValue is false when no request value matches"),
    case({"ForAnyValue:StringLike": {"aws:TagKeys": "team*"}},
         {"aws:TagKeys": ["owner", "team-x"]}, True,
         "ForAnyValue works with wildcards"),
    case({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["env", "owner"]}, True,
         "ForAnyValue with a negated operator: one value is outside the set"),
    case({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["env", "team"]}, False,
         "ForAnyValue with a negated operator: every value is inside the set"),
    case({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "env"}}, {}, True,
         "ForAnyValue with IfExists is true when the key is absent"),
    case({"ForAllValues:StringEqualsIfExists": {"aws:TagKeys": "env"}},
         {"aws:TagKeys": ["env", "x"]}, False,
         "ForAllValues with IfExists still checks present values"),
    case({"ForAnyValue:ArnLike": {"aws:PrincipalServiceNamesList": "arn:aws:iam::*:role/*"}},
         {"aws:PrincipalServiceNamesList": ["x", "arn:aws:iam::1:role/r"]}, True,
         "ForAnyValue works with ARN operators"),
    case({"ForAnyValue:IpAddress": {"k": "10.0.0.0/8"}}, {"k": ["not-ip", "10.1.2.3"]}, True,
         "ForAnyValue skips a value that cannot be compared"),
    case({"ForAnyValue:NumericNotEquals": {"k": ["x", "5"]}}, {"k": ["1", "2"]}, False,
         "a bad policy value stops ForAnyValue with a negated operator from matching"),
]
# fmt: on

# fmt: off
MULTIVALUED_WITHOUT_SET_OPERATOR = [
    case({"StringEquals": {"aws:TagKeys": "env"}}, {"aws:TagKeys": ["owner", "env"]}, True,
         "a positive operator matches if any request value matches"),
    case({"StringEquals": {"aws:TagKeys": "env"}}, {"aws:TagKeys": ["owner", "cost"]}, False,
         "a positive operator fails if no request value matches"),
    case({"StringNotEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["owner", "cost"]}, True,
         "a negated operator matches if no request value matches"),
    case({"StringNotEquals": {"aws:TagKeys": ["env", "team"]}},
         {"aws:TagKeys": ["owner", "env"]}, False,
         "a negated operator fails if any request value matches"),
    case({"IpAddress": {"k": "10.0.0.0/8"}}, {"k": ["192.0.2.1", "10.0.0.1"]}, True,
         "IpAddress matches if any address is in the range"),
    case({"NotIpAddress": {"k": "10.0.0.0/8"}}, {"k": ["192.0.2.1", "10.0.0.1"]}, False,
         "NotIpAddress fails if any address is in the range"),
]
# fmt: on

# fmt: off
VARIABLES = [
    case({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
         {"aws:ResourceTag/owner": "alice", "aws:username": "alice"}, True,
         "a variable in a value is replaced by the request's value"),
    case({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
         {"aws:ResourceTag/owner": "alice", "aws:username": "bob"}, False,
         "a replaced variable must still be equal"),
    case({"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
         {"s3:prefix": "home/alice/docs", "aws:username": "alice"}, True,
         "a variable inside a wildcard pattern"),
    case({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}, {"s3:prefix": "home/alice/x"},
         False, "a missing variable makes its value match nothing"),
    case({"StringLike": {"s3:prefix": ["home/${aws:username}/*", "public/*"]}},
         {"s3:prefix": "public/x"}, True,
         "the other values still match when one has a missing variable"),
    case({"StringNotEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
         {"aws:ResourceTag/owner": "alice"}, True,
         "a negated operator against a missing variable matches (there is nothing equal)"),
    case({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'none'}"}},
         {"aws:ResourceTag/team": "none"}, True,
         "a default stands in for a missing variable"),
    case({"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'none'}"}},
         {"aws:ResourceTag/team": "none", "aws:PrincipalTag/team": "blue"}, False,
         "a default is not used when the variable has a value"),
    case({"StringLike": {"k": "a${*}"}}, {"k": "a*"}, True,
         "dollar-brace-star matches a literal star"),
    case({"StringLike": {"k": "a${*}"}}, {"k": "ab"}, False,
         "dollar-brace-star is not a wildcard"),
    case({"StringLike": {"k": "what${?}"}}, {"k": "whatX"}, False,
         "dollar-brace-question-mark is not a wildcard"),
    case({"StringLike": {"k": "${aws:username}"}}, {"k": "alice", "aws:username": "a*"}, False,
         "a star in a substituted value is not a wildcard"),
    case({"StringLike": {"k": "${aws:username}"}}, {"k": "a*", "aws:username": "a*"}, True,
         "a star in a substituted value matches a star"),
    case({"StringEquals": {"k": "${aws:TagKeys}"}}, {"k": "a", "aws:TagKeys": ["a"]}, False,
         "a multivalued key cannot be a variable"),
    case({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/${aws:username}"}},
         {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/alice", "aws:username": "alice"},
         True, "a variable in an ARN value"),
    case({"ArnLike": {"aws:SourceArn": "${aws:PrincipalArn}"}},
         {"aws:SourceArn": "arn:aws:iam::1:role/r", "aws:PrincipalArn": "arn:aws:iam::1:role/r"},
         True, "a variable can supply a whole ARN, colons included"),
    case({"Bool": {"aws:SecureTransport": "${app:expected}"}},
         {"aws:SecureTransport": "true", "app:expected": "true"}, True,
         "Bool expands variables"),
    case({"NumericEquals": {"s3:max-keys": "${app:limit}"}},
         {"s3:max-keys": "5", "app:limit": "5"}, False,
         "numeric operators do not expand variables"),
    case({"IpAddress": {"aws:SourceIp": "${app:cidr}"}},
         {"aws:SourceIp": "10.0.0.1", "app:cidr": "10.0.0.0/8"}, False,
         "IP operators do not expand variables"),
]
# fmt: on

# fmt: off
UNKNOWN_AND_MALFORMED = [
    case({"StringEqual": {"aws:username": "alice"}}, {"aws:username": "alice"}, False,
         "a misspelled operator never matches"),
    case({"stringequals": {"aws:username": "alice"}}, {"aws:username": "alice"}, False,
         "operator names are case-sensitive"),
    case({"StringEqualsIfexists": {"aws:username": "alice"}}, {}, False,
         "the IfExists suffix is case-sensitive"),
    case({"ForAnyValues:StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ["a"]}, False,
         "a misspelled set operator never matches"),
    case({"forallvalues:StringEquals": {"aws:TagKeys": "a"}}, {}, False,
         "set operators are case-sensitive"),
    case({"StringNotEqual": {"aws:username": "alice"}}, {}, False,
         "an unknown negated-looking operator does not match a missing key"),
    case({"BinaryNotEquals": {"k": "QQ=="}}, {"k": "QUI="}, False,
         "BinaryNotEquals is not an AWS operator"),
    case({"StringEquals": "alice"}, {"aws:username": "alice"}, False,
         "an operator whose value is not an object never matches"),
    case({"StringEquals": {}}, {}, False,
         "an operator with no keys never matches"),
    case({"StringNotEquals": {"aws:username": []}}, {}, False,
         "a key with an empty list of values never matches"),
    case({"StringNotEquals": {"aws:username": None}}, {}, False,
         "a null value never matches, even for a negated operator"),
    case({"StringEquals": {"aws:username": [["alice"]]}}, {"aws:username": "alice"}, False,
         "a nested list is not a value"),
    case({"StringEquals": {"aws:username": [["x"], "alice"]}}, {"aws:username": "alice"}, True,
         "a good value still counts next to a nested list"),
    case({"StringEquals": {"aws:username": {"a": 1}}}, {"aws:username": "alice"}, False,
         "an object is not a value"),
    case({"StringEquals": {"aws:username": "alice"}, "Bogus": {"k": "v"}},
         {"aws:username": "alice"}, False,
         "one unknown operator spoils the whole block"),
    case({}, {}, True, "an empty block has nothing to fail"),
]
# fmt: on

# fmt: off
COMBINATIONS = [
    case({"StringEquals": {"aws:username": "alice", "aws:RequestedRegion": "us-east-1"}},
         {"aws:username": "alice", "aws:RequestedRegion": "us-east-1"}, True,
         "several keys under one operator all hold"),
    case({"StringEquals": {"aws:username": "alice", "aws:RequestedRegion": "us-east-1"}},
         {"aws:username": "alice", "aws:RequestedRegion": "eu-west-1"}, False,
         "several keys under one operator are ANDed"),
    case({"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}},
         {"aws:username": "alice", "aws:SecureTransport": "false"}, False,
         "several operators are ANDed"),
    case({"StringEquals": {"aws:username": "alice"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
         {"aws:username": "alice", "aws:SourceIp": "10.1.1.1"}, True,
         "several operators all hold"),
]
# fmt: on


@pytest.mark.parametrize(
    ("block", "context", "expected"),
    STRING
    + NUMERIC
    + DATE
    + BOOL
    + BINARY
    + IP
    + ARN
    + NULL
    + IF_EXISTS
    + MISSING
    + SET_OPERATORS
    + MULTIVALUED_WITHOUT_SET_OPERATOR
    + VARIABLES
    + UNKNOWN_AND_MALFORMED
    + COMBINATIONS,
)
def test_condition(block: dict[str, Any], context: dict[str, Any], expected: bool) -> None:
    matched, _ = decide(block, context)
    assert matched is expected


# -- variables are only expanded when the policy version allows it --------------------------------


def test_variables_are_literal_text_when_disabled() -> None:
    block = {"StringEquals": {"k": "${aws:username}"}}
    assert decide(block, {"k": "alice", "aws:username": "alice"}, variables=False)[0] is False
    assert decide(block, {"k": "${aws:username}"}, variables=False)[0] is True


def test_special_characters_are_literal_text_when_variables_are_disabled() -> None:
    block = {"StringLike": {"k": "a${*}"}}
    assert decide(block, {"k": "a${*}"}, variables=False)[0] is True
    assert decide(block, {"k": "a*"}, variables=False)[0] is False


# -- the reasons a learner reads ------------------------------------------------------------------

REASONS = [
    pytest.param(
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        {"aws:SourceIp": "203.0.113.9"},
        "aws:SourceIp 203.0.113.9 is in 203.0.113.0/24",
        id="an address inside a range",
    ),
    pytest.param(
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {},
        "the request has no aws:MultiFactorAuthPresent, and Bool needs a value "
        "(use BoolIfExists to allow that)",
        id="a missing key for a positive operator",
    ),
    pytest.param(
        {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
        {"aws:SourceIp": "203.0.113.9"},
        "aws:SourceIp 203.0.113.9 is not in any of 10.0.0.0/8, 192.168.0.0/16, "
        "so NotIpAddress matches",
        id="a negated operator that matches",
    ),
    pytest.param(
        {"StringNotEquals": {"aws:username": "alice"}},
        {},
        "the request has no aws:username, and a negated operator such as StringNotEquals "
        "matches when the key is absent",
        id="a missing key for a negated operator",
    ),
    pytest.param(
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        {"s3:prefix": "home/alice/x", "aws:username": "alice"},
        "s3:prefix home/alice/x matches home/${aws:username}/* (= home/alice/*)",
        id="a resolved variable is shown",
    ),
    pytest.param(
        {"NumericLessThan": {"s3:max-keys": "10"}},
        {"s3:max-keys": "ten"},
        "s3:max-keys ten is not a number",
        id="a request value of the wrong type",
    ),
    pytest.param(
        {"Null": {"aws:TokenIssueTime": "true"}},
        {},
        'the request has no aws:TokenIssueTime, so Null "true" (key absent) matches',
        id="Null on an absent key",
    ),
    pytest.param(
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}},
        {},
        "the request has no aws:TagKeys, and ForAllValues is true when there are no values to "
        "check",
        id="ForAllValues on an absent key",
    ),
    pytest.param(
        {"StringEqualsIfExists": {"ec2:InstanceType": "t3.micro"}},
        {},
        "the request has no ec2:InstanceType, so StringEqualsIfExists is satisfied "
        "(IfExists only checks a key that is there)",
        id="IfExists on an absent key",
    ),
]


@pytest.mark.parametrize(("block", "context", "reason"), REASONS)
def test_reason(block: dict[str, Any], context: dict[str, Any], reason: str) -> None:
    _, traces = decide(block, context)
    assert [t.reason for t in traces] == [reason]


def test_a_misspelled_operator_gets_a_suggestion() -> None:
    _, traces = decide({"stringEquals": {"aws:username": "alice"}}, {"aws:username": "alice"})
    assert "did you mean StringEquals?" in traces[0].reason
    assert "never matches" in traces[0].reason


def test_there_is_one_trace_per_key_with_the_values_on_both_sides() -> None:
    block = {
        "StringEquals": {"aws:username": ["alice", "bob"], "aws:RequestedRegion": "us-east-1"},
        "ForAnyValue:StringLike": {"aws:TagKeys": "team*"},
    }
    context = {"aws:username": "alice", "aws:TagKeys": ["team-a", "env"]}
    matched, traces = decide(block, context)
    assert matched is False
    assert [(t.operator, t.key, t.matched) for t in traces] == [
        ("StringEquals", "aws:username", True),
        ("StringEquals", "aws:RequestedRegion", False),
        ("ForAnyValue:StringLike", "aws:TagKeys", True),
    ]
    assert traces[0].policy_values == ("alice", "bob")
    assert traces[0].request_values == ("alice",)
    assert traces[1].request_values is None
    assert traces[2].request_values == ("team-a", "env")


def test_policy_values_are_reported_as_text() -> None:
    _, traces = decide({"NumericEquals": {"k": [1, 2.5, True]}}, {"k": "1"})
    assert traces[0].policy_values == ("1", "2.5", "true")


def test_the_fast_path_returns_no_traces_and_stops_at_the_first_failure() -> None:
    compiled = compile_conditions(
        {"StringEquals": {"a": "x"}, "Bool": {"b": "true"}}, variables_enabled=True
    )
    assert compiled.evaluate(Context({"a": "y", "b": "true"}), explain=False) == (False, [])
    assert compiled.evaluate(Context({"a": "x", "b": "true"}), explain=False) == (True, [])


def test_a_compiled_block_can_be_reused_with_different_contexts() -> None:
    compiled = compile_conditions(
        {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}, variables_enabled=True
    )
    alice = Context({"s3:prefix": "home/alice/a", "aws:username": "alice"})
    bob = Context({"s3:prefix": "home/alice/a", "aws:username": "bob"})
    assert compiled.evaluate(alice, explain=False)[0] is True
    assert compiled.evaluate(bob, explain=False)[0] is False
    assert compiled.evaluate(alice, explain=False)[0] is True


def test_the_compiled_block_lists_its_keys() -> None:
    compiled = compile_conditions(
        {"StringEquals": {"aws:username": "a"}, "Null": {"aws:TokenIssueTime": "true"}},
        variables_enabled=True,
    )
    assert compiled.keys() == ("aws:username", "aws:TokenIssueTime")
    assert len(compiled) == 2
    assert compiled.problem is None


# -- never raise ----------------------------------------------------------------------------------

ODD_BLOCKS = [
    pytest.param(None, id="None"),
    pytest.param([], id="a list"),
    pytest.param("StringEquals", id="a string"),
    pytest.param(42, id="a number"),
    pytest.param({"StringEquals": None}, id="an operator mapped to None"),
    pytest.param({"StringEquals": [{"k": "v"}]}, id="an operator mapped to a list"),
    pytest.param({"StringEquals": {"k": [[["deep"]]]}}, id="deeply nested lists"),
    pytest.param({"StringEquals": {"k": float("nan")}}, id="NaN"),
    pytest.param({"NumericEquals": {"k": "1e999999999"}}, id="a huge exponent"),
    pytest.param({"DateEquals": {"k": "9999-12-31T23:59:59-23:59"}}, id="a date past year 9999"),
    pytest.param({"IpAddress": {"k": ["", "::", "1.2.3.4/-1"]}}, id="odd IP values"),
    pytest.param({"ArnLike": {"k": ":::::"}}, id="an ARN of empty parts"),
    pytest.param({1: {"k": "v"}}, id="a non-string operator"),
    pytest.param({"StringEquals": {1: "v"}}, id="a non-string key"),
    pytest.param({"StringEquals": {"k": "${"}}, id="a lone dollar-brace"),
    pytest.param({"StringLike": {"k": "${a, 'b"}}, id="an unclosed default"),
]


@pytest.mark.parametrize("block", ODD_BLOCKS)
def test_odd_blocks_never_raise_and_never_match(block: Any) -> None:
    context = {"k": "v", "aws:username": "alice"}
    matched, traces = decide(block, context)
    assert matched is False
    assert traces and not all(t.matched for t in traces)


def test_none_means_malformed_and_an_empty_block_means_no_conditions() -> None:
    assert compile_conditions(None, variables_enabled=True).problem
    assert compile_conditions({}, variables_enabled=True).evaluate(Context(), explain=True) == (
        True,
        [],
    )


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet="ab*?${}', :/.0123456789-TZ", max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
operator_names = st.sampled_from(sorted(iter_operator_names())) | st.text(max_size=12)
blocks = st.one_of(
    json_values,
    st.dictionaries(
        operator_names,
        st.one_of(json_values, st.dictionaries(st.sampled_from(["k", "K", "x"]), json_values)),
        max_size=3,
    ),
)
contexts = st.dictionaries(
    st.sampled_from(["k", "x", "aws:username"]),
    st.one_of(
        st.text(alphabet="ab*?0123456789.:/-", max_size=10),
        st.lists(st.text(alphabet="ab0123456789", max_size=4), max_size=3),
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(block=blocks, context=contexts, variables=st.booleans())
def test_any_input_is_answered_without_raising(block: Any, context: dict, variables: bool) -> None:
    decide(block, context, variables=variables)


# -- the operator catalogue -----------------------------------------------------------------------


def test_every_aws_operator_is_known() -> None:
    assert set(OPERATORS) == {
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
        "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
        "DateGreaterThan", "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
        "Null",
    }  # fmt: skip


def test_operators_are_grouped_by_family() -> None:
    assert sorted(FAMILIES) == ["arn", "binary", "bool", "date", "ip", "null", "numeric", "string"]
    assert all(op.family == family for family, ops in FAMILIES.items() for op in ops)


@pytest.mark.parametrize(
    ("name", "negated", "wildcards", "variables"),
    [
        ("StringEquals", False, False, True),
        ("StringNotLike", True, True, True),
        ("NumericNotEquals", True, False, False),
        ("DateLessThan", False, False, False),
        ("Bool", False, False, True),
        ("BinaryEquals", False, False, False),
        ("NotIpAddress", True, False, False),
        ("ArnEquals", False, True, True),
        ("ArnNotLike", True, True, True),
        ("Null", False, False, False),
    ],
)
def test_operator_flags(name: str, negated: bool, wildcards: bool, variables: bool) -> None:
    op = OPERATORS[name]
    assert (op.negated, op.wildcards, op.variables) == (negated, wildcards, variables)


def test_an_operator_matches_one_pair_and_says_why() -> None:
    assert OPERATORS["IpAddress"].match("10.0.0.0/8", "10.2.3.4") == (
        True,
        "the request value 10.2.3.4 is in 10.0.0.0/8",
    )
    matched, reason = OPERATORS["NumericLessThan"].match("5", "7", key="s3:max-keys")
    assert matched is False
    assert reason == "s3:max-keys 7 is not less than 5"
    assert OPERATORS["StringNotEquals"].match("a", None)[0] is True


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("StringEquals", (None, "StringEquals", False)),
        ("StringEqualsIfExists", (None, "StringEquals", True)),
        ("ForAllValues:StringLike", ("ForAllValues", "StringLike", False)),
        ("ForAnyValue:ArnLikeIfExists", ("ForAnyValue", "ArnLike", True)),
        ("Null", (None, "Null", False)),
    ],
)
def test_parse_operator(text: str, parts: tuple) -> None:
    parsed = parse_operator(text)
    assert parsed is not None
    assert (parsed.set_operator, parsed.operator.name, parsed.if_exists) == parts


@pytest.mark.parametrize(
    "text",
    [
        "stringequals",
        "StringEquals ",
        "ForAllValues:",
        "IfExists",
        "NullIfExists",
        "ForAnyValue:Null",
        "ForAllValues:ForAnyValue:StringEquals",
        "StringEqualsIfExistsIfExists",
    ],
)
def test_parse_operator_rejects(text: str) -> None:
    assert parse_operator(text) is None


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("stringequals", "StringEquals"),
        ("forallvalues:stringlikeifexists", "ForAllValues:StringLikeIfExists"),
        ("IPAddress", "IpAddress"),
        ("StringEquals", None),
        ("Nonsense", None),
    ],
)
def test_suggest_operator(text: str, suggestion: str | None) -> None:
    assert suggest_operator(text) == suggestion


def test_operator_names_list_prefixes_and_if_exists_but_not_for_null() -> None:
    names = set(iter_operator_names())
    assert "ForAnyValue:StringNotLikeIfExists" in names
    assert "Null" in names and "NullIfExists" not in names
    assert len(names) == 26 * 6 + 1
    assert all(parse_operator(name) is not None for name in names)


# -- value parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("1704067200", JAN_1_2024, id="epoch seconds"),
        pytest.param("1704067200.25", JAN_1_2024 + 0.25, id="epoch seconds with a fraction"),
        pytest.param("2024", 2024, id="four digits are epoch seconds, not a year"),
        pytest.param("2024-01", JAN_1_2024, id="year and month"),
        pytest.param("2024-01-01", JAN_1_2024, id="a date"),
        pytest.param("2024-01-01T00:00Z", JAN_1_2024, id="minutes and Z"),
        pytest.param("2024-01-01T00:00:00Z", JAN_1_2024, id="seconds and Z"),
        pytest.param("2024-01-01T00:00:00", JAN_1_2024, id="no zone means UTC"),
        pytest.param("2024-01-01t00:00:00z", JAN_1_2024, id="lowercase t and z"),
        pytest.param("2024-01-01 00:00:00Z", JAN_1_2024, id="a space instead of T"),
        pytest.param("2024-01-01T00:00:00.5Z", JAN_1_2024 + 0.5, id="a fraction of a second"),
        pytest.param("2024-01-01T01:30:00+01:30", JAN_1_2024, id="an offset with a colon"),
        pytest.param("2024-01-01T01:30:00+0130", JAN_1_2024, id="an offset without a colon"),
        pytest.param("2023-12-31T22:00:00-02", JAN_1_2024, id="an offset in hours"),
        pytest.param("20240101T000000Z", JAN_1_2024, id="the basic form"),
        pytest.param("not a date", None, id="words"),
        pytest.param("2024-02-30", None, id="the 30th of February"),
        pytest.param("2024-01-01T25:00:00Z", None, id="hour 25"),
        pytest.param("", None, id="the empty string"),
    ],
)
def test_parse_date(text: str, seconds: float | None) -> None:
    expected = None if seconds is None else round(seconds * 1_000_000)
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("-3", -3),
        ("+7", 7),
        ("2.50", 2.5),
        (".5", 0.5),
        ("1e3", 1000),
        ("abc", None),
        ("", None),
        ("1 ", None),
        ("inf", None),
        ("nan", None),
        ("0x10", None),
        ("1_000", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value
