"""scoregate and Langfuse end to end: the real CLI in a subprocess, the real SDK, the fake server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.project import Project

__all__ = ["fake_langfuse"]


ITEMS = [
    {"id": f"item-{i:03d}", "input": {"question": f"{i}+{i}"}, "expected_output": str(2 * i)}
    for i in range(130)  # more than one page of 100
]


def _env(fake: FakeLangfuse, **extra: str) -> dict[str, str]:
    return fake.client_env() | {"GITHUB_SHA": "abcdef1234567", "GITHUB_REF_NAME": "main"} | extra


def _langfuse_experiment(project: Project, **extra: Any) -> dict[str, Any]:
    experiment = project.experiment(**extra)
    experiment["dataset"] = {"langfuse": "qa-golden"}
    return experiment


def _record(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_recorded_run_is_read_back_as_the_baseline_of_the_next_run(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS)
    fake_langfuse.archive_item("qa-golden", "item-129")
    nightly = _langfuse_experiment(
        project, record={"run_name": "nightly-{branch}-{commit}", "metadata": {"job": "nightly"}}
    )
    project.write_config(nightly)

    first = project.run_cli("run", env=_env(fake_langfuse))

    assert first.code == 0, first.stderr
    record = _record(project.records()[-1])
    assert len(record["items"]) == 129  # the archived item is skipped
    assert record["metadata"]["langfuse"]["run"] == "nightly-main-abcdef1"
    roots = [s for s in fake_langfuse.spans if s.is_experiment_item_root]
    assert sorted(s.dataset_item_id or "" for s in roots) == [f"item-{i:03d}" for i in range(129)]
    assert {s.attributes["langfuse.experiment.name"] for s in roots} == {"nightly-main-abcdef1"}
    dataset_id = fake_langfuse.catalog.dataset("qa-golden")["id"]
    assert {s.experiment_id for s in roots} == {
        fake_langfuse.experiment_id_for(dataset_id, "nightly-main-abcdef1")
    }
    metadata = json.loads(roots[0].attributes["langfuse.experiment.metadata"])
    assert metadata["commit"] == "abcdef1234567"
    assert metadata["branch"] == "main"
    assert metadata["job"] == "nightly"
    assert metadata["config_digest"] == record["config_digest"]
    item_scores = [s for s in fake_langfuse.scores if s.observation_id]
    assert len(item_scores) == 129
    assert {s.observation_id for s in item_scores} == {s.span_id for s in roots}
    assert {(s.name, s.value) for s in item_scores} == {("correct", 1.0)}

    pr = _langfuse_experiment(
        project,
        task_kwargs={"wrong": [f"item-{i:03d}" for i in range(40)]},
        gate={"correct": {"max_drop": 0.05}},
        baseline={"langfuse": {"metadata": {"branch": "main"}}},
    )
    project.write_config(pr)
    second = project.run_cli("run", env=_env(fake_langfuse, GITHUB_REF_NAME="feature"))

    assert second.code == 1, second.stdout + second.stderr
    gated = _record(project.records()[-1])
    assert gated["gate"]["baseline"] == "langfuse:nightly-main-abcdef1"
    scores = gated["gate"]["scores"]["correct"]
    assert scores["baseline_mean"] == 1.0
    assert scores["delta"]["n"] == 129
    assert len(scores["regressed"]) == 40
    report = (project.output_dir / "report.md").read_text()
    assert "langfuse:nightly-main-abcdef1" in report


def test_missing_langfuse_baseline_names_dataset_filter_and_runs(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS[:3])
    fake_langfuse.seed_experiment(
        "qa-golden",
        "old-feature-run",
        {"item-000": {"output": "0", "scores": {"correct": 1.0}}},
        metadata={"branch": "feature-x"},
    )
    project.write_config(
        _langfuse_experiment(project, baseline={"langfuse": {"metadata": {"branch": "main"}}})
    )

    result = project.run_cli("run", env=_env(fake_langfuse))

    assert result.code == 0, result.stderr
    gated = _record(project.records()[-1])
    note = gated["gate"]["baseline_note"]
    assert "dataset 'qa-golden'" in note
    assert "branch=main" in note
    assert "'old-feature-run' (branch=feature-x)" in note


def test_seeded_langfuse_run_as_named_baseline(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS[:4])
    fake_langfuse.seed_experiment(
        "qa-golden",
        "v1",
        {f"item-{i:03d}": {"output": str(2 * i), "scores": {"correct": True}} for i in range(4)},
    )
    project.write_config(
        _langfuse_experiment(
            project,
            task_kwargs={"wrong": ["item-001"]},
            gate={"correct": {"max_regressed_items": 0}},
            baseline={"langfuse": {"run": "v1"}},
        )
    )

    result = project.run_cli("run", env=_env(fake_langfuse))

    assert result.code == 1, result.stdout + result.stderr
    gated = _record(project.records()[-1])
    assert gated["gate"]["scores"]["correct"]["regressed"] == ["item-001"]
    assert gated["gate"]["scores"]["correct"]["baseline_mean"] == 1.0
