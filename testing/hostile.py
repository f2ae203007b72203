"""Hostile configs and datasets: each written into a project by a few lines of code.

The big ones (a 5 MB value, 5,000 levels of nesting) are generated, not committed. Every case
returns the one message scoregate must answer with (after ``error: ``): exit 2, the file and
the line, a value quoted in at most 80 characters. ``tests/test_hostile.py`` runs each through
``scoregate validate`` and ``scoregate run``; ``bench/hostile.py`` times them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from testing.project import Project

BIG = 5_000_000
"""Characters of a big value."""
DEEP = 5_000
"""Levels of a deep nesting."""

# Nine levels of nine aliases to the level below: 9**9 (387 million) values when expanded.
BOMB = "".join(
    f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9 if level else ["x"] * 9) + "]\n"
    for level in range(10)
)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    write: Callable[[Project, bool], str]
    """Writes the case into the project; returns the message expected (after ``error: ``)
    when PyYAML reads with libyaml (True) or with its own parser (False)."""

    @property
    def yaml(self) -> bool:
        """Whether the case is YAML (then it is read with either parser)."""
        return self.name.startswith(("config_", "yaml_"))


def _config(project: Project, extra: str = "", *, dataset: str = "data.jsonl") -> None:
    """experiments.yaml with one valid experiment, ``extra`` lines added to it."""
    project.config.write_text(
        "version: 1\n"
        "experiments:\n"
        "  - name: qa\n"
        f"    dataset: {dataset}\n"
        f"    task: {project.module}:answer\n"
        "    evaluators: [{type: exact}]\n" + extra,
        encoding="utf-8",
    )


def _shortened(quote: str, char: str) -> str:
    return f"{quote}{char * 80}…{quote} ({BIG:,} characters)"


TOO_DEEP = (
    "nested more than 100 levels deep here; scoregate reads at most 100 levels, so write this "
    "{} flatter."
)
VALUES = (
    "the file holds more than 50,000 values by here (each list, mapping and scalar counts, "
    "aliases expanded); scoregate reads at most 50,000 from a config or a schema file, so "
    "move data into a dataset."
)


def config_alias_bomb(project: Project, libyaml: bool) -> str:
    project.config.write_text(f"version: 1\n{BOMB}experiments: []\n", encoding="utf-8")
    # Line 6 is a4: its sixth *a3 (7,381 values each) takes the count past 50,000.
    return f"experiments.yaml:6:35: {VALUES}"


def config_big_value(project: Project, libyaml: bool) -> str:
    _config(project, f"    concurrency: {'a' * BIG}\n")
    return (
        "experiments.yaml:7:5: experiments[0].concurrency: expected an integer, got a string "
        + _shortened('"', "a")
    )


def config_big_name(project: Project, libyaml: bool) -> str:
    _config(project)
    text = project.config.read_text(encoding="utf-8").replace("name: qa", f"name: {'n' * BIG}")
    project.config.write_text(text, encoding="utf-8")
    return f"experiments.yaml:3:5: experiments[0].name: {_shortened(chr(39), 'n')} is too long"


def config_big_key(project: Project, libyaml: bool) -> str:
    _config(project, f"    ? {'k' * BIG}\n    : 1\n")
    return (
        f"experiments.yaml:7:7: experiments[0].{'k' * 80}… ({BIG:,} characters): unknown key "
        f"{_shortened(chr(39), 'k')}; allowed here: name, description, dataset, task, "
        "evaluators, gate, concurrency, repeats, timeout, cluster, baseline, max_cost, record, "
        "script, run_evaluators."
    )


def config_big_number(project: Project, libyaml: bool) -> str:
    _config(project, f"    concurrency: {'1' * 5_000}\n")
    return (
        "experiments.yaml:7:18: cannot read this value: a number of more than 4,300 digits is "
        "more than Python reads; quote it to keep it as text."
    )


def config_deep_flow(project: Project, libyaml: bool) -> str:
    _config(project, f"    description: {'[' * DEEP}{']' * DEEP}\n")
    # The top mapping, experiments and the experiment are three levels; the brackets start
    # in column 18. libyaml's scanner stops at its guard, level 1,001 (the 998th [), PyYAML's
    # scanner at ours, the 101st [: both read brackets ahead of the levels counted.
    column = 18 + (997 if libyaml else 100)
    return f"experiments.yaml:7:{column}: the YAML is {TOO_DEEP.format('part')}"


def config_deep_block(project: Project, libyaml: bool) -> str:
    nested = "".join(f"{'  ' * level}- \n" for level in range(2, DEEP))
    _config(project, f"    description:\n{nested}")
    # The 101st level: the top mapping, experiments, the experiment, then the 98th list, on
    # line 8 + 97, after 2 * 99 spaces.
    return f"experiments.yaml:105:199: the YAML is {TOO_DEEP.format('part')}"


def config_recursive_alias(project: Project, libyaml: bool) -> str:
    _config(project, "    kwargs: &loop {again: *loop}\n")
    return (
        "experiments.yaml:7:27: the alias *loop stands inside the value it names, so that "
        "value would contain itself; scoregate does not read recursive YAML."
    )


def config_many_values(project: Project, libyaml: bool) -> str:
    _config(project, "    description: [" + "a, " * 60_000 + "]\n")
    # Lines 1-7 hold 19 values up to the list itself; its 49,982nd a (column 19 + 3 * 49,981)
    # is the 50,001st.
    return f"experiments.yaml:7:{19 + 3 * 49_981}: {VALUES}"


def yaml_dataset_alias_bomb(project: Project, libyaml: bool) -> str:
    _config(project, dataset="bomb.yaml")
    rows = BOMB.replace("a0: &a0", "- input: &a0")
    for level in range(1, 10):
        rows = rows.replace(f"a{level}: &a{level}", f"- input: &a{level}")
    project.write("bomb.yaml", rows)
    # Line 6 is a5: its first *a4 (66,430 values) takes the aliases past 100,000.
    return (
        "[qa] bomb.yaml:6:15: with the alias *a4 the aliases of this file repeat 141,148 "
        "values; scoregate expands at most 100,000 (a guard against alias bombs), so write "
        "the values out or use fewer aliases."
    )


def yaml_dataset_deep(project: Project, libyaml: bool) -> str:
    _config(project, dataset="deep.yaml")
    project.write("deep.yaml", f"- input: {'[' * DEEP}{']' * DEEP}\n")
    # The list and the item are two levels; the brackets start in column 10: libyaml stops
    # at level 1,001 (the 999th [), PyYAML's scanner at the 101st [.
    column = 10 + (998 if libyaml else 100)
    return f"[qa] deep.yaml:1:{column}: the YAML is {TOO_DEEP.format('part')}"


def json_dataset_deep(project: Project, libyaml: bool) -> str:
    _config(project, dataset="deep.json")
    project.write("deep.json", '[{"input": ' + "[" * DEEP + "]" * DEEP + "}]\n")
    # The 101st bracket: [ and { of the file, then the 99th [ of the input (column 11 + 99).
    return f"[qa] deep.json:1:110: the JSON is {TOO_DEEP.format('item')}"


def json_dataset_past_limit(project: Project, libyaml: bool) -> str:
    """Deeper than the limit, yet shallow enough for Python's JSON reader."""
    _config(project, dataset="deep.json")
    project.write("deep.json", '[\n{"input": ' + "[" * 200 + "]" * 200 + "}]\n")
    return f"[qa] deep.json:2:109: the JSON is {TOO_DEEP.format('item')}"


def jsonl_deep_line(project: Project, libyaml: bool) -> str:
    _config(project, dataset="deep.jsonl")
    project.write("deep.jsonl", '{"input": 1}\n{"input": ' + "[" * DEEP + "]" * DEEP + "}\n")
    return f"[qa] deep.jsonl:2:110: the JSON is {TOO_DEEP.format('item')}"


def jsonl_big_id(project: Project, libyaml: bool) -> str:
    _config(project, dataset="big.jsonl")
    row = json.dumps({"id": "i" * BIG, "input": 1}) + "\n"
    project.write("big.jsonl", row + row)
    return (
        f"[qa] big.jsonl:2: duplicate item id {_shortened(chr(39), 'i')}, first used at "
        "big.jsonl:1; give each item a unique id."
    )


def jsonl_big_input_against_schema(project: Project, libyaml: bool) -> str:
    _config(project, dataset="{path: big.jsonl, input_schema: {type: object}}")
    project.write("big.jsonl", json.dumps({"id": "big", "input": "a" * BIG}) + "\n")
    return (
        f"[qa] big.jsonl:1: item 'big': input does not match input_schema: "
        f"{_shortened(chr(39), 'a')} is not of type 'object'"
    )


def csv_deep_metadata(project: Project, libyaml: bool) -> str:
    _config(project, dataset="deep.csv")
    cell = "[" * DEEP + "]" * DEEP
    project.write("deep.csv", f"input,metadata\nhello,{cell}\n")
    return f"[qa] deep.csv:2: the metadata cell is {TOO_DEEP.format('item')}"


CASES = tuple(
    Case(write.__name__, write)
    for write in (
        config_alias_bomb,
        config_big_value,
        config_big_name,
        config_big_key,
        config_big_number,
        config_deep_flow,
        config_deep_block,
        config_recursive_alias,
        config_many_values,
        yaml_dataset_alias_bomb,
        yaml_dataset_deep,
        json_dataset_deep,
        json_dataset_past_limit,
        jsonl_deep_line,
        jsonl_big_id,
        jsonl_big_input_against_schema,
        csv_deep_metadata,
    )
)


def without_libyaml(folder: Path) -> dict[str, str]:
    """Environment variables for a ``scoregate`` that finds PyYAML without libyaml.

    A ``sitecustomize`` module stops ``yaml._yaml`` (libyaml's binding) from importing, as on
    a machine where PyYAML was built without it; ``yaml.__with_libyaml__`` is then False.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        'import sys\n\nsys.modules["yaml._yaml"] = None\n', encoding="utf-8"
    )
    paths = [str(folder), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}
