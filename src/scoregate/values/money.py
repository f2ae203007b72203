"""How a cost reads in every output: a sub-cent cost with enough digits to be seen
(``$0.00042``, never ``$0.0000``), and a cost with unpriced calls as ``unknown``, never ``$0``."""

from __future__ import annotations

import math
from collections.abc import Collection


def dollars(cost: float) -> str:
    """``$1.23``, ``$0.012``, ``$0.00042``: two significant digits below a dollar."""
    if cost <= 0 or not math.isfinite(cost):
        return "$0"
    if cost >= 1:
        return f"${cost:,.2f}"
    decimals = max(2, 1 - math.floor(math.log10(cost)))
    return f"${cost:.{decimals}f}"


def cost_text(cost: float, unpriced: Collection[str] = ()) -> str:
    """The cost of a run's calls; ``unknown`` (naming the models) when some had no price."""
    if not unpriced:
        return dollars(cost)
    names = ", ".join(sorted(unpriced))
    priced = f"{dollars(cost)} + " if cost > 0 else ""
    return f"{priced}unknown (no price for {names})"
