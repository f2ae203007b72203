"""The endpoints of the fake Langfuse server: (method, path) to a function of the request."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import observations, otlp
from .common import ApiError, Query, Reply
from .traces import score_from_request

if TYPE_CHECKING:
    from .server import FakeLangfuse


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[FakeLangfuse, dict[str, str], Query, Any], Reply]


def _projects(fake: FakeLangfuse, params: dict[str, str], query: Query, body: Any) -> Reply:
    project = {
        "id": fake.project_id,
        "name": "fake-project",
        "organization": {"id": "org-fake", "name": "fake-org"},
        "metadata": {},
    }
    return 200, {"data": [project]}


def _create_dataset(fake: FakeLangfuse, params: dict[str, str], query: Query, body: Any) -> Reply:
    return 200, fake.catalog.upsert_dataset(
        body["name"],
        description=body.get("description"),
        metadata=body.get("metadata"),
        input_schema=body.get("inputSchema"),
        expected_output_schema=body.get("expectedOutputSchema"),
    )


def _create_item(fake: FakeLangfuse, params: dict[str, str], query: Query, body: Any) -> Reply:
    return 200, fake.catalog.upsert_item(
        body["datasetName"],
        item_id=body.get("id"),
        input=body.get("input"),
        expected_output=body.get("expectedOutput"),
        metadata=body.get("metadata"),
        source_trace_id=body.get("sourceTraceId"),
        source_observation_id=body.get("sourceObservationId"),
        status=body.get("status"),
    )


def _get_item(fake: FakeLangfuse, params: dict[str, str], query: Query, body: Any) -> Reply:
    for item in fake.catalog.list_items({"limit": ["1000000"]})[1]["data"]:
        if item["id"] == params["id"]:
            return 200, item
    raise ApiError(404, f"Dataset item {params['id']} not found")


def _ingest_spans(fake: FakeLangfuse, params: dict[str, str], query: Query, body: Any) -> Reply:
    fake.traces.add_spans(otlp.spans_of(body))
    return 200, {}


def _create_scores(fake: FakeLangfuse, params: dict[str, str], query: Query, body: Any) -> Reply:
    if not isinstance(body, list):
        score = score_from_request(body)
        fake.traces.add_score(score)
        return 200, {"id": score.id}
    errors = []
    for index, element in enumerate(body):
        try:
            fake.traces.add_score(score_from_request(element))
        except ApiError as error:
            errors.append({"index": index, "message": error.message})
    if errors:
        return 207, {"accepted": len(body) - len(errors), "rejected": len(errors), "errors": errors}
    return 202, {"message": "Accepted"}


_ROUTES: list[Route] = [
    Route(method, re.compile(pattern), handler)
    for method, pattern, handler in [
        ("GET", r"^/api/public/projects$", _projects),
        ("POST", r"^/api/public/v2/datasets$", _create_dataset),
        ("GET", r"^/api/public/v2/datasets$", lambda f, p, q, b: f.catalog.list_datasets(q)),
        (
            "GET",
            r"^/api/public/v2/datasets/(?P<name>[^/]+)$",
            lambda f, p, q, b: (200, f.catalog.dataset(p["name"])),
        ),
        ("POST", r"^/api/public/dataset-items$", _create_item),
        ("GET", r"^/api/public/dataset-items$", lambda f, p, q, b: f.catalog.list_items(q)),
        ("GET", r"^/api/public/dataset-items/(?P<id>[^/]+)$", _get_item),
        (
            "GET",
            r"^/api/public/v2/prompts/(?P<name>[^/]+)$",
            lambda f, p, q, b: f.catalog.get_prompt(p["name"], q),
        ),
        ("GET", r"^/api/public/v2/prompts$", lambda f, p, q, b: f.catalog.list_prompts(q)),
        (
            "POST",
            r"^/api/public/v2/prompts$",
            lambda f, p, q, b: f.catalog.create_prompt_from_request(b),
        ),
        ("POST", r"^/api/public/otel/v1/traces$", _ingest_spans),
        (
            "GET",
            r"^/api/public/v2/observations$",
            lambda f, p, q, b: observations.list_observations(f.traces.spans, f.project_id, q),
        ),
        ("POST", r"^/api/public/scores$", _create_scores),
        ("GET", r"^/api/public/v3/scores$", lambda f, p, q, b: f.traces.list_scores(q)),
        ("GET", r"^/api/public/experiments$", lambda f, p, q, b: f.traces.list_experiments(q)),
        (
            "GET",
            r"^/api/public/experiment-items$",
            lambda f, p, q, b: f.traces.list_experiment_items(q),
        ),
    ]
]


def find_route(method: str, path: str) -> tuple[Route | None, dict[str, str]]:
    for route in _ROUTES:
        match = route.pattern.match(path)
        if route.method == method and match:
            return route, {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
    return None, {}
