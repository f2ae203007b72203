"""How far a judge agrees with the reference scores people gave: the figures one run has for
one judge, and the words every report and the gate use for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Interval = tuple[float, float]
REFERENCE_SCORES = "reference_scores"
"""Where a run record's metadata keeps, per judge score, each reference score beside the
judge's: ``{"correctness": [{"id": "fr", "expected": 8, "judged": 7.5, "source": "item"}]}``
(``source``: ``item`` for an item's expected_scores, ``calibration`` for a calibration row)."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One statistic with its 95% bootstrap interval (``None`` when it is not defined: too
    few items, or one side gave a single value)."""

    value: float | None
    ci: Interval | None = None


@dataclass(frozen=True, slots=True)
class JudgeAgreement:
    """A judge's scores set against the reference scores of the same items.

    ``mae`` is on the judge's own scale; ``rho`` is Spearman's rank correlation; ``kappa``
    is Cohen's kappa of pass/fail at the pass mark, given for a pass/fail judge (a scale of
    two points, such as [0, 1]) and the statistic the gate uses for one.
    """

    name: str
    n: int
    """Items with both a reference score and a judge score."""
    mae: Figure
    rho: Figure
    kappa: Figure | None
    scale: tuple[float, float]
    fingerprint: Mapping[str, Any] = field(default_factory=dict)
    left_out: int = 0
    """Items with a reference score whose judge scores all failed."""
    sources: tuple[str, ...] = ()
    """Where the reference scores came from: ``items`` (expected_scores), ``calibration``."""
    dropped: str | None = None
    """Why the agreement is worse than the baseline's, when it is."""

    @property
    def pass_fail(self) -> bool:
        return self.kappa is not None

    @property
    def gated(self) -> Figure:
        """What ``min_judge_agreement`` compares: kappa for a pass/fail judge, else rho."""
        return self.kappa if self.kappa is not None else self.rho

    @property
    def gated_name(self) -> str:
        return "kappa" if self.kappa is not None else "rho"

    def summary(self) -> str:
        """``12 reference scores: MAE 1.20 [0.80, 1.70] · rho 0.81 [0.52, 0.95]`` (and kappa)."""
        parts = [f"MAE {_figure(self.mae)}", f"rho {_figure(self.rho)}"]
        if self.kappa is not None:
            parts.append(f"kappa {_figure(self.kappa)}")
        tail = f"; {self.left_out} left out (the judge failed on them)" if self.left_out else ""
        return f"{self.n} reference score{'s' if self.n != 1 else ''}: {' · '.join(parts)}{tail}"

    def as_dict(self) -> dict[str, Any]:
        """What the run record keeps (JSON-native)."""

        def one(f: Figure | None) -> dict[str, Any] | None:
            if f is None:
                return None
            return {"value": f.value, "ci": None if f.ci is None else list(f.ci)}

        return {
            "n": self.n,
            "mae": one(self.mae),
            "rho": one(self.rho),
            "kappa": one(self.kappa),
            "scale": list(self.scale),
            "fingerprint": dict(self.fingerprint),
            "left_out": self.left_out,
            "sources": list(self.sources),
            "dropped": self.dropped,
        }


def _figure(f: Figure) -> str:
    if f.value is None:
        return "n/a"
    shown = f"{f.value:.2f}"
    if f.ci is not None:
        shown += f" [{f.ci[0]:.2f}, {f.ci[1]:.2f}]"
    return shown
