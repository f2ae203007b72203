from __future__ import annotations

from scoregate.execute import structured

SCHEMA = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}


def test_a_judge_asks_for_its_score_schema_unless_its_config_says_otherwise() -> None:
    assert structured.judge_params({"temperature": 0}) == {
        "temperature": 0,
        "response_format": structured.JUDGE_SCHEMA,
    }
    own = {"response_format": {"type": "json_object"}}
    assert structured.judge_params(own) == own
    assert structured.judge_params({"response_format": {"type": "text"}, "seed": 1}) == {"seed": 1}


def test_json_schema_falls_back_to_json_object_then_plain_text_with_a_note_each() -> None:
    tried = list(structured.attempts("m", {"seed": 1, "response_format": SCHEMA}, frozenset()))
    assert [params for params, _ in tried] == [
        {"seed": 1, "response_format": SCHEMA},
        {"seed": 1, "response_format": {"type": "json_object"}},
        {"seed": 1},
    ]
    assert [notes for _, notes in tried] == [
        (),
        (
            "model m: the server refused response_format json_schema, so its calls ask for "
            "json_object instead",
        ),
        (
            "model m: the server refused response_format json_schema, so its calls ask for "
            "json_object instead",
            "model m: the server refused response_format json_object, so its calls ask for "
            "plain text read by the reply parser instead",
        ),
    ]


def test_a_format_refused_earlier_in_the_run_is_not_asked_for_again_but_still_noted() -> None:
    tried = list(structured.attempts("m", {"response_format": SCHEMA}, frozenset({"json_schema"})))
    assert [params for params, _ in tried] == [{"response_format": {"type": "json_object"}}, {}]
    assert len(tried[0][1]) == 1
    assert list(structured.attempts("m", {"seed": 1}, frozenset())) == [({"seed": 1}, ())]
