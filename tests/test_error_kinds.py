"""App errors count against the drop; outages do not (issue 13).

A sample whose task or evaluator raised counts as 0 for its scores: an item that passed in the
baseline regressed. A sample lost to the model server (retries exhausted on 5xx) is left out of
the pairs and counts against the error budget only. Through the CLI, with the real openai SDK
against the fake server.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from testing import fake_openai as fakes
from testing.fake_openai import Behaviour, FakeOpenAI, server_error
from testing.project import Project

fake_openai = fakes.fake_openai

JUDGE = {
    "name": "correctness",
    "judge": {"model": "gpt-4o-mini", "prompt": "Q {{input}} E {{expected_output}} A {{output}}"},
}
GATE = {"correctness": {"min": 0.5, "max_drop": 0.02, "max_regressed_items": 0}}
DOWN_FOR = ("4+4", "5+5")  # the questions of items d and e
OUTAGE = (
    "2 items left out of the pairs: their samples were lost to an outage (model server "
    "unreachable, retries exhausted or timed out), not to the app"
)


def judge_eight_unless_down(body: dict[str, Any]) -> Behaviour | str:
    if any(question in fakes.last_user_text(body) for question in DOWN_FOR):
        return server_error(503, message="The server is overloaded.")
    return json.dumps({"score": 8, "reasoning": "Right."})


def configure(project: Project, budget: float, **task_kwargs: Any) -> None:
    project.write_config(
        project.experiment(
            evaluators=[JUDGE], gate=GATE | {"max_error_rate": budget}, task_kwargs=task_kwargs
        ),
        defaults={"openai": {"max_attempts": 1, "timeout": 5}},
    )


def baseline(project: Project, server: FakeOpenAI) -> None:
    server.set_responder(lambda body: json.dumps({"score": 8, "reasoning": "Right."}))
    configure(project, 0.5)
    assert project.run_cli("run", env=server.env()).code == 0
    assert project.run_cli("baseline", "promote", project.records()[-1]).code == 0


def test_an_outage_within_the_error_budget_is_not_a_regression(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    baseline(project, fake_openai)
    fake_openai.set_responder(judge_eight_unless_down)
    code, out, err = project.run_cli("run", "--no-cache", env=fake_openai.env())
    assert code == 0, out + err
    assert (
        "  correctness            0.800 → 0.800   +0.000 [+0.000, +0.000] p=1 · 3 paired items; "
        f"all items 0.800 → 0.800 · {OUTAGE}\n"
    ) in out
    assert "PASSED: all 4 checks passed." in out
    items = [
        json.loads(line.rstrip(","))
        for line in project.records()[-1].read_text(encoding="utf-8").splitlines()[1:-1]
    ]
    kinds = {i["id"]: i["samples"][0]["scores"][0].get("error_kind") for i in items}
    assert kinds == {"a": None, "b": None, "c": None, "d": "infra", "e": "infra"}
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert f"<br>{OUTAGE} |" in report
    junit = ET.parse(project.output_dir / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert properties["errors.correctness"] == OUTAGE
    (drop,) = [c for c in junit.iter("testcase") if c.get("name") == "correctness: max_drop"]
    assert f"over 3 paired items ({OUTAGE})" in str(drop.findtext("system-out"))

    # Past the error budget the run could not be completed: exit 3, still no regression.
    configure(project, 0.2)
    code, out, err = project.run_cli("run", "--no-cache", env=fake_openai.env())
    assert code == 3, out + err
    assert "  FAIL max_error_rate: 40.0% of samples had errors (2/5); allowed 20.0%\n" in out
    assert "FAIL correctness" not in out


def test_app_errors_on_the_broken_items_are_regressions_counted_as_0(
    project: Project, fake_openai: FakeOpenAI
) -> None:
    baseline(project, fake_openai)
    configure(project, 0.5, fail=["d", "e"])  # the task raises on d and e
    code, out, err = project.run_cli("run", "--no-cache", env=fake_openai.env())
    assert code == 1, out + err
    assert (
        "  correctness            0.800 → 0.480   -0.320 [-0.640, +0.000] p=0.12 · 2 errored "
        "samples counted as 0\n"
    ) in out
    assert (
        "  FAIL correctness.max_regressed_items: 2 items passed in the baseline and fail now "
        "(allowed 0): d, e; 2 errored samples counted as 0\n"
    ) in out
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert "<br>2 errored samples counted as 0 |" in report
