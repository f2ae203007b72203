"""``cluster: KEY`` through the real CLI: the paired test treats clusters as its units, and
every output says how the items were clustered (and when there are too few clusters)."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from testing.project import CliResult, Project, write_jsonl

TOPICS = 12
PER_TOPIC = 5
GATE = {"correct": {"max_drop": 0.02}}


def rows(
    topics: int = TOPICS, per_topic: int = PER_TOPIC, untagged: int = 0
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {
            "id": f"t{k}-{j}",
            "input": f"question {j} on topic {k}",
            "expected_output": "right",
            "metadata": {"topic": f"topic-{k}"},
        }
        for k in range(topics)
        for j in range(per_topic)
    ]
    found += [
        {"id": f"loose-{j}", "input": f"loose question {j}", "expected_output": "right"}
        for j in range(untagged)
    ]
    return found


def with_baseline(project: Project, data: list[dict[str, Any]], **extra: Any) -> None:
    """Every item right in the baseline."""
    write_jsonl(project.root / "data.jsonl", data)
    project.write_config(project.experiment(gate=GATE, baseline="baseline.json", **extra))
    first = project.run_cli("run", "--no-baseline")
    assert first.code == 0, first.stdout + first.stderr
    promoted = project.run_cli("baseline", "promote", project.records()[-1])
    assert promoted.code == 0, promoted.stdout + promoted.stderr


def candidate(project: Project, wrong: list[str], **extra: Any) -> tuple[CliResult, dict[str, Any]]:
    project.write_config(
        project.experiment(
            gate=GATE, baseline="baseline.json", task_kwargs={"wrong": wrong}, **extra
        )
    )
    result = project.run_cli("run")
    record: dict[str, Any] = json.loads(project.records()[-1].read_text(encoding="utf-8"))
    return result, record


def drop_check(record: dict[str, Any]) -> dict[str, Any]:
    (check,) = [c for c in record["gate"]["checks"] if c["kind"] == "max_drop"]
    return check


def junit_text(project: Project) -> str:
    root = ET.parse(project.output_dir / "junit.xml").getroot()
    texts = [p.get("value", "") for p in root.iter("property")]
    for case in root.iter("testcase"):
        texts += [case.findtext("system-out") or ""]
        texts += [f.get("message", "") for f in case.iter("failure")]
    return "\n".join(texts)


TWO_TOPICS = [f"t{k}-{j}" for k in (0, 1) for j in range(PER_TOPIC)]


def test_without_cluster_two_broken_topics_look_significant(project: Project) -> None:
    with_baseline(project, rows())
    result, record = candidate(project, TWO_TOPICS)
    assert result.code == 1, result.stdout + result.stderr
    check = drop_check(record)
    assert check["status"] == "fail"
    assert "clustered" not in check["explanation"]
    assert record["gate"]["scores"]["correct"]["delta"]["p_worse"] < 0.001


def test_with_cluster_the_topics_are_the_units(project: Project) -> None:
    with_baseline(project, rows(), cluster="topic")
    result, record = candidate(project, TWO_TOPICS, cluster="topic")
    # Two of twelve topics changed: the best p of 2 changed clusters is 1/8, not significant.
    assert result.code == 0, result.stdout + result.stderr
    said = "clustered by topic (12 clusters)"
    check = drop_check(record)
    assert check["status"] == "pass"
    assert "but not significant (p ≥ 0.05); within noise" in check["explanation"]
    assert said in check["explanation"]
    delta = record["gate"]["scores"]["correct"]["delta"]
    assert delta["p_worse"] == pytest.approx(0.125)
    assert (delta["cluster"], delta["clusters"], delta["items_alone"]) == ("topic", 12, 0)
    assert delta["method"] == "sign-flip exact, mid-p, over 12 cluster sums"
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert said in report
    assert said in result.stdout
    assert said in junit_text(project)
    assert said in (project.output_dir / "report.html").read_text(encoding="utf-8")
    assert "Little power" not in report


def test_few_clusters_say_the_test_has_little_power_everywhere(project: Project) -> None:
    with_baseline(project, rows(topics=6, per_topic=10, untagged=2), cluster="metadata.topic")
    wrong = [f"t0-{j}" for j in range(10)]
    result, record = candidate(project, wrong, cluster="metadata.topic")
    assert result.code == 0, result.stdout + result.stderr
    said = (
        "clustered by metadata.topic (8 clusters; 2 items without metadata.topic, each its own "
        "cluster)"
    )
    little = (
        "Little power: only 8 clusters of metadata.topic, and the clusters are the test's units "
        "(at best p = 0.002; a drop must show in most clusters to be significant); add clusters "
        "(more metadata.topic values), not items"
    )
    check = drop_check(record)
    assert said in check["explanation"]
    assert little in check["explanation"]
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert said in report and little in report
    assert little in result.stdout  # the terminal's note line
    assert little in junit_text(project)
    page = html.unescape((project.output_dir / "report.html").read_text(encoding="utf-8"))
    assert said in page and little in page
    # Said before the run too, by run and by validate.
    assert f"qa: {said}" in result.stderr
    assert f"qa: {little}" in result.stderr
    validated = project.run_cli("validate")
    assert validated.code == 0, validated.stdout + validated.stderr
    assert f"qa: {said}" in validated.stdout
    assert f"qa: {little}" in validated.stdout


def test_cluster_in_defaults_and_a_failing_drop(project: Project) -> None:
    data = rows()
    write_jsonl(project.root / "data.jsonl", data)
    project.write_config(
        project.experiment(gate=GATE, baseline="baseline.json"), defaults={"cluster": "topic"}
    )
    first = project.run_cli("run", "--no-baseline")
    assert first.code == 0, first.stdout + first.stderr
    assert project.run_cli("baseline", "promote", project.records()[-1]).code == 0
    # One item wrong in every topic: every cluster got worse, so the drop is significant.
    wrong = [f"t{k}-0" for k in range(TOPICS)]
    project.write_config(
        project.experiment(gate=GATE, baseline="baseline.json", task_kwargs={"wrong": wrong}),
        defaults={"cluster": "topic"},
    )
    result = project.run_cli("run")
    assert result.code == 1, result.stdout + result.stderr
    record = json.loads(project.records()[-1].read_text(encoding="utf-8"))
    check = drop_check(record)
    assert check["status"] == "fail"
    assert "clustered by topic (12 clusters)" in check["explanation"]
    assert record["gate"]["scores"]["correct"]["delta"]["p_worse"] == pytest.approx(0.5 / 2**12)


def test_a_malformed_cluster_key_is_a_config_error(project: Project) -> None:
    project.write_config(project.experiment(cluster="metadata..topic"))
    result = project.run_cli("validate")
    assert result.code == 2, result.stdout + result.stderr
    assert "cluster" in result.stderr


def test_validate_says_when_max_drop_can_never_fail(project: Project) -> None:
    write_jsonl(project.root / "data.jsonl", rows(topics=1, per_topic=3))
    project.write_config(project.experiment(gate=GATE))
    result = project.run_cli("validate")
    assert result.code == 0, result.stdout + result.stderr
    assert (
        "qa: correct.max_drop can never fail: with 3 items the smallest possible p-value is "
        "0.062 (½ / 2^3), not below the significance 0.05"
    ) in result.stdout
