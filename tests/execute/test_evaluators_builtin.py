"""evaluators/builtin.py: every builtin scorer against values worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scoregate.config.model import EvaluatorConfig
from scoregate.execute.evaluators import build_evaluators, builtin
from scoregate.values.model import Item, Score, ScoreDef


def score(kind: str, output: Any, expected: Any = None, **options: Any) -> tuple[float, Any]:
    scorer = builtin.build(kind, options)
    return scorer(output, Item("i", "question", expected))


@pytest.mark.parametrize(
    ("output", "expected", "options", "value"),
    [
        ("Paris", "Paris", {}, 1.0),
        ("paris", "Paris", {}, 0.0),
        ("paris", "Paris", {"ignore_case": True}, 1.0),
        (" Paris\n", "Paris", {}, 0.0),
        ("  New   York\n", "New York", {"ignore_whitespace": True}, 1.0),
        ("NewYork", "New York", {"ignore_whitespace": True}, 0.0),
        (" new\tYORK ", "New York", {"ignore_whitespace": True, "ignore_case": True}, 1.0),
        ({"b": 2, "a": 1}, {"a": 1, "b": 2}, {}, 1.0),
        (4, "4", {}, 1.0),
        (None, "x", {}, 0.0),
    ],
)
def test_exact(output: Any, expected: Any, options: dict[str, Any], value: float) -> None:
    assert score("exact", output, expected, **options) == (value, None)


def test_contains_expected_output_by_default() -> None:
    assert score("contains", "The capital is Paris.", "Paris") == (1.0, None)
    assert score("contains", "The capital is paris.", "Paris") == (0.0, "missing: Paris")
    assert score("contains", "The capital is paris.", "Paris", ignore_case=True) == (1.0, None)


def test_contains_a_fixed_value_and_lists_in_both_modes() -> None:
    assert score("contains", "sorry, I cannot", None, value="sorry") == (1.0, None)
    wanted = ["red", "green", "blue", "pink"]
    assert score("contains", "red and blue", None, value=wanted) == (0.5, "missing: green, pink")
    assert score("contains", "red and blue", None, value=wanted, mode="all") == (
        0.5,
        "missing: green, pink",
    )
    assert score("contains", "only blue", None, value=wanted, mode="any") == (1.0, None)
    assert score("contains", "nothing", None, value=wanted, mode="any") == (0.0, None)
    assert score("contains", "RED GREEN BLUE PINK", None, value=wanted, ignore_case=True) == (
        1.0,
        None,
    )
    # A list as expected_output is a list of needles too.
    assert score("contains", "a b c", ["a", "z"]) == (0.5, "missing: z")


def test_regex_search_full_match_and_case() -> None:
    assert score("regex", "order #1234 shipped", pattern=r"#\d{4}") == (1.0, None)
    assert score("regex", "order #1234 shipped", pattern=r"#\d{4}", full_match=True) == (0.0, None)
    assert score("regex", "#1234", pattern=r"#\d{4}", full_match=True) == (1.0, None)
    assert score("regex", "YES", pattern="yes") == (0.0, None)
    assert score("regex", "YES", pattern="yes", ignore_case=True) == (1.0, None)
    assert score("regex", {"n": 5}, pattern=r'"n": 5') == (1.0, None)


def test_json_valid() -> None:
    assert score("json_valid", '{"a": [1, 2]}') == (1.0, None)
    assert score("json_valid", {"already": "parsed"}) == (1.0, None)
    assert score("json_valid", "[1, 2") == (
        0.0,
        "not JSON: Expecting ',' delimiter at line 1 column 6",
    )
    assert score("json_valid", 5) == (0.0, "output is int, not JSON text")


def test_json_schema() -> None:
    schema = {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"type": "integer"}},
    }
    assert score("json_schema", '{"answer": 4}', schema=schema) == (1.0, None)
    assert score("json_schema", {"answer": 4}, schema=schema) == (1.0, None)
    assert score("json_schema", '{"other": 4}', schema=schema) == (
        0.0,
        "(root): 'answer' is a required property",
    )
    assert score("json_schema", '{"answer": "four"}', schema=schema) == (
        0.0,
        "answer: 'four' is not of type 'integer'",
    )
    assert score("json_schema", "{", schema=schema) == (
        0.0,
        "not JSON: Expecting property name enclosed in double quotes at line 1 column 2",
    )


def test_numeric_tolerance_and_relative() -> None:
    assert score("numeric", "10", 10) == (1.0, None)
    assert score("numeric", "10.4", 10, tolerance=0.5) == (1.0, None)
    assert score("numeric", 10.75, "10", tolerance=0.5) == (0.0, "off by 0.75 (allowed 0.5)")
    assert score("numeric", 215, 200, relative=0.1) == (1.0, None)
    assert score("numeric", 221, 200, relative=0.1) == (0.0, "off by 21 (allowed 20)")
    # The larger of the two allowances applies.
    assert score("numeric", 103, 100, tolerance=5, relative=0.01) == (1.0, None)
    assert score("numeric", "about ten", 10) == (0.0, "output is not a number")
    assert score("numeric", "10", "ten") == (0.0, "expected_output is not a number")
    assert score("numeric", True, 1) == (0.0, "output is not a number")


def test_similarity_ratio_and_token_f1() -> None:
    # SequenceMatcher: 2 * matches / total length = 2 * 3 / 8.
    assert score("similarity", "abcd", "abce") == (0.75, None)
    assert score("similarity", "ABCD", "abcd") == (0.0, None)
    assert score("similarity", "ABCD", "abcd", ignore_case=True) == (1.0, None)
    # 3 common tokens: precision 3/3, recall 3/4, F1 = 2 * 1 * 0.75 / 1.75 = 6/7.
    value, comment = score("similarity", "the cat sat", "the cat sat down", method="token_f1")
    assert value == pytest.approx(6 / 7)
    assert comment is None
    # Tokens count with multiplicity: "the the" against "the" has precision 1/2, recall 1.
    value, _ = score("similarity", "the the", "the", method="token_f1")
    assert value == pytest.approx(2 / 3)
    assert score("similarity", "", "", method="token_f1") == (1.0, None)
    assert score("similarity", "x", "", method="token_f1") == (0.0, None)
    assert score("similarity", "dog", "cat", method="token_f1") == (0.0, None)


def test_builtin_evaluator_from_config_gives_named_scores_and_pass_marks(tmp_path: Path) -> None:
    configs = [
        EvaluatorConfig("builtin", "exact", "correct", {"ignore_case": True}),
        EvaluatorConfig("builtin", "contains", None, {"value": ["a", "b"]}, pass_mark=0.9),
    ]
    correct, contains = build_evaluators(configs, tmp_path)
    item = Item("i", "q", "ANSWER")
    assert correct.call(item, "answer") == (Score("correct", 1.0, raw=1.0),)
    assert contains.call(item, "a only") == (Score("contains", 0.5, raw=0.5, comment="missing: b"),)
    assert correct.defs == (ScoreDef("correct", 0.5, None, "exact"),)
    assert contains.defs == (ScoreDef("contains", 0.9, None, "contains"),)
