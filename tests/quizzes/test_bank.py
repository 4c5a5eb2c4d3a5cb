"""The bank loader and checker: every problem as FILE:LINE:COLUMN: message, never a traceback."""

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from iamlab.quizzes.bank import load_bank

from .conftest import FIXTURES

LESSONS = FIXTURES / "lessons"

GOOD = """\
- id: sample-one
  stem: "Which one?"
  pick: 1
  options:
    - {text: "A", correct: true, explanation: "A is right."}
    - {text: "B", explanation: "B is wrong."}
    - {text: "C", explanation: "C is wrong."}
    - {text: "D", explanation: "D is wrong."}
  topics: [users]
  domain: secure
  difficulty: easy
"""


def _problems(tmp_path, text, name="q.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    result = load_bank([path], lessons_dir=LESSONS)
    return [str(p).split(":", 1)[1] for p in result.problems], result


def test_it_loads_the_fixture_bank():
    result = load_bank([FIXTURES / "questions"], lessons_dir=LESSONS)
    assert result.problems == []
    assert set(result.questions) == {
        "fx-explicit-deny-wins",
        "fx-scp-limits-root",
        "fx-temporary-credentials",
        "fx-keys-long-term",
    }
    q = result.questions["fx-temporary-credentials"]
    assert q.pick == 2
    assert q.correct_indices == {0, 1}
    assert q.topics == ("roles-sts", "access-keys")
    assert result.questions["fx-explicit-deny-wins"].lessons == ("roles-and-sts",)


def test_a_good_question_has_no_problems(tmp_path):
    problems, result = _problems(tmp_path, GOOD)
    assert problems == []
    assert list(result.questions) == ["sample-one"]


def test_it_reports_an_unknown_key_with_a_suggestion(tmp_path):
    problems, result = _problems(tmp_path, GOOD.replace("  topics:", "  topcs:"))
    assert any(
        p.startswith("9:3: unknown key 'topcs'") and "did you mean 'topics'" in p for p in problems
    )
    assert result.questions == {}


def test_it_reports_a_wrong_type_where_it_is(tmp_path):
    problems, _ = _problems(tmp_path, GOOD.replace("pick: 1", "pick: one"))
    assert "3:9: pick must be a whole number, not a string" in problems


def test_it_reports_the_wrong_number_of_correct_options(tmp_path):
    problems, _ = _problems(
        tmp_path, GOOD.replace('"B", explanation', '"B", correct: true, explanation')
    )
    assert any(p.startswith("3:9: pick is 1 but 2 options are marked correct") for p in problems)


def test_it_reports_a_missing_explanation(tmp_path):
    problems, _ = _problems(
        tmp_path, GOOD.replace('{text: "C", explanation: "C is wrong."}', '{text: "C"}')
    )
    assert any(p.startswith("7:7: the option has no 'explanation'") for p in problems)


def test_it_reports_unknown_slugs_and_lessons(tmp_path):
    text = GOOD.replace("[users]", "[user, groups]").replace("secure", "securty")
    text = text.replace("easy", "trivial") + "  references:\n    lessons: [no-such-lesson]\n"
    problems, _ = _problems(tmp_path, text)
    assert any(p.startswith("9:12: unknown topic 'user'") and "'users'" in p for p in problems)
    assert any(
        p.startswith("10:11: unknown domain 'securty'") and "'secure'" in p for p in problems
    )
    assert any(p.startswith("11:15: unknown difficulty 'trivial'") for p in problems)
    assert any(p.startswith("13:15: unknown lesson id 'no-such-lesson'") for p in problems)


def test_it_reports_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text("# another file\n" + GOOD)
    result = load_bank([tmp_path], lessons_dir=LESSONS)
    assert len(result.questions) == 1
    [problem] = result.problems
    assert problem.file.endswith("b.yaml")
    assert (problem.line, problem.column) == (2, 7)
    assert problem.message.startswith("duplicate id 'sample-one' (first defined at ")
    assert problem.message.endswith("a.yaml:1:3)")


def test_it_reports_duplicate_option_texts(tmp_path):
    problems, _ = _problems(tmp_path, GOOD.replace('"D", explanation', '"A", explanation'))
    assert any(p.startswith("8:14: two options have the same text (line 5)") for p in problems)


def test_it_reports_a_yaml_syntax_error_with_its_place(tmp_path):
    problems, _ = _problems(tmp_path, GOOD.replace('stem: "Which one?"', 'stem: "Which one?'))
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0]
    line = int(problems[0].split(":")[0])
    assert line >= 2


def test_it_reports_a_file_that_is_not_a_list(tmp_path):
    problems, _ = _problems(tmp_path, "id: lonely\n")
    assert problems == ["1:1: a question file must be a YAML list of questions, not a mapping"]


def test_it_needs_enough_options_for_multiple_response(tmp_path):
    text = GOOD.replace("pick: 1", "pick: 2").replace(
        '"B", explanation', '"B", correct: true, explanation'
    )
    problems, _ = _problems(tmp_path, text)
    assert any(
        p.startswith("4:3: a question with pick 2 needs at least 5 options") for p in problems
    )


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_it_never_raises_on_any_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "q.yaml"
    path.write_text(text, encoding="utf-8")
    result = load_bank([path], lessons_dir=LESSONS)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(GOOD) - 1),
    st.sampled_from(["", "x", ":", "- ", "  ", "\n", "[", "}"]),
)
def test_it_never_raises_on_a_damaged_question(tmp_path_factory, cut, insert):
    path = tmp_path_factory.mktemp("damaged") / "q.yaml"
    path.write_text(GOOD[:cut] + insert + GOOD[cut + 1 :], encoding="utf-8")
    result = load_bank([path], lessons_dir=LESSONS)
    # Whatever survives the damage obeys the bank's rules.
    for question in result.questions.values():
        assert len(question.correct_indices) == question.pick
        assert len(question.options) >= 4
        assert all(o.explanation.strip() for o in question.options)
