"""The markdown report: the body of the PR comment and of the job summary.

Verdict first, one table per experiment, failing checks with their explanation, then the
regressed and flaky items in collapsible sections. Text from datasets and models is
untrusted: :func:`cell` escapes it so it cannot break a table, open HTML, start a link or
mention anyone. When the report is too long for a comment, item details are shortened
first, then left out, and the report says so; tables are never cut.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from functools import partial

from scoregate.record.scoretable import finder, with_errors
from scoregate.report import agreement
from scoregate.report.codespan import code
from scoregate.report.item_changes import item_changes
from scoregate.report.items import counted, flaky_items, regressed_items
from scoregate.report.mermaid import chart
from scoregate.report.safe import markdown_text
from scoregate.report.text import (
    aggregate_text,
    as_text,
    checks_counted,
    no_baseline_text,
    score_value,
    shorten,
)
from scoregate.values import errornotes
from scoregate.values.figures import figure
from scoregate.values.model import (
    Check,
    Comparison,
    ItemResult,
    RunRecord,
    ScoreComparison,
    Verdict,
)
from scoregate.values.money import cost_text
from scoregate.values.numbers import delta_text
from scoregate.values.truncation import truncated_samples, unpriced_models

COMMENT_LIMIT = 65_536
DEFAULT_BUDGET = 60_000
ICONS = {"pass": "✅", "fail": "❌", "skip": "⏭️", "warn": "⚠️"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def cell(value: object, limit: int = 300) -> str:
    """Untrusted text made safe for one line of markdown (a table cell or a list item): no
    secret, control or bidi character, HTML, link, autolink or mention."""
    text = markdown_text(shorten(as_text(value), limit))
    text = html.escape(text, quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("@", "@\u200b")
    text = re.sub(r"\r\n|\r|\n", "<br>", text)
    return text or " "


def _status(checks: Sequence[Check]) -> str:
    if any(c.status == "fail" for c in checks):
        return "fail"
    if any(c.status == "warn" for c in checks):
        return "warn"
    return "pass"


def _score_status(name: str, checks: Sequence[Check]) -> str:
    mine = [c for c in checks if c.score == name]
    if not mine:
        return "—"
    failing = [c.kind for c in mine if c.status == "fail"]
    if failing:
        return f"{ICONS['fail']} {', '.join(failing)}"
    if any(c.status == "warn" for c in mine):
        return f"{ICONS['warn']} judge changed"
    if all(c.status == "skip" for c in mine):
        return f"{ICONS['skip']} skipped"
    return ICONS["pass"]


def _summary_line(comparison: Comparison, checks: Sequence[Check]) -> str:
    record = comparison.candidate
    parts = [
        f"{len(record.items)} items × {record.repeats} repeat{'s' if record.repeats > 1 else ''}"
    ]
    if comparison.baseline is not None:
        base = comparison.baseline
        commit = str(base.git.get("commit") or "")[:7]
        parts.append(
            f"baseline {code(base.run_id, 120, in_table=False)}"
            + (f" ({commit})" if commit else "")
        )
    else:
        parts.append(cell(no_baseline_text(comparison, checks), 400))
    if (link := _langfuse_url(record)) is not None:
        parts.append(f"[Langfuse run]({link})")
    if comparison.baseline is not None and (link := _langfuse_url(comparison.baseline)):
        parts.append(f"[Langfuse baseline run]({link})")
    if comparison.sample_errors:
        parts.append(f"{comparison.sample_errors} sample errors")
    if cut := truncated_samples(record):
        parts.append(f"{cut} truncated at max_tokens")
    if comparison.new_items:
        parts.append(f"{len(comparison.new_items)} new items")
    if comparison.missing_items:
        parts.append(f"{len(comparison.missing_items)} items missing from this run")
    usage = record.usage()
    if usage.calls or usage.cache_hits:
        parts.append(
            f"{usage.prompt_tokens + usage.completion_tokens:,} tokens · "
            f"{cost_text(usage.cost, unpriced_models(record))}"
            + (f" · {usage.cache_hits} cache hits" if usage.cache_hits else "")
        )
    return " · ".join(parts)


def _langfuse_url(record: RunRecord, key: str = "url", tail: str = "") -> str | None:
    """A Langfuse link stored in the run record (``metadata.langfuse``), if it is a plain URL."""
    found = record.metadata.get("langfuse")
    url = found.get(key) if isinstance(found, Mapping) else None
    url = f"{url}{tail}" if isinstance(url, str) else ""
    return url if re.fullmatch(r"https?://[^\s()<>\[\]]+", url) else None


def _prompt_note(comparison: Comparison, name: str) -> str:
    """The Langfuse prompt (name and version) a judge score came from."""
    definition = comparison.candidate.score_defs.get(name)
    found = (definition.fingerprint if definition else None) or {}
    if "prompt_name" not in found:
        return ""
    return f"<br>prompt {cell(found['prompt_name'], 80)} v{cell(found.get('prompt_version'), 12)}"


def _table(comparison: Comparison, checks: Sequence[Check]) -> list[str]:
    lines = [
        "| score | baseline | candidate | Δ [95% CI] p | pass rate | status |",
        "|---|---:|---:|---|---:|---|",
    ]
    for score in comparison.scores:
        before, now, delta = _means_and_delta(score)
        if score.judge_changed:
            delta += f"<br>⚠️ {cell(score.judge_changed, 200)}"
        delta += agreement.dropped_note(comparison, score.name)
        rate = score.candidate.pass_rate if score.candidate else None
        shown_rate = "—" if rate is None else f"{100 * rate:.1f}%"
        lines.append(
            f"| {code(score.name, 100)}{_prompt_note(comparison, score.name)}"
            f" | {before} | {now} | {delta} | {shown_rate} | {_score_status(score.name, checks)} |"
        )
    for run_score in comparison.candidate.run_scores:
        value = score_value(run_score, plain=run_score.scale is None)
        status = _score_status(run_score.name, checks)
        lines.append(f"| {code(run_score.name, 100)} (run) | — | {value} | — | — | {status} |")
    return lines


def _unmeasured(comparison: Comparison) -> list[str]:
    """Scores of the baseline the config no longer produces: named once, never compared."""
    names = comparison.unmeasured
    if not names:
        return []
    shown = ", ".join(code(name, 100, in_table=False) for name in names)
    return [
        f"> Not measured now: {shown} (in the baseline only: no evaluator produced "
        f"{'it' if len(names) == 1 else 'them'} in this run, so there is nothing to compare or "
        "check).",
        "",
    ]


def _means_and_delta(score: ScoreComparison) -> tuple[str, str, str]:
    """Baseline mean, candidate mean and delta cells. With a delta, the means are those of the
    paired items (what the delta is the difference of); when the runs' items differ, the
    delta cell says over how many items, and gives the means of each whole run."""
    d = score.delta
    plain = score.plain
    note = errornotes.pairs_note(score)
    pairs = "".join(f"<br>{part}" for part in note.split("; ")) if note else ""
    if d is None or score.paired_means is None:
        delta = pairs.removeprefix("<br>") or "—"
        return aggregate_text(score.baseline, plain), aggregate_text(score.candidate, plain), delta
    before, now = score.paired_means
    delta = delta_text(score)
    whole = (score.baseline.n if score.baseline else 0, score.candidate.n if score.candidate else 0)
    if whole != (d.n, d.n):
        delta += (
            f"<br>over {d.n} paired items; all items {aggregate_text(score.baseline, plain)} → "
            f"{aggregate_text(score.candidate, plain)}"
        )
    return figure(before, plain), figure(now, plain), delta + pairs


def _item_block(
    item_id: str,
    scores: Sequence[ScoreComparison],
    comparison: Comparison,
    now: ItemResult,
    before: ItemResult | None,
    limit: int,
) -> list[str]:
    """One regressed item: each score it regressed on with its change, then its text."""
    sample = now.samples[0]
    changes = []
    for score in scores:
        found = sample.score(score.name)
        old = before.samples[0].score(score.name) if before else None
        was = score_value(old, score.plain) if old else "—"
        changes.append(
            f"{code(score.name, 100, in_table=False)} {was} → "
            f"{score_value(found, score.plain) if found else 'error'}"
        )
    rows = [
        f"**{code(item_id, 80, in_table=False)}** regressed on {' · '.join(changes)}",
        "",
        "| field | value |",
        "|---|---|",
        f"| input | {cell(now.item.input, limit)} |",
        f"| expected | {cell(now.item.expected_output, limit)} |",
    ]
    if before is not None:
        rows.append(f"| baseline output | {cell(before.samples[0].output, limit)} |")
    rows.append(f"| candidate output | {cell(sample.output, limit)} |")
    if sample.error:
        rows.append(f"| error | {code(sample.error, limit)} |")
    for score in scores:
        found = sample.score(score.name)
        label = code(score.name, 100) if len(scores) > 1 else ""
        if found and found.comment:
            rows.append(f"| comment {label} | {cell(found.comment, limit)} |")
        if found and found.error:
            rows.append(f"| evaluator error {label} | {code(found.error, limit)} |")
    trace_id = now.item.trace_id
    trace = trace_id and _langfuse_url(comparison.candidate, "trace_url", trace_id)
    if trace:
        rows.append(f"| trace | [{cell(trace_id, 80)}]({trace}) |")
    rows.append("")
    return rows


def _nothing(item_id: str) -> ItemResult | None:
    return None


def _regressed(comparison: Comparison, limit: int, max_items: int) -> tuple[list[str], bool]:
    """Each regressed item once, with the scores it regressed on."""
    regressed = regressed_items(comparison)
    if not regressed:
        return [], False
    now = finder(comparison.candidate)
    before = finder(comparison.baseline) if comparison.baseline else _nothing
    lines = [
        f"<details><summary>{counted(len(regressed), 'regressed item')} "
        "(passed in the baseline, fail now)</summary>",
        "",
    ]
    for item_id, scores in regressed[:max_items]:
        result = now(item_id)
        assert result is not None
        lines += _item_block(item_id, scores, comparison, result, before(item_id), limit)
    cut = len(regressed) > max_items
    if cut:
        lines.append(f"_{len(regressed) - max_items} more not shown here; see the run record._")
        lines.append("")
    lines += ["</details>", ""]
    return lines, cut


def _errors(comparison: Comparison, limit: int, max_items: int) -> list[str]:
    """Samples whose task or evaluator failed, with the message (a judge's raw reply too)."""
    rows = []
    for result in with_errors(comparison.candidate):
        for sample in result.samples:
            problems: list[tuple[str, str, str | None]] = (
                [("task", sample.error, None)] if sample.error else []
            )
            problems += [
                (
                    code(score.name, 100),
                    score.error,
                    score.raw if isinstance(score.raw, str) else None,
                )
                for score in sample.scores
                if score.error
            ]
            for where, message, reply in problems:
                shown = code(message, limit)
                if reply and reply not in message:
                    shown += f"<br>reply: {cell(reply, limit)}"
                rows.append(f"| {code(result.item.id, 80)} | {sample.index} | {where} | {shown} |")
    if not rows:
        return []
    lines = [
        f"<details><summary>{len(rows)} error{'s' if len(rows) != 1 else ''} "
        "(task or evaluator failures; they count against max_error_rate)</summary>",
        "",
        "| item | sample | where | error |",
        "|---|---:|---|---|",
        *rows[:max_items],
    ]
    if len(rows) > max_items:
        lines.append(f"| … | | | {len(rows) - max_items} more in the run record |")
    return [*lines, "", "</details>", ""]


def _flaky(comparison: Comparison, max_items: int) -> list[str]:
    """Each flaky item once, with the per-sample values of every score it is flaky on."""
    flaky = flaky_items(comparison)
    if not flaky:
        return []
    now = finder(comparison.candidate)
    lines = [
        f"<details><summary>{counted(len(flaky), 'flaky item')} (pass/fail differs across "
        "repeats)</summary>",
        "",
        "| item | per-sample values |",
        "|---|---|",
    ]
    for item_id, scores in flaky[:max_items]:
        result = now(item_id)
        assert result is not None
        shown = []
        for score in scores:
            values = []
            for sample in result.samples:
                found = sample.score(score.name)
                values.append(score_value(found, score.plain) if found else "error")
            shown.append(f"{code(score.name, 100)}: {', '.join(values)}")
        lines.append(f"| {code(item_id, 80)} | {'<br>'.join(shown)} |")
    if len(flaky) > max_items:
        lines.append(f"| … | {len(flaky) - max_items} more |")
    lines += ["", "</details>", ""]
    return lines


def render(verdict: Verdict, *, budget: int = DEFAULT_BUDGET, title: str = "scoregate") -> str:
    """The whole report, within ``budget`` characters whenever the tables themselves fit."""
    levels = ((300, 50), (120, 20), (60, 5), (0, 0))
    text = ""
    for limit, max_items in levels:
        text = _render(verdict, title, limit, max_items, shortened=(limit, max_items) != levels[0])
        if len(text) <= budget:
            return text
    return text


def _render(verdict: Verdict, title: str, limit: int, max_items: int, *, shortened: bool) -> str:
    counted = checks_counted(verdict.checks, partial(cell, limit=80))
    if verdict.passed:
        head = f"## {ICONS['pass']} {title}: passed — {counted}"
    else:
        head = f"## {ICONS['fail']} {title}: failed — {counted}"
    lines = [head, ""]
    if not verdict.comparisons:
        lines.append("_No experiment ran._")
    for comparison in verdict.comparisons:
        checks = [c for c in verdict.checks if c.experiment == comparison.experiment]
        status = _status(checks)
        lines += [
            f"### {ICONS[status]} {comparison.experiment}",
            "",
            f"_{_summary_line(comparison, checks)}_",
            "",
            *item_changes(comparison),
            *_table(comparison, checks),
            "",
            *_unmeasured(comparison),
            *agreement.markdown_lines(comparison),
        ]
        # Every check that did not pass, in the verdict's order: failed, warned and not run.
        attention = [c for c in checks if c.status != "pass"]
        if attention:
            lines.append("**Checks that need attention**")
            lines.append("")
            for check in attention:
                where = f"{code(check.score, 100, in_table=False)} " if check.score else ""
                lines.append(
                    f"- {ICONS[check.status]} {where}{check.kind}: {cell(check.explanation, 600)}"
                )
            lines.append("")
        notes = [c for c in checks if c.note and c.status not in ("fail", "warn")]
        for check in notes:
            where = f"{code(check.score, 100, in_table=False)} " if check.score else ""
            lines.append(f"> ℹ️ {where}{check.kind}: {cell(check.note, 400)}")
            lines.append("")
        for warning in comparison.candidate.warnings:
            lines.append(f"> ⚠️ {cell(warning, 400)}")
            lines.append("")
        lines += chart(comparison)
        if limit:
            regressed, _ = _regressed(comparison, limit, max_items)
            lines += regressed
            lines += _flaky(comparison, max_items)
            lines += _errors(comparison, limit, max_items)
        elif any(s.regressed for s in comparison.scores):
            lines.append("_Regressed items are listed in the run record._")
            lines.append("")
    if shortened:
        lines.append(
            "_Item details were shortened to fit in a comment; the run record has them whole._"
        )
    return "\n".join(lines).rstrip() + "\n"
