"""Cost of model calls from a price table: shipped defaults, overridable in experiments.yaml.

Prices are USD per 1M prompt and completion tokens. A dated model name (``gpt-4o-2024-08-06``)
uses the price of its longest listed prefix (``gpt-4o``); a model with no price costs 0 and
the run record says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PER_TOKENS = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    prompt: float
    """USD per 1M prompt (input) tokens."""
    completion: float
    """USD per 1M completion (output) tokens."""


@dataclass(frozen=True, slots=True)
class PriceTable:
    prices: Mapping[str, Price] = field(default_factory=dict)

    def price(self, model: str) -> Price | None:
        if model in self.prices:
            return self.prices[model]
        # Provider prefixes ("openai/gpt-4o") and dated snapshots ("gpt-4o-2024-08-06").
        name = model.rsplit("/", 1)[-1]
        if name in self.prices:
            return self.prices[name]
        candidates = [m for m in self.prices if name.startswith(m + "-")]
        return self.prices[max(candidates, key=len)] if candidates else None

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        price = self.price(model)
        if price is None:
            return 0.0
        return (prompt_tokens * price.prompt + completion_tokens * price.completion) / PER_TOKENS

    def with_overrides(self, overrides: Mapping[str, Price]) -> PriceTable:
        return PriceTable({**self.prices, **overrides})


@cache
def default_prices() -> PriceTable:
    text = (Path(__file__).parent / "prices.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return PriceTable(
        {
            model: Price(float(p["prompt"]), float(p["completion"]))
            for model, p in data["models"].items()
        }
    )


def price_table(overrides: Mapping[str, Price] | None = None) -> PriceTable:
    """The shipped prices with the config's ``defaults.prices`` on top."""
    return default_prices().with_overrides(overrides or {})
