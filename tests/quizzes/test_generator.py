"""Generated questions: the answer is the engine's decision and every distractor is really wrong."""

import copy
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.engine import Context, Decision, Request, compile_policy, evaluate
from iamlab.quizzes import generator
from iamlab.quizzes.generator import generate, generate_by_id

seeds = st.integers(min_value=0, max_value=10**9)
levels = st.sampled_from(generator.DIFFICULTIES)

WORDS = {
    "Allowed": Decision.ALLOWED,
    "Explicitly denied": Decision.EXPLICIT_DENY,
    "Implicitly denied": Decision.IMPLICIT_DENY,
}


def engine_decision(scn):
    """Ask the engine directly, without the generator's own evaluate()."""
    request = Request(
        principal=scn.principal,
        action=scn.action,
        resource=scn.resource,
        resource_account=scn.resource_account,
        context=Context(scn.context),
    )
    return evaluate(
        request,
        identity_policies=[compile_policy(d) for _, d in scn.identity],
        permission_boundary=compile_policy(scn.boundary[1]) if scn.boundary else None,
        resource_policy=compile_policy(scn.resource_policy[1]) if scn.resource_policy else None,
        scps=[[compile_policy(d) for _, d in scn.scps]] if scn.scps else None,
    )


def check_shape(question):
    assert len(question.correct_indices) == question.pick >= 1
    texts = [o.text for o in question.options]
    assert len(set(texts)) == len(texts)
    assert len(texts) >= 4
    assert all(o.explanation.strip() for o in question.options)


@settings(max_examples=60, deadline=None)
@given(seeds, levels)
def test_the_decision_answer_is_the_engines(seed, level):
    g = generate("decision", level, seed)
    check_shape(g.question)
    truth = engine_decision(g.scenario).decision
    for option in g.question.options:
        if option.text in WORDS:
            assert option.correct == (WORDS[option.text] is truth)
        else:
            # "It depends on which statement comes first": wrong, since reversing changes nothing.
            assert not option.correct
            flipped = copy.deepcopy(g.scenario)
            for _, doc in flipped.identity:
                doc["Statement"].reverse()
            if flipped.boundary:
                flipped.boundary[1]["Statement"].reverse()
            assert engine_decision(flipped).decision is truth


@settings(max_examples=60, deadline=None)
@given(seeds, levels)
def test_the_deciding_statements_are_the_engines(seed, level):
    g = generate("decisive", level, seed)
    check_shape(g.question)
    ev = engine_decision(g.scenario)
    decisive = {d.path for d in ev.decisive}
    by_sid = {s["Sid"]: path for path, _name, _kind, s in g.scenario.statements()}
    for option in g.question.options:
        match = re.match(r"Statement `([A-Za-z0-9]+)`", option.text)
        if match:
            assert option.correct == (by_sid[match.group(1)] in decisive), option.text
        else:
            assert option.text.startswith("No statement decides it")
            assert option.correct == (not decisive)
            if option.correct:
                assert ev.decision is Decision.IMPLICIT_DENY


@settings(max_examples=40, deadline=None)
@given(seeds, levels)
def test_exactly_the_right_change_allows_the_request(seed, level):
    g = generate("fix", level, seed)
    check_shape(g.question)
    assert engine_decision(g.scenario).decision is not Decision.ALLOWED
    changes = dict(generator._changes(g.scenario))
    for option in g.question.options:
        changed = generator.apply_change(g.scenario, changes[option.text])
        allowed = engine_decision(changed).decision is Decision.ALLOWED
        assert option.correct == allowed, option.text


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(generator.KINDS), levels, seeds)
def test_the_same_seed_gives_the_same_question(kind, level, seed):
    first = generate(kind, level, seed).question
    again = generate_by_id(f"gen-{kind}-{level}-{seed}")
    assert again == first
    assert first.id == f"gen-{kind}-{level}-{seed}"
    assert first.explanation.startswith("Decision: ")


def test_levels_differ_in_what_they_use():
    easy = [generate("decision", "easy", s).scenario for s in range(40)]
    hard = [generate("decision", "hard", s).scenario for s in range(40)]
    assert all(s.boundary is None and s.scps is None and not s.context for s in easy)
    assert any(s.scps for s in hard) and any(s.context for s in hard)
    assert any(s.boundary for s in hard)


def test_all_three_decisions_occur():
    seen = {generate("decision", "medium", s).evaluation.decision for s in range(60)}
    assert seen == set(Decision)


@pytest.mark.parametrize("bad", ["gen-decision-easy", "gen-guess-easy-1", "scp-caps-admins", ""])
def test_other_ids_are_not_generated_questions(bad):
    assert generate_by_id(bad) is None
