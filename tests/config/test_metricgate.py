"""config/metricgate.py: metric thresholds as frozen values, and the names they reserve."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scoregate.config import experiments as config
from scoregate.config.model import MetricThresholds
from scoregate.values.errors import ConfigError

HEAD = """\
    version: 1
    experiments:
      - name: qa
        dataset: data.jsonl
        task: app:answer
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def load(tmp_path: Path, body: str) -> config.Config:
    text = textwrap.dedent(HEAD) + textwrap.indent(textwrap.dedent(body), "    ")
    (tmp_path / "experiments.yaml").write_text(text)
    return config.load(Path("experiments.yaml"), {})


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    return list(caught.value.problems)


def test_metric_thresholds_are_values_beside_the_scores(tmp_path: Path) -> None:
    found = load(
        tmp_path,
        """\
            evaluators: [{type: exact, name: correct}]
            gate:
              significance: 0.01
              correct: {min: 0.8, max_drop: 0.02}
              latency: {max_increase: 0.25, max_p95: 3}
              cost: {max_increase: 0.1, significance: off}
              tokens: {max: 2000}
        """,
    ).experiments[0]
    gate = found.gate
    assert list(gate.scores) == ["correct"]
    latency = gate.metrics["latency"]
    assert (latency.max, latency.max_p95, latency.max_increase) == (None, 3.0, 0.25)
    assert latency.significance == 0.01  # the gate's level, unless the metric sets its own
    assert latency.key == "experiments[0].gate.latency"
    assert latency.where == "experiments.yaml:10:7"
    assert gate.metrics["cost"] == MetricThresholds(
        max_increase=0.1,
        significance=None,
        where=gate.metrics["cost"].where,
        key="experiments[0].gate.cost",
    )
    assert gate.metrics["tokens"].max == 2000.0


def test_an_evaluator_named_like_a_metric_is_named_with_the_fix(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
            evaluators:
              - {type: exact, name: correct}
              - {python: "app:cost", name: cost}
        """,
    )
    assert found == [
        "experiments.yaml:8:36: experiments[0].evaluators[1].name: 'cost' is a reserved name: "
        "latency, tokens, cost are metrics every run has (gate them under gate.cost: max, "
        "max_p95, max_increase); give this evaluator another name, e.g. 'cost_score'."
    ]


def test_a_score_threshold_on_a_metric_is_a_schema_error(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
            evaluators: [{type: exact, name: correct}]
            gate:
              latency: {min: 0.5}
              tokens: {max_increase: -1}
        """,
    )
    assert len(found) == 2
    assert "experiments[0].gate.latency" in found[0] and "min" in found[0]
    assert "experiments[0].gate.tokens.max_increase" in found[1]
