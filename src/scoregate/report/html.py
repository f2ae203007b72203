"""The HTML report: one self-contained file a reviewer opens from a CI artifact, offline.

The page is a Jinja2 template with autoescaping (``report/html/report.html.j2``); its CSS
and JS are inline, read from the package, and the Content-Security-Policy meta tag allows
exactly those two (by their SHA-256) and nothing else: no request of any kind, no other
script. The verdict, every check, the run facts, each score's figures and charts are drawn
by the template; the items travel as JSON in a ``<script type="application/json">`` (escaped
so that no ``</script>``, ``<!--`` or line separator in a model's output can end it) and
the page's script renders the rows in view, the filters and each item's details from them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence
from importlib import resources
from typing import Any
from urllib.parse import quote

from scoregate import __version__
from scoregate.report import agreement, html_charts, metric_rows
from scoregate.report.html_data import (
    bounds,
    cut_texts,
    inert,
    items_data,
    langfuse_url,
    safe_url,
    script_json,
)
from scoregate.report.html_listing import LIST_UNCHANGED, STATUSES, Listing
from scoregate.report.text import checks_counted, no_baseline_text, score_value
from scoregate.values.figures import figure
from scoregate.values.model import Check, Comparison, RunRecord, Verdict
from scoregate.values.money import cost_text
from scoregate.values.truncation import truncated_samples, unpriced_models

SIZE_TARGET = 11_000_000
"""Bytes a report aims at (the issue's bound is 15 MB for 10,000 items): the items' numbers
first, then as much of each text as fits."""
STATUS_WORDS = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "not run"}


@functools.cache
def _asset(name: str) -> str:
    return (resources.files("scoregate.report") / "html" / name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def _check(check: Check) -> dict[str, Any]:
    return {
        "status": check.status,
        "word": STATUS_WORDS[check.status],
        "name": inert(check.name),
        "explanation": inert(check.explanation),
        "note": inert(check.note) if check.note and check.note not in check.explanation else "",
    }


def _duration(record: RunRecord) -> str:
    from datetime import datetime

    try:
        start = datetime.fromisoformat(record.started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(record.finished_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return f"{(end - start).total_seconds():.1f} s"


def _facts(comparison: Comparison, checks: Sequence[Check]) -> list[tuple[str, str, str | None]]:
    """(label, text, link or None) rows about the run: where it came from and what it cost."""
    record, base = comparison.candidate, comparison.baseline
    rows: list[tuple[str, str, str | None]] = [("run", record.run_id, langfuse_url(record))]
    git = record.git
    if git.get("commit"):
        rows.append(("commit", str(git["commit"]), None))
    if git.get("branch"):
        rows.append(("branch", str(git["branch"]), None))
    if git.get("pr"):
        rows.append(("pull request", f"#{git['pr']}", None))
    if base is not None:
        commit = str(base.git.get("commit") or "")[:12]
        text = base.run_id + (f" (commit {commit})" if commit else "")
        rows.append(("baseline run", text, langfuse_url(base)))
    else:
        rows.append(("baseline", no_baseline_text(comparison, checks), None))
    shown = {k: v for k, v in record.dataset.items() if k not in ("digest",)}
    if shown:
        rows.append(("dataset", ", ".join(f"{k} {v}" for k, v in shown.items()), None))
    for name, definition in record.score_defs.items():
        if definition.kind == "judge" and definition.fingerprint:
            found = definition.fingerprint
            text = f"model {found.get('model', '?')}"
            if found.get("prompt_name"):
                text += f", prompt {found['prompt_name']} v{found.get('prompt_version', '?')}"
            else:
                text += f", prompt sha256 {str(found.get('prompt_sha256', '?'))[:12]}"
            rows.append((f"judge {name}", text, None))
    rows.append(("items × repeats", f"{len(record.items)} × {record.repeats}", None))
    if duration := _duration(record):
        rows.append(("duration", duration, None))
    usage = record.usage()
    rows.append(("tokens", f"{usage.prompt_tokens + usage.completion_tokens:,}", None))
    rows.append(("cost", cost_text(usage.cost, unpriced_models(record)), None))
    if comparison.sample_errors:
        rows.append(("sample errors", f"{comparison.sample_errors} of {comparison.samples}", None))
    if cut := truncated_samples(record):
        rows.append(("truncated at max_tokens", f"{cut} of {comparison.samples}", None))
    return [(inert(label), inert(text), link) for label, text, link in rows]


def _score_row(score: Any) -> dict[str, Any]:
    from scoregate.values.numbers import delta_text

    before = score.baseline.mean if score.baseline else None
    d = score.delta
    rate = score.candidate.pass_rate if score.candidate else None
    return {
        "name": inert(score.name),
        "baseline": "—" if before is None else figure(before, score.plain),
        "candidate": figure(score.candidate.mean, score.plain) if score.candidate else "—",
        "delta": delta_text(score) if d else "—",
        "n": d.n if d else 0,
        "pass_rate": "—" if rate is None else f"{100 * rate:.1f}%",
        "judge_changed": inert(score.judge_changed) if score.judge_changed else "",
        "direction": "worse"
        if d and d.mean_delta < 0
        else "better"
        if d and d.mean_delta > 0
        else "",
    }


def _trends(comparison: Comparison, history: Sequence[RunRecord]) -> list[Any]:
    from scoregate.report.html_history import means_over

    runs = [r for r in history if r.experiment == comparison.experiment]
    if not runs:
        return []
    return means_over(comparison, runs)


def _payload(head: dict[str, Any], experiments: Sequence[dict[str, Any]]) -> str:
    """The page's JSON: ``head``'s keys, then ``experiments``, whose items are JSON already
    (each made by ``script_json``, so the whole is as safe inside ``<script>``)."""
    parts = [script_json(head)[:-1], ',"experiments":[']
    for number, experiment in enumerate(experiments):
        rest = {k: v for k, v in experiment.items() if k != "items"}
        parts += [("," if number else "") + script_json(rest)[:-1], ',"items":[']
        parts += [",".join(experiment["items"]), "]}"]
    parts.append("]}")
    return "".join(parts)


def render(
    verdict: Verdict, *, history: Sequence[RunRecord] = (), items: int = LIST_UNCHANGED
) -> str:
    """The whole page for ``verdict`` (and each score's trend over ``history``, if given),
    listing up to ``items`` unchanged items and every changed one up to a bound
    (report/html_listing.py)."""
    import jinja2
    from markupsafe import Markup

    experiments: list[dict[str, Any]] = []
    all_texts: list[list[str]] = []
    all_changed: list[set[int]] = []
    listing = Listing(items)
    listing_bounds = {"changed": listing.changed, "unchanged": listing.unchanged}
    for comparison in verdict.comparisons:
        checks = [c for c in verdict.checks if c.experiment == comparison.experiment]
        trace = None
        if langfuse_url(comparison.candidate, "trace_url") is not None:
            record = comparison.candidate

            def trace(trace_id: str, record: RunRecord = record) -> str | None:
                return langfuse_url(record, "trace_url", quote(trace_id, safe=""))

        data, texts, changed = items_data(comparison, trace, listing)
        all_texts.append(texts)
        all_changed.append(changed)
        experiments.append(
            {
                "name": inert(comparison.experiment),
                "status": "fail" if any(c.status == "fail" for c in checks) else "pass",
                "checks": [_check(c) for c in checks],
                "facts": _facts(comparison, checks),
                "scores": [_score_row(s) for s in comparison.scores],
                "run_scores": [
                    (inert(r.name), score_value(r, plain=r.scale is None))
                    for r in comparison.candidate.run_scores
                ],
                "charts": [
                    c for s in comparison.scores if (c := html_charts.score_chart(s)) is not None
                ],
                "trends": _trends(comparison, history),
                "unmeasured": [inert(n) for n in comparison.unmeasured],
                "metrics": [
                    tuple(
                        inert(text)
                        for text in (
                            m.name,
                            metric_rows.figures(m.name, m.baseline),
                            metric_rows.figures(m.name, m.candidate),
                            metric_rows.change(m),
                        )
                    )
                    for m in comparison.metrics
                    if m.candidate is not None or m.baseline is not None
                ],
                "metric_notes": [inert(n) for n in metric_rows.notes(comparison)],
                "agreements": [
                    tuple(inert(text) for text in row) for row in agreement.rows(comparison)
                ],
                "warnings": [inert(w) for w in comparison.candidate.warnings],
                "data": data,
                "left_out": data["left_out"],
                "total": data["total"],
            }
        )
    # The texts get what the page's target size leaves after everything else the items hold.
    structure = sum(len(row.encode("utf-8")) + 1 for e in experiments for row in e["data"]["items"])
    budget = max(SIZE_TARGET - structure, SIZE_TARGET // 10)
    bound, other = bounds(all_texts, all_changed, budget)
    cut = 0
    for experiment, texts, changed in zip(experiments, all_texts, all_changed, strict=True):
        cut += cut_texts(texts, changed, bound, other)
        experiment["data"]["t"] = texts
    payload = _payload(
        {"statuses": list(STATUSES), "bound": bound, "other": other, "cut": cut},
        [e["data"] for e in experiments],
    )
    for experiment in experiments:
        experiment["data"]["items"] = []  # in the payload now: not held twice
    css, js = _asset("report.css"), _asset("report.js")
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(_asset), autoescape=True, undefined=jinja2.StrictUndefined
    )
    template = environment.get_template("report.html.j2")
    counts = checks_counted(verdict.checks, lambda text: text)
    chunks = template.generate(
        passed=verdict.passed,
        exit_code=verdict.exit_code,
        counts=inert(counts),
        experiments=experiments,
        chart=html_charts,
        css=Markup(css),
        js=Markup(js),
        data=Markup(payload),
        csp=(
            "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; "
            f"style-src '{_sha256(css)}'; script-src '{_sha256(js)}'"
        ),
        version=__version__,
        bound=bound,
        other=other,
        cut=cut,
        listed=listing_bounds,
        safe_url=safe_url,
    )
    # The page as ASCII: past ASCII, the HTML's characters become character references (the
    # JSON and the script are ASCII already). A str of ASCII takes a byte a character, where
    # one "✗" would make Python hold every character of a 15 MB page in two or four.
    return "".join(
        chunk if chunk.isascii() else chunk.encode("ascii", "xmlcharrefreplace").decode("ascii")
        for chunk in chunks
    )
