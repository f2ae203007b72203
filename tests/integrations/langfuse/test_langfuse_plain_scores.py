"""A baseline run read from Langfuse, scored as Langfuse has scores: the real CLI, the real SDK,
the fake server."""

from __future__ import annotations

import json
from typing import Any

from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.project import Project

__all__ = ["fake_langfuse"]

EVALUATORS = '''\
from langfuse import Evaluation


def length_evaluator(*, input, output, **kwargs):
    return Evaluation(name="response_length", value=len(output))


def quality(*, output, expected_output, **kwargs):
    """On 0-100 (the config declares the scale)."""
    return Evaluation(name="quality", value=90 if output == expected_output else 30)
'''

ITEMS = [
    {"id": f"q{i}", "input": {"question": f"q{i}"}, "expected_output": f"answer number {i} is long"}
    for i in range(8)
]


def test_a_langfuse_run_baseline_is_read_in_the_units_the_config_gives_its_scores(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS)
    # As Langfuse's own runner recorded it: each score the number its evaluator returned.
    fake_langfuse.seed_experiment(
        "qa-golden",
        "v1",
        {
            item["id"]: {
                "output": item["expected_output"],
                "scores": {"response_length": 23, "quality": 90},
            }
            for item in ITEMS
        },
    )
    project.write(f"{project.module}_evals.py", EVALUATORS)
    experiment: dict[str, Any] = project.experiment(
        evaluators=[
            {"python": f"{project.module}_evals:length_evaluator"},
            {"python": f"{project.module}_evals:quality", "scale": [0, 100]},
        ],
        gate={"response_length": {"max_drop": 0.001}, "quality": {"max_drop": 0.05}},
        task_kwargs={"wrong": [f"q{i}" for i in range(6)]},
        baseline={"langfuse": {"run": "v1"}},
    )
    experiment["dataset"] = {"langfuse": "qa-golden"}
    project.write_config(experiment)

    code, out, err = project.run_cli("run", env=fake_langfuse.client_env())

    assert code == 1, out + err
    lines = out.splitlines()
    assert "  response_length         23.0 → 9.5     -13.5 [-18.0, -6.75] p=0.0078" in lines
    assert "  quality                0.900 → 0.450   -0.450 [-0.600, -0.225] p=0.0078" in lines
    assert [line.split(":")[0] for line in lines if line.startswith("  FAIL")] == [
        "  FAIL response_length.max_drop",
        "  FAIL quality.max_drop",
    ]
    record = json.loads(project.records()[-1].read_text(encoding="utf-8"))
    scores = record["gate"]["scores"]
    assert (scores["response_length"]["baseline_mean"], scores["quality"]["baseline_mean"]) == (
        23.0,
        0.9,
    )
    assert record["gate"]["baseline"] == "langfuse:v1"
