"""JUnit XML through the junit-xml package: a suite per experiment, a case per check,
and a case per regressed item. Characters XML cannot hold are dropped by junit-xml's own
cleaning, so untrusted text never breaks the file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from junit_xml import TestCase, TestSuite, to_xml_report_string

from scoregate.gate import delta_text
from scoregate.model import Check, Comparison, Verdict
from scoregate.reports.bounds import CASE_CHARS, ERROR_CHARS, bounded
from scoregate.reports.text import as_text, shorten
from scoregate.scoretable import finder


def _case_name(check: Check) -> str:
    return f"{check.score}: {check.kind}" if check.score else check.kind


def _check_case(check: Check) -> TestCase:
    case = TestCase(_case_name(check), classname=f"scoregate.{check.experiment}", elapsed_sec=0.0)
    if check.status == "fail":
        case.add_failure_info(
            message=check.explanation,
            output=bounded(_detail(check), CASE_CHARS),
            failure_type="threshold",
        )
    elif check.status == "skip":
        case.add_skipped_info(message=check.explanation)
    else:
        case.stdout = check.explanation
    return case


def _detail(check: Check) -> str:
    parts = [check.explanation]
    if check.observed is not None:
        parts.append(f"observed: {check.observed:g}")
    if check.limit is not None:
        parts.append(f"limit: {check.limit:g}")
    return "\n".join(parts)


MAX_ITEM_CASES = 1000
"""Regressed items beyond this many per experiment are named in one summary case."""


def _regressed_cases(comparison: Comparison) -> list[TestCase]:
    cases: list[TestCase] = []
    pairs = [(score, item_id) for score in comparison.scores for item_id in score.regressed]
    items = finder(comparison.candidate)
    baseline = finder(comparison.baseline) if comparison.baseline else None
    for score, item_id in pairs[:MAX_ITEM_CASES]:
        result = items(item_id)
        assert result is not None
        before = baseline(item_id) if baseline else None
        sample = result.samples[0]
        found = sample.score(score.name)
        lines = [
            f"input: {shorten(as_text(result.item.input), 2000)}",
            f"expected: {shorten(as_text(result.item.expected_output), 2000)}",
            f"candidate output: {shorten(as_text(sample.output), 2000)}",
        ]
        if before:
            lines.append(f"baseline output: {shorten(as_text(before.samples[0].output), 2000)}")
        if sample.error:
            lines.append(f"error: {bounded(sample.error, ERROR_CHARS)}")
        if found and found.comment:
            lines.append(f"comment: {shorten(found.comment, 2000)}")
        case = TestCase(
            f"{score.name}: item {item_id}",
            classname=f"scoregate.{comparison.experiment}.items",
            elapsed_sec=round(sample.latency, 3),
        )
        case.add_failure_info(
            message=f"item {item_id} passed '{score.name}' in the baseline and fails now",
            output=bounded("\n".join(lines), CASE_CHARS),
            failure_type="regression",
        )
        cases.append(case)
    if len(pairs) > MAX_ITEM_CASES:
        rest = pairs[MAX_ITEM_CASES:]
        case = TestCase(
            f"{len(rest)} more regressed items",
            classname=f"scoregate.{comparison.experiment}.items",
            elapsed_sec=0.0,
        )
        case.add_failure_info(
            message=f"{len(rest)} more items passed in the baseline and fail now",
            output=bounded("\n".join(f"{s.name}: {item_id}" for s, item_id in rest), CASE_CHARS),
            failure_type="regression",
        )
        cases.append(case)
    return cases


def properties(comparison: Comparison) -> dict[str, str]:
    record = comparison.candidate
    props = {
        "scoregate.run_id": record.run_id,
        "scoregate.config_digest": record.config_digest,
        "scoregate.repeats": str(record.repeats),
        "scoregate.items": str(len(record.items)),
        "scoregate.baseline": comparison.baseline.run_id if comparison.baseline else "none",
    }
    for key, value in record.git.items():
        if value:
            props[f"git.{key}"] = str(value)
    for score in comparison.scores:
        if score.delta is not None:
            props[f"delta.{score.name}"] = delta_text(score)
    return props


def render(verdict: Verdict, *, metadata: Mapping[str, str] | None = None) -> str:
    checks_by_experiment: dict[str, list[Check]] = {}
    for check in verdict.checks:
        checks_by_experiment.setdefault(check.experiment, []).append(check)
    suites = []
    for comparison in verdict.comparisons:
        cases = [_check_case(c) for c in checks_by_experiment.get(comparison.experiment, [])]
        cases += _regressed_cases(comparison)
        props = properties(comparison) | dict(metadata or {})
        suites.append(
            TestSuite(
                comparison.experiment,
                cases,
                properties=props,
                timestamp=comparison.candidate.started_at or None,
            )
        )
    xml: str = to_xml_report_string(suites, prettyprint=False, encoding="utf-8")
    return _schema_valid(xml)


_CHAR_REF = re.compile(r"&#(\d+);")


def _schema_valid(xml: str) -> str:
    """junit-10.xsd knows no ``disabled`` attribute, which junit-xml always writes; and a lone
    surrogate in untrusted text arrives as a character reference that XML forbids."""
    xml = _CHAR_REF.sub(lambda m: "" if 0xD800 <= int(m.group(1)) <= 0xDFFF else m.group(0), xml)
    root = ET.fromstring(xml)
    for element in root.iter():
        element.attrib.pop("disabled", None)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
