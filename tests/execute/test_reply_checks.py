from __future__ import annotations

import pytest

from scoregate.execute import reply_checks


@pytest.mark.parametrize(
    ("requested", "replied", "same"),
    [
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", True),
        ("gpt-4o-mini", "gpt-4o-mini", True),
        ("gpt-4-0613", "gpt-4", True),
        ("openai/gpt-4o", "gpt-4o-20240806", True),
        ("gpt-4o-mini", "", True),
        ("gpt-4o-mini", "/models/SmolLM2-135M-Instruct.Q4_1.gguf", False),
        ("gpt-4o-mini", "gpt-4o", False),
        ("gpt-4o", "gpt-4o-mini", False),
    ],
)
def test_a_reply_is_from_the_model_asked_for_dated_suffixes_aside(
    requested: str, replied: str, same: bool
) -> None:
    assert reply_checks.same_model(requested, replied) is same


def test_a_truncated_reply_names_the_limit_and_the_fix() -> None:
    error = reply_checks.truncated("m", {"max_tokens": 60}, "L'É")
    assert str(error) == (
        'model m: the reply was truncated at max_tokens=60 (finish_reason "length"); raise '
        "max_tokens, or set allow_truncated: true to score cut-off replies as they are. "
        'It ended: "L\'É"'
    )
    other = reply_checks.truncated("m", {"max_completion_tokens": 5}, "x" * 300)
    assert "truncated at max_completion_tokens=5" in str(other)
    assert str(other).endswith("'…" + "x" * 120 + "'")
    unset = reply_checks.truncated("m", {}, "x")
    assert "truncated at the server's default max_tokens" in str(unset)
    assert "; set max_tokens, or" in str(unset)


LLAMA_500 = (
    "HTTP 500: [{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}]"
)


def test_a_validation_error_is_told_from_an_outage() -> None:
    assert reply_checks.is_validation_error(500, LLAMA_500)
    assert reply_checks.is_validation_error(400, "HTTP 400: bad")
    assert reply_checks.is_validation_error(422, "HTTP 422: bad")
    assert not reply_checks.is_validation_error(500, "HTTP 500: The server had an error")
    assert not reply_checks.is_validation_error(503, LLAMA_500)


def test_a_refused_response_format_is_recognised() -> None:
    assert reply_checks.refuses_response_format(500, LLAMA_500)
    assert reply_checks.refuses_response_format(
        400, "HTTP 400: Invalid parameter: 'response_format' of type 'json_schema' is not supported"
    )
    assert not reply_checks.refuses_response_format(400, "HTTP 400: max_tokens is too large")
    assert not reply_checks.refuses_response_format(500, "HTTP 500: response_format broke us")
