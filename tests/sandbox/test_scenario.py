"""Scenario YAML: loading, exporting, the exact round trip, and every kind of bad input reported
with its line, column and key path."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.sandbox.documents import canonical_json
from iamlab.sandbox.models import (
    AccessKey,
    Account,
    IamUser,
    InlinePolicy,
    ManagedPolicy,
    OrganizationPolicyAttachment,
    PolicyAttachment,
    PolicyVersion,
    Role,
    Sandbox,
    hash_secret,
)
from iamlab.sandbox.scenario import ScenarioError, export_scenario, load_scenario, yamlio

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def _docs_example() -> str:
    return re.search(r"```yaml\n(.*?)```", DOCS.read_text(), re.S).group(1)


def _round_trip(text: str) -> tuple[str, str]:
    first = export_scenario(load_scenario(text, name="first"))
    second = export_scenario(load_scenario(first, name="second"))
    return first, second


def _problems(text: str) -> list:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(text, name="bad")
    return caught.value.problems


# -- the round trip ---------------------------------------------------------------------------


def test_the_documented_example_loads_and_round_trips_exactly():
    first, second = _round_trip(_docs_example())
    assert first == second


@pytest.mark.parametrize(
    "text",
    [
        "accounts: {}\n",
        "{}\n",
        "clock: {offset: +91d}\naccounts: {'123456789012': {users: {a: {created: -100d}}}}\n",
        "clock: {offset: -1d2h3m4.5s}\n",
        "accounts:\n  '123456789012':\n    policies:\n      P:\n        versions:\n"
        "          v3: {Version: '2012-10-17', Statement: []}\n        last_version: 7\n",
    ],
)
def test_export_load_export_gives_the_same_text(text):
    first, second = _round_trip(text)
    assert first == second


def test_the_export_keeps_ids_times_and_text_documents_exactly():
    text = """
clock: {now: 2026-01-15T09:00:00Z}
accounts:
  '123456789012':
    users:
      bob:
        id: AIDAEXAMPLEBOB0000001
        created: 2020-02-02T02:02:02.5Z
        inline_policies:
          Raw: '{ "Version":"2012-10-17",   "Statement": [] }'
"""
    sandbox = load_scenario(text, name="s")
    out = export_scenario(sandbox)
    assert "id: AIDAEXAMPLEBOB0000001" in out
    assert "created: 2020-02-02T02:02:02.500000Z" in out
    assert InlinePolicy.objects.get(sandbox=sandbox).document == (
        '{ "Version":"2012-10-17",   "Statement": [] }'
    )
    assert 'Raw: \'{ "Version"' in out


def test_a_mapping_document_is_stored_as_canonical_json():
    sandbox = load_scenario(
        "accounts: {'123456789012': {roles: {R: {trust_policy: {Version: '2012-10-17', "
        "Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, "
        "Action: 'sts:AssumeRole', Condition: {Bool: {'aws:MultiFactorAuthPresent': true}}}]}}}}}",
        name="s",
    )
    stored = Role.objects.get(sandbox=sandbox).trust_policy
    assert stored == json.dumps(json.loads(stored), indent=4)
    assert json.loads(stored)["Statement"][0]["Condition"]["Bool"] == {
        "aws:MultiFactorAuthPresent": True
    }


def test_yes_no_and_timestamps_stay_text():
    sandbox = load_scenario(
        "accounts: {'123456789012': {users: {a: {tags: {on-call: yes, since: 2025-01-01, n: 3}}}}}",
        name="s",
    )
    assert IamUser.objects.get(sandbox=sandbox).tags == {
        "on-call": "yes",
        "since": "2025-01-01",
        "n": "3",
    }


# -- meaning ----------------------------------------------------------------------------------


def test_relative_times_count_from_the_sandbox_clock():
    sandbox = load_scenario(
        """
clock: {now: 2026-01-15T09:00:00Z}
accounts:
  '123456789012':
    users:
      bob:
        created: -400d
        password: {last_used: -2d}
        access_keys: [{created: -100d, last_used: {date: -1h, region: eu-west-1, service: s3}}]
""",
        name="s",
    )
    assert sandbox.now() == T0
    bob = IamUser.objects.get(sandbox=sandbox)
    assert bob.created == T0 - timedelta(days=400)
    assert bob.password_created == bob.created == bob.password_last_changed
    assert bob.password_last_used == T0 - timedelta(days=2)
    key = AccessKey.objects.get(sandbox=sandbox)
    assert key.created == T0 - timedelta(days=100)
    assert (key.last_used, key.last_used_region, key.last_used_service) == (
        T0 - timedelta(hours=1),
        "eu-west-1",
        "s3",
    )
    assert key.access_key_id.startswith("AKIA") and key.status == "Active"


def test_an_access_key_secret_is_kept_only_as_its_hash():
    sandbox = load_scenario(
        "accounts: {'123456789012': {users: {a: {access_keys: [{secret: s3cret}]}}}}", name="s"
    )
    assert AccessKey.objects.get(sandbox=sandbox).secret_hash == hash_secret("s3cret")
    assert "s3cret" not in export_scenario(sandbox)


def test_policy_names_resolve_to_customer_policies_first_then_the_aws_catalog():
    sandbox = load_scenario(
        """
accounts:
  '123456789012':
    policies:
      ReadOnlyAccess: {document: {Version: '2012-10-17', Statement: []}}
    roles:
      R:
        trust_policy: {Version: '2012-10-17', Statement: []}
        policies: [ReadOnlyAccess, AWSLambdaBasicExecutionRole]
""",
        name="s",
    )
    first, second = PolicyAttachment.objects.filter(sandbox=sandbox).order_by("pk")
    assert first.policy.name == "ReadOnlyAccess" and not first.aws_policy_arn
    assert second.policy is None
    assert second.aws_policy_arn == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    )
    assert "policies: [ReadOnlyAccess, AWSLambdaBasicExecutionRole]" in export_scenario(sandbox)


def test_a_policy_with_versions_has_one_default_and_remembers_its_numbering():
    sandbox = load_scenario(
        """
accounts:
  '123456789012':
    policies:
      P:
        versions:
          v2: {document: {Version: '2012-10-17', Statement: []}, created: -9d}
          v4: {Version: '2012-10-17', Statement: []}
""",
        name="s",
    )
    versions = PolicyVersion.objects.filter(sandbox=sandbox).order_by("pk")
    assert [(v.version_id, v.is_default) for v in versions] == [("v2", False), ("v4", True)]
    policy = ManagedPolicy.objects.get(sandbox=sandbox)
    assert policy.version_counter == 4
    assert policy.created == versions[0].created


def test_rcp_full_aws_access_stays_attached_everywhere():
    sandbox = load_scenario(
        """
accounts: {'111111111111': {}}
organization:
  management_account: '111111111111'
  root: {scps: [], rcps: []}
""",
        name="s",
    )
    names = sorted(
        a.policy.name
        for a in OrganizationPolicyAttachment.objects.filter(
            sandbox=sandbox, policy__type="RESOURCE_CONTROL_POLICY"
        )
    )
    assert names == ["RCPFullAWSAccess", "RCPFullAWSAccess"]  # the root and the account
    assert Account.objects.get(sandbox=sandbox).organization is not None


def test_two_learners_load_the_same_scenario_without_colliding(alice, bob):
    text = _docs_example()
    mine = load_scenario(text, name="lesson", owner=alice)
    theirs = load_scenario(text, name="lesson", owner=bob)
    IamUser.objects.filter(sandbox=mine, name="alice").delete()
    assert IamUser.objects.filter(sandbox=theirs, name="alice").exists()
    assert not IamUser.objects.filter(sandbox=mine, name="alice").exists()
    assert export_scenario(theirs) != export_scenario(mine)


def test_a_name_already_taken_is_refused_unless_replacing(alice):
    load_scenario("{}", name="s", owner=alice)
    with pytest.raises(ScenarioError, match="already exists"):
        load_scenario("{}", name="s", owner=alice)
    load_scenario("description: again", name="s", owner=alice, replace=True)
    assert Sandbox.objects.get(owner=alice).description == "again"


def test_nothing_is_written_when_there_is_a_problem():
    with pytest.raises(ScenarioError):
        load_scenario("accounts: {'123456789012': {users: {a: {groups: [Nope]}}}}", name="s")
    assert not Sandbox.objects.exists()
    assert not Account.objects.exists()


def test_every_problem_is_reported_at_once():
    problems = _problems(
        """accounts:
  '123456789012':
    users:
      a: {groups: [Nope]}
      b: {pasword: x}
  '42': {}
"""
    )
    assert [(p.line, p.column) for p in problems] == [(4, 20), (5, 11), (6, 3)]


# -- bad input --------------------------------------------------------------------------------

BAD = [
    ("syntax", "accounts: [\n", 2, 1, "not valid YAML"),
    ("tab indentation", "accounts:\n\t'1': {}\n", 2, 1, "not valid YAML"),
    ("two documents", "{}\n---\n{}\n", 2, 1, "not valid YAML"),
    ("empty", "", 1, 1, "the scenario is empty"),
    ("not a mapping", "- a\n", 1, 1, "expected a mapping"),
    ("unknown top key", "acounts: {}\n", 1, 1, "did you mean 'accounts'?"),
    ("duplicate key", "accounts: {}\naccounts: {}\n", 2, 1, "duplicate key 'accounts'"),
    ("bad account id", "accounts:\n  '12345': {}\n", 2, 3, "not a 12-digit account id"),
    (
        "section of the wrong type",
        "accounts:\n  '123456789012':\n    users: [alice]\n",
        3,
        12,
        "expected a mapping",
    ),
    (
        "unknown user key",
        "accounts:\n  '123456789012':\n    users:\n      a: {pasword: x}\n",
        4,
        11,
        "unknown key 'pasword'",
    ),
    (
        "unknown group",
        "accounts:\n  '123456789012':\n    users:\n      a: {groups: [Nope]}\n",
        4,
        20,
        "no group named 'Nope'",
    ),
    (
        "unknown policy",
        "accounts:\n  '123456789012':\n    groups:\n      G: {policies: [NoSuchPolicy]}\n",
        4,
        22,
        "no AWS managed policy of that name",
    ),
    (
        "bad time",
        "accounts:\n  '123456789012':\n    users:\n      a: {created: last week}\n",
        4,
        20,
        "expected a time",
    ),
    (
        "names ignore case",
        "accounts:\n  '123456789012':\n    users:\n      bob: {}\n      Bob: {}\n",
        5,
        7,
        "already named 'Bob'",
    ),
    (
        "invalid name",
        "accounts:\n  '123456789012':\n    users:\n      'a b': {}\n",
        4,
        7,
        "not a valid user name",
    ),
    (
        "three access keys",
        "accounts:\n  '123456789012':\n    users:\n      a:\n        access_keys: [{}, {}, {}]\n",
        5,
        22,
        "at most two access keys",
    ),
    (
        "document and versions",
        "accounts:\n  '123456789012':\n    policies:\n      P:\n        document: {}\n"
        "        versions: {v1: {}}\n",
        5,
        9,
        "either 'document' or 'versions'",
    ),
    (
        "six versions",
        "accounts:\n  '123456789012':\n    policies:\n      P:\n        versions: "
        "{v1: {}, v2: {}, v3: {}, v4: {}, v5: {}, v6: {}}\n",
        5,
        19,
        "1 to 5 versions",
    ),
    (
        "missing default version",
        "accounts:\n  '123456789012':\n    policies:\n      P:\n        versions: {v1: {}}\n"
        "        default: v2\n",
        6,
        18,
        "no version 'v2'",
    ),
    (
        "document text that is not JSON",
        "accounts:\n  '123456789012':\n    users:\n      a:\n        inline_policies: "
        "{P: '{not json'}\n",
        5,
        30,
        "not valid JSON",
    ),
    (
        "document that is a list",
        "accounts:\n  '123456789012':\n    roles:\n      R: {trust_policy: [1]}\n",
        4,
        25,
        "expected a policy document",
    ),
    (
        "missing trust policy",
        "accounts:\n  '123456789012':\n    roles:\n      R: {}\n",
        4,
        10,
        "missing required key 'trust_policy'",
    ),
    (
        "unsupported tag",
        "accounts:\n  '123456789012':\n    users:\n      a:\n        inline_policies:\n"
        "          P: {Version: !!python/name:os.system ''}\n",
        6,
        24,
        "unsupported tag",
    ),
    (
        "recursive alias",
        "accounts:\n  '123456789012':\n    users:\n      a:\n        inline_policies:\n"
        "          P: &p {Statement: [*p]}\n",
        6,
        14,
        "refers to a node that contains it",
    ),
    (
        "bad region",
        "accounts:\n  '123456789012':\n    buckets:\n      b1b: {region: mars}\n",
        4,
        21,
        "not a region",
    ),
    (
        "bad path",
        "accounts:\n  '123456789012':\n    users:\n      a: {path: no-slashes}\n",
        4,
        17,
        "not an IAM path",
    ),
    (
        "session of nobody",
        "accounts:\n  '123456789012':\n    sessions: [{name: s1}]\n",
        3,
        16,
        "a session is of a 'role'",
    ),
    (
        "account placed twice",
        "accounts: {'111111111111': {}}\norganization:\n  management_account: '111111111111'\n"
        "  root:\n    accounts: {'111111111111': {}}\n    units:\n      OU:\n"
        "        accounts: {'111111111111': {}}\n",
        8,
        20,
        "already placed",
    ),
    (
        "unknown SCP",
        "accounts: {'111111111111': {}}\norganization:\n  management_account: '111111111111'\n"
        "  root: {scps: [Nope]}\n",
        4,
        17,
        "no SCP named 'Nope'",
    ),
    (
        "unknown management account",
        "organization:\n  management_account: '999999999999'\n",
        2,
        23,
        "no account '999999999999'",
    ),
    ("clock with both", "clock: {now: 2026-01-01T00:00:00Z, offset: +1d}\n", 1, 8, "either"),
    ("bad clock", "clock: {offset: soon}\n", 1, 17, "not a duration"),
    (
        "bad decision",
        "activity:\n  - {action: s3:GetObject, decision: maybe}\n",
        2,
        38,
        "not one of",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_bad_input_is_reported_with_its_place(text, line, column, message):
    problems = _problems(text)
    assert any(p.line == line and p.column == column and message in p.message for p in problems), [
        str(p) for p in problems
    ]


def test_a_problem_names_its_key_path():
    (problem,) = _problems(
        "accounts:\n  '123456789012':\n    users:\n      bob:\n        groups: [Admins]\n"
    )
    assert problem.path == "accounts.123456789012.users.bob.groups[0]"
    assert str(problem).startswith("line 5, column 18: accounts.123456789012.users.bob.groups[0]")


# -- documents survive YAML exactly -----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_any_json_document_survives_the_yaml_round_trip(value):
    document = {"Version": "2012-10-17", "Statement": value}
    text = canonical_json(document)
    written = yamlio.dump({"document": yamlio.doc(text)})
    reader = yamlio.Reader()
    fields = reader.mapping(yamlio.compose(written), "")
    assert reader.document(fields["document"].value, "document") == text
    assert reader.problems == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("accounts: {'123456789012': {users: {" + "u" * 65 + ": {}}}}", "at most 64 characters"),
        ("accounts: {'123456789012': {alias: " + "a" * 64 + "}}", "at most 63 characters"),
        ("activity: [{action: " + "x" * 257 + ", decision: allowed}]", "at most 256 characters"),
    ],
)
def test_values_too_long_for_aws_are_problems_not_database_errors(text, message):
    (problem,) = _problems(text)
    assert message in problem.message and problem.line == 1


def test_a_sandbox_name_must_be_a_slug():
    with pytest.raises(ScenarioError, match="must be a slug"):
        load_scenario("{}", name="not a slug")


def test_a_version_or_trust_policy_left_empty_is_a_problem():
    problems = _problems(
        "accounts:\n  '123456789012':\n    policies:\n      P:\n        versions: {v1: }\n"
        "    roles:\n      R: {trust_policy: }\n"
    )
    assert [(p.line, "needs a policy document" in p.message) for p in problems] == [
        (5, True),
        (7, True),
    ]
