"""Judge agreement benchmark: the cost of the figures and how often their intervals hold the
truth.

Run:  .venv/bin/python bench/judge_agreement.py            (timings, then 400 datasets per cell)
      .venv/bin/python bench/judge_agreement.py --quick    (100 datasets per cell)

No model is called. Timings: ``scoregate.decide.agreement_stats.figures`` (MAE, Spearman's rho
and Cohen's kappa, each with its 2,000-resample bootstrap interval) on n reference scores.

Coverage: a judge scores outputs whose true quality is ``q ~ U(0, 10)``; the reference score is
``round(q)``, the judge's ``clip(round(q + N(0, sd)), 0, 10)``. The truth is the same statistic
on 200,000 such pairs. A cell gives the share of simulated datasets of n items whose 95%
interval holds it (the target is about 95%; percentile bootstrap intervals run a little
narrow on small n).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scoregate.decide import agreement_stats as stats


def _pairs(rng: np.random.Generator, n: int, sd: float) -> tuple[list[float], list[float]]:
    q = rng.uniform(0, 10, n)
    reference = np.round(q)
    judged = np.clip(np.round(q + rng.normal(0, sd, n)), 0, 10)
    return reference.tolist(), judged.tolist()


def timings() -> None:
    print("figures() with intervals, 2,000 resamples")
    print(f"{'reference scores':>17} {'seconds':>9}")
    rng = np.random.default_rng(1)
    for n in (10, 100, 1_000, 10_000):
        expected, judged = _pairs(rng, n, 2.0)
        start = time.perf_counter()
        stats.figures(expected, judged, pass_mark=5, seed=1)
        print(f"{n:>17,} {time.perf_counter() - start:>9.3f}")


def coverage(datasets: int) -> None:
    print()
    print(f"95% interval coverage over {datasets} simulated datasets per cell")
    print(f"{'items':>6} {'judge sd':>9} {'MAE':>7} {'rho':>7} {'kappa@5':>8}")
    rng = np.random.default_rng(2)
    for sd in (1.0, 3.0):
        big_e, big_j = _pairs(rng, 200_000, sd)
        truth = (
            stats.mae(big_e, big_j),
            float(np.corrcoef(_ranks(big_e), _ranks(big_j))[0, 1]),
            stats.kappa([e >= 5 for e in big_e], [j >= 5 for j in big_j]),
        )
        for n in (20, 50, 200):
            held = [0, 0, 0]
            for k in range(datasets):
                expected, judged = _pairs(rng, n, sd)
                found = stats.figures(expected, judged, pass_mark=5, seed=k)
                for i, figure in enumerate(found):
                    true = truth[i]
                    if figure is not None and figure.ci and true is not None:
                        held[i] += figure.ci[0] <= true <= figure.ci[1]
            shares = [f"{100 * h / datasets:>6.1f}%" for h in held]
            print(f"{n:>6} {sd:>9} {shares[0]:>7} {shares[1]:>7} {shares[2]:>8}")


def _ranks(values: list[float]) -> np.ndarray:
    from scipy.stats import rankdata

    return np.asarray(rankdata(values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100 datasets per cell")
    args = parser.parse_args()
    timings()
    coverage(100 if args.quick else 400)


if __name__ == "__main__":
    main()
