"""Noise-aware gating through the real CLI: examples/noise and a project with flaky items."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from testing.project import CliResult, Project, run_cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "noise"
CONFIG = EXAMPLE / "experiments.yaml"

WITHIN_NOISE = "-0.028 [-0.075, +0.018] p=0.13"  # sign-flip Monte Carlo, mid-p
REAL_DROP = "-0.177 [-0.243, -0.113] p<0.001"


def run_example(out: Path, *, version: str, significance: str | None = None) -> CliResult:
    env = {"APP_VERSION": version}
    if significance is not None:
        env["SIGNIFICANCE"] = significance
    return run_cli("run", "-c", CONFIG, "--output-dir", out, cwd=out.parent, env=env)


def junit_drop_case(out: Path) -> ET.Element:
    root = ET.parse(out / "junit.xml").getroot()
    (case,) = [c for c in root.iter("testcase") if c.get("name") == "judge: max_drop"]
    return case


def junit_properties(out: Path) -> dict[str, str]:
    root = ET.parse(out / "junit.xml").getroot()
    return {p.get("name", ""): p.get("value", "") for p in root.iter("property")}


def record_of(out: Path) -> dict[str, Any]:
    (path,) = (out / "runs" / "answers").glob("*.json")
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record


def drop_check(record: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in record["gate"]["checks"] if c["kind"] == "max_drop"]
    (check,) = found
    return check


def test_the_committed_baseline_is_what_v1_produces(tmp_path: Path) -> None:
    out = tmp_path / "v1"
    result = run_example(out, version="v1")
    assert result.code == 0, result.stdout + result.stderr
    assert "+0.000 [+0.000, +0.000] p=1" in (out / "report.md").read_text(encoding="utf-8")


def test_a_drop_within_noise_passes_with_significance_and_fails_without(tmp_path: Path) -> None:
    on, off = tmp_path / "on", tmp_path / "off"

    passed = run_example(on, version="reworded")
    assert passed.code == 0, passed.stdout + passed.stderr
    report = (on / "report.md").read_text(encoding="utf-8")
    assert f"| `judge` | 0.792 | 0.763 | {WITHIN_NOISE} |" in report
    assert "| score | baseline | candidate | Δ [95% CI] p |" in report
    # The check passed, and the report still says the dataset is too small for max_drop.
    assert (
        "\n> ℹ️ `judge` max_drop: Too few items for this tolerance: the smallest drop this dataset "
        "can detect is 0.061; about 567 items would be needed to detect 0.020\n"
    ) in report
    case = junit_drop_case(on)
    assert case.find("failure") is None
    assert junit_properties(on)["delta.judge"] == WITHIN_NOISE
    check = drop_check(record_of(on))
    assert check["status"] == "pass"
    assert check["explanation"] == (
        f"mean changed by {WITHIN_NOISE} over 60 paired items: larger than the allowed 0.020 but "
        "not significant (p ≥ 0.05); within noise. Too few items for this tolerance: the "
        "smallest drop this dataset can detect is 0.061; about 567 items would be needed to "
        "detect 0.020"
    )
    delta = record_of(on)["gate"]["scores"]["judge"]["delta"]
    assert delta["mean"] == pytest.approx(-0.0283, abs=1e-3)
    assert [round(x, 3) for x in delta["ci"]] == [-0.075, 0.018]
    assert 0.05 <= delta["p_worse"] < 0.2

    failed = run_example(off, version="reworded", significance="off")
    assert failed.code == 1, failed.stdout + failed.stderr
    plain_report = (off / "report.md").read_text(encoding="utf-8")
    assert f"| `judge` | 0.792 | 0.763 | {WITHIN_NOISE} |" in plain_report
    assert "Too few items" not in plain_report  # without significance, no detectable drop
    failure = junit_drop_case(off).find("failure")
    assert failure is not None
    assert failure.get("message") == (
        f"mean changed by {WITHIN_NOISE} over 60 paired items: a drop larger than the allowed 0.020"
    )
    assert drop_check(record_of(off))["status"] == "fail"


@pytest.mark.parametrize("significance", [None, "off"])
def test_a_real_drop_fails_with_or_without_significance(
    tmp_path: Path, significance: str | None
) -> None:
    out = tmp_path / "out"
    result = run_example(out, version="broken", significance=significance)
    assert result.code == 1, result.stdout + result.stderr
    assert f"| `judge` | 0.792 | 0.615 | {REAL_DROP} |" in (out / "report.md").read_text(
        encoding="utf-8"
    )
    failure = junit_drop_case(out).find("failure")
    assert failure is not None
    message = failure.get("message", "")
    expected = (
        f"mean changed by {REAL_DROP} over 60 paired items: a drop larger than the allowed 0.020"
    )
    if significance is None:
        expected += " and significant (p < 0.05). Too few items for this tolerance"
    assert message.startswith(expected), message
    assert junit_properties(out)["delta.judge"] == REAL_DROP
    assert record_of(out)["gate"]["scores"]["judge"]["delta"]["p_worse"] < 0.001


FLAKY_TASK = '''\
"""Answers right, except: `wrong` items always, `flaky` items on every call but the first."""

import threading

_calls = {}
_lock = threading.Lock()


def answer(*, item, wrong=(), flaky=(), **kwargs):
    with _lock:
        call = _calls.get(item.id, 0)
        _calls[item.id] = call + 1
    if item.id in wrong or (item.id in flaky and call > 0):
        return "wrong"
    return item["expected_output"]
'''


def flaky_project(project: Project, gate: dict[str, Any], **task_kwargs: Any) -> Project:
    project.write("flaky_task.py", FLAKY_TASK)
    experiment = project.experiment(gate=gate, repeats=3, concurrency=1, baseline="baseline.json")
    experiment["task"] = {"python": "flaky_task:answer", "kwargs": task_kwargs}
    project.write_config(experiment)
    return project


@pytest.fixture
def with_baseline(project: Project) -> Project:
    """A project whose baseline is a run with 3 repeats in which every item passes every time."""
    flaky_project(project, {"correct": {"min": 0.0}})
    first = project.run_cli("run", "--no-baseline")  # the baseline's path is written out
    assert first.code == 0, first.stdout + first.stderr
    (record,) = project.records()
    promoted = project.run_cli("baseline", "promote", record)
    assert promoted.code == 0, promoted.stdout + promoted.stderr
    baseline = json.loads((project.root / "baseline.json").read_text(encoding="utf-8"))
    assert baseline["repeats"] == 3
    return project


def run_flaky(project: Project, gate: dict[str, Any]) -> tuple[CliResult, dict[str, Any], str]:
    # c passes on its first sample only (flaky, mean 1/3); d always fails (a real regression).
    flaky_project(project, gate, wrong=["d"], flaky=["c"])
    result = project.run_cli("run")
    record: dict[str, Any] = json.loads(project.records()[-1].read_text(encoding="utf-8"))
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    return result, record, report


def checks_by_kind(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in record["gate"]["checks"]}


def test_flaky_items_are_listed_and_not_counted_as_regressed_by_default(
    with_baseline: Project,
) -> None:
    result, record, report = run_flaky(
        with_baseline, {"correct": {"max_regressed_items": 1, "significance": "off"}}
    )
    assert result.code == 0, result.stdout + result.stderr
    check = checks_by_kind(record)["max_regressed_items"]
    assert (check["status"], check["observed"]) == ("pass", 1)
    assert check["explanation"].endswith("(allowed 1): d")
    assert record["gate"]["scores"]["correct"]["flaky"] == ["c"]
    assert record["gate"]["scores"]["correct"]["regressed"] == ["d"]
    assert "1 flaky item (pass/fail differs across repeats)" in report
    assert "| `c` | `correct`: 1.00, 0.00, 0.00 |" in report


def test_flaky_include_counts_flaky_items_as_regressed(with_baseline: Project) -> None:
    result, record, _ = run_flaky(
        with_baseline, {"flaky": "include", "correct": {"max_regressed_items": 1}}
    )
    assert result.code == 1, result.stdout + result.stderr
    check = checks_by_kind(record)["max_regressed_items"]
    assert (check["status"], check["observed"]) == ("fail", 2)
    assert check["explanation"].endswith("(allowed 1): c, d")


def test_max_flaky_rate_fails_when_too_many_items_are_flaky(with_baseline: Project) -> None:
    result, record, _ = run_flaky(
        with_baseline, {"max_flaky_rate": 0.1, "correct": {"max_regressed_items": 1}}
    )
    assert result.code == 1, result.stdout + result.stderr
    check = checks_by_kind(record)["max_flaky_rate"]
    assert check["status"] == "fail"
    assert check["observed"] == pytest.approx(0.2)
    assert check["explanation"] == (
        "20.0% of items are flaky (1/5: pass/fail differs across repeats); allowed 10.0%"
    )
    root = ET.parse(with_baseline.output_dir / "junit.xml").getroot()
    messages = [f.get("message", "") for f in root.iter("failure")]
    assert any(m.startswith("20.0% of items are flaky (1/5") for m in messages), messages

    relaxed, record, _ = run_flaky(
        with_baseline, {"max_flaky_rate": 0.2, "correct": {"max_regressed_items": 1}}
    )
    assert relaxed.code == 0, relaxed.stdout + relaxed.stderr
    assert checks_by_kind(record)["max_flaky_rate"]["status"] == "pass"
