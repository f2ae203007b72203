"""JUnit XML through the junit-xml package: a test suite per experiment and one test case per
check of the verdict, so a CI's test view agrees with the exit code.

A case fails exactly when its check failed; the items a check is about (regressed, flaky) are
named in its failure, never as failing cases of their own. A check not run is ``<skipped>``;
a warning passes with its text in ``system-out``; an exceeded error budget (exit 3) is an
``<error>`` with the most common sample errors. Characters XML cannot hold are shown as
escapes (``\\x1b``, see :mod:`scoregate.report.junit_text`), so untrusted text never breaks
the file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime

from junit_xml import TestCase, TestSuite, to_xml_report_string

from scoregate.record.scoretable import finder
from scoregate.report import junit_text, metric_rows
from scoregate.report.bounds import CASE_CHARS, ERROR_CHARS, FIELD_CHARS, IDS_SHOWN, bounded
from scoregate.report.text import as_text, error_summary, no_baseline_text, shorten
from scoregate.values import errornotes
from scoregate.values.model import Check, Comparison, RunRecord, Verdict
from scoregate.values.numbers import delta_text


def _check_case(check: Check, comparison: Comparison | None) -> TestCase:
    case = TestCase(check.name, classname=f"scoregate.{check.experiment}", elapsed_sec=0.0)
    if check.run_incomplete:
        case.add_error_info(
            message=check.explanation,
            output=_bounded(_error_body(check, comparison)),
            error_type=check.kind,
        )
    elif check.status == "fail":
        case.add_failure_info(
            message=check.explanation,
            output=_bounded(_failure_body(check, comparison)),
            failure_type=check.kind,
        )
    elif check.status == "skip":
        case.add_skipped_info(message=check.explanation)
    elif check.status == "warn":
        case.stdout = f"warning: {check.explanation}"
    else:
        case.stdout = check.explanation
        if check.note and check.note not in check.explanation:
            case.stdout += f"\nnote: {check.note}"
    return case


def _bounded(text: str) -> str:
    return bounded(text, CASE_CHARS)


def _figures(check: Check) -> list[str]:
    parts = [check.explanation]
    if check.observed is not None:
        parts.append(f"observed: {check.observed:g}")
    if check.limit is not None:
        parts.append(f"limit: {check.limit:g}")
    return parts


def _failure_body(check: Check, comparison: Comparison | None) -> str:
    lines = _figures(check)
    ids = check.items
    if not ids:
        return "\n".join(lines)
    shown = ", ".join(ids[:IDS_SHOWN])
    more = f" … and {len(ids) - IDS_SHOWN} more" if len(ids) > IDS_SHOWN else ""
    lines.append(f"items ({len(ids)}): {shown}{more}")
    if comparison is None:
        return "\n".join(lines)
    body = "\n".join(lines)
    for done, item_id in enumerate(ids):
        block = _item_details(check, comparison, item_id)
        rest = len(ids) - done
        tail = f"\n\n… {rest} more item{'s' if rest != 1 else ''} in the run record"
        if len(body) + len(block) + len(tail) + 2 > CASE_CHARS:
            return body + tail
        body += "\n\n" + block
    return body


def _item_details(check: Check, comparison: Comparison, item_id: str) -> str:
    result = finder(comparison.candidate)(item_id)
    if result is None:
        return f"item {item_id}: not in this run"
    before = finder(comparison.baseline)(item_id) if comparison.baseline else None
    sample = result.samples[0]
    lines = [
        f"item {item_id}",
        f"  input: {shorten(as_text(result.item.input), FIELD_CHARS)}",
        f"  expected: {shorten(as_text(result.item.expected_output), FIELD_CHARS)}",
    ]
    if before is not None:
        lines.append(
            f"  baseline output: {shorten(as_text(before.samples[0].output), FIELD_CHARS)}"
        )
    lines.append(f"  candidate output: {shorten(as_text(sample.output), FIELD_CHARS)}")
    if sample.error:
        lines.append(f"  error: {bounded(sample.error, ERROR_CHARS)}")
    found = sample.score(check.score) if check.score else None
    if found and found.comment:
        lines.append(f"  comment: {shorten(found.comment, FIELD_CHARS)}")
    return "\n".join(lines)


def _error_body(check: Check, comparison: Comparison | None) -> str:
    """The figures, then per failing part its errors and the most common message."""
    lines = _figures(check)
    if comparison is None:
        return "\n".join(lines)
    summary = error_summary(comparison.candidate)
    for source in summary.sources:
        message = shorten(source.message, 1000)
        if source.count == 1:
            lines.append(f"1 error in {source.where}: {message}")
        else:
            lines.append(
                f"{source.count} errors in {source.where}, most often ({source.times}×): {message}"
            )
    for host, count in summary.unreachable:
        lines.append(f"unreachable: {host} (cannot connect, in {count} error{'s' * (count != 1)})")
    return "\n".join(lines)


def properties(comparison: Comparison, checks: Sequence[Check] = ()) -> dict[str, str]:
    record = comparison.candidate
    props = {
        "scoregate.run_id": record.run_id,
        "scoregate.config_digest": record.config_digest,
        "scoregate.repeats": str(record.repeats),
        "scoregate.items": str(len(record.items)),
        "scoregate.baseline": comparison.baseline.run_id
        if comparison.baseline
        else no_baseline_text(comparison, checks),
    }
    if comparison.new_items:
        props["scoregate.new_items"] = ", ".join(comparison.new_items)
    if comparison.missing_items:
        props["scoregate.missing_items"] = ", ".join(comparison.missing_items)
    for key, value in record.git.items():
        if value:
            props[f"git.{key}"] = str(value)
    for score in comparison.scores:
        if score.delta is not None:
            props[f"delta.{score.name}"] = delta_text(score)
        if note := errornotes.pairs_note(score):
            props[f"errors.{score.name}"] = note
    props.update(metric_rows.properties(comparison))
    if comparison.unmeasured:
        # Scores of the baseline no evaluator produced now: named, never compared or checked.
        props["scoregate.not_measured_now"] = ", ".join(comparison.unmeasured)
    return props


def duration(record: RunRecord) -> float:
    """Seconds from the run's start to its end, 0 when the record does not say."""
    try:
        started = datetime.fromisoformat(record.started_at)
        finished = datetime.fromisoformat(record.finished_at)
        seconds = (finished - started).total_seconds()
    except (TypeError, ValueError):
        return 0.0
    return max(seconds, 0.0)


def _experiments(verdict: Verdict) -> list[str]:
    """Every experiment of the verdict, in the order of its comparisons, then of its checks."""
    names = [c.experiment for c in verdict.comparisons]
    for check in verdict.checks:
        if check.experiment not in names:
            names.append(check.experiment)
    return names


def render(verdict: Verdict, *, metadata: Mapping[str, str] | None = None) -> str:
    comparisons = {c.experiment: c for c in verdict.comparisons}
    suites = []
    times: list[float] = []
    for experiment in _experiments(verdict):
        comparison = comparisons.get(experiment)
        checks = [c for c in verdict.checks if c.experiment == experiment]
        cases = [_check_case(c, comparison) for c in checks]
        props = (properties(comparison, checks) if comparison else {}) | dict(metadata or {})
        record = comparison.candidate if comparison else None
        suites.append(
            TestSuite(
                experiment,
                cases,
                properties=props,
                timestamp=(record.started_at or None) if record else None,
            )
        )
        times.append(duration(record) if record else 0.0)
    junit_text.make_safe(suites)
    xml: str = to_xml_report_string(suites, prettyprint=False, encoding="utf-8")
    return _schema_valid(xml, times)


_CHAR_REF = re.compile(r"&#(\d+);")


def _schema_valid(xml: str, times: Sequence[float]) -> str:
    """junit-10.xsd knows no ``disabled`` attribute, which junit-xml always writes; and a lone
    surrogate in untrusted text arrives as a character reference that XML forbids. Each suite
    gets the run's duration (junit-xml would sum the cases', which take no time of their own)."""
    xml = _CHAR_REF.sub(lambda m: "" if 0xD800 <= int(m.group(1)) <= 0xDFFF else m.group(0), xml)
    root = ET.fromstring(xml)
    for element in root.iter():
        element.attrib.pop("disabled", None)
    for suite, seconds in zip(root.iter("testsuite"), times, strict=True):
        suite.set("time", f"{seconds:.3f}")
    root.set("time", f"{sum(times):.3f}")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
