"""How often the Monte Carlo sign-flip p-value decides as the exact test does near the level.

Run:  .venv/bin/python bench/pvalue_precision.py [--datasets 200]

Datasets of 40 continuous deltas (N(shift, 1), shifted so that the exact one-sided mid-p is
between 0.04 and 0.06) are few enough for the exact p over all 2^40 sign vectors by meeting in
the middle (``exactp.split_mid_p``), and too many for scoregate's exact paths (32), so
scoregate draws. For each, the decision
``p < 0.05`` of the exact test is compared with scoregate's: with 4,000 fixed-seed draws only
(as before: refinement off, by giving a level far from 0.05) and as it is now (draws added while
p is within 4 standard errors of the level, up to 256,000).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from scoregate.decide import exactp, stats

LEVEL = 0.05


def exact_mid_p(d: np.ndarray) -> float:
    return exactp.split_mid_p(d, 1e-10 * float(np.abs(d).sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    found = before = now = 0
    draws: list[int] = []
    started = time.perf_counter()
    while found < args.datasets:
        d = rng.normal(0.0, 1.0, 40)
        d = d - d.mean() - rng.uniform(0.22, 0.30)
        exact = exact_mid_p(d)
        if not 0.04 <= exact <= 0.06:
            continue
        found += 1
        old, _ = stats.sign_flip_p(d, seed=0, resamples=4000, level=0.5)
        new, method = stats.sign_flip_p(d, seed=0, resamples=4000, level=LEVEL)
        draws.append(int(method.split("(")[1].split(")")[0]))
        before += (old < LEVEL) == (exact < LEVEL)
        now += (new < LEVEL) == (exact < LEVEL)
    print(
        f"{found} datasets of 40 deltas with an exact mid-p in [0.04, 0.06] "
        f"({time.perf_counter() - started:.0f} s):\n"
        f"- 4,000 fixed-seed draws (before): the decision p < {LEVEL} matches the exact test's in "
        f"{before}/{found} ({100 * before / found:.1f}%)\n"
        f"- draws refined near the level (now): {now}/{found} ({100 * now / found:.1f}%); "
        f"draws used: median {int(np.median(draws)):,}, max {max(draws):,}"
    )


if __name__ == "__main__":
    main()
