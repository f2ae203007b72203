"""One verdict, fail-closed (issue 13): a check the user configured is never silently not run.

Through the real console script: a baseline asked for and missing, a typo in the baseline
template, no baseline asked for at all, a baseline of another dataset, a dataset that grew, an
interrupted record, a gate key that names no score, a score new since the baseline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from testing.project import ROWS, Project, write_jsonl

from scoregate.record import store

GATE = {"correct": {"min": 0.5, "max_drop": 0.05, "max_regressed_items": 0}}
NO_FILE = (
    "baselines/qa.json; record one with 'scoregate baseline promote RUN' after a run you trust"
)
MAKE_ONE = (
    "Make one from a run you trust with 'scoregate baseline promote RUN' (RUN: the run record or "
    "the run id 'scoregate run' prints), or run once with --no-baseline to record a first run "
    "without one."
)


def junit_properties(path: Path) -> dict[str, str]:
    root = ET.parse(path).getroot()
    return {p.get("name", ""): p.get("value", "") for p in root.iter("property")}


def junit_cases(path: Path) -> dict[str, tuple[str, str]]:
    """Case name → (outcome, message or text)."""
    cases = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        for outcome in ("failure", "skipped"):
            found = case.find(outcome)
            if found is not None:
                cases[str(case.get("name"))] = (outcome, str(found.get("message")))
                break
        else:
            out = case.find("system-out")
            cases[str(case.get("name"))] = ("pass", "" if out is None else str(out.text))
    return cases


def promoted(project: Project) -> str:
    """Run the project once and make that run its baseline; the baseline's run id."""
    assert project.run_cli("run").code == 0
    first = project.records()[-1]
    assert project.run_cli("baseline", "promote", first).code == 0
    return first.stem


# --- a baseline asked for and missing --------------------------------------------------------


def test_a_missing_baseline_given_on_the_command_line_is_a_usage_error(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    code, out, err = project.run_cli("run", "--baseline", "nope.json")
    assert (code, out) == (2, "")
    assert err == (
        f"error: --baseline nope.json: no run record at {project.root / 'nope.json'}. {MAKE_ONE}\n"
    )
    assert project.records() == []  # nothing ran

    (project.root / "baselines").mkdir()
    code, out, err = project.run_cli("run", "--baseline", "baselines")
    assert (code, out) == (2, "")
    assert err == (
        "error: --baseline baselines: no run record of experiment 'qa' at "
        f"{project.root / 'baselines' / 'qa.json'} (a folder given to --baseline holds "
        f"<experiment>.json files). {MAKE_ONE}\n"
    )


def test_a_missing_baseline_named_in_the_config_is_a_usage_error(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE, baseline="base/{experiment}.json"))
    code, out, err = project.run_cli("run")
    assert (code, out) == (2, "")
    assert err == (
        "error: experiments.yaml:16:13: experiments[0].baseline: the baseline of experiment "
        f"'qa' does not exist: no run record at {project.root / 'base' / 'qa.json'} (paths are "
        f"relative to the config's folder {project.root}). {MAKE_ONE}\n"
    )
    # Written out in defaults, even with the default's value, it is asked for too.
    project.write_config(
        project.experiment(gate=GATE), defaults={"baseline": "baselines/{experiment}.json"}
    )
    code, _, err = project.run_cli("run")
    assert code == 2
    assert err.startswith(
        "error: experiments.yaml:3:13: defaults.baseline: the baseline of experiment 'qa' does "
        f"not exist: no run record at {project.root / 'baselines' / 'qa.json'}"
    )
    # --no-baseline records a first run on purpose; then promote makes the baseline.
    code, out, err = project.run_cli("run", "--no-baseline")
    assert code == 0, err
    assert (
        "qa: 5 items × 1, 0 errors, no baseline: 2 checks not run (no baseline: --no-baseline)"
        in out
    )
    assert project.run_cli("baseline", "promote", project.records()[-1]).code == 0
    assert project.run_cli("run").code == 0
    code, _, err = project.run_cli("run", "--no-baseline", "--baseline", "x.json")
    assert (code, err) == (
        2,
        "error: --baseline and --no-baseline contradict each other; give one of them.\n",
    )


@pytest.mark.parametrize("where", ["defaults", "experiment"])
def test_an_unknown_placeholder_in_the_baseline_template_is_a_config_error(
    project: Project, where: str
) -> None:
    template = "baselines/{experimnt}.json"
    if where == "defaults":
        project.write_config(project.experiment(gate=GATE), defaults={"baseline": template})
        place = "experiments.yaml:3:13: defaults.baseline"
    else:
        project.write_config(project.experiment(gate=GATE, baseline=template))
        place = "experiments.yaml:16:13: experiments[0].baseline"
    expected = (
        f"error: {place}: unknown placeholder '{{experimnt}}' in the baseline path "
        f"'{template}' (did you mean '{{experiment}}'?); the only placeholder is {{experiment}}, "
        "the experiment's name.\n"
    )
    for command in ("validate", "run"):
        assert project.run_cli(command) == (2, "", expected)
    assert project.records() == []


# --- no baseline asked for at all ------------------------------------------------------------


def test_without_a_baseline_every_output_says_which_checks_were_not_run(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    code, out, err = project.run_cli("run")
    assert code == 0, err
    said = f"no baseline: 2 checks not run (no baseline at {NO_FILE})"
    assert f"qa: 5 items × 1, 0 errors, {said}\n" in out
    assert out.splitlines()[-2] == (
        "PASSED: 2 of 4 checks passed, 2 not run (no baseline at baselines/qa.json)."
    )
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert f"_5 items × 1 repeat · {said}_" in report
    junit = project.output_dir / "junit.xml"
    assert junit_properties(junit)["scoregate.baseline"] == said
    assert junit_cases(junit)["correct: max_drop"] == (
        "skipped",
        f"skipped: no baseline at {NO_FILE}",
    )


# --- a baseline of another dataset, and a dataset that grew ------------------------------------


def test_a_baseline_sharing_too_few_items_fails_naming_the_counts(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    promoted(project)
    write_jsonl(
        project.root / "data.jsonl",
        ({"id": f"x{n}", "input": n, "expected_output": n} for n in range(8)),
    )
    code, out, err = project.run_cli("run")
    assert code == 1, err
    counts = "0 items are in both runs, of 8 in this run and 5 in the baseline"
    listed = (
        "8 new (not in the baseline): x0, x1, x2, x3, x4 and 3 more; 5 missing from this run "
        "(in the baseline only): a, b, c, d, e"
    )
    overlap = (
        f"{counts}: fewer than the 3 needed (0.5 of the smaller run, min_overlap), so the "
        "baseline is not a run of this dataset and its checks compare nothing; point the "
        f"baseline at a run of this dataset, or lower gate.min_overlap; {listed}"
    )
    assert f"  FAIL min_overlap: {overlap}\n" in out
    assert f"  FAIL correct.max_drop: not run: {counts} (min_overlap)\n" in out
    assert f"  FAIL correct.max_regressed_items: not run: {counts} (min_overlap)\n" in out
    assert "FAILED: 3 of 5 checks failed, 2 passed." in out
    cases = junit_cases(project.output_dir / "junit.xml")
    assert cases["min_overlap"] == ("failure", overlap)
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert "- 8 new (not in the baseline): `x0`, `x1`, `x2`, `x3`, `x4`, `x5`, `x6`, `x7`" in report
    assert "- 5 missing from this run (in the baseline only): `a`, `b`, `c`, `d`, `e`" in report

    # With min_overlap lowered, the drop still cannot be measured on nothing: it fails, not run.
    project.write_config(project.experiment(gate=GATE | {"min_overlap": 0}))
    code, out, err = project.run_cli("run")
    assert code == 1, err
    assert (
        "  FAIL correct.max_drop: not run: no item has a value in both the candidate and the "
        "baseline, so the drop cannot be measured\n"
    ) in out
    assert "FAIL min_overlap" not in out


def test_a_dataset_that_grew_or_shrank_passes_and_lists_its_new_and_missing_items(
    project: Project,
) -> None:
    project.write_config(project.experiment(gate=GATE))
    promoted(project)
    rows = [r for r in ROWS if r["id"] != "e"]
    rows += [{"id": f"x{n}", "input": n, "expected_output": n} for n in range(3)]
    write_jsonl(project.root / "data.jsonl", rows)
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    assert "  3 items are new (not in the baseline): x0, x1, x2\n" in out
    assert "  1 item is missing from this run (in the baseline only): e\n" in out
    assert "PASSED: all 5 checks passed." in out
    report = (project.output_dir / "report.md").read_text(encoding="utf-8")
    assert "- 3 new (not in the baseline): `x0`, `x1`, `x2`\n" in report
    assert "- 1 missing from this run (in the baseline only): `e`\n" in report
    junit = project.output_dir / "junit.xml"
    assert junit_cases(junit)["min_overlap"] == (
        "pass",
        "4 items are in both runs, of 7 in this run and 5 in the baseline (at least 3 needed: "
        "0.5 of the smaller run, min_overlap); 3 new (not in the baseline): x0, x1, x2; 1 "
        "missing from this run (in the baseline only): e",
    )
    properties = junit_properties(junit)
    assert (properties["scoregate.new_items"], properties["scoregate.missing_items"]) == (
        "x0, x1, x2",
        "e",
    )


# --- interrupted records ---------------------------------------------------------------------


def test_an_interrupted_record_cannot_pass_compare_unless_allowed(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    assert project.run_cli("run").code == 0
    (complete,) = project.records()
    record = store.read_record(complete)
    partial = replace(
        record,
        run_id="20260101T000000Z-part01",
        items=tuple(record.items)[:2],
        metadata=dict(record.metadata) | {"partial": True},
    )
    store.write_record(project.root / "partial.json", partial)

    code, out, err = project.run_cli("compare", "partial.json", complete)
    assert code == 1, err
    why = "the candidate run 20260101T000000Z-part01 was interrupted (2 of 5 items finished)"
    assert (
        f"  FAIL complete: {why}: an interrupted run cannot pass; rerun it, or pass "
        "--allow-partial to gate what finished\n"
    ) in out
    assert "FAILED: 1 of 6 checks failed, 5 passed." in out

    code, out, err = project.run_cli("compare", "partial.json", complete, "--allow-partial")
    assert code == 0, err
    assert f"  warn complete: {why}; gated anyway on what finished (--allow-partial)\n" in out

    code, out, err = project.run_cli("compare", complete, "partial.json")
    assert code == 1, err
    assert (
        "  FAIL complete: the baseline run 20260101T000000Z-part01 was interrupted (2 of 5 "
        "items finished): an interrupted baseline cannot pass; promote a complete run, or pass "
        "--allow-partial to compare with what finished\n"
    ) in out


# --- gate keys and scores --------------------------------------------------------------------

TONE = """\
def tone(*, output, **kwargs):
    return {"name": "tone", "value": 1.0}
"""


def test_a_gate_key_naming_no_produced_score_is_a_config_error_after_the_run(
    project: Project,
) -> None:
    project.write("tone_evals.py", TONE)
    evaluators = [{"type": "exact", "name": "correct"}, {"python": "tone_evals:tone"}]
    gate = {"corect": {"min": 0.5}, "tone": {"min": 0.5}}
    project.write_config(project.experiment(gate=gate, evaluators=evaluators))
    # A Python evaluator names its scores when called: validate cannot know them.
    assert project.run_cli("validate").code == 0
    code, out, err = project.run_cli("run")
    assert (code, out) == (2, "")
    (kept,) = project.records()
    progress, *errors = err.splitlines()
    assert progress.startswith("qa: 5/5 samples")
    assert errors == [
        "error: [qa] experiments.yaml:13:5: experiments[0].gate.corect: no evaluator produced a "
        "score named 'corect' in this run (did you mean 'correct'?); the scores it produced are: "
        "correct, tone.",
        f"error: [qa] Nothing was gated; the run is kept in .scoregate/runs/qa/{kept.name}: fix "
        "the gate, then gate it without rerunning with 'scoregate compare RUN BASELINE'.",
    ]
    # With only builtins the names are known: validate says so before anything runs.
    project.write_config(project.experiment(gate={"corect": {"min": 0.5}}))
    assert project.run_cli("validate") == (
        2,
        "",
        "error: experiments.yaml:12:5: experiments[0].gate.corect: no evaluator produces a "
        "score named 'corect' (did you mean 'correct'?); the scores are: correct.\n",
    )


def test_checks_on_a_score_new_since_the_baseline_are_not_run_and_listed(
    project: Project,
) -> None:
    project.write_config(project.experiment(gate=GATE))
    promoted(project)
    project.write("tone_evals.py", TONE)
    # A 0-1 score (a scale declared): items pass or fail on it, so it can regress.
    tone = {"python": "tone_evals:tone", "scale": [0, 1]}
    evaluators = [{"type": "exact", "name": "correct"}, tone]
    gate = GATE | {"tone": {"min": 0.5, "max_drop": 0.1, "max_regressed_items": 0}}
    project.write_config(project.experiment(gate=gate, evaluators=evaluators))
    code, out, err = project.run_cli("run")
    assert code == 0, out + err
    why = "new score: the baseline has no 'tone'; it is compared from the next baseline on"
    assert f"  skip tone.max_drop: {why}\n" in out
    assert f"  skip tone.max_regressed_items: {why}\n" in out
    assert "PASSED: 5 of 7 checks passed, 2 not run (new score: the baseline has no 'tone')." in out
    cases = junit_cases(project.output_dir / "junit.xml")
    assert cases["tone: max_drop"] == ("skipped", why)


def test_a_merge_with_an_interrupted_shard_cannot_pass_unless_allowed(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE))
    for shard in ("1/2", "2/2"):
        code, out, err = project.run_cli("run", "--shard", shard)
        assert code == 0, out + err
    first, second = project.records()
    record = store.read_record(second)
    store.write_record(second, replace(record, metadata=dict(record.metadata) | {"partial": True}))
    code, out, err = project.run_cli("merge", first, second, "--no-baseline")
    assert code == 1, err
    assert "  FAIL complete: the candidate run " in out
    assert "was interrupted (5 of 5 items finished): an interrupted run cannot pass" in out
    code, out, err = project.run_cli("merge", first, second, "--no-baseline", "--allow-partial")
    assert code == 0, out + err


def test_min_overlap_is_a_share_in_gate_or_defaults(project: Project) -> None:
    project.write_config(project.experiment(gate=GATE | {"min_overlap": 1.5}))
    assert project.run_cli("validate") == (
        2,
        "",
        "error: experiments.yaml:16:5: experiments[0].gate.min_overlap: 1.5 is greater than 1\n",
    )
    project.write_config(project.experiment(gate=GATE), defaults={"min_overlap": 0.9})
    promoted(project)
    rows = [r for r in ROWS if r["id"] != "e"] + [{"id": "x", "input": 1, "expected_output": 1}]
    write_jsonl(project.root / "data.jsonl", rows)
    code, out, err = project.run_cli("run")
    assert code == 1, err
    assert (
        "  FAIL min_overlap: 4 items are in both runs, of 5 in this run and 5 in the baseline: "
        "fewer than the 5 needed (0.9 of the smaller run, min_overlap)"
    ) in out
