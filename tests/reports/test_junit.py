"""reports/junit.py: valid against junit-10.xsd, counts right, hostile text cannot break it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from testing.project import make_record

from scoregate.compare import compare
from scoregate.config import GateConfig, Thresholds
from scoregate.gate import decide, evaluate
from scoregate.model import RunRecord, Verdict
from scoregate.reports import junit

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


def test_report_validates_and_counts_match(schema: xmlschema.XMLSchema) -> None:
    verdict = hostile_verdict()
    xml = junit.render(verdict)
    schema.validate(xml)
    root = ET.fromstring(xml.encode("utf-8"))
    (suite,) = root.iter("testsuite")
    cases = list(suite.iter("testcase"))
    assert int(suite.get("tests", "-1")) == len(cases)
    # Checks: min, max_drop, max_regressed_items, max_error_rate, max_flaky_rate (skipped);
    # then one case per regressed item.
    assert [c.get("name") for c in cases] == [
        "correct: min",
        "correct: max_drop",
        "correct: max_regressed_items",
        "max_error_rate",
        "max_flaky_rate",
        "correct: item a",
        "correct: item b",
    ]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == [
        "correct: min",
        "correct: max_drop",
        "correct: max_regressed_items",
        "correct: item a",
        "correct: item b",
    ]
    assert int(suite.get("failures", "-1")) == len(failed)
    skipped = [c.get("name") for c in cases if c.find("skipped") is not None]
    assert skipped == ["max_flaky_rate"]
    assert int(suite.get("skipped", "-1")) == 1


def test_text_xml_cannot_hold_is_shown_escaped_and_the_rest_kept(
    schema: xmlschema.XMLSchema,
) -> None:
    xml = junit.render(hostile_verdict())
    for forbidden in ("\ud800", "\x00", "\x1b", "\x07", "\ufffe", "\uffff"):
        assert forbidden not in xml
    root = ET.fromstring(xml.encode("utf-8"))
    item_a = next(c for c in root.iter("testcase") if c.get("name") == "correct: item a")
    failure = item_a.find("failure")
    assert failure is not None
    assert failure.get("message") == "item a passed 'correct' in the baseline and fails now"
    detail = failure.text or ""
    shown = (
        "lone\\ud800 nul\\x00 esc\\x1b[31m red\\x1b[0m bell\\x07 ]]> </failure> & <b>"
        "\\ufffe\\uffff end"
    )
    assert f"candidate output: {shown}" in detail
    assert f"comment: {shown}" in detail
    assert "baseline output: output of a" in detail
    assert 'input: {"question": "q a"}' in detail


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
