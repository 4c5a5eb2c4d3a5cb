"""What authorization reads: a principal's policies and its organization's, in a number of queries
that does not grow with the sandbox."""

import json

import pytest

from iamlab.sandbox.models import Account, IamUser, Role
from iamlab.sandbox.scenario import load_scenario
from iamlab.sandbox.selectors import (
    identity_policies,
    organization_policies,
    permissions_boundary,
)

pytestmark = pytest.mark.django_db

DOC = "{Version: '2012-10-17', Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]}"


def _scenario(groups: int) -> str:
    names = [f"G{i}" for i in range(groups)]
    group_yaml = "".join(
        f"      {n}:\n        policies: [P{n}, ReadOnlyAccess]\n"
        f"        inline_policies: {{I{n}: {DOC}}}\n"
        for n in names
    )
    policy_yaml = "".join(f"      P{n}: {{document: {DOC}}}\n" for n in names)
    return f"""
accounts:
  '111111111111':
    policies:
      Boundary: {{document: {DOC}}}
{policy_yaml}    groups:
{group_yaml}    users:
      alice:
        groups: [{", ".join(names)}]
        policies: [Boundary]
        inline_policies: {{Own: {DOC}}}
        boundary: Boundary
    roles:
      R:
        trust_policy: {DOC}
        policies: [AdministratorAccess]
        boundary: PowerUserAccess
"""


@pytest.mark.parametrize("groups", [1, 8])
def test_a_users_policies_take_two_queries_however_many_groups(groups, django_assert_num_queries):
    sandbox = load_scenario(_scenario(groups), name=f"s{groups}")
    user = IamUser.objects.select_related("account").get(sandbox=sandbox, name="alice")
    with django_assert_num_queries(2):
        policies = identity_policies(user)
    kinds = sorted(p.kind for p in policies)
    assert kinds.count("inline") == groups + 1
    assert kinds.count("managed") == groups + 1
    assert kinds.count("aws-managed") == groups
    own = next(p for p in policies if p.name == "Own")
    assert own.owner == "arn:aws:iam::111111111111:user/alice"
    group_policy = next(p for p in policies if p.name == "PG0")
    assert group_policy.arn == "arn:aws:iam::111111111111:policy/PG0"
    assert group_policy.owner == "arn:aws:iam::111111111111:group/G0"
    assert json.loads(group_policy.document)["Statement"][0]["Action"] == "s3:*"
    aws = next(p for p in policies if p.kind == "aws-managed")
    assert aws.arn == "arn:aws:iam::aws:policy/ReadOnlyAccess" and aws.document


def test_a_customer_managed_boundary_takes_one_query_and_an_aws_one_none(
    django_assert_num_queries,
):
    sandbox = load_scenario(_scenario(1), name="b")
    user = IamUser.objects.select_related("account").get(sandbox=sandbox, name="alice")
    role = Role.objects.select_related("account").get(sandbox=sandbox, name="R")
    with django_assert_num_queries(1):
        assert permissions_boundary(user).name == "Boundary"
    with django_assert_num_queries(0):
        assert permissions_boundary(role).arn == "arn:aws:iam::aws:policy/PowerUserAccess"
    with django_assert_num_queries(2):
        assert [p.name for p in identity_policies(role)] == ["AdministratorAccess"]


ORG = """
accounts:
  '111111111111': {}
  '222222222222': {}
  '333333333333': {}
organization:
  management_account: '111111111111'
  policies:
    DenyLeave: {type: SCP, document: {Version: '2012-10-17', Statement: []}}
    OnlyEu: {type: SCP, document: {Version: '2012-10-17', Statement: []}}
    NoPublic: {type: RCP, document: {Version: '2012-10-17', Statement: []}}
  root:
    scps: [FullAWSAccess, DenyLeave]
    accounts: {'111111111111': {}}
    units:
      Workloads:
        units:
          Prod:
            scps: [FullAWSAccess, OnlyEu]
            rcps: [NoPublic]
            accounts:
              '222222222222': {scps: [FullAWSAccess, DenyLeave]}
"""


def test_organization_policies_come_level_by_level_in_three_queries(django_assert_num_queries):
    sandbox = load_scenario(ORG, name="org")
    account = Account.objects.get(sandbox=sandbox, account_id="222222222222")
    with django_assert_num_queries(3):
        policies = organization_policies(account)
    assert [[p.name for p in level] for level in policies.scps] == [
        ["FullAWSAccess", "DenyLeave"],
        ["FullAWSAccess"],
        ["FullAWSAccess", "OnlyEu"],
        ["FullAWSAccess", "DenyLeave"],
    ]
    assert [[p.name for p in level] for level in policies.rcps] == [
        ["RCPFullAWSAccess"],
        ["RCPFullAWSAccess"],
        ["RCPFullAWSAccess", "NoPublic"],
        ["RCPFullAWSAccess"],
    ]


def test_the_management_account_and_standalone_accounts_have_no_organization_policies():
    sandbox = load_scenario(ORG, name="org")
    management = Account.objects.get(sandbox=sandbox, account_id="111111111111")
    standalone = Account.objects.get(sandbox=sandbox, account_id="333333333333")
    assert organization_policies(management).scps == []
    assert organization_policies(standalone).scps == []


def test_name_lookups_are_case_insensitive_and_use_the_name_index():
    from django.db import connection

    from iamlab.sandbox.models import named

    sandbox = load_scenario(_scenario(1), name="names")
    account = Account.objects.get(sandbox=sandbox)
    users = named(IamUser.objects.filter(account=account), "ALICE")
    assert [u.name for u in users] == ["alice"]
    sql, params = users.query.sql_with_params()
    assert "LOWER(" in sql.upper()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "user_name_unique_per_account_ci" in plan


def test_a_prepared_query_is_built_once_and_answers_each_call_with_its_arguments(
    django_assert_num_queries,
):
    from iamlab.sandbox.selectors import PreparedQuery

    sandbox = load_scenario(_scenario(2), name="prepared")
    built = []

    def build(account_id, name):
        built.append((account_id, name))
        return IamUser.objects.filter(account_id=account_id, name=name).values_list("name")

    query = PreparedQuery(build, int, str)
    account = Account.objects.get(sandbox=sandbox)
    with django_assert_num_queries(2):
        assert query.rows(account.pk, "alice") == [("alice",)]
        assert query.rows(account.pk, "nobody") == []
    assert len(built) == 1
