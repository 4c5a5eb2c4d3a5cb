"""authorize gathers every policy AWS would apply and the context AWS would set, in a number of
queries that does not grow with the sandbox."""

import pytest

from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.services import authz, calls, principals

pytestmark = pytest.mark.django_db

ALLOW_S3 = "{Version: '2012-10-17', Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]}"


def _scenario(extra: int) -> str:
    users = "".join(f"      u{i}: {{groups: [g{i}], policies: [p{i}]}}\n" for i in range(extra))
    groups = "".join(f"      g{i}: {{policies: [p{i}]}}\n" for i in range(extra))
    policies = "".join(f"      p{i}: {{document: {ALLOW_S3}}}\n" for i in range(extra))
    return f"""
clock: {{now: 2026-01-15T09:00:00Z}}
accounts:
  '111111111111':
    policies:
      read-s3: {{document: {ALLOW_S3}}}
      edge:
        document: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Action: ['s3:*', 'sqs:*'], Resource: '*'}}]}}
{policies}    groups:
      readers: {{policies: [read-s3]}}
      sqsers:
        inline_policies:
          q: {{Version: '2012-10-17', Statement: [{{Effect: Allow, Action: 'sqs:*', Resource: '*'}}]}}
{groups}    users:
      alice: {{groups: [readers, sqsers], tags: {{team: blue}}, boundary: edge}}
      dana: {{policies: [IAMReadOnlyAccess]}}
{users}    buckets:
      shared:
        policy:
          Version: '2012-10-17'
          Statement:
            - {{Effect: Allow, Principal: {{AWS: 'arn:aws:iam::111111111111:user/dana'}}, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*'}}
  '222222222222':
    users:
      eve: {{policies: [AmazonS3FullAccess]}}
    buckets:
      guarded: {{}}
  '999999999999': {{}}
organization:
  management_account: '999999999999'
  policies:
    no-iam-writes:
      type: SCP
      document: {{Version: '2012-10-17', Statement: [{{Effect: Deny, Action: 'iam:Create*', Resource: '*'}}]}}
    only-our-org:
      type: RCP
      document:
        Version: '2012-10-17'
        Statement:
          - Effect: Deny
            Principal: '*'
            Action: 's3:*'
            Resource: '*'
            Condition: {{StringNotEquals: {{'aws:PrincipalOrgID': 'o-aaaaaaaaaa'}}}}
  id: o-bbbbbbbbbb
  root:
    accounts: {{'999999999999': {{}}}}
    units:
      workloads:
        scps: [FullAWSAccess, no-iam-writes]
        accounts: {{'111111111111': {{}}}}
      guarded:
        rcps: [RCPFullAWSAccess, only-our-org]
        accounts: {{'222222222222': {{}}}}
"""  # noqa: E501


@pytest.fixture
def sandbox():
    return load_scenario(_scenario(3), name="authz")


ALICE = "arn:aws:iam::111111111111:user/alice"


def test_group_policies_inline_and_attached_count(sandbox):
    assert authz.authorize(sandbox, ALICE, "s3:GetObject", "arn:aws:s3:::shared/x").allowed
    assert authz.authorize(sandbox, ALICE, "sqs:SendMessage").allowed
    result = authz.authorize(sandbox, ALICE, "sqs:SendMessage")
    assert result.policies["identity"] == ["inline:sqsers/q", "managed:read-s3"]


def test_the_boundary_caps_group_permissions(sandbox):
    result = authz.authorize(sandbox, ALICE, "s3:GetObject", "arn:aws:s3:::shared/x")
    assert result.policies["boundary"] == ["arn:aws:iam::111111111111:policy/edge"]
    denied = authz.authorize(sandbox, "arn:aws:iam::111111111111:user/u0", "sqs:SendMessage")
    assert not denied.allowed


def test_an_scp_at_the_accounts_ou_denies(sandbox):
    dana = "arn:aws:iam::111111111111:user/dana"
    result = authz.authorize(sandbox, ALICE, "iam:CreateUser", "arn:aws:iam::111111111111:user/x")
    assert result.decision.value == "explicitDeny"
    assert result.evaluation.basis == "deny:scp"
    assert "no-iam-writes" in result.policies["scps"]
    assert authz.authorize(sandbox, dana, "iam:ListUsers").allowed


def test_an_rcp_guards_the_resources_account(sandbox):
    eve = "arn:aws:iam::222222222222:user/eve"
    result = authz.authorize(sandbox, eve, "s3:GetObject", "arn:aws:s3:::guarded/x")
    assert result.evaluation.basis == "deny:rcp"
    assert result.policies["rcps"] == ["only-our-org"]


def test_a_bucket_policy_grants_on_its_own(sandbox):
    dana = "arn:aws:iam::111111111111:user/dana"
    result = authz.authorize(sandbox, dana, "s3:GetObject", "arn:aws:s3:::shared/report")
    assert result.allowed
    assert result.evaluation.basis == "allow:resource-direct"
    assert not authz.authorize(sandbox, dana, "s3:PutObject", "arn:aws:s3:::shared/r").allowed


def test_the_context_is_what_aws_sets(sandbox):
    alice = principals.as_user(sandbox, "alice", source_ip="198.51.100.7", region="eu-west-1")
    ctx = authz.authorize(
        sandbox, None, "s3:ListBucket", "arn:aws:s3:::shared", caller=alice
    ).context
    assert ctx["aws:username"] == "alice"
    assert ctx["aws:userid"] == alice.user.user_id
    assert ctx["aws:PrincipalArn"] == ALICE
    assert ctx["aws:PrincipalAccount"] == "111111111111"
    assert ctx["aws:PrincipalType"] == "User"
    assert ctx["aws:PrincipalTag/team"] == "blue"
    assert ctx["aws:PrincipalOrgID"] == "o-bbbbbbbbbb"
    assert ctx["aws:CurrentTime"] == "2026-01-15T09:00:00Z"
    assert ctx["aws:EpochTime"] == "1768467600"
    assert ctx["aws:SourceIp"] == "198.51.100.7"
    assert ctx["aws:RequestedRegion"] == "eu-west-1"
    assert ctx["aws:ResourceAccount"] == "111111111111"
    assert "aws:MultiFactorAuthPresent" not in ctx  # long-term keys: AWS leaves it out
    with_mfa = principals.as_user(sandbox, "alice", mfa=True)
    ctx = authz.authorize(sandbox, None, "s3:ListBucket", caller=with_mfa).context
    assert ctx["aws:MultiFactorAuthPresent"] == "true"
    assert ctx["aws:MultiFactorAuthAge"] == "0"


def test_a_role_session_principal_gets_the_roles_policies(two_role_sandbox):
    session = "arn:aws:sts::111111111111:assumed-role/ops/me"
    result = authz.authorize(two_role_sandbox, session, "ec2:DescribeInstances")
    assert result.allowed
    assert result.context["aws:PrincipalArn"] == "arn:aws:iam::111111111111:role/team/ops"
    assert result.context["aws:userid"].endswith(":me")
    assert result.context["aws:PrincipalType"] == "AssumedRole"


def test_a_trust_policy_decides_assume_role(two_role_sandbox):
    root = "arn:aws:iam::111111111111:root"
    result = authz.authorize(
        two_role_sandbox, root, "sts:AssumeRole", "arn:aws:iam::111111111111:role/team/ops"
    )
    assert result.policies["resource"] == ["trust policy"]
    assert result.allowed


@pytest.fixture
def two_role_sandbox():
    return load_scenario(
        """
accounts:
  '111111111111':
    roles:
      ops:
        path: /team/
        trust_policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {AWS: '111111111111'}, Action: 'sts:AssumeRole'}]}
        policies: [AmazonEC2ReadOnlyAccess]
""",  # noqa: E501
        name="roles",
    )


@pytest.mark.parametrize("size", [3, 30])
def test_the_number_of_queries_does_not_grow_with_the_sandbox(size, django_assert_num_queries):
    sandbox = load_scenario(_scenario(size), name=f"size-{size}")
    alice = principals.as_user(sandbox, "alice")
    # resource (1), inline (1), attachments (1), boundary (1), OUs (1), org policies (1)
    with django_assert_num_queries(6):
        result = authz.authorize(
            sandbox, None, "s3:GetObject", "arn:aws:s3:::shared/x", caller=alice
        )
    assert result.allowed
    with django_assert_num_queries(7):  # + the principal, by ARN
        authz.authorize(sandbox, ALICE, "s3:GetObject", "arn:aws:s3:::shared/x")


def test_scps_and_rcps_do_not_restrict_the_management_account():
    """AWS Organizations: SCPs and RCPs affect member accounts only, never the management
    account (here 999999999999, with a user allowed to create users)."""
    text = _scenario(0).replace(
        "  '999999999999': {}",
        "  '999999999999':\n    users:\n      boss: {policies: [IAMFullAccess]}",
    )
    text = text.replace("  root:\n", "  root:\n    scps: [FullAWSAccess, no-iam-writes]\n", 1)
    managed = load_scenario(text, name="managed")
    boss = "arn:aws:iam::999999999999:user/boss"
    result = authz.authorize(managed, boss, "iam:CreateUser", "arn:aws:iam::999999999999:user/x")
    assert result.allowed
    assert "scps" not in result.policies
    alice = authz.authorize(managed, ALICE, "iam:CreateUser", "arn:aws:iam::111111111111:user/x")
    assert alice.decision.value == "explicitDeny"


@pytest.mark.parametrize("size", [3, 30])
def test_a_service_call_takes_the_same_queries_whatever_the_size(size, django_assert_num_queries):
    """An operation through `calls` (authorize, log, last used) does not grow either."""
    sandbox = load_scenario(_scenario(size), name=f"call-{size}")
    alice = principals.as_user(sandbox, "alice")
    # authorization (6) + the activity event (1)
    with django_assert_num_queries(7):
        calls.authorized_call(alice, "s3:GetObject", "arn:aws:s3:::shared/x")


# ------------------------------------------------------------------ gather once, evaluate many
REQUESTS = [
    ("s3:GetObject", "arn:aws:s3:::shared/x"),
    ("s3:PutObject", "arn:aws:s3:::shared/x"),
    ("s3:GetObject", "arn:aws:s3:::guarded/x"),
    ("sqs:SendMessage", "*"),
    ("iam:CreateUser", "arn:aws:iam::111111111111:user/x"),
    ("iam:ListUsers", "*"),
    ("ec2:DescribeInstances", "*"),
]
PRINCIPALS = [
    ALICE,
    "arn:aws:iam::111111111111:user/dana",
    "arn:aws:iam::111111111111:user/u0",
    "arn:aws:iam::222222222222:user/eve",
    "arn:aws:iam::999999999999:root",
]


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_an_authorizer_decides_as_authorize_does(sandbox, principal):
    ask = authz.authorizer(sandbox, principal)
    decisions = []
    for action, resource in REQUESTS:
        one = authz.authorize(sandbox, principal, action, resource)
        many = ask(action, resource)
        assert many.decision is one.decision, (action, resource)
        assert many.evaluation.basis == one.evaluation.basis
        assert many.policies == one.policies
        assert many.context == one.context
        assert ask.allowed(action, resource) is one.allowed
        decisions.append(one.allowed)
    if principal == ALICE:  # the requests mix allowed and denied ones
        assert decisions == [True, True, False, True, False, False, False]


def test_an_authorizer_reads_a_trust_policy_only_for_assume_role(two_role_sandbox):
    role = "arn:aws:iam::111111111111:role/team/ops"
    ask = authz.authorizer(two_role_sandbox, "arn:aws:iam::111111111111:root")
    assume = ask("sts:AssumeRole", role)
    assert assume.allowed
    assert assume.policies["resource"] == ["trust policy"]
    other = ask("iam:GetRole", role)  # the same ARN, but not the sts:AssumeRole family
    assert "resource" not in other.policies
    assert (
        other.evaluation.basis
        == authz.authorize(
            two_role_sandbox, "arn:aws:iam::111111111111:root", "iam:GetRole", role
        ).evaluation.basis
    )


def test_a_request_context_applies_to_one_request_only(sandbox):
    ask = authz.authorizer(sandbox, ALICE)
    tagged = ask("s3:ListBucket", "arn:aws:s3:::shared", context={"s3:prefix": "home/"})
    assert tagged.context["s3:prefix"] == "home/"
    assert "s3:prefix" not in ask("s3:ListBucket", "arn:aws:s3:::shared").context
    everywhere = authz.authorizer(sandbox, ALICE, context={"aws:SourceIp": "203.0.113.9"})
    assert everywhere("s3:ListBucket", "arn:aws:s3:::shared").context["aws:SourceIp"] == (
        "203.0.113.9"
    )


@pytest.mark.parametrize("count", [1, 40])
def test_an_authorizers_queries_do_not_grow_with_the_actions(
    sandbox, count, django_assert_num_queries
):
    """Gathering is per principal and per resource: the same queries as one `authorize` for
    each resource, however many actions are asked about."""
    from iamlab.engine import catalog

    actions = [f"s3:{name}" for name in catalog.action_names("s3")][:count]
    assert len(actions) == count
    alice = principals.as_user(sandbox, "alice")
    # inline (1), attachments (1), boundary (1); then the bucket (1), OUs (1), org policies (1)
    with django_assert_num_queries(6):
        ask = authz.authorizer(sandbox, caller=alice)
        results = [ask.allowed(a, "arn:aws:s3:::shared/x") for a in actions]
    assert all(results)  # alice may do any s3 action (read-s3 and her boundary allow s3:*)
    # a second resource, in another account: its lookup (1), OUs (1), org policies (1)
    with django_assert_num_queries(3):
        for action in actions:
            ask(action, "arn:aws:s3:::guarded/y", explain=False)


def test_an_authorizer_names_the_documents_it_evaluates_by_their_engine_paths(db):
    from iamlab.sandbox.scenario import load_scenario

    sandbox = load_scenario(
        """
format: 1
accounts:
  "111122223333":
    users:
      dev:
        inline_policies:
          read:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: "s3:Get*", Resource: "*"}]
        boundary: arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
""",
        name="documents",
    )
    ask = authz.authorizer(sandbox, "arn:aws:iam::111122223333:user/dev")
    documents = ask.documents("s3:GetObject", "arn:aws:s3:::nowhere/key")
    assert set(documents) == {"/identityPolicies/0", "/permissionBoundary"}
    name, kind, document = documents["/identityPolicies/0"]
    assert (name, kind) == ("read", "identity")
    assert "s3:Get*" in str(document)
    decision = ask("s3:GetObject", "arn:aws:s3:::nowhere/key")
    paths = decision.evaluation.decisive_paths()
    assert paths and all(path.split("/Statement")[0] in documents for path in paths)
