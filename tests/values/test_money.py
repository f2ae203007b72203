from __future__ import annotations

import pytest

from scoregate.values.money import cost_text, dollars


@pytest.mark.parametrize(
    ("cost", "shown"),
    [
        (0.00042, "$0.00042"),
        (0.000041234, "$0.000041"),
        (0.0123, "$0.012"),
        (0.5, "$0.50"),
        (12.345, "$12.35"),
        (1234.5, "$1,234.50"),
        (0.0, "$0"),
    ],
)
def test_a_cost_reads_with_two_significant_digits_below_a_dollar(cost: float, shown: str) -> None:
    assert dollars(cost) == shown


def test_an_unpriced_model_makes_the_cost_unknown_never_zero() -> None:
    assert cost_text(0.0, ["smollm2"]) == "unknown (no price for smollm2)"
    assert cost_text(0.00042, ["b", "a"]) == "$0.00042 + unknown (no price for a, b)"
    assert cost_text(0.00042) == "$0.00042"
