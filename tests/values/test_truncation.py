from __future__ import annotations

from scoregate.values.model import Item, ItemResult, RunRecord, Sample, Score
from scoregate.values.truncation import truncated_samples, unpriced_models

CUT = 'model m: the reply was truncated at max_tokens=4 (finish_reason "length"); raise it'


def record(samples: list[Sample], models: object) -> RunRecord:
    items = [ItemResult(Item(f"i{n}", {}), (s,)) for n, s in enumerate(samples)]
    return RunRecord("qa", "run", items, metadata={"models": models})


def test_samples_cut_by_the_task_or_the_judge_are_counted_once_each() -> None:
    samples = [
        Sample(0, None, 0.1, CUT),
        Sample(0, "x", 0.1, None, (Score("j", None, error=f"judge 'j': {CUT}"),)),
        Sample(0, None, 0.1, CUT, (Score("j", None, error=CUT),)),
        Sample(0, "x", 0.1, None, (Score("j", None, error="not a score"),)),
        Sample(0, "x", 0.1, None, (Score("j", 1.0),)),
    ]
    models = {"m": {"replied": ["m"], "priced": False}, "p": {"replied": ["p"], "priced": True}}
    assert truncated_samples(record(samples, models)) == 3
    assert unpriced_models(record(samples, models)) == ["m"]


def test_a_record_without_model_calls_counts_nothing() -> None:
    assert truncated_samples(record([Sample(0, None, 0.1, CUT)], None)) == 0
    assert unpriced_models(record([], None)) == []
