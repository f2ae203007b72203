"""Tests for the exact lattice p-value and the Monte Carlo refinement near the level."""

from __future__ import annotations

import numpy as np
import pytest

from scoregate.decide import exactp
from scoregate.decide.stats import paired_stats


def enumerated_mid_p(values: list[float]) -> float:
    sums = np.array([0.0])
    for value in values:
        sums = np.concatenate((sums, sums + value))
    above = np.count_nonzero(sums > 1e-9)
    ties = np.count_nonzero(np.abs(sums) <= 1e-9)
    return float((above + 0.5 * ties) / sums.size)


def test_lattice_finds_the_step() -> None:
    found = exactp.lattice(np.array([0.25, -0.5, 0.75, -1.0]))
    assert found is not None and found.tolist() == [1, -2, 3, -4]
    thirds = exactp.lattice(np.array([1 / 3, -2 / 3, 1.0]))
    assert thirds is not None and thirds.tolist() == [1, -2, 3]
    assert exactp.lattice(np.array([0.1, np.sqrt(2) / 10, -0.3])) is None
    rng = np.random.default_rng(0)
    assert exactp.lattice(rng.normal(0, 1, 1000)) is None  # too many distinct values


@pytest.mark.parametrize("seed", range(5))
def test_lattice_mid_p_is_the_enumerated_mid_p(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = rng.integers(-5, 6, 14)
    k[k == 0] = 2
    assert exactp.lattice_mid_p(k) == pytest.approx(enumerated_mid_p(k.tolist()), abs=1e-12)


def test_settled_is_judged_in_standard_errors() -> None:
    assert not exactp.settled(0.051, 4001, 0.05)
    assert exactp.settled(0.2, 4001, 0.05)
    assert exactp.settled(0.051, 10_000_000, 0.05)


def test_split_mid_p_is_the_enumerated_mid_p() -> None:
    rng = np.random.default_rng(9)
    d = rng.normal(0.0, 1.0, 15)
    d[3] = -d[7]  # an exact tie somewhere
    assert exactp.split_mid_p(d, 1e-9) == pytest.approx(enumerated_mid_p(d.tolist()), abs=1e-12)


def test_refined_decisions_agree_with_the_exact_test_near_the_level() -> None:
    # 40 continuous deltas: Monte Carlo in scoregate; exact here by meeting in the middle.
    # Shift them until the exact p is close to 0.05; the refined decision must agree.
    rng = np.random.default_rng(2)
    base = rng.normal(0.0, 1.0, 40)
    base -= base.mean()
    agreed = 0
    for shift in np.linspace(-0.27, -0.235, 15):
        d = base + shift
        exact = exactp.split_mid_p(d, 1e-10 * float(np.abs(d).sum()))
        if abs(exact - 0.05) > 0.008:
            continue
        result = paired_stats(d.tolist())
        assert result is not None and result.method.startswith("sign-flip monte-carlo")
        if abs(exact - 0.05) > 0.002:  # beyond 4 standard errors of the most draws
            assert (result.p_worse < 0.05) == (exact < 0.05), (exact, result.p_worse)
            agreed += 1
    assert agreed >= 2
