"""Every item and repeat has its result after the items phase, or the run stops (exit 3)."""

from __future__ import annotations

import pytest

from scoregate.execute.complete import check_complete, missing
from scoregate.execute.engine import Collector
from scoregate.values.errors import RunError
from scoregate.values.model import Item, Sample


def test_missing_names_each_sample_without_a_result_in_order() -> None:
    collector = Collector([Item("a", 1), Item("b", 2)], 2)
    collector.samples[0][1] = Sample(1, 1, 0.0)
    assert missing(collector) == ["a #0", "b #0", "b #1"]


def test_a_sample_without_a_result_stops_the_run_with_exit_3() -> None:
    items = [Item("a", 1), Item("b", 2)]
    collector = Collector(items, 2)
    collector.samples[0] = [Sample(0, 1, 0.0), Sample(1, 1, 0.0)]
    collector.samples[1][0] = Sample(0, 2, 0.0)
    with pytest.raises(RunError) as caught:
        check_complete("qa", collector)
    assert caught.value.return_code == 3
    assert str(caught.value) == (
        "qa: 1 of 4 samples have no result (neither an output nor an error): b #1. The run is "
        "not gated on what is left; this is a bug in scoregate, please report it with the "
        "task that was running."
    )
