"""The fake Langfuse server, driven by the real langfuse SDK over 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import httpx
import pytest
from google.protobuf import json_format  # type: ignore[import-untyped]
from langfuse import Langfuse
from langfuse.api import Error, NotFoundError, UnauthorizedError
from langfuse.api.core.api_error import ApiError
from langfuse.experiment import Evaluation, ExperimentItemResult
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span
from testing.fake_langfuse import FakeLangfuse, fake_langfuse

__all__ = ["fake_langfuse"]  # the fixture, imported so pytest finds it

EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
QA_ITEMS = [
    {"id": "item-0", "input": {"question": "2+2?"}, "expected_output": "4", "metadata": {"idx": 0}},
    {"id": "item-1", "input": {"question": "capital of France?"}, "expected_output": "Paris"},
    {"id": "item-2", "input": {"question": "3*3?"}, "expected_output": "9"},
]


def _auth(server: FakeLangfuse) -> tuple[str, str]:
    return server.public_key, server.secret_key


def test_auth_check_accepts_the_configured_keys(fake_langfuse: FakeLangfuse) -> None:
    client = fake_langfuse.make_client()

    assert client.auth_check() is True
    last = fake_langfuse.requests[-1]
    assert (last.method, last.path, last.status) == ("GET", "/api/public/projects", 200)
    assert "authorization" not in last.headers
    assert last.headers["x-langfuse-public-key"].startswith("pk-lf-")

    fake_langfuse.revoke_keys()
    with pytest.raises(UnauthorizedError):
        client.auth_check()


def test_auth_check_with_a_wrong_secret_raises_401(fake_langfuse: FakeLangfuse) -> None:
    client = Langfuse(
        public_key=fake_langfuse.public_key, secret_key="sk-wrong", base_url=fake_langfuse.url
    )
    try:
        with pytest.raises(UnauthorizedError) as raised:
            client.auth_check()
    finally:
        client.shutdown()

    assert raised.value.status_code == 401
    assert "Invalid credentials" in raised.value.body["message"]


def test_client_configured_from_environment(
    fake_langfuse: FakeLangfuse, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in fake_langfuse.client_env().items():
        monkeypatch.setenv(name, value)
    client = Langfuse()
    try:
        assert client.auth_check() is True
    finally:
        client.shutdown()
    assert fake_langfuse.requests[-1].headers["x-langfuse-public-key"] == fake_langfuse.public_key


def test_dataset_items_are_fetched_page_by_page(fake_langfuse: FakeLangfuse) -> None:
    fake_langfuse.create_dataset("qa", [{"input": {"n": n}, "id": f"i{n}"} for n in range(5)])
    client = fake_langfuse.make_client()

    dataset = client.get_dataset("qa", fetch_items_page_size=2)

    assert sorted(item.id for item in dataset.items) == ["i0", "i1", "i2", "i3", "i4"]
    pages = [r for r in fake_langfuse.requests if r.path == "/api/public/dataset-items"]
    assert [r.query["page"] for r in pages] == [["1"], ["2"], ["3"]]
    assert [r.response["meta"] for r in pages][-1] == {
        "page": 3,
        "limit": 2,
        "totalItems": 5,
        "totalPages": 3,
    }
    # Like the real server: newest first.
    assert [item.id for item in dataset.items] == ["i4", "i3", "i2", "i1", "i0"]


def test_archived_items_come_back_with_their_status(fake_langfuse: FakeLangfuse) -> None:
    fake_langfuse.create_dataset("qa", QA_ITEMS)
    fake_langfuse.archive_item("qa", "item-1")
    client = fake_langfuse.make_client()

    dataset = client.get_dataset("qa")

    statuses = {item.id: item.status.value for item in dataset.items}
    assert statuses == {"item-0": "ACTIVE", "item-1": "ARCHIVED", "item-2": "ACTIVE"}


def test_dataset_version_returns_items_as_they_were(fake_langfuse: FakeLangfuse) -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    fake_langfuse.create_dataset("qa")
    fake_langfuse.add_item("qa", {"q": "old"}, id="a", at=t0)
    fake_langfuse.add_item("qa", {"q": "new"}, id="a", at=t0 + dt.timedelta(days=2))
    fake_langfuse.add_item("qa", {"q": "later"}, id="b", at=t0 + dt.timedelta(days=2))
    client = fake_langfuse.make_client()

    old = client.get_dataset("qa", version=t0 + dt.timedelta(days=1))
    latest = client.get_dataset("qa")

    assert [(i.id, i.input) for i in old.items] == [("a", {"q": "old"})]
    assert sorted((i.id, i.input["q"]) for i in latest.items) == [("a", "new"), ("b", "later")]
    versions = [r.query.get("version") for r in fake_langfuse.requests if "page" in r.query]
    assert versions == [["2026-01-02T00:00:00Z"], None]


def test_datasets_created_through_the_sdk_enforce_the_input_schema(
    fake_langfuse: FakeLangfuse,
) -> None:
    client = fake_langfuse.make_client()
    schema = {"type": "object", "required": ["question"]}
    client.create_dataset(name="qa", description="d", input_schema=schema)
    client.create_dataset_item(dataset_name="qa", input={"question": "q"}, id="x")

    with pytest.raises(Error) as raised:
        client.create_dataset_item(dataset_name="qa", input={"wrong": 1}, id="y")

    assert raised.value.status_code == 400
    assert "does not match the dataset's input schema" in raised.value.body["message"]
    dataset = client.get_dataset("qa")
    assert dataset.input_schema == schema
    assert [(i.id, i.input, i.status.value) for i in dataset.items] == [
        ("x", {"question": "q"}, "ACTIVE")
    ]


def test_text_prompt_by_label_and_by_version(fake_langfuse: FakeLangfuse) -> None:
    fake_langfuse.create_prompt("answer", "v1 {{q}}", labels=["production"])
    fake_langfuse.create_prompt("answer", "v2 {{q}}", labels=["staging"], config={"model": "m"})
    client = fake_langfuse.make_client()

    production = client.get_prompt("answer")
    staging = client.get_prompt("answer", label="staging")
    first = client.get_prompt("answer", version=1)
    latest = client.get_prompt("answer", label="latest")

    assert (production.version, production.compile(q="x")) == (1, "v1 x")
    assert (staging.version, staging.config) == (2, {"model": "m"})
    assert first.prompt == "v1 {{q}}"
    assert latest.labels == ["staging", "latest"]
    with pytest.raises(NotFoundError):
        client.get_prompt("answer", label="nope", max_retries=0)
    with pytest.raises(NotFoundError):
        client.get_prompt("missing", max_retries=0)


def test_chat_prompt_compiles_messages(fake_langfuse: FakeLangfuse) -> None:
    messages = [
        {"role": "system", "content": "You answer {{style}}."},
        {"role": "user", "content": "{{question}}"},
    ]
    fake_langfuse.create_prompt("chat", messages, config={"temperature": 0}, version=3)
    client = fake_langfuse.make_client()

    prompt = client.get_prompt("chat", type="chat", label="production")

    assert prompt.version == 3
    assert prompt.compile(style="briefly", question="2+2?") == [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": "2+2?"},
    ]


def test_prompt_created_through_the_sdk_moves_its_labels(fake_langfuse: FakeLangfuse) -> None:
    client = fake_langfuse.make_client()
    client.create_prompt(name="p", prompt="one", labels=["production"])
    created = client.create_prompt(name="p", prompt="two", labels=["production"])

    assert created.version == 2
    assert client.get_prompt("p", cache_ttl_seconds=0).prompt == "two"
    assert client.get_prompt("p", version=1, cache_ttl_seconds=0).labels == []


def _exact(
    *,
    input: Any,
    output: Any,
    expected_output: Any,
    metadata: dict[str, Any] | None,
    **kwargs: dict[str, Any],
) -> Evaluation:
    return Evaluation(name="accuracy", value=float(output == expected_output), comment="exact")


def _average(*, item_results: list[ExperimentItemResult], **kwargs: dict[str, Any]) -> Evaluation:
    values = [float(e.value or 0) for r in item_results for e in r.evaluations]
    return Evaluation(name="avg_accuracy", value=sum(values) / len(values))


def test_run_experiment_is_recorded_and_read_back(fake_langfuse: FakeLangfuse) -> None:
    fake_langfuse.create_dataset("qa", QA_ITEMS)
    client = fake_langfuse.make_client()
    dataset = client.get_dataset("qa")

    result = dataset.run_experiment(
        name="ci-gate",
        run_name="ci-gate-sha123",
        description="probe",
        task=lambda *, item, **_: "4" if item.id != "item-1" else "Lyon",
        evaluators=[_exact],
        run_evaluators=[_average],
        metadata={"git_sha": "sha123"},
    )
    client.flush()

    assert result.experiment_id == fake_langfuse.experiment_id_for(dataset.id, "ci-gate-sha123")
    roots = [s for s in fake_langfuse.spans if s.is_experiment_item_root]
    assert sorted(s.dataset_item_id or "" for s in roots) == ["item-0", "item-1", "item-2"]
    assert {s.name for s in roots} == {"experiment-item-task"}
    assert {s.attributes["langfuse.experiment.name"] for s in roots} == {"ci-gate-sha123"}
    item_scores = {s.observation_id: s.value for s in fake_langfuse.scores if s.observation_id}
    assert item_scores == {s.span_id: float(s.dataset_item_id == "item-0") for s in roots}
    run_scores = [s for s in fake_langfuse.scores if s.dataset_run_id == result.experiment_id]
    assert [s.name for s in run_scores] == ["avg_accuracy"]
    assert run_scores[0].value == pytest.approx(1 / 3)

    experiments = client.api.experiments.list(
        from_start_time=EPOCH,
        name="ci-gate-sha123",
        dataset_id=dataset.id,
        fields="core,metadata,scores",
    ).data
    assert [(e.id, e.item_count, e.metadata) for e in experiments] == [
        (result.experiment_id, 3, {"git_sha": "sha123"})
    ]
    assert [(s.name, s.data_type) for s in experiments[0].scores or []] == [
        ("avg_accuracy", "NUMERIC")
    ]
    items = client.api.experiments.list_items(
        from_start_time=EPOCH,
        experiment_id=result.experiment_id,
        fields="core,dataset,io,scores",
        limit=100,
    ).data
    by_item = {i.experiment_item_id: i for i in items}
    assert by_item["item-1"].output == "Lyon"
    assert by_item["item-1"].expected_output == "Paris"
    assert by_item["item-0"].input == {"question": "2+2?"}
    assert {k: [(s.name, s.value) for s in v.scores or []] for k, v in by_item.items()} == {
        "item-0": [("accuracy", 1.0)],
        "item-1": [("accuracy", 0.0)],
        "item-2": [("accuracy", 0.0)],
    }
    gzipped = [r for r in fake_langfuse.requests if r.path == "/api/public/otel/v1/traces"]
    assert gzipped and all(r.headers.get("content-encoding") == "gzip" for r in gzipped)
    assert fake_langfuse.errors == []


def test_seeded_experiment_reads_back_as_a_baseline(fake_langfuse: FakeLangfuse) -> None:
    dataset = fake_langfuse.create_dataset("qa", QA_ITEMS)
    experiment_id = fake_langfuse.seed_experiment(
        "qa",
        "baseline-run",
        {
            "item-0": {"output": "4", "scores": {"accuracy": 1.0, "passed": True}},
            "item-1": {"output": "Lyon", "scores": {"accuracy": 0.0}},
        },
        run_scores={"avg_accuracy": 0.5},
        metadata={"git_sha": "abc"},
    )
    client = fake_langfuse.make_client()

    [experiment] = client.api.experiments.list(
        from_start_time=EPOCH, name="baseline-run", fields="core,metadata,scores"
    ).data
    page = client.api.experiments.list_items(
        from_start_time=EPOCH,
        experiment_id=experiment_id,
        fields="core,dataset,io,scores",
        limit=1,
    )
    rest = client.api.experiments.list_items(
        from_start_time=EPOCH,
        experiment_id=experiment_id,
        fields="core,dataset,io,scores",
        limit=1,
        cursor=page.meta.cursor,
    )
    run_level = client.api.scores.get_many(experiment_id=experiment_id, fields="details,subject")

    assert (experiment.id, experiment.dataset_id, experiment.item_count) == (
        experiment_id,
        dataset["id"],
        2,
    )
    assert experiment.metadata == {"git_sha": "abc"}
    items = page.data + rest.data
    assert rest.meta.cursor is None
    assert sorted(i.experiment_item_id for i in items) == ["item-0", "item-1"]
    scores = {i.experiment_item_id: {s.name: s.value for s in i.scores or []} for i in items}
    assert scores == {"item-0": {"accuracy": 1.0, "passed": True}, "item-1": {"accuracy": 0.0}}
    assert [(s.name, s.value, s.subject.kind) for s in run_level.data] == [
        ("avg_accuracy", 0.5, "experiment")
    ]


def test_create_score_is_stored(fake_langfuse: FakeLangfuse) -> None:
    client = fake_langfuse.make_client()
    trace_id = client.create_trace_id()

    client.create_score(name="manual", value=0.5, trace_id=trace_id, comment="c")
    client.create_score(name="ok", value=1, trace_id=trace_id, data_type="BOOLEAN")
    client.flush()

    stored = {s.name: (s.value, s.data_type, s.trace_id) for s in fake_langfuse.scores}
    assert stored == {"manual": (0.5, "NUMERIC", trace_id), "ok": (1.0, "BOOLEAN", trace_id)}
    batch = [r for r in fake_langfuse.requests if r.path == "/api/public/scores"]
    assert [(r.status, r.response) for r in batch] == [(202, {"message": "Accepted"})]


def test_single_score_object_and_rejected_batch_entries(fake_langfuse: FakeLangfuse) -> None:
    url = f"{fake_langfuse.url}/api/public/scores"
    single = httpx.post(
        url, auth=_auth(fake_langfuse), json={"name": "s", "value": 1, "traceId": "t"}
    )
    batch = httpx.post(
        url,
        auth=_auth(fake_langfuse),
        json=[{"name": "a", "value": 1, "traceId": "t"}, {"name": "b", "value": 1}],
    )

    assert single.status_code == 200
    assert single.json() == {"id": fake_langfuse.scores[0].id}
    assert batch.status_code == 207
    assert batch.json() == {
        "accepted": 1,
        "rejected": 1,
        "errors": [{"index": 1, "message": "Score 'b' needs a traceId, sessionId or datasetRunId"}],
    }


def test_otlp_json_export_without_compression(fake_langfuse: FakeLangfuse) -> None:
    span = Span(
        trace_id=bytes(range(16)),
        span_id=bytes(range(8)),
        name="hand-made",
        start_time_unix_nano=1_700_000_000_000_000_000,
        end_time_unix_nano=1_700_000_000_100_000_000,
        attributes=[KeyValue(key="langfuse.experiment.item.id", value=AnyValue(string_value="x"))],
    )
    export = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=[span])])]
    )
    body = json_format.MessageToJson(export).encode()
    answer = httpx.post(
        f"{fake_langfuse.url}/api/public/otel/v1/traces",
        auth=_auth(fake_langfuse),
        content=gzip.compress(body),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )

    assert answer.status_code == 200
    [stored] = fake_langfuse.spans
    assert (stored.trace_id, stored.span_id) == (bytes(range(16)).hex(), bytes(range(8)).hex())
    assert stored.dataset_item_id == "x"


def test_reads_fail_with_injected_5xx(fake_langfuse: FakeLangfuse) -> None:
    fake_langfuse.create_dataset("qa", QA_ITEMS)
    client = fake_langfuse.make_client()

    fake_langfuse.fail_next(1, status=503)
    dataset = client.get_dataset("qa")  # the SDK retries the failed read once
    fake_langfuse.fail_next(1, status=502)
    with pytest.raises(ApiError) as raised:
        client.api.datasets.get("qa", request_options={"max_retries": 0})

    assert len(dataset.items) == 3
    assert [r.status for r in fake_langfuse.requests[:2]] == [503, 200]
    assert raised.value.status_code == 502


def test_stopped_server_refuses_connections_and_can_restart(fake_langfuse: FakeLangfuse) -> None:
    client = fake_langfuse.make_client()
    assert client.auth_check() is True

    fake_langfuse.stop()
    with pytest.raises(httpx.ConnectError):
        client.api.projects.get(request_options={"max_retries": 0})
    fake_langfuse.start()

    assert client.auth_check() is True


def test_spec_mismatches_answer_500_and_are_recorded(fake_langfuse: FakeLangfuse) -> None:
    fake_langfuse.expect_errors = True
    fake_langfuse.create_dataset("qa")

    answer = httpx.post(
        f"{fake_langfuse.url}/api/public/dataset-items",
        auth=_auth(fake_langfuse),
        content=json.dumps({"datasetName": "qa", "status": "DELETED"}),
    )
    missing = httpx.get(f"{fake_langfuse.url}/api/public/experiments", auth=_auth(fake_langfuse))

    assert (answer.status_code, missing.status_code) == (500, 500)
    assert fake_langfuse.errors == [
        "POST /api/public/dataset-items: request body status: 'DELETED' is not one of "
        "['ACTIVE', 'ARCHIVED']",
        "GET /api/public/experiments: required query parameter 'fromStartTime' is missing",
    ]
