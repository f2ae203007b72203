"""config.py + yamlsource.py: every message asserted whole, with its file:line:col."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from scoregate.config import experiments as config
from scoregate.config import validate, yamlcompose
from scoregate.values.errors import ConfigError


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    """Load ``text`` as ``experiments.yaml`` from its own folder, as a user runs it."""
    (tmp_path / "experiments.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        config.load(Path("experiments.yaml"), env if env is not None else {})
    return list(caught.value.problems)


def schema_keys(definition: str) -> str:
    """The keys the shipped schema allows in one of its definitions, as messages list them."""
    return ", ".join(validate.schema()["$defs"][definition]["properties"])


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_value_out_of_range_points_at_its_key_with_the_whole_path(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
        - name: first
          dataset: data.jsonl
          task: app:answer
          evaluators: [{type: exact}]
        - name: second
          dataset: data.jsonl
          task: app:answer
          evaluators:
          - {type: exact, name: accuracy}
          gate:
            accuracy:
              min: 1.4
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:14:7: experiments[1].gate.accuracy.min: 1.4 is greater than 1"
    ]


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: data.jsonl
            task: app:answer
            concurency: 4
            evaluators: [{type: exact}]
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:6:5: experiments[0].concurency: unknown key 'concurency' "
        f"(did you mean 'concurrency'?); allowed here: {schema_keys('experiment')}."
    ]
    assert schema_keys("experiment").startswith("name, description, dataset, task, evaluators")


def test_every_schema_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
        - name: qa
          dataset: data.jsonl
          task: app:answer
          evaluators:
          - {type: regexp}
          - {python: "notacallable"}
          - {typo: 1}
          repeats: 0
        """
    types = validate.schema()["$defs"]["builtin_evaluator"]["properties"]["type"]["enum"]
    kinds = [s["required"][0] for s in validate.schema()["$defs"]["evaluator"]["anyOf"]]
    assert types[:3] == ["exact", "contains", "regex"]
    assert kinds[:3] == ["type", "python", "script"]
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:7:6: experiments[0].evaluators[0].type: unknown evaluator type "
        f"'regexp'; did you mean 'regex'? Types: {', '.join(types)} (or `python: "
        "module:function` for a function of yours).",
        'experiments.yaml:8:6: experiments[0].evaluators[1].python: "notacallable" does not '
        "have the expected form (module:function)",
        "experiments.yaml:9:5: experiments[0].evaluators[2]: needs one of the keys "
        + ", ".join(f"'{k}'" for k in kinds)
        + "; found 'typo' (did you mean 'type'?).",
        "experiments.yaml:10:3: experiments[0].repeats: 0 is less than 1",
    ]


def test_missing_required_key_and_wrong_version(tmp_path: Path) -> None:
    text = """\
        version: 2
        experiments:
          - name: qa
            dataset: data.jsonl
            evaluators: [{type: exact}]
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:1:1: version: must be 1",
        "experiments.yaml:3:5: experiments[0]: missing required key 'task': add "
        "`task: module:function` (or `script:` with a Langfuse experiment(context) script)",
    ]


def test_missing_version_says_what_to_write_at_the_first_line(tmp_path: Path) -> None:
    text = """\
        # our experiments

        experiments:
          - name: qa
            dataset: data.jsonl
            task: app:answer
            evaluators: [{type: exact}]
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:1:1: missing required key 'version': add `version: 1` as the first line"
    ]


def test_every_missing_key_is_named_with_how_to_add_it(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - dataset: data.jsonl
          - name: judged
            dataset: data.jsonl
            task: app:answer
            evaluators:
              - {type: regex}
              - {type: json_schema}
              - {judge: {prompt: "rate {{output}}"}}
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:3:5: experiments[0]: missing required key 'name': give the experiment "
        "a `name:` (letters, digits, '_', '.', '-')",
        "experiments.yaml:3:5: experiments[0]: missing required key 'task': add "
        "`task: module:function` (or `script:` with a Langfuse experiment(context) script)",
        "experiments.yaml:3:5: experiments[0]: missing required key 'evaluators': add "
        "`evaluators:`, a list such as `[{type: exact}]`",
        "experiments.yaml:8:9: experiments[1].evaluators[0]: missing required key 'pattern': "
        "add `pattern:` with the regular expression to look for",
        "experiments.yaml:9:9: experiments[1].evaluators[1]: missing required key 'schema': "
        "add `schema:` with a JSON Schema, inline or the path of a JSON/YAML file",
        "experiments.yaml:10:10: experiments[1].evaluators[2].judge: missing required key "
        "'model': add `model:` naming the model, e.g. `model: gpt-4o-mini`",
    ]
    text = "version: 1\n"
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:1:1: missing required key 'experiments': add `experiments:`, a list "
        "of experiments, each with a name, a dataset, a task and evaluators"
    ]


def test_unknown_choices_suggest_the_close_one(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: {format: jsonl}
            task: app:answer
            evaluators:
              - {type: exct}
              - {type: levenshtein}
              - {type: similarity, method: ratoi}
          - name: other
            dataset: [data.jsonl]
            task: app:answer
            evaluators: [{type: exact}]
        """
    types = ", ".join(validate.schema()["$defs"]["builtin_evaluator"]["properties"]["type"]["enum"])
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:4:14: experiments[0].dataset: needs one of the keys 'path', "
        "'langfuse', 'langfuse_live'; found 'format'.",
        "experiments.yaml:7:10: experiments[0].evaluators[0].type: unknown evaluator type "
        f"'exct'; did you mean 'exact'? Types: {types} (or `python: module:function` for a "
        "function of yours).",
        "experiments.yaml:8:10: experiments[0].evaluators[1].type: unknown evaluator type "
        f"'levenshtein'. Types: {types} (or `python: module:function` for a function of yours).",
        'experiments.yaml:9:28: experiments[0].evaluators[2].method: "ratoi" is not one of '
        '"ratio", "token_f1" (did you mean \'ratio\'?)',
        "experiments.yaml:11:5: experiments[1].dataset: expected a string, got a list",
    ]


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
           dataset: data.jsonl
        """
    # The words are the parser's: libyaml's where PyYAML has it, else PyYAML's own.
    problem = (
        "did not find expected '-' indicator"
        if yamlcompose.LIBYAML
        else "expected <block end>, but found '<block mapping start>'"
    )
    assert problems_of(tmp_path, text) == [f"experiments.yaml:4:4: YAML syntax error: {problem}."]


def test_missing_environment_variable_is_named_where_it_is_used(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: ${DATASET_FILE}
            task: app:answer
            evaluators: [{type: exact}]
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:4:14: experiments[0].dataset: environment variable DATASET_FILE is "
        "not set; set it, or write ${DATASET_FILE:-default}."
    ]


def test_environment_values_defaults_and_literal_dollars(tmp_path: Path) -> None:
    (tmp_path / "experiments.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            defaults:
              concurrency: ${WORKERS}
              timeout: ${TIMEOUT:-12.5}
            experiments:
              - name: qa
                description: costs $${PRICE}
                dataset: ${DATASET:-data/default.jsonl}
                task: app:answer
                evaluators: [{type: exact}]
            """
        ),
        encoding="utf-8",
    )
    loaded = config.load(Path("experiments.yaml"), {"WORKERS": "3"})
    experiment = loaded.experiments[0]
    assert experiment.concurrency == 3
    assert experiment.timeout == 12.5
    assert experiment.description == "costs ${PRICE}"
    assert experiment.dataset.path == tmp_path / "data" / "default.jsonl"
    chosen = config.load(Path("experiments.yaml"), {"WORKERS": "3", "DATASET": "other.csv"})
    assert chosen.experiments[0].dataset.path == tmp_path / "other.csv"


def test_duplicate_experiment_names(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: data.jsonl
            task: app:answer
            evaluators: [{type: exact}]
          - name: qa
            dataset: other.jsonl
            task: app:answer
            evaluators: [{type: exact}]
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:7:11: experiments[1].name: experiment name 'qa' is already used by "
        "experiments[0]; names must be unique."
    ]


def test_gate_naming_an_unknown_score(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: data.jsonl
            task: app:answer
            evaluators:
              - {type: exact, name: accuracy}
              - {type: similarity}
            gate:
              acuracy: {min: 0.5}
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:10:7: experiments[0].gate.acuracy: no evaluator produces a score "
        "named 'acuracy' (did you mean 'accuracy'?); the scores are: accuracy, similarity."
    ]


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = """\
        version: 1
        version: 1
        experiments: []
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:2:1: version: duplicate key 'version'; keep one of them."
    ]


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path / "nowhere.yaml", {})
    assert caught.value.problems == (
        f"{tmp_path / 'nowhere.yaml'}: the config file {tmp_path / 'nowhere.yaml'} does not "
        "exist. Create a starter with 'scoregate init', or pass -c PATH.",
    )
    assert problems_of(tmp_path, "# nothing\n") == [
        "experiments.yaml: the file is empty; it needs at least 'version: 1' and 'experiments'."
    ]


def test_a_valid_config_becomes_frozen_values_with_defaults_applied(tmp_path: Path) -> None:
    (tmp_path / "experiments.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            defaults:
              concurrency: 4
              repeats: 2
              max_error_rate: 0.1
              baseline: baselines/{experiment}.json
              output_dir: out
            experiments:
              - name: qa
                dataset: {path: data.csv, input_schema: {type: object}}
                task: {python: app:answer, kwargs: {model: small}}
                repeats: 3
                evaluators:
                  - {type: exact, name: correct, ignore_case: true}
                  - {python: evals:judge, scale: [0, 10], pass_mark: 0.7}
                gate:
                  correct: {min: 0.8, max_drop: 0.05, test: rank}
                  significance: off
            """
        ),
        encoding="utf-8",
    )
    loaded = config.load(Path("experiments.yaml"), {})
    (experiment,) = loaded.experiments
    assert loaded.output_dir == tmp_path / "out"
    assert (experiment.concurrency, experiment.repeats) == (4, 3)
    assert experiment.baseline == tmp_path / "baselines" / "qa.json"
    assert experiment.task.python == "app:answer"
    assert experiment.task.kwargs == {"model": "small"}
    assert experiment.dataset.input_schema == {"type": "object"}
    correct, judge = experiment.evaluators
    assert (correct.kind, correct.target, correct.options) == (
        "builtin",
        "exact",
        {"ignore_case": True},
    )
    assert (judge.kind, judge.scale, judge.pass_mark) == ("python", (0.0, 10.0), 0.7)
    assert experiment.gate.max_error_rate == 0.1
    assert experiment.gate.scores["correct"].max_drop == 0.05
    assert experiment.gate.scores["correct"].significance is None
    assert experiment.gate.scores["correct"].test == "rank"
    with pytest.raises(dataclasses.FrozenInstanceError):
        experiment.name = "other"  # type: ignore[misc]


def test_select_unknown_experiment_suggests(tmp_path: Path) -> None:
    (tmp_path / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  - {name: qa, dataset: d.jsonl, task: 'a:b', "
        "evaluators: [{type: exact}]}\n",
        encoding="utf-8",
    )
    loaded = config.load(Path("experiments.yaml"), {})
    with pytest.raises(ConfigError) as caught:
        loaded.select(["qaa"])
    assert caught.value.problems == (
        "experiments.yaml: no experiment named 'qaa' (did you mean 'qa'?); the experiments are: qa.",
    )


def test_a_schema_file_is_read_within_the_same_limits(tmp_path: Path) -> None:
    (tmp_path / "input.schema.yaml").write_text(
        "type: object\nproperties: &p {a: {type: string}}\nlater: *nowhere\n", encoding="utf-8"
    )
    (tmp_path / "output.schema.json").write_text('{"type": "object"}', encoding="utf-8")
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: {path: data.jsonl, input_schema: input.schema.yaml}
            task: app:answer
            evaluators: [{type: json_schema, schema: output.schema.json}]
        """
    schema_file = tmp_path / "input.schema.yaml"
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:4:47: experiments[0].dataset.input_schema: cannot use the schema "
        f"file: {schema_file}:3:8: the alias *nowhere names no anchor; define &nowhere before "
        "using it."
    ]


def test_merge_keys_share_settings_and_a_key_written_beside_them_wins(tmp_path: Path) -> None:
    (tmp_path / "experiments.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            experiments:
              - &qa
                name: qa
                dataset: data.jsonl
                task: {python: app:answer, kwargs: {model: small}}
                evaluators: [{type: exact}]
              - &large
                <<: *qa
                name: qa-large
                task: {python: app:answer, kwargs: {model: large}}
              - <<: [*large, *qa]
                name: qa-large-again
            """
        ),
        encoding="utf-8",
    )
    loaded = config.load(Path("experiments.yaml"), {})
    assert [(e.name, dict(e.task.kwargs)) for e in loaded.experiments] == [
        ("qa", {"model": "small"}),
        ("qa-large", {"model": "large"}),
        ("qa-large-again", {"model": "large"}),
    ]


def test_a_key_written_twice_beside_a_merge_and_a_merge_of_nothing(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - &qa {name: qa, dataset: data.jsonl, task: app:answer, evaluators: [{type: exact}]}
          - <<: *qa
            name: two
            name: three
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:6:5: experiments[1].name: duplicate key 'name'; keep one of them."
    ]
    text = """\
        version: 1
        experiments:
          - <<: 5
            name: qa
        """
    assert problems_of(tmp_path, text) == [
        "experiments.yaml:3:9: cannot read this value: expected a mapping or list of mappings "
        "for merging, but found scalar."
    ]


def test_judges_and_prompt_tasks_take_response_format_and_allow_truncated(tmp_path: Path) -> None:
    (tmp_path / "experiments.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            experiments:
              - name: qa
                dataset: data.jsonl
                task:
                  openai:
                    model: m
                    prompt: "{{input}}"
                    max_tokens: 60
                    allow_truncated: true
                    response_format:
                      type: json_schema
                      json_schema: {name: answer, schema: {type: object}, strict: true}
                evaluators:
                  - name: correctness
                    judge:
                      model: j
                      prompt: "{{output}}"
                      response_format: {type: json_object}
            """
        ),
        encoding="utf-8",
    )
    (experiment,) = config.load(Path("experiments.yaml"), {}).experiments
    task = experiment.task.openai
    assert task is not None and task.allow_truncated
    assert "allow_truncated" not in task.params
    assert task.params["response_format"]["json_schema"]["name"] == "answer"
    (judge,) = experiment.evaluators
    assert judge.judge is not None and not judge.judge.allow_truncated
    assert judge.judge.params == {"response_format": {"type": "json_object"}}


def test_a_json_schema_response_format_needs_its_schema(tmp_path: Path) -> None:
    text = """\
        version: 1
        experiments:
          - name: qa
            dataset: data.jsonl
            task: app:answer
            evaluators:
              - judge:
                  model: j
                  prompt: "{{output}}"
                  response_format: {type: json_schema}
                  allow_truncated: maybe
        """
    problems = problems_of(tmp_path, text)
    assert len(problems) == 2, problems
    assert "experiments[0].evaluators[0].judge.response_format" in problems[0]
    assert "json_schema" in problems[0]
    assert "experiments[0].evaluators[0].judge.allow_truncated" in problems[1]
