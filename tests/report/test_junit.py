"""report/junit.py: valid against junit-10.xsd, a case per check, hostile text cannot break it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import xmlschema
from testing.project import make_record

from scoregate.config.model import GateConfig, Thresholds
from scoregate.decide.compare import compare
from scoregate.decide.gate import decide, evaluate
from scoregate.report import bounds, junit
from scoregate.values.model import Check, RunRecord, Verdict

# The Jenkins xUnit plugin's schema, committed with its source note in testing/specs/README.md.
XSD = Path(__file__).resolve().parents[2] / "testing" / "specs" / "junit-10.xsd"

HOSTILE = "lone\ud800 nul\x00 esc\x1b[31m red\x1b[0m bell\x07 ]]> </failure> & <b>\ufffe\uffff end"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def verdict_of(candidate: RunRecord, baseline: RunRecord | None, gate: GateConfig) -> Verdict:
    comparison = compare(candidate, baseline, baseline_note="no baseline configured")
    return decide(evaluate(comparison, gate), [comparison])


def hostile_verdict() -> Verdict:
    baseline = make_record({"a": 1.0, "b": 1.0, "c": 1.0}, run_id="base-run")
    candidate = make_record(
        {"a": 0.0, "b": 0.0, "c": 1.0},
        outputs={"a": HOSTILE, "b": "plain"},
        comments={"a": HOSTILE},
    )
    gate = GateConfig(
        scores={
            "correct": Thresholds(min=0.9, max_regressed_items=0, max_drop=0.5, significance=None),
        },
        max_flaky_rate=0.5,
    )
    return verdict_of(candidate, baseline, gate)


def cases_of(xml: str) -> dict[str, ET.Element]:
    return {str(c.get("name")): c for c in ET.fromstring(xml.encode("utf-8")).iter("testcase")}


def test_report_validates_and_has_one_case_per_check(schema: xmlschema.XMLSchema) -> None:
    verdict = hostile_verdict()
    xml = junit.render(verdict)
    schema.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))
    (suite,) = root.iter("testsuite")
    cases = list(suite.iter("testcase"))
    assert int(suite.get("tests", "-1")) == len(cases) == len(verdict.checks)
    # Checks: min, max_drop, max_regressed_items, max_error_rate, max_flaky_rate (skipped);
    # the regressed items a and b are named in the failures, not cases of their own.
    assert [c.get("name") for c in cases] == [
        "correct: min",
        "correct: max_drop",
        "correct: max_regressed_items",
        "max_error_rate",
        "max_flaky_rate",
    ]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == [c.name for c in verdict.failed_checks]
    assert int(suite.get("failures", "-1")) == int(root.get("failures", "-1")) == 3
    assert int(suite.get("errors", "-1")) == int(root.get("errors", "-1")) == 0
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert [c.get("name") for c in skipped] == ["max_flaky_rate"]
    assert skipped[0].find("skipped").get("message") == "flakiness needs repeats of 2 or more"  # type: ignore[union-attr]
    assert int(suite.get("skipped", "-1")) == 1


SHOWN = (
    "lone\\ud800 nul\\x00 esc\\x1b[31m red\\x1b[0m bell\\x07 ]]> </failure> & <b>\\ufffe\\uffff end"
)
"""HOSTILE as the report shows it: what XML cannot hold, as escapes."""


def test_a_failing_check_names_its_items_with_their_details(schema: xmlschema.XMLSchema) -> None:
    xml = junit.render(hostile_verdict())
    for forbidden in ("\ud800", "\x00", "\x1b", "\x07", "\ufffe", "\uffff"):
        assert forbidden not in xml
    failure = cases_of(xml)["correct: max_regressed_items"].find("failure")
    assert failure is not None
    assert failure.get("type") == "max_regressed_items"
    assert failure.get("message") == (
        "2 items passed in the baseline and fail now (allowed 0): a, b"
    )
    assert (failure.text or "").split("\n\n") == [
        "2 items passed in the baseline and fail now (allowed 0): a, b\n"
        "observed: 2\nlimit: 0\nitems (2): a, b",
        'item a\n  input: {"question": "q a"}\n  expected: answer a\n'
        "  baseline output: output of a\n"
        f"  candidate output: {SHOWN}\n"
        f"  comment: {SHOWN}",
        'item b\n  input: {"question": "q b"}\n  expected: answer b\n'
        "  baseline output: output of b\n  candidate output: plain",
    ]


def test_a_passing_gate_has_no_failing_case_whatever_regressed(
    schema: xmlschema.XMLSchema,
) -> None:
    """Items regressed on a score the gate does not check: exit 0, and no red test either."""
    baseline = make_record({"a": 1.0, "b": 1.0, "c": 1.0}, run_id="base-run")
    candidate = make_record({"a": 0.0, "b": 0.0, "c": 1.0})
    verdict = verdict_of(candidate, baseline, GateConfig(scores={}))
    assert verdict.exit_code == 0
    assert verdict.comparisons[0].scores[0].regressed == ("a", "b")
    xml = junit.render(verdict)
    schema.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "0", "0")
    assert [c.get("name") for c in root.iter("testcase")] == ["max_error_rate"]


def test_many_items_are_counted_and_the_body_is_bounded(schema: xmlschema.XMLSchema) -> None:
    ids = [f"item-{n:03d}" for n in range(120)]
    baseline = make_record(dict.fromkeys(ids, 1.0), run_id="base-run")
    candidate = make_record(dict.fromkeys(ids, 0.0), outputs=dict.fromkeys(ids, "x" * 3000))
    gate = GateConfig(scores={"correct": Thresholds(max_regressed_items=0)})
    xml = junit.render(verdict_of(candidate, baseline, gate))
    schema.validate(xml)
    failure = cases_of(xml)["correct: max_regressed_items"].find("failure")
    assert failure is not None
    body = failure.text or ""
    assert len(body) <= bounds.CASE_CHARS
    listed = f"items (120): {', '.join(ids[:50])} … and 70 more"
    assert listed in body.splitlines()
    blocks = body.split("\n\n")
    shown = len(blocks) - 2  # the figures, then item blocks, then the count of the rest
    assert 1 <= shown < 120
    assert blocks[1].startswith("item item-000\n")
    assert "  candidate output: " + "x" * (bounds.FIELD_CHARS - 1) + "…" in blocks[1]
    assert blocks[-1] == f"… {120 - shown} more items in the run record"


def test_a_warning_passes_with_its_text(schema: xmlschema.XMLSchema) -> None:
    check = Check("qa", "correct", "max_drop", "warn", None, 0.1, "the judge changed")
    xml = junit.render(Verdict((check,), ()))
    schema.validate(xml)
    case = cases_of(xml)["correct: max_drop"]
    assert [child.tag for child in case] == ["system-out"]
    assert case.findtext("system-out") == "warning: the judge changed"


def test_an_exceeded_error_budget_is_an_error_with_the_most_common_errors(
    schema: xmlschema.XMLSchema,
) -> None:
    candidate = make_record(
        {"a": 1.0, "b": None, "c": 1.0, "d": 1.0, "e": 1.0},
        task_errors={
            "c": "ConnectionError: reset",
            "d": "TimeoutError: no answer in 30 s",
            "e": "TimeoutError: no answer in 30 s",
        },
    )
    verdict = verdict_of(candidate, None, GateConfig(scores={}, max_error_rate=0.1))
    assert verdict.exit_code == 3
    xml = junit.render(verdict)
    schema.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))
    assert (root.get("failures"), root.get("errors")) == ("0", "1")
    error = cases_of(xml)["max_error_rate"].find("error")
    assert error is not None
    assert error.get("type") == "max_error_rate"
    assert error.get("message") == "80.0% of samples had errors (4/5); allowed 10.0%"
    assert (error.text or "").splitlines() == [
        "80.0% of samples had errors (4/5); allowed 10.0%",
        "observed: 0.8",
        "limit: 0.1",
        "3 errors in the task, most often (2×): TimeoutError: no answer in 30 s",
        "1 error in evaluator 'correct': evaluator 'correct' failed: ValueError: bad",
    ]


def test_each_suite_lasts_as_long_as_its_run(schema: xmlschema.XMLSchema) -> None:
    first = make_record({"a": 1.0})
    second = replace(
        make_record({"a": 1.0}, experiment="other"),
        started_at="2026-01-01T00:00:00.250Z",
        finished_at="2026-01-01T00:01:10.500Z",
    )
    gate = GateConfig(scores={"correct": Thresholds(min=0.5)})
    comparisons = [compare(r, None) for r in (first, second)]
    checks = [c for comparison in comparisons for c in evaluate(comparison, gate)]
    xml = junit.render(decide(checks, comparisons))
    schema.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))
    assert [(s.get("name"), s.get("time")) for s in root.iter("testsuite")] == [
        ("qa", "5.000"),
        ("other", "70.250"),
    ]
    assert root.get("time") == "75.250"


def test_properties_carry_the_run_metadata(schema: xmlschema.XMLSchema) -> None:
    verdict = hostile_verdict()
    root = ET.fromstring(junit.render(verdict).encode("utf-8"))
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["scoregate.run_id"] == "20260101T000000Z-cand01"
    assert properties["scoregate.baseline"] == "base-run"
    assert properties["scoregate.items"] == "3"
    assert properties["delta.correct"].startswith("-0.667 [")


def test_a_passing_run_without_baseline_is_valid_too(schema: xmlschema.XMLSchema) -> None:
    verdict = verdict_of(
        make_record({"a": 1.0, "b": 1.0}),
        None,
        GateConfig(scores={"correct": Thresholds(min=0.5, max_drop=0.1)}),
    )
    xml = junit.render(verdict)
    schema.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))
    cases = list(root.iter("testcase"))
    assert int(root.find("testsuite").get("tests", "-1")) == len(cases) == 3  # type: ignore[union-attr]
    skipped = next(c for c in cases if c.get("name") == "correct: max_drop").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "skipped: no baseline configured"
    assert not [c for c in cases if c.find("failure") is not None]
