from __future__ import annotations

import json
from importlib import resources

import pytest

from scoregate.config.costs import Price, PriceTable, default_prices, price_table


def test_shipped_prices_say_where_they_come_from_and_when() -> None:
    data = json.loads(resources.files("scoregate").joinpath("config", "prices.json").read_text())
    assert "platform.openai.com/docs/pricing" in data["_source"]
    assert data["_date"].startswith("20")
    assert {"gpt-4o", "gpt-4o-mini", "gpt-4.1-mini", "o3-mini"} <= set(data["models"])


def test_cost_is_per_million_prompt_and_completion_tokens() -> None:
    table = default_prices()
    assert table.price("gpt-4o-mini") == Price(0.15, 0.6)
    # 1000 prompt tokens at $0.15/M + 500 completion tokens at $0.60/M
    assert table.cost("gpt-4o-mini", 1000, 500) == pytest.approx(0.00015 + 0.0003)


def test_dated_snapshots_and_provider_prefixes_use_the_longest_listed_name() -> None:
    table = default_prices()
    assert table.price("gpt-4o-mini-2024-07-18") == table.price("gpt-4o-mini")
    assert table.price("gpt-4o-2024-08-06") == table.price("gpt-4o")
    assert table.price("openai/gpt-4.1-mini") == table.price("gpt-4.1-mini")


def test_an_unknown_model_has_no_price_and_costs_nothing() -> None:
    table = default_prices()
    assert table.price("llama3.1:8b") is None
    assert table.cost("llama3.1:8b", 10_000, 10_000) == 0.0


def test_config_prices_override_and_extend_the_shipped_table() -> None:
    table = price_table({"gpt-4o-mini": Price(1.0, 2.0), "llama3.1:8b": Price(0.0, 0.0)})
    assert table.cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(3.0)
    assert table.price("llama3.1:8b") == Price(0.0, 0.0)
    assert table.price("gpt-4o") == default_prices().price("gpt-4o")
    assert PriceTable().price("gpt-4o") is None
