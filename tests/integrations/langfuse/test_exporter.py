"""The background exporter writes what the SDK's own span and score calls write.

The reference is the real SDK: the same samples recorded through ``start_as_current_observation``
and ``create_score`` (the way ``run_experiment`` traces an item), on the same fake server; the
spans and scores that land must be the same but for ids and times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from testing.fake_langfuse import FakeLangfuse, StoredScore, StoredSpan, fake_langfuse

from scoregate.integrations.langfuse.connection import Connection, Credentials, open_connection
from scoregate.integrations.langfuse.exporter import ENVIRONMENT, Exporter, score_payload
from scoregate.integrations.langfuse.recorder import experiment_id_for
from scoregate.values.model import Item, Sample, Score

__all__ = ["fake_langfuse"]

SAMPLES = [
    (
        Item("a", {"q": "été", "n": [1, 2]}, "x", {"topic": "maths", "level": 2}),
        Sample(0, "out", 0.01, None, (Score("exact", 1.0, raw=True, comment="c"),)),
    ),
    (
        Item("a", {"q": "été", "n": [1, 2]}, "x", {"topic": "maths", "level": 2}),
        Sample(1, {"answer": 3}, 0.01, None, (Score("n", 0.5, raw=0.5), Score("skip", None))),
    ),
    (Item("b", "plain text", None), Sample(0, None, 0.01, "boom: <b>", ())),
]
METADATA = {"scoregate_experiment": "bench", "scoregate_run_id": "run-1", "job": "nightly"}


def _connect(fake: FakeLangfuse) -> Connection:
    env = fake.client_env()
    return open_connection(Credentials.from_env(env), timeout=5)


def _sdk_reference(connection: Connection, dataset_id: str, run_name: str) -> None:
    """The samples recorded with the SDK's live span calls, as ``run_experiment`` does."""
    from opentelemetry import trace as otel_trace

    client = connection.client
    experiment_id = experiment_id_for(connection.project_id, dataset_id, run_name)
    for item, sample in SAMPLES:
        keys = {"experiment_name": "bench", "experiment_run_name": run_name}
        keys |= {"dataset_id": dataset_id, "dataset_item_id": item.id}
        metadata = {**item.metadata, **METADATA, **keys, "repeat": sample.index}
        output = sample.output if sample.error is None else f"Error: {sample.error}"
        with client.start_as_current_observation(
            name="experiment-item-run", as_type="span"
        ) as root:
            root_otel = otel_trace.get_current_span()
            with client.start_as_current_observation(
                name="experiment-item-task", as_type="span", input=item.input
            ) as task:
                linked = {
                    "langfuse.environment": ENVIRONMENT,
                    "langfuse.experiment.description": "desc",
                    "langfuse.experiment.item.expected_output": item.expected_output,
                    "langfuse.experiment.id": experiment_id,
                    "langfuse.experiment.name": run_name,
                    "langfuse.experiment.metadata": _json(METADATA),
                    "langfuse.experiment.dataset.id": dataset_id,
                    "langfuse.experiment.item.id": item.id,
                    "langfuse.experiment.item.metadata": _json(item.metadata)
                    if item.metadata
                    else None,
                    "langfuse.experiment.item.root_observation_id": task.id,
                }
                present = {k: v for k, v in linked.items() if v is not None}
                otel_trace.get_current_span().set_attributes(present)
                root_otel.set_attributes(present)
                level = (
                    {}
                    if sample.error is None
                    else {"level": "ERROR", "status_message": sample.error}
                )
                task.update(output=output, metadata=metadata, **level)  # type: ignore[arg-type]
            root.update(input=item.input, output=output, metadata=metadata, **level)  # type: ignore[arg-type]
            trace_id, task_id = root.trace_id, task.id
        for score in sample.scores:
            payload = score_payload(score)
            if payload is None:
                continue
            client.create_score(
                trace_id=trace_id,
                observation_id=task_id,
                name=score.name,
                comment=score.comment,
                value=payload["value"],
                data_type=payload["dataType"],
                metadata=payload["metadata"],
            )
    client.flush()


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _span_shape(span: StoredSpan) -> tuple[Any, ...]:
    ids = {"langfuse.experiment.item.root_observation_id"}
    attributes = {k: v for k, v in span.attributes.items() if k not in ids}
    resource = {k: v for k, v in span.resource_attributes.items() if k != "service.instance.id"}
    return (
        span.name,
        span.scope,
        span.status_code,
        span.status_message,
        _sorted(attributes),
        _sorted(resource),
    )


def _score_shape(score: StoredScore) -> tuple[Any, ...]:
    return (
        score.name,
        score.value,
        score.data_type,
        score.comment,
        _sorted(score.metadata or {}),
        score.environment,
        score.source,
    )


def _sorted(mapping: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, repr(v)) for k, v in mapping.items()))


def test_the_exporter_lands_what_the_sdk_lands(fake_langfuse: FakeLangfuse) -> None:
    dataset = fake_langfuse.create_dataset("ds", [{"id": "a", "input": 1}, {"id": "b", "input": 2}])
    dataset_id = dataset["id"]
    reference = _connect(fake_langfuse)
    _sdk_reference(reference, dataset_id, "by-sdk")
    reference.close()
    sdk_spans, sdk_scores = list(fake_langfuse.spans), list(fake_langfuse.scores)

    ours = _connect(fake_langfuse)
    exporter = Exporter(
        ours,
        experiment_id=experiment_id_for(ours.project_id, dataset_id, "by-sdk"),
        run_name="by-sdk",
        dataset_id=dataset_id,
        description="desc",
        metadata=METADATA,
    )
    for item, sample in SAMPLES:
        exporter.sample(item, sample)
    delivery = exporter.close()
    ours.close()
    new_spans = fake_langfuse.spans[len(sdk_spans) :]
    new_scores = fake_langfuse.scores[len(sdk_scores) :]

    assert (delivery.delivered, delivery.queued, delivery.problems) == (3, 3, ())
    assert len(sdk_spans) == 6 and len(sdk_scores) == 2
    assert sorted(map(_span_shape, new_spans)) == sorted(map(_span_shape, sdk_spans))
    assert sorted(map(_score_shape, new_scores)) == sorted(map(_score_shape, sdk_scores))
    by_id = {s.span_id: s for s in new_spans}
    for span in new_spans:
        if span.name == "experiment-item-task":
            root = by_id[span.parent_span_id or ""]
            assert root.trace_id == span.trace_id and root.parent_span_id is None
            assert span.is_experiment_item_root
            assert root.attributes["langfuse.experiment.item.root_observation_id"] == span.span_id
    for score in new_scores:
        assert by_id[score.observation_id or ""].is_experiment_item_root
        assert by_id[score.observation_id or ""].trace_id == score.trace_id


def test_undelivered_samples_are_counted_not_hidden(fake_langfuse: FakeLangfuse) -> None:
    connection = _connect(fake_langfuse)
    fake_langfuse.fail_next(
        10, status=400, reads_only=False, path_prefix="/api/public/otel/v1/traces"
    )
    exporter = Exporter(
        connection,
        experiment_id="e1",
        run_name="r",
        dataset_id=None,
        description=None,
        metadata={},
    )
    for item, sample in SAMPLES:
        exporter.sample(item, sample)
    delivery = exporter.close(timeout=30)
    connection.close()

    assert delivery.queued == 3
    assert delivery.delivered == 0
    assert delivery.problems


def test_refused_scores_count_their_samples_as_undelivered(fake_langfuse: FakeLangfuse) -> None:
    connection = _connect(fake_langfuse)
    fake_langfuse.fail_next(10, status=400, reads_only=False, path_prefix="/api/public/scores")
    exporter = Exporter(
        connection,
        experiment_id="e2",
        run_name="r",
        dataset_id=None,
        description=None,
        metadata={},
    )
    for item, sample in SAMPLES:
        exporter.sample(item, sample)
    delivery = exporter.close(timeout=30)
    connection.close()

    assert (delivery.delivered, delivery.queued) == (0, 3)
    assert any("scores" in p and "HTTP 400" in p for p in delivery.problems)
