"""Sharded runs and Langfuse: shards record nothing; ``merge`` reads the Langfuse baseline, runs
the run-level evaluators on every item and records the merged run once (real CLI, real SDK)."""

from __future__ import annotations

import json

from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.project import Project

__all__ = ["fake_langfuse"]

ITEMS = [
    {"id": f"item-{i}", "input": {"question": f"{i}+{i}"}, "expected_output": str(2 * i)}
    for i in range(5)
]
RUN_LEVEL = """\
def items_seen(*, item_results, **kwargs):
    return len(item_results) / 10
"""


def test_shards_record_nothing_and_merge_records_the_whole_run_once(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    fake_langfuse.create_dataset("qa-golden", ITEMS)
    fake_langfuse.seed_experiment(
        "qa-golden",
        "nightly",
        {f"item-{i}": {"output": str(2 * i), "scores": {"correct": True}} for i in range(5)},
        metadata={"branch": "main"},
    )
    project.write("runlevel.py", RUN_LEVEL)
    experiment = project.experiment(
        record={"run_name": "{experiment}-{run_id}"},
        run_evaluators=["runlevel:items_seen"],
        baseline={"langfuse": {"metadata": {"branch": "main"}}},
        gate={"correct": {"max_regressed_items": 0}, "items_seen": {"min": 0.5}},
    )
    experiment["dataset"] = {"langfuse": "qa-golden"}
    project.write_config(experiment)
    env = fake_langfuse.client_env() | {"GITHUB_SHA": "abcdef1234567", "GITHUB_REF_NAME": "pr"}
    seeded = len(fake_langfuse.spans)

    one = project.run_cli("run", "--shard", "1/2", env=env)
    two = project.run_cli("run", "--shard", "2/2", env=env)

    assert (one.code, two.code) == (0, 0), one.stderr + two.stderr
    assert len(fake_langfuse.spans) == seeded  # nothing recorded per shard
    shard_files = project.records()
    assert [json.loads(p.read_text())["run_scores"] for p in shard_files] == [[], []]

    merged = project.run_cli("merge", *map(str, shard_files), env=env)

    assert merged.code == 0, merged.stdout + merged.stderr
    record = json.loads(project.records()[-1].read_text())
    assert len(record["items"]) == 5
    assert [(s["name"], s["value"]) for s in record["run_scores"]] == [("items_seen", 0.5)]
    assert record["gate"]["baseline"] == "langfuse:nightly"
    run_name = f"qa-{record['run_id']}"
    assert record["metadata"]["langfuse"]["run"] == run_name
    roots = [s for s in fake_langfuse.spans if s.is_experiment_item_root]
    recorded = [s for s in roots if s.attributes["langfuse.experiment.name"] == run_name]
    assert sorted(s.dataset_item_id or "" for s in recorded) == [f"item-{i}" for i in range(5)]
    run_scores = [s for s in fake_langfuse.scores if s.dataset_run_id and s.name == "items_seen"]
    assert [s.value for s in run_scores] == [0.5]
