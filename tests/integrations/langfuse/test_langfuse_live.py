"""Live mode: recent production traces as the dataset, through the real SDK's v2 observations
API against the fake server; a regressed item links to its trace in the report."""

from __future__ import annotations

import datetime as dt
import json

from testing.fake_langfuse import FakeLangfuse, fake_langfuse
from testing.project import Project

__all__ = ["fake_langfuse"]


def test_live_dataset_takes_matching_root_traces_and_the_report_links_regressed_traces(
    fake_langfuse: FakeLangfuse, project: Project
) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    wanted = [
        fake_langfuse.seed_trace(
            "chat",
            {"question": f"{i}+{i}"},
            str(2 * i),
            tags=("prod", "web"),
            start_time=start + dt.timedelta(minutes=i),
        )
        for i in range(3)
    ]
    fake_langfuse.seed_trace("chat", {"question": "x"}, "y", tags=("web",))
    fake_langfuse.seed_trace("other", {"question": "x"}, "y", tags=("prod",))
    fake_langfuse.seed_trace(
        "chat", {"question": "x"}, "y", tags=("prod",), environment="sdk-experiment"
    )
    experiment = project.experiment(gate={"correct": {"max_regressed_items": 0}})
    experiment["dataset"] = {"langfuse_live": {"limit": 10, "name": "chat", "tags": ["prod"]}}
    project.write_config(experiment)
    env = fake_langfuse.client_env()

    first = project.run_cli("run", env=env)

    assert first.code == 0, first.stdout + first.stderr
    baseline = project.records()[-1]
    record = json.loads(baseline.read_text())
    items = {item["id"]: item for item in record["items"]}
    assert set(items) == set(wanted)
    assert items[wanted[2]]["input"] == {"question": "2+2"}
    assert items[wanted[2]]["expected_output"] == "4"
    assert items[wanted[2]]["trace_id"] == wanted[2]
    observation_reads = [
        r for r in fake_langfuse.requests if r.path == "/api/public/v2/observations"
    ]
    assert observation_reads

    experiment["task"]["kwargs"] = {"wrong": [wanted[1]]}
    project.write_config(experiment)
    second = project.run_cli("run", "--baseline", str(baseline), env=env)

    assert second.code == 1, second.stdout + second.stderr
    report = (project.output_dir / "report.md").read_text()
    trace_url = f"{fake_langfuse.url}/project/{fake_langfuse.project_id}/traces/{wanted[1]}"
    assert f"| trace | [{wanted[1]}]({trace_url}) |" in report
    assert f"traces/{wanted[0]}" not in report
