"""yamlcompose.py: the same values as yaml.safe_load, and its limits, with either parser."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest
import yaml

from scoregate.config import yamlcompose
from scoregate.values.errors import ConfigError

PARSERS = [
    pytest.param(
        True,
        id="libyaml",
        marks=pytest.mark.skipif(not yamlcompose.LIBYAML, reason="PyYAML without libyaml"),
    ),
    pytest.param(False, id="pure-python"),
]

DOCUMENTS = [
    "a: 1\nb: [1.5, true, null, ~, '2', \"x\\ty\"]\nc: {d: 2024-01-31, e: 0x1F}\n",
    "base: &base {model: gpt, temperature: 0}\nuse:\n  <<: *base\n  temperature: 1\n",
    "list: &l [a, b]\nagain: [*l, *l]\nscalar: &s text\nref: *s\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "tagged: !!str 12\nset: !!set {a, b}\nbinary: !!binary aGVsbG8=\n",
    "- [1, [2, [3, [4]]]]\n- {? complex : key}\n",
    "",
    "# only a comment\n",
]


def problem(text: str, libyaml: bool, **limits: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        node = yamlcompose.compose(text, "f.yaml", libyaml=libyaml, **limits)
        assert node is not None
        yamlcompose.construct(node, "f.yaml")
    (message,) = caught.value.problems
    return message


@pytest.mark.parametrize("libyaml", PARSERS)
@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_those_of_safe_load(text: str, libyaml: bool) -> None:
    node = yamlcompose.compose(text, "f.yaml", libyaml=libyaml)
    value = None if node is None else yamlcompose.construct(node, "f.yaml")
    assert value == yaml.safe_load(text)


@pytest.mark.parametrize("libyaml", PARSERS)
def test_nodes_keep_line_column_and_one_style_for_plain_scalars(libyaml: bool) -> None:
    node = yamlcompose.compose("top:\n  - plain\n  - 'quoted'\n", "f.yaml", libyaml=libyaml)
    assert isinstance(node, yaml.MappingNode)
    ((key, seq),) = node.value
    assert (key.start_mark.line, key.start_mark.column) == (0, 0)
    plain, quoted = seq.value
    assert (plain.start_mark.line, plain.start_mark.column, plain.style) == (1, 4, None)
    assert (quoted.start_mark.line, quoted.start_mark.column, quoted.style) == (2, 4, "'")


@pytest.mark.parametrize("libyaml", PARSERS)
def test_100_levels_are_read_and_the_101st_is_refused(libyaml: bool) -> None:
    assert yamlcompose.load("[" * 100 + "]" * 100, "f.yaml") is not None
    node = yamlcompose.compose("[" * 100 + "]" * 100, "f.yaml", libyaml=libyaml)
    assert node is not None
    assert problem("[" * 101 + "]" * 101, libyaml) == (
        "f.yaml:1:101: the YAML is nested more than 100 levels deep here; scoregate reads at "
        "most 100 levels, so write this part flatter."
    )


@pytest.mark.parametrize("libyaml", PARSERS)
def test_an_alias_counts_the_levels_it_brings(libyaml: bool) -> None:
    anchored = "- &deep " + "[" * 99 + "]" * 99 + "\n"
    assert yamlcompose.compose(anchored + "- *deep\n", "f.yaml", libyaml=libyaml) is not None
    assert problem(anchored + "- [*deep]\n", libyaml) == (
        "f.yaml:2:4: the alias *deep puts values more than 100 levels deep; scoregate reads at "
        "most 100 levels, so write this part flatter."
    )


@pytest.mark.parametrize("libyaml", PARSERS)
def test_aliases_may_repeat_100000_values_and_no_more(libyaml: bool) -> None:
    thousand = "a: &a [" + "x, " * 999 + "]\n"  # the list and its 999 values
    assert yamlcompose.compose(thousand + "b: [" + "*a, " * 100 + "]\n", "f.yaml", libyaml=libyaml)
    assert problem(thousand + "b: [" + "*a, " * 101 + "]\n", libyaml) == (
        "f.yaml:2:405: with the alias *a the aliases of this file repeat 101,000 values; "
        "scoregate expands at most 100,000 (a guard against alias bombs), so write the values "
        "out or use fewer aliases."
    )


@pytest.mark.parametrize("libyaml", PARSERS)
def test_max_values_counts_every_value_aliases_expanded(libyaml: bool) -> None:
    text = "a: &a [x, y]\nb: *a\n"  # mapping, a, list, x, y, b, and the alias's 3: 9
    assert yamlcompose.compose(text, "f.yaml", libyaml=libyaml, max_values=9) is not None
    assert problem(text, libyaml, max_values=8) == (
        "f.yaml:2:4: the file holds more than 8 values by here (each list, mapping and scalar "
        "counts, aliases expanded); scoregate reads at most 8 from a config or a schema file, "
        "so move data into a dataset."
    )


@pytest.mark.parametrize("libyaml", PARSERS)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "a: &a [1, *a]\n",
            "f.yaml:1:11: the alias *a stands inside the value it names, so that value would "
            "contain itself; scoregate does not read recursive YAML.",
        ),
        (
            "a: *nowhere\n",
            "f.yaml:1:4: the alias *nowhere names no anchor; define &nowhere before using it.",
        ),
        (
            "a: &x 1\nb: &x 2\n",
            "f.yaml:2:4: the anchor &x is already defined on line 1; give each anchor its own "
            "name.",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2:1: the file holds a second YAML document (after ---); keep one document "
            "per file.",
        ),
        (
            "a: 1\nb: 'é\x07'\n",
            "f.yaml:2:6: the character #x0007 is not allowed in YAML; delete it, or write it as "
            'an escape ("\\x07") in a double-quoted string.',
        ),
        (
            "\x00",
            "f.yaml:1:1: the character #x0000 is not allowed in YAML; delete it, or write it as "
            'an escape ("\\x00") in a double-quoted string.',
        ),
        (
            "a: !!int abc\n",
            "f.yaml:1:4: cannot read this value: invalid literal for int() with base 10: 'abc'.",
        ),
        (
            "a: !shout hello\n",
            "f.yaml:1:4: cannot read this value: could not determine a constructor for the tag "
            "'!shout'.",
        ),
        (
            "- ok: 1\n- deep: {n: " + "9" * 5_000 + "}\n",
            "f.yaml:2:13: cannot read this value: a number of more than 4,300 digits is more "
            "than Python reads; quote it to keep it as text.",
        ),
        (
            "a: &" + "n" * 200 + " 1\nb: *" + "m" * 200 + "\n",
            f"f.yaml:2:4: the alias *{'m' * 80}… (200 characters) names no anchor; define "
            f"&{'m' * 80}… (200 characters) before using it.",
        ),
    ],
)
def test_what_cannot_be_read_is_named_where_it_is(text: str, message: str, libyaml: bool) -> None:
    assert problem(text, libyaml) == message


def test_load_is_safe_load_within_the_limits() -> None:
    assert yamlcompose.load("when: 2024-01-31\n", "f.yaml") == {"when": dt.date(2024, 1, 31)}
    assert yamlcompose.load("", "f.yaml") is None
    with pytest.raises(ConfigError):
        yamlcompose.load("a: !!python/object:os.system x\n", "f.yaml")


def test_the_garbage_collector_runs_again_after_reading_whatever_happened() -> None:
    assert gc.isenabled()
    assert yamlcompose.load("a: [1, 2]\n", "f.yaml") == {"a": [1, 2]}
    assert gc.isenabled()
    with pytest.raises(ConfigError):
        yamlcompose.load("[" * 101 + "]" * 101, "f.yaml")
    assert gc.isenabled()
    gc.disable()
    try:
        yamlcompose.load("a: 1\n", "f.yaml")
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()
