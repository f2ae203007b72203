"""quoting.py: a message shows at most 80 characters of a value, escaped."""

from __future__ import annotations

from scoregate.values.quoting import clip, json_quoted, quoted, shorten_message


def test_a_short_value_is_quoted_whole_and_escaped() -> None:
    assert quoted("concurency") == "'concurency'"
    assert quoted("it's") == '"it\'s"'
    assert quoted("line\n::error::forged") == "'line\\n::error::forged'"
    assert json_quoted("regexp") == '"regexp"'
    assert json_quoted(1.5) == "1.5"
    assert json_quoted(None) == "null"


def test_a_long_value_shows_80_characters_and_its_length() -> None:
    assert quoted("a" * 5_000_000) == f"'{'a' * 80}…' (5,000,000 characters)"
    escaped = "\\u00e9" * 80
    assert json_quoted("é" * 81) == f'"{escaped}…" (81 characters)'
    assert json_quoted(int("9" * 4_000)) == f"{'9' * 80}… (4,000 characters)"
    assert clip("x" * 80) == "x" * 80
    assert clip("x" * 81) == f"{'x' * 80}… (81 characters)"


def test_another_librarys_message_has_its_long_literals_shortened_where_they_stand() -> None:
    value = "b" * 1_000
    assert shorten_message(f"{value!r} is too long") == (
        f"'{'b' * 80}…' (1,000 characters) is too long"
    )
    assert shorten_message(f"{ {'k': value, 'short': 'kept'}!r} is not of type 'string'") == (
        f"{{'k': '{'b' * 80}…' (1,000 characters), 'short': 'kept'}} is not of type 'string'"
    )
    escaped = "it's " * 40
    assert shorten_message(f"{escaped!r} is not valid") == (
        f'"{escaped[:80]}…" (200 characters) is not valid'
    )


def test_a_message_of_many_short_values_is_clipped_as_a_whole() -> None:
    message = repr(list(range(100_000))) + " is too long"
    assert shorten_message(message) == f"{message[:300]}… ({len(message):,} characters)"
