"""experiment(context) scripts of langfuse/experiment-action, and failures of Langfuse itself."""

from __future__ import annotations

import json
from typing import Any

from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.project import Project

__all__ = ["fake_langfuse"]

ITEMS = [
    {"id": f"item-{i}", "input": {"question": f"{i}+{i}"}, "expected_output": str(2 * i)}
    for i in range(6)
]

SCRIPT = """
from langfuse import Evaluation, RegressionError


def task(*, item, **kwargs):
    if item.id in ("item-1", "item-4"):
        raise RuntimeError(f"task broke on {item.id}")
    return item.expected_output if item.id != "item-2" else "wrong"


def exact(*, input, output, expected_output, metadata, **kwargs):
    return Evaluation(name="accuracy", value=float(output == expected_output))


def average(*, item_results, **kwargs):
    values = [e.value for r in item_results for e in r.evaluations]
    return Evaluation(name="avg_accuracy", value=sum(values) / len(item_results))


def experiment(context):
    result = context.run_experiment(
        name="ci", task=task, evaluators=[exact], run_evaluators=[average]
    )
    accuracy = result.run_evaluations[0].value
    if accuracy < THRESHOLD:
        raise RegressionError(result=result, metric="avg_accuracy", value=accuracy, threshold=THRESHOLD)
"""


def _env(fake: FakeLangfuse) -> dict[str, str]:
    return fake.client_env() | {"GITHUB_SHA": "1234567abcdef", "GITHUB_REF_NAME": "pr-7"}


def _script_project(project: Project, threshold: float, **extra: Any) -> None:
    project.write("experiment_ci.py", SCRIPT.replace("THRESHOLD", str(threshold)))
    project.write_config(
        {
            "name": "qa",
            "dataset": {"langfuse": "qa"},
            "script": "experiment_ci.py",
            "gate": {"max_error_rate": 0.5},
            **extra,
        }
    )


def test_script_raising_regression_error_fails_the_gate_and_keeps_every_item(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa", ITEMS)
    _script_project(project, 0.9, record=True)

    result = project.run_cli("run", env=_env(fake_langfuse))

    assert result.code == 1, result.stdout + result.stderr
    record = json.loads(project.records()[-1].read_text())
    assert sorted(i["id"] for i in record["items"]) == [f"item-{i}" for i in range(6)]
    errors = {i["id"]: i["samples"][0].get("error") for i in record["items"]}
    assert errors["item-1"] == "RuntimeError: task broke on item-1"
    assert errors["item-4"] == "RuntimeError: task broke on item-4"
    assert [(s["name"], s["value"]) for s in record["run_scores"]] == [("avg_accuracy", 0.5)]
    failing = [c for c in record["gate"]["checks"] if c["status"] == "fail"]
    assert [(c["kind"], c["score"], c["observed"], c["limit"]) for c in failing] == [
        ("regression_error", "avg_accuracy", 0.5, 0.9)
    ]
    # every item, the failing ones too, is recorded and linked to its dataset item
    roots = [s for s in fake_langfuse.spans if s.is_experiment_item_root]
    assert sorted(s.dataset_item_id or "" for s in roots) == [f"item-{i}" for i in range(6)]
    failed = [s for s in roots if s.dataset_item_id in ("item-1", "item-4")]
    assert {s.attributes.get("langfuse.observation.level") for s in failed} == {"ERROR"}
    run_scores = [s for s in fake_langfuse.scores if s.dataset_run_id]
    assert [(s.name, s.value) for s in run_scores] == [("avg_accuracy", 0.5)]


def test_script_without_regression_passes_and_run_score_is_gated_with_min(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa", ITEMS)
    _script_project(project, 0.4)
    config = project.config.read_text().replace(
        "max_error_rate: 0.5", "max_error_rate: 0.5\n    avg_accuracy:\n      min: 0.6"
    )
    project.config.write_text(config)

    result = project.run_cli("run", env=_env(fake_langfuse))

    assert result.code == 1, result.stdout + result.stderr
    record = json.loads(project.records()[-1].read_text())
    checks = {(c["kind"], c["score"]): c["status"] for c in record["gate"]["checks"]}
    assert checks[("min", "avg_accuracy")] == "fail"
    assert ("regression_error", "avg_accuracy") not in checks


def test_wrong_keys_exit_3_naming_the_host_and_no_secret(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa", ITEMS)
    project.write_config(project.experiment(dataset={"langfuse": "qa"}))
    env = _env(fake_langfuse) | {"LANGFUSE_SECRET_KEY": "sk-lf-wrong-secret-value"}

    result = project.run_cli("run", env=env)
    validate = project.run_cli("validate", env=env)

    for outcome in (result, validate):
        assert outcome.code == 3, outcome.stdout + outcome.stderr
        assert f"Langfuse at {fake_langfuse.url}" in outcome.stderr
        assert "keys were rejected (HTTP 401" in outcome.stderr
        assert "sk-lf-wrong-secret-value" not in outcome.stdout + outcome.stderr


def test_unreachable_host_exits_3(project: Project) -> None:
    project.write_config(project.experiment(dataset={"langfuse": "qa"}))
    env = {
        "LANGFUSE_PUBLIC_KEY": "pk-lf-x",
        "LANGFUSE_SECRET_KEY": "sk-lf-secret-x",
        "LANGFUSE_BASE_URL": "http://127.0.0.1:9",
    }

    result = project.run_cli("run", env=env)

    assert result.code == 3
    assert "Langfuse at http://127.0.0.1:9: checking the credentials failed: cannot connect" in (
        result.stderr
    )
    assert "sk-lf-secret-x" not in result.stderr


def test_5xx_on_reads_is_retried_then_reported(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa", ITEMS)
    project.write_config(project.experiment(dataset={"langfuse": "qa"}))

    fake_langfuse.fail_next(2, 503, path_prefix="/api/public/v2/datasets")
    retried = project.run_cli("validate", env=_env(fake_langfuse))
    fake_langfuse.fail_next(10, 500, path_prefix="/api/public/dataset-items")
    failed = project.run_cli("validate", env=_env(fake_langfuse))

    assert retried.code == 0, retried.stderr
    assert "qa: 6 items" in retried.stdout
    assert failed.code == 3
    assert f"Langfuse at {fake_langfuse.url}: reading dataset 'qa' failed: HTTP 500" in (
        failed.stderr
    )


def test_server_down_while_recording_is_a_warning_and_the_verdict_stands(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa", ITEMS)
    project.write("slow_app.py", "")
    project.write_config(
        project.experiment(dataset={"langfuse": "qa"}, record=True, task_kwargs={"sleep": 0.2})
    )
    # the ingestion endpoints fail for the rest of the run: reads work, writes are dropped
    fake_langfuse.fail_next(1000, 503, reads_only=False, path_prefix="/api/public/otel")

    result = project.run_cli("run", env=_env(fake_langfuse))

    assert result.code == 0, result.stdout + result.stderr
    record = json.loads(project.records()[-1].read_text())
    assert any("recording run" in w and "may be incomplete" in w for w in record["warnings"])
    report = (project.output_dir / "report.md").read_text()
    assert "may be incomplete" in report
