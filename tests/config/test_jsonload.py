"""jsonload.py: JSON within 100 levels, and where a text goes deeper."""

from __future__ import annotations

import json

import pytest

from scoregate.config import jsonload


def test_100_levels_are_read() -> None:
    text = "[" * 100 + "]" * 100
    assert jsonload.loads(text) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 101 + "]" * 101, (1, 101)),
        ('{"a": ' * 101 + "1" + "}" * 101, (1, 601)),
        # Deep enough that Python's own reader gives up (RecursionError).
        ("[\n" + "[" * 5_000 + "]" * 5_000 + "\n]", (2, 100)),
    ],
)
def test_the_101st_level_is_refused_with_its_line_and_column(
    text: str, where: tuple[int, int]
) -> None:
    with pytest.raises(jsonload.TooDeep) as caught:
        jsonload.loads(text)
    assert (caught.value.line, caught.value.column) == where


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"input": "[{" * 500, "list": [["]]"]]})
    assert jsonload.loads(text) == json.loads(text)
    deep = '["\\"[[[", ' + "[" * 100 + "]" * 100 + "]"
    with pytest.raises(jsonload.TooDeep) as caught:
        jsonload.loads(deep)
    assert (caught.value.line, caught.value.column) == (1, 11 + 99)


def test_a_syntax_error_is_json_s_own() -> None:
    with pytest.raises(json.JSONDecodeError):
        jsonload.loads('{"input": ')
