"""datasets.py: every file format, content ids, duplicates and schema checks with their row."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from testing.project import write_jsonl

from scoregate.config.model import DatasetConfig
from scoregate.execute.datasets import content_id, load_items
from scoregate.values.errors import ConfigError
from scoregate.values.model import Item

WHERE = "experiments.yaml:4:5"
ROWS = [
    {
        "id": "capital",
        "input": {"question": "capital of France?"},
        "expected_output": "Paris",
        "metadata": {"topic": "geo"},
    },
    {"id": "sum", "input": {"question": "2+2"}, "expected_output": "4", "metadata": {}},
]


def load(path: Path, *, fmt: str | None = None, **schemas: Mapping[str, Any]) -> tuple[Item, ...]:
    dataset = DatasetConfig(path=path, format=fmt, where=WHERE, **schemas)
    return load_items(dataset, display_root=path.parent)


def problems(path: Path, **schemas: Mapping[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(path, **schemas)
    return list(caught.value.problems)


def summary(items: tuple[Item, ...]) -> list[tuple[str, Any, Any, dict[str, Any]]]:
    return [(i.id, i.input, i.expected_output, dict(i.metadata)) for i in items]


EXPECTED = [
    ("capital", {"question": "capital of France?"}, "Paris", {"topic": "geo"}),
    ("sum", {"question": "2+2"}, "4", {}),
]


def test_jsonl(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", ROWS)
    items = load(path)
    assert summary(items) == EXPECTED
    assert [i.source for i in items] == ["data.jsonl:1", "data.jsonl:2"]


def test_json_array_and_items_object(tmp_path: Path) -> None:
    array = tmp_path / "data.json"
    array.write_text(json.dumps(ROWS, indent=2), encoding="utf-8")
    assert summary(load(array)) == EXPECTED
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"items": ROWS}), encoding="utf-8")
    items = load(wrapped)
    assert summary(items) == EXPECTED
    assert items[1].source == "wrapped.json[1]"


def test_yaml_list(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(
        "- id: capital\n"
        "  input: {question: 'capital of France?'}\n"
        "  expected_output: Paris\n"
        "  metadata: {topic: geo}\n"
        "- id: sum\n"
        "  input:\n"
        "    question: '2+2'\n"
        "  expected_output: '4'\n",
        encoding="utf-8",
    )
    items = load(path)
    assert summary(items) == EXPECTED
    assert [i.source for i in items] == ["data.yaml:1", "data.yaml:5"]


def test_csv_columns_become_fields_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text(
        'id,input,expected_output,topic,metadata\ncapital,capital of France?,Paris,geo,"{""level"": 2}"\n'
        ",2+2,4,math,\n",
        encoding="utf-8",
    )
    items = load(path)
    assert summary(items) == [
        ("capital", "capital of France?", "Paris", {"topic": "geo", "level": 2}),
        (content_id("2+2", "4"), "2+2", "4", {"topic": "math"}),
    ]
    assert [i.source for i in items] == ["data.csv:2", "data.csv:3"]


def test_format_option_overrides_the_extension(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.txt", ROWS)
    assert summary(load(path, fmt="jsonl")) == EXPECTED
    assert problems(path) == [
        f"{WHERE}: dataset data.txt: cannot tell the format from the extension '.txt'; use "
        ".jsonl, .json, .yaml or .csv, or set dataset.format."
    ]


def test_content_id_is_stable_and_survives_reordering(tmp_path: Path) -> None:
    rows = [{"input": f"question {n}", "expected_output": str(n)} for n in range(5)]
    forward = load(write_jsonl(tmp_path / "forward.jsonl", rows))
    backward = load(write_jsonl(tmp_path / "backward.jsonl", rows[::-1]))
    ids = {i.input: i.id for i in forward}
    assert {i.input: i.id for i in backward} == ids
    assert len(set(ids.values())) == 5
    assert ids["question 3"] == content_id("question 3", "3")
    # The id depends on content only: key order in the input does not matter, values do.
    assert content_id({"a": 1, "b": 2}, None) == content_id({"b": 2, "a": 1}, None)
    assert content_id({"a": 1}, "x") != content_id({"a": 1}, "y")
    assert len(content_id("q", "a")) == 12


def test_duplicate_ids_name_both_rows(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "input": "one"},
        {"id": "b", "input": "two"},
        {"id": "a", "input": "three"},
        {"input": "same"},
        {"input": "same"},
    ]
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    same = content_id("same", None)
    assert problems(path) == [
        "data.jsonl:3: duplicate item id 'a', first used at data.jsonl:1; give each item a "
        "unique id.",
        f"data.jsonl:5: duplicate item id '{same}', first used at data.jsonl:4; give each item "
        "a unique id.",
    ]


def test_schema_violations_are_reported_together_with_their_row(tmp_path: Path) -> None:
    rows = [
        {"id": "ok", "input": {"question": "fine"}, "expected_output": "x"},
        {"id": "empty", "input": {"question": ""}, "expected_output": "x"},
        {"id": "nothing", "input": {}, "expected_output": 3},
    ]
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    input_schema = {
        "type": "object",
        "required": ["question"],
        "properties": {"question": {"type": "string", "minLength": 1}},
    }
    assert problems(path, input_schema=input_schema, expected_output_schema={"type": "string"}) == [
        "data.jsonl:2: item 'empty': input['question'] does not match input_schema: '' should "
        "be non-empty",
        "data.jsonl:3: item 'nothing': input does not match input_schema: 'question' is a "
        "required property",
        "data.jsonl:3: item 'nothing': expected_output does not match expected_output_schema: "
        "3 is not of type 'string'",
    ]


def test_bad_rows_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(
        '{"id": "a", "input": "x", "expected": "y"}\n'
        "{not json\n"
        '{"id": "c", "expected_output": "z"}\n'
        '["a list"]\n'
        '{"id": "e", "input": "x", "metadata": "text"}\n',
        encoding="utf-8",
    )
    assert problems(path) == [
        "data.jsonl:2:2: not valid JSON: Expecting property name enclosed in double quotes.",
        "data.jsonl:1: unknown field 'expected'; did you mean 'expected_output'?",
        "data.jsonl:3: the item has no 'input'.",
        "data.jsonl:4: an item must be a mapping with at least 'input'.",
        "data.jsonl:5: 'metadata' must be a mapping.",
    ]


def test_missing_and_empty_datasets(tmp_path: Path) -> None:
    assert problems(tmp_path / "absent.jsonl") == [
        f"{WHERE}: the file {tmp_path / 'absent.jsonl'} does not exist (paths are relative to "
        f"the config's folder {tmp_path})."
    ]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert problems(empty) == ["empty.jsonl: the dataset has no items."]
    header_only = tmp_path / "nothing.csv"
    header_only.write_text("question,answer\nx,y\n", encoding="utf-8")
    assert problems(header_only) == [
        "nothing.csv:1: a CSV dataset needs a header row with an 'input' column."
    ]


def test_item_answers_attribute_and_key_access(tmp_path: Path) -> None:
    (item, _) = load(write_jsonl(tmp_path / "data.jsonl", ROWS))
    assert item.input is item["input"]
    assert item.expected_output == item["expected_output"] == "Paris"
    assert item.metadata == item["metadata"] == {"topic": "geo"}
    assert item.id == item["id"] == "capital"
    assert item.get("nothing", 7) == 7
    assert dict(item) == {
        "id": "capital",
        "input": {"question": "capital of France?"},
        "expected_output": "Paris",
        "metadata": {"topic": "geo"},
    }
    with pytest.raises(KeyError):
        item["source"]


# --- a shard's slice of a file ------------------------------------------------------------------


def test_a_slice_keeps_the_items_its_predicate_takes_with_their_places(tmp_path: Path) -> None:
    from scoregate.execute.datasets import FILE

    path = tmp_path / "data.jsonl"
    rows = [{"id": f"i{n}", "input": n, "expected_output": n % 3} for n in range(20)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    dataset = DatasetConfig(path=path, where=WHERE)
    everything = load_items(dataset, display_root=tmp_path)
    slices = [
        FILE.load_slice(dataset, display_root=tmp_path, keep=lambda i, k=k: int(i[1:]) % 3 == k)
        for k in range(3)
    ]
    for k, (items, whole) in enumerate(slices):
        assert [i.id for i in items] == [f"i{n}" for n in range(20) if n % 3 == k]
        assert whole.positions == tuple(n for n in range(20) if n % 3 == k)
        assert [everything[p] for p in whole.positions] == list(items)
        assert whole.total == 20
    # One digest, of the file's bytes, for every slice and for the whole.
    digests = {whole.digest for _, whole in slices}
    all_items, whole = FILE.load_slice(dataset, display_root=tmp_path, keep=None)
    assert digests == {whole.digest}
    assert all_items == everything
    assert whole.positions is None
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert FILE.load_slice(dataset, display_root=tmp_path, keep=None)[1].digest != whole.digest


def test_a_slice_checks_its_own_items_and_finds_every_duplicate(tmp_path: Path) -> None:
    from scoregate.execute.datasets import FILE

    path = tmp_path / "data.jsonl"
    path.write_text(
        '{"id": "a", "input": {"q": "x"}}\n'
        '{"id": "b", "input": {"q": 1}}\n'
        '{"id": "a", "input": {"q": "y"}}\n',
        encoding="utf-8",
    )
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    dataset = DatasetConfig(path=path, where=WHERE, input_schema=schema)
    # The slice of "a" does not check "b" against the schema, but sees the duplicate "a".
    with pytest.raises(ConfigError) as caught:
        FILE.load_slice(dataset, display_root=tmp_path, keep=lambda i: i == "a")
    assert list(caught.value.problems) == [
        "data.jsonl:3: duplicate item id 'a', first used at data.jsonl:1; give each item a "
        "unique id."
    ]
    with pytest.raises(ConfigError) as caught:  # the slice of "b" sees its schema problem
        FILE.load_slice(dataset, display_root=tmp_path, keep=lambda i: i == "b")
    assert caught.value.problems[-1].startswith("data.jsonl:2: item 'b': input['q'] does not")


def test_a_slice_reads_only_the_ids_of_other_shards_rows(tmp_path: Path) -> None:
    """A JSONL row that starts with a plain text id, owned by another shard, is not parsed:
    its owner finds what is wrong with it. A row whose id needs parsing is parsed by all."""
    from scoregate.execute.datasets import FILE

    path = tmp_path / "data.jsonl"
    path.write_text(
        '{"id": "mine", "input": 1}\n'
        '{"id": "theirs", "input": 2, "unknown": 3}\n'  # another shard's, wrong
        '{"input": 4}\n'  # no id: its content id, so parsed everywhere
        '{"id": "a\\"b", "input": 5}\n',  # an escape in the id: parsed
        encoding="utf-8",
    )
    dataset = DatasetConfig(path=path, where=WHERE)
    items, whole = FILE.load_slice(
        dataset, display_root=tmp_path, keep=lambda i: i in ("mine", 'a"b')
    )
    assert [i.id for i in items] == ["mine", 'a"b']
    assert whole.positions == (0, 3)
    assert whole.total == 4
    with pytest.raises(ConfigError) as caught:
        FILE.load_slice(dataset, display_root=tmp_path, keep=lambda i: i == "theirs")
    assert list(caught.value.problems) == [
        "data.jsonl:2: unknown field 'unknown'; an item has id, input, expected_output, "
        "metadata, expected_scores."
    ]
