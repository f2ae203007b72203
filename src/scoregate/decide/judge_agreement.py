"""Each judge's agreement with reference scores, and the gate's ``min_judge_agreement``.

The reference scores are the items' ``expected_scores`` and the rows of the judge's
calibration file. When a run finishes, each is kept beside the judge's score in the record's
``metadata.reference_scores`` (:func:`attach`; an item's judge score is the mean raw score of
its samples), so a baseline's agreement is computed the same way from its own record, and
the gate reads no item line for it.

Fail closed: ``min_judge_agreement`` on a score with no reference scores, or whose statistic
is not defined (fewer than three pairs, one side constant), fails as "not run" with why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeGuard

from scoregate.config.model import Thresholds
from scoregate.decide import agreement_stats
from scoregate.values.agreement import REFERENCE_SCORES, JudgeAgreement
from scoregate.values.model import Check, Comparison, RunRecord, Status

Pairs = list[tuple[float, float]]


def _is_number(value: Any) -> TypeGuard[float]:
    return type(value) in (int, float) and math.isfinite(value)


def pass_fail(scale: tuple[float, float]) -> bool:
    """A judge with two points on its scale (such as [0, 1]): it says pass or fail."""
    low, high = scale
    return high - low == 1 and float(low).is_integer()


def _raw(value: float | None, raw: Any, scale: tuple[float, float]) -> float | None:
    if _is_number(raw):
        return float(raw)
    if value is None:
        return None
    return scale[0] + value * (scale[1] - scale[0])


KEY = REFERENCE_SCORES


def attach(record: RunRecord) -> RunRecord:
    """The record with its items' reference scores and judge scores in its metadata, beside
    the calibration rows the run scored (so the gate never reads an item line for them)."""
    judges = {n: d for n, d in record.score_defs.items() if d.kind == "judge" and d.scale}
    if not judges:
        return record
    found: dict[str, list[dict[str, Any]]] = {}
    for result in record.items:
        for name, expected in result.item.expected_scores.items():
            scale = judges[name].scale if name in judges else None
            if scale is None:
                continue
            raws = [
                r
                for s in result.samples
                if (score := s.score(name)) is not None
                and (r := _raw(score.value, score.raw, scale)) is not None
            ]
            judged = math.fsum(raws) / len(raws) if raws else None
            row = {"id": result.item.id, "expected": expected, "judged": judged, "source": "item"}
            found.setdefault(name, []).append(row)
    kept = record.metadata.get(KEY)
    calibration = {
        name: [r for r in rows if isinstance(r, Mapping) and r.get("source") == "calibration"]
        for name, rows in (kept.items() if isinstance(kept, Mapping) else ())
        if isinstance(rows, list)
    }
    for name, rows in calibration.items():
        found[str(name)] = found.get(str(name), []) + [dict(r) for r in rows]
    if not found:
        return record
    return replace(record, metadata={**record.metadata, KEY: found})


def _pairs(record: RunRecord) -> dict[str, tuple[Pairs, int, tuple[str, ...]]]:
    """Per judge score: (reference, judged) pairs, rows whose judge failed, the sources."""
    out: dict[str, tuple[Pairs, int, tuple[str, ...]]] = {}
    kept = record.metadata.get(KEY)
    if not isinstance(kept, Mapping):
        return out
    for name, rows in kept.items():
        if not isinstance(rows, list):
            continue
        pairs: Pairs = []
        left_out = 0
        sources: dict[str, None] = {}
        for row in rows:
            if not isinstance(row, Mapping) or not _is_number(expected := row.get("expected")):
                continue
            sources[str(row.get("source", "item"))] = None
            judged = row.get("judged")
            if _is_number(judged):
                pairs.append((float(expected), float(judged)))
            else:
                left_out += 1
        out[str(name)] = (pairs, left_out, tuple(sources))
    return out


def of_record(
    record: RunRecord, pass_marks: Mapping[str, float] | None = None
) -> dict[str, JudgeAgreement]:
    """Per judge score with reference scores, its agreement in this run."""
    judges = {n: d for n, d in record.score_defs.items() if d.kind == "judge" and d.scale}
    out: dict[str, JudgeAgreement] = {}
    for name, (pairs, left_out, sources) in sorted(_pairs(record).items()):
        definition = judges.get(name)
        if definition is None or definition.scale is None:
            continue
        scale = definition.scale
        mark = (pass_marks or {}).get(name, definition.pass_mark)
        raw_mark = (
            scale[0] + mark * (scale[1] - scale[0])
            if pass_fail(scale) and mark is not None
            else None
        )
        mae, rho, kappa = agreement_stats.figures(
            [e for e, _ in pairs],
            [j for _, j in pairs],
            pass_mark=raw_mark,
            seed=agreement_stats.seed_for(name),
        )
        fingerprint = dict(definition.fingerprint or {})
        out[name] = JudgeAgreement(
            name, len(pairs), mae, rho, kappa, scale, fingerprint, left_out, sources
        )
    return out


def compare_agreements(
    candidate: RunRecord,
    baseline: RunRecord | None,
    pass_marks: Mapping[str, float] | None = None,
) -> tuple[JudgeAgreement, ...]:
    """The candidate's agreements, each flagged when it fell below the baseline's interval."""
    now = of_record(candidate, pass_marks)
    before = of_record(baseline, pass_marks) if baseline is not None else {}
    out = []
    for name, agreement in now.items():
        was = before.get(name)
        out.append(_flagged(agreement, was) if was is not None else agreement)
    return tuple(out)


def _flagged(now: JudgeAgreement, was: JudgeAgreement) -> JudgeAgreement:
    stat, previous = now.gated, (was.kappa if now.pass_fail else was.rho)
    if previous is None or previous.value is None:
        return now
    if stat.value is None:
        why = (
            f"judge agreement not measurable now ({now.gated_name} was "
            f"{previous.value:.2f} in the baseline)"
        )
        return replace(now, dropped=why)
    floor = previous.ci[0] if previous.ci is not None else previous.value
    if stat.value >= floor:
        return now
    interval = (
        f" (the baseline's 95% interval [{previous.ci[0]:.2f}, {previous.ci[1]:.2f}])"
        if previous.ci is not None
        else ""
    )
    why = (
        f"judge agreement dropped: {now.gated_name} {previous.value:.2f} → {stat.value:.2f}"
        f"{interval}"
    )
    return replace(now, dropped=why)


def checks(comparison: Comparison, scores: Mapping[str, Thresholds]) -> list[Check]:
    """The ``min_judge_agreement`` checks of one experiment."""
    out: list[Check] = []
    found = {a.name: a for a in comparison.agreements}
    defs = comparison.candidate.score_defs
    for name, t in scores.items():
        limit = t.min_judge_agreement
        if limit is None:
            continue

        def add(
            status: Status, observed: float | None, why: str, name: str = name, limit: float = limit
        ) -> None:
            out.append(
                Check(
                    comparison.experiment, name, "min_judge_agreement", status, observed, limit, why
                )
            )

        definition = defs.get(name)
        agreement = found.get(name)
        if definition is None or definition.kind != "judge":
            add("fail", None, f"not run: '{name}' is not a judge's score in this run")
        elif agreement is None or agreement.n == 0:
            add(
                "fail",
                None,
                f"not run: no reference scores for the judge '{name}' (give items "
                f"expected_scores: {{{name}: N}}, or a calibration file on the judge)"
                + (
                    f"; {agreement.left_out} items had one but every judge call failed"
                    if agreement and agreement.left_out
                    else ""
                ),
            )
        else:
            stat = agreement.gated
            which = agreement.gated_name
            if stat.value is None:
                add(
                    "fail",
                    None,
                    f"not run: {which} is not defined over {agreement.n} reference "
                    f"score{'s' if agreement.n != 1 else ''} (it needs at least "
                    f"{'two' if which == 'kappa' else 'three'}, and more than one value on "
                    f"each side); {agreement.summary()}",
                )
                continue
            ok = stat.value >= limit
            interval = f" [{stat.ci[0]:.2f}, {stat.ci[1]:.2f}]" if stat.ci else ""
            why = (
                f"{which} {stat.value:.2f}{interval} is {'at or above' if ok else 'below'} the "
                f"minimum {limit:g} (over {agreement.summary()})"
            )
            if agreement.dropped:
                why += f"; {agreement.dropped}"
            add("pass" if ok else "fail", stat.value, why)
    return out
