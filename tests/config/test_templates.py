from __future__ import annotations

import pytest

from scoregate.config.templates import (
    JUDGE_ROOTS,
    TASK_ROOTS,
    Prompt,
    TemplateError,
    check,
    placeholders,
)
from scoregate.values.model import Item

ITEM = Item(
    "q1",
    {"question": "Capital of France?", "context": {"lang": "en"}, "tags": ["geo", "eu"]},
    "Paris",
    {"difficulty": "easy", "source": {"book": "atlas"}},
)


def test_text_prompt_is_one_user_message_with_fields_filled_in() -> None:
    prompt = Prompt.from_text(
        "Q: {{input.question}} ({{ metadata.difficulty }}, {{metadata.source.book}}, "
        "{{input.tags.1}}, {{input.context.lang}}) expected {{expected_output}} id {{id}}"
    )
    assert prompt.render(ITEM) == [
        {
            "role": "user",
            "content": "Q: Capital of France? (easy, atlas, eu, en) expected Paris id q1",
        }
    ]


def test_mappings_and_lists_are_rendered_as_json_and_none_as_empty() -> None:
    prompt = Prompt.from_text("{{input.context}}|{{input.tags}}|{{output}}")
    assert prompt.render(ITEM)[0]["content"] == '{"lang": "en"}|["geo", "eu"]|'
    assert prompt.render(ITEM, {"answer": "Paris"})[0]["content"].endswith('|{"answer": "Paris"}')


def test_chat_messages_keep_their_roles_and_order() -> None:
    prompt = Prompt.from_messages(
        [
            {"role": "system", "content": "Answer in {{metadata.difficulty}} words."},
            {"role": "user", "content": "{{input.question}}"},
            {"role": "assistant", "content": "Sure."},
        ]
    )
    assert prompt.render(ITEM) == [
        {"role": "system", "content": "Answer in easy words."},
        {"role": "user", "content": "Capital of France?"},
        {"role": "assistant", "content": "Sure."},
    ]


def test_a_missing_field_is_an_error_that_names_the_placeholder_and_what_is_there() -> None:
    prompt = Prompt.from_text("{{input.answer}}")
    with pytest.raises(TemplateError) as caught:
        prompt.render(ITEM)
    assert str(caught.value) == (
        "placeholder {{input.answer}}: input has no field 'answer' "
        "(it is a mapping with keys question, context, tags)"
    )


def test_a_field_of_a_string_is_an_error() -> None:
    with pytest.raises(
        TemplateError, match=r"expected_output has no field 'x' \(it is str 'Paris'\)"
    ):
        Prompt.from_text("{{expected_output.x}}").render(ITEM)


def test_check_finds_unknown_placeholders_before_anything_runs() -> None:
    prompt = Prompt.from_text("{{input}} {{output}} {{inptu.x}}")
    assert placeholders("{{input}} {{ output }} {{inptu.x}}") == ("input", "output", "inptu.x")
    problems = check(prompt, TASK_ROOTS)
    assert len(problems) == 2
    assert problems[0].startswith("unknown placeholder {{output}}; the placeholders are {{input}}")
    assert check(prompt, JUDGE_ROOTS) == [
        "unknown placeholder {{inptu.x}}; the placeholders are {{input}}, {{expected_output}}, "
        "{{metadata}}, {{id}}, {{output}} (with .field for a field of a mapping)"
    ]


def test_text_that_only_looks_like_a_placeholder_is_left_alone() -> None:
    prompt = Prompt.from_text('JSON: {"a": {"b": 1}} and {{ }} and {input}')
    assert prompt.render(ITEM)[0]["content"] == 'JSON: {"a": {"b": 1}} and {{ }} and {input}'


def test_the_digest_identifies_the_template_not_the_item() -> None:
    a = Prompt.from_text("Rate {{output}}")
    assert a.sha256 == Prompt.from_messages([{"role": "user", "content": "Rate {{output}}"}]).sha256
    assert a.sha256 != Prompt.from_text("Rate {{output}}!").sha256
    assert (
        a.sha256 != Prompt.from_messages([{"role": "system", "content": "Rate {{output}}"}]).sha256
    )
    assert len(a.sha256) == 64
