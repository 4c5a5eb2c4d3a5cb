"""What the simulated learners of the load test do and type: shared by tests/load/locustfile.py
and tests/load/profile_pages.py (which must not import locust: it patches the standard library
for gevent)."""

import os
import re

LESSON = "managed-vs-inline-and-versions"
ADMIN_ARN = "arn:aws:iam::111122223333:user/admin"
EDITED_USER = "dev-ana"
INLINE_POLICY = "ReadBuilds"
PASSWORD = os.environ.get("LOAD_PASSWORD", "study-hard-iam-2026!")

# What the learner types into the editor, turn by turn (all valid identity policies).
DOCUMENTS = [
    """{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
    "Resource": ["arn:aws:s3:::northwind-builds", "arn:aws:s3:::northwind-builds/*"]}]
}""",
    """{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "ReadBuilds", "Effect": "Allow", "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::northwind-builds/*"}]
}""",
    """{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::northwind-builds"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::northwind-builds/*",
     "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]
}""",
]
SIMULATIONS = [
    ("s3:GetObject", "arn:aws:s3:::northwind-builds/app-1.4.2.zip"),
    ("s3:ListBucket", "arn:aws:s3:::northwind-reports"),
    ("s3:DeleteObject\ns3:PutObject", "arn:aws:s3:::northwind-reports/2026/february.csv"),
    ("iam:CreateUser", "*"),
]
CLI_LINES = [
    "aws iam list-users",
    "aws iam list-groups-for-user --user-name dev-ana",
    "aws iam get-user-policy --user-name dev-ana --policy-name ReadBuilds",
    "aws sts get-caller-identity",
]

SANDBOX_IN_PAGE = re.compile(r"/sandbox/(\d+)/")
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')
QUESTION_URL = re.compile(r"/quiz/s/(\d+)/q/(\d+)/$")
OPTION = re.compile(r'name="choice" value="(\d+)"')
PICK = re.compile(r"Choose (\d+)</span>")
