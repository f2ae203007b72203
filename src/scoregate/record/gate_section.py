"""The gate section of a run record: what the gate found, stored beside the results, so a
record tells its own verdict without the config it was gated with."""

from __future__ import annotations

from typing import Any

from scoregate.values.model import Verdict


def gate_section(verdict: Verdict, experiment: str) -> dict[str, Any]:
    """What the gate found, stored in the run record beside the results."""
    comparison = next(c for c in verdict.comparisons if c.experiment == experiment)
    return {
        "gate": {
            "baseline": comparison.baseline.run_id if comparison.baseline else None,
            "baseline_note": comparison.baseline_note,
            "passed": all(c.status != "fail" for c in verdict.checks if c.experiment == experiment),
            "checks": [
                {
                    "score": c.score,
                    "kind": c.kind,
                    "status": c.status,
                    "observed": c.observed,
                    "limit": c.limit,
                    "explanation": c.explanation,
                }
                for c in verdict.checks
                if c.experiment == experiment
            ],
            "scores": {
                s.name: {
                    "candidate_mean": s.candidate.mean if s.candidate else None,
                    "baseline_mean": s.baseline.mean if s.baseline else None,
                    "pass_rate": s.candidate.pass_rate if s.candidate else None,
                    "delta": None
                    if s.delta is None
                    else {
                        "n": s.delta.n,
                        "mean": s.delta.mean_delta,
                        "ci": [s.delta.ci_low, s.delta.ci_high],
                        "p_worse": s.delta.p_worse,
                        "mde": s.delta.mde,
                        "method": s.delta.method,
                        **({"test": "rank"} if s.delta.test == "rank" else {}),
                        **(
                            {}
                            if s.clustering is None
                            else {
                                "cluster": s.clustering.key,
                                "clusters": s.clustering.clusters,
                                "items_alone": s.clustering.alone,
                            }
                        ),
                    },
                    "regressed": list(s.regressed),
                    "improved": list(s.improved),
                    "flaky": list(s.flaky),
                    "judge_changed": s.judge_changed,
                    "counted_as_zero": s.counted_as_zero,
                    "left_out": s.left_out,
                }
                for s in comparison.scores
            },
            "judge_agreement": {a.name: a.as_dict() for a in comparison.agreements},
        }
    }
