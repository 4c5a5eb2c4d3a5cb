"""The account graph: assume-role arrows decided by the engine, and group/policy edges."""

import pytest

from iamlab.sandbox.scenario import load_scenario
from iamlab.web.tools_graph import build_graph

pytestmark = pytest.mark.django_db

SCENARIO = """
format: 1
accounts:
  '111111111111':
    groups:
      devs:
        policies: [arn:aws:iam::aws:policy/ReadOnlyAccess]
        inline_policies:
          assume:
            Version: '2012-10-17'
            Statement:
              - {Effect: Allow, Action: sts:AssumeRole, Resource: 'arn:aws:iam::222222222222:role/deploy'}
    users:
      dana: {groups: [devs]}
      frank: {}
  '222222222222':
    roles:
      deploy:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::111111111111:root'}, Action: sts:AssumeRole}
      ec2-app:
        trust_policy:
          Version: '2012-10-17'
          Statement:
            - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}
"""  # noqa: E501

DANA = "arn:aws:iam::111111111111:user/dana"
FRANK = "arn:aws:iam::111111111111:user/frank"
DEPLOY = "arn:aws:iam::222222222222:role/deploy"


@pytest.fixture
def owner(learner):
    return learner("owner")


@pytest.fixture
def sandbox(owner):
    return load_scenario(SCENARIO, name="graph", owner=owner)


def edges(graph, kind):
    return {
        (e["data"]["source"], e["data"]["target"])
        for e in graph["edges"]
        if e["data"]["kind"] == kind
    }


def test_only_principals_both_sides_allow_can_assume(sandbox):
    graph = build_graph(sandbox)
    assume = edges(graph, "assume")
    assert (DANA, DEPLOY) in assume  # trusted account + the group's policy
    assert (FRANK, DEPLOY) not in assume  # trusted account, but no policy of his allows it
    assert ("service:ec2.amazonaws.com", "arn:aws:iam::222222222222:role/ec2-app") in assume
    assert edges(graph, "trust") == {("arn:aws:iam::111111111111:root", DEPLOY)}


def test_groups_and_policies_are_edges(sandbox):
    graph = build_graph(sandbox)
    assert (DANA, "arn:aws:iam::111111111111:group/devs") in edges(graph, "member")
    assert (
        "arn:aws:iam::111111111111:group/devs",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ) in edges(graph, "attached")
    inline = edges(graph, "inline")
    assert (
        "arn:aws:iam::111111111111:group/devs",
        "inline:arn:aws:iam::111111111111:group/devs:assume",
    ) in inline
    ids = {n["data"]["id"] for n in graph["nodes"]}
    for source, target in (
        edges(graph, "member") | edges(graph, "attached") | edges(graph, "assume")
    ):
        assert source in ids and target in ids


def test_page_and_json(client, owner, sandbox):
    client.force_login(owner)
    page = client.get(f"/sandbox/{sandbox.pk}/graph/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "vendor/cytoscape/cytoscape.min.js" in body
    assert f'<td class="arn">{DANA}</td><td class="arn">{DEPLOY}</td>' in body
    data = client.get(f"/sandbox/{sandbox.pk}/graph/graph.json").json()
    assert {"nodes", "edges"} <= set(data["elements"])
    assert any(
        e["data"]["source"] == DANA and e["data"]["target"] == DEPLOY
        for e in data["elements"]["edges"]
    )


def test_graph_names_are_escaped(client, owner):
    evil = load_scenario(
        """
format: 1
accounts:
  '111111111111':
    users:
      x: {tags: {note: '<script>alert(1)</script>'}}
""",
        name="evil",
        owner=owner,
    )
    client.force_login(owner)
    body = client.get(f"/sandbox/{evil.pk}/graph/").content.decode()
    assert "<script>alert(1)</script>" not in body
