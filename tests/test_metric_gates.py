"""Latency, tokens and cost gated against the baseline, through the real console script.

No test depends on timing: a task that sleeps takes at least that long, and a baseline whose
latencies are written into its record is as fast or as slow as the test says.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from testing import fake_openai as fakes
from testing.fake_openai import FakeOpenAI
from testing.project import CliResult, Project, run_cli

fake_openai = fakes.fake_openai


def baseline_with_latency(project: Project, seconds: float) -> Path:
    """The project's latest run record as its baseline, every sample's latency set to
    ``seconds``."""
    record = project.records()[-1]
    text = re.sub(r'"latency":[-0-9.e+]+', f'"latency":{seconds}', record.read_text())
    # The header's score table holds every sample's latency too (record/scoretable.py).
    text = re.sub(
        r'"latency":\[([^\]]*)\]',
        lambda found: '"latency":[' + ",".join([str(seconds)] * len(found[1].split(","))) + "]",
        text,
    )
    target = project.root / "baselines" / "qa.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(text)
    return target


def test_a_slower_task_fails_max_increase_and_every_report_shows_latency(tmp_path: Path) -> None:
    project = Project(tmp_path)
    gate = {"correct": {"min": 0.8}, "latency": {"max_increase": 0.25}}
    project.write_config(project.experiment(gate=gate))
    assert project.run_cli("run", "--no-baseline").code == 0
    baseline_with_latency(project, 0.001)
    project.write_config(project.experiment(gate=gate, task_kwargs={"sleep": 0.05}))

    result = project.run_cli("run")

    assert result.code == 1, result.stdout + result.stderr
    assert "FAIL latency.max_increase: latency changed by +" in result.stdout
    assert "geometric mean ratio) over 5 paired items" in result.stdout
    assert "significant (p < 0.05)" in result.stdout
    report = (project.output_dir / "report.md").read_text()
    assert "| metric (lower is better) | baseline | candidate | change [95% CI] p | status |" in (
        report
    )
    row = next(line for line in report.splitlines() if line.startswith("| latency |"))
    assert "| 1 ms (p95 1 ms) |" in row and "❌ max_increase" in row
    junit = (project.output_dir / "junit.xml").read_text()
    assert 'name="metric.latency.change"' in junit
    page = (project.output_dir / "report.html").read_text()
    assert "<h3>Latency, tokens and cost</h3>" in page
    assert '<tr><td>latency</td><td class="num">1 ms (p95 1 ms)</td>' in page
    assert 'name="qa · latency: max_increase"' in junit or "latency: max_increase" in junit
    checks = json.loads(project.records()[-1].read_text())["gate"]["checks"]
    found = next(c for c in checks if c["score"] == "latency")
    assert found["kind"] == "max_increase" and found["status"] == "fail"
    assert found["observed"] > 10  # at least 50 ms against 1 ms: over 49 times the baseline's


def test_a_faster_task_passes_and_max_and_p95_are_absolute_limits(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write_config(project.experiment())
    assert project.run_cli("run", "--no-baseline").code == 0
    baseline_with_latency(project, 100.0)
    gate: dict[str, Any] = {
        "correct": {"min": 0.8},
        "latency": {"max_increase": 0.25, "max": 50, "max_p95": 60},
    }
    project.write_config(project.experiment(gate=gate))

    result = project.run_cli("run")

    assert result.code == 0, result.stdout + result.stderr
    assert "latency.max" not in result.stdout  # passing checks are not listed
    assert re.search(r"latency\s+100\.00 s \(p95 100\.00 s\) → .* -\d", result.stdout)
    checks = json.loads(project.records()[-1].read_text())["gate"]["checks"]
    kinds = {c["kind"]: c["status"] for c in checks if c["score"] == "latency"}
    assert kinds == {"max": "pass", "max_p95": "pass", "max_increase": "pass"}

    project.write_config(
        project.experiment(
            gate={"latency": {"max": 0.01}, "correct": {"min": 0.8}}, task_kwargs={"sleep": 0.02}
        )
    )
    slow = project.run_cli("run")
    assert slow.code == 1
    assert "FAIL latency.max: mean per item" in slow.stdout
    assert "is above the maximum 10 ms" in slow.stdout


def test_an_evaluator_named_like_a_metric_is_a_config_error(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write_config(project.experiment(evaluators=[{"type": "exact", "name": "latency"}]))

    result = project.run_cli("run")

    assert result.code == 2
    assert "experiments[0].evaluators[0].name: 'latency' is a reserved name" in result.stderr
    assert "give this evaluator another name, e.g. 'latency_score'" in result.stderr


def test_a_score_named_like_a_metric_at_run_time_is_a_config_error(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write(
        "named_evals.py",
        """\
        def timing(*, output, **kwargs):
            return {"name": "latency", "value": 1.0}
        """,
    )
    project.write_config(project.experiment(evaluators=[{"python": "named_evals:timing"}], gate={}))

    result = project.run_cli("run", "--no-baseline")

    assert result.code == 2, result.stdout + result.stderr
    assert "an evaluator produced a score named 'latency', a reserved name" in result.stderr
    assert "e.g. 'latency_score'" in result.stderr


def test_an_unknown_threshold_of_a_metric_is_a_config_error(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write_config(project.experiment(gate={"cost": {"max_drop": 0.1}}))

    result = project.run_cli("validate")

    assert result.code == 2
    assert "max_drop" in result.stderr and "gate.cost" in result.stderr


def test_tokens_not_measured_fail_closed_for_a_python_task(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.write_config(project.experiment(gate={"tokens": {"max": 1000}, "cost": {"max": 1}}))

    result = project.run_cli("run", "--no-baseline")

    assert result.code == 1
    assert "FAIL tokens.max: not run: tokens not measured in the candidate" in result.stdout
    assert "FAIL cost.max: not run: cost not measured" in result.stdout


# --- prompt tasks and judges: tokens, cost, the cache ---------------------------------------

CONFIG = """\
version: 1
defaults:
  output_dir: out
  openai: {{max_concurrent_calls: 4, timeout: 5, max_attempts: 1}}
experiments:
  - name: qa
    dataset: data.jsonl
    baseline: baselines/qa.json
    task:
      openai:
        model: {model}
        messages:
          - {{role: user, content: "{prompt} {{{{input.question}}}}"}}
    evaluators:
      - type: contains
        name: correct
        value: "Answer"
    gate:
{gate}
"""
ROWS = [{"id": f"q{i}", "input": {"question": f"question number {i}"}} for i in range(8)]


def openai_project(
    root: Path, *, gate: str, prompt: str = "Answer:", model: str = "gpt-4o-mini"
) -> None:
    (root / "data.jsonl").write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    (root / "experiments.yaml").write_text(CONFIG.format(model=model, prompt=prompt, gate=gate))


def run(root: Path, server: FakeOpenAI, *args: str) -> CliResult:
    return run_cli("run", *args, cwd=root, env=server.env())


def latest(root: Path) -> Path:
    records = (root / "out" / "runs" / "qa").glob("*.json")
    return sorted(records, key=lambda p: p.stat().st_mtime_ns)[-1]


def promote(root: Path) -> None:
    (root / "baselines").mkdir(exist_ok=True)
    shutil.copy(latest(root), root / "baselines" / "qa.json")


def test_more_tokens_and_cost_per_item_fail_max_increase(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    gate = "      tokens: {max_increase: 0.10}\n      cost: {max_increase: 0.10}"
    openai_project(tmp_path, gate=gate)
    assert run(tmp_path, fake_openai, "--no-baseline").code == 0
    promote(tmp_path)
    longer = "Answer: think about it step by step, say it twice, with all details you know"
    openai_project(tmp_path, gate=gate, prompt=longer)

    result = run(tmp_path, fake_openai)

    assert result.code == 1, result.stdout + result.stderr
    assert "FAIL tokens.max_increase: tokens changed by +" in result.stdout
    assert "FAIL cost.max_increase: cost changed by +" in result.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| cost |"))
    assert "(task $0.0" not in row  # no judge: the task's cost alone, no split
    assert "$0.0000" in row or "$0.00" in row


def test_a_model_without_a_price_has_unknown_cost_never_zero(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    openai_project(tmp_path, gate="      cost: {max: 1.0}", model="unpriced-model-7")

    result = run(tmp_path, fake_openai, "--no-baseline")

    assert result.code == 1, result.stdout + result.stderr
    assert "FAIL cost.max: not run: cost unknown in the candidate: 8 model calls" in result.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| cost |"))
    assert "unknown" in row and "$0" not in row
    page = (tmp_path / "out" / "report.html").read_text()
    cost = page[page.index("<tr><td>cost</td>") :]
    cost = cost[: cost.index("</tr>")]
    assert "unknown" in cost and "$0" not in cost


def test_cached_calls_keep_the_latency_and_cost_they_had_when_made(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.set_responder(lambda body: fakes.slow(0.2))
    # Cost only: a cached call's own bookkeeping takes wall time a loaded machine may stretch.
    gate = "      cost: {max_increase: 0.10, max: 1.0}\n      tokens: {max_increase: 0.10}"
    openai_project(tmp_path, gate=gate)
    assert run(tmp_path, fake_openai, "--no-baseline").code == 0
    promote(tmp_path)
    calls = fake_openai.calls

    result = run(tmp_path, fake_openai)

    assert result.code == 0, result.stdout + result.stderr
    assert fake_openai.calls == calls  # every call came from the cache
    record = json.loads(latest(tmp_path).read_text())
    assert record["usage"]["cache_hits"] == 8 and record["usage"]["cost"] > 0
    latencies = [s["latency"] for i in record["items"] for s in i["samples"]]
    assert min(latencies) >= 0.2  # as when made: the server took 0.2 s to answer
    assert "8 of 8 model calls were cached" in result.stdout
    report = (tmp_path / "out" / "report.md").read_text()
    assert "8 of 8 model calls were cached: their latency, tokens and cost are shown" in report
