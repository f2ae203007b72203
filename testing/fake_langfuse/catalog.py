"""Datasets, dataset items and prompts of the fake Langfuse project."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from .common import ApiError, Query, Reply, first, int_param, iso, now, parse_time

_UNSET: Any = object()


@dataclass(frozen=True)
class _ItemVersion:
    valid_from: dt.datetime
    body: Mapping[str, Any]


class Catalog:
    """Datasets with versioned items, and prompts with versions and labels."""

    def __init__(self, project_id: str) -> None:
        self.project_id = project_id
        self._lock = threading.RLock()
        self._datasets: dict[str, dict[str, Any]] = {}
        self._items: dict[str, list[_ItemVersion]] = {}
        self._item_order: dict[str, int] = {}
        self._sequence = itertools.count()
        self._prompts: dict[str, list[dict[str, Any]]] = {}

    # ---- datasets -------------------------------------------------------------------------

    def upsert_dataset(
        self,
        name: str,
        *,
        description: Any = None,
        metadata: Any = None,
        input_schema: Any = None,
        expected_output_schema: Any = None,
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        stamp = iso(at or now())
        with self._lock:
            dataset = self._datasets.get(name)
            if dataset is None:
                dataset = {
                    "id": f"ds-{uuid.uuid4().hex[:12]}",
                    "name": name,
                    "description": None,
                    "metadata": None,
                    "inputSchema": None,
                    "expectedOutputSchema": None,
                    "projectId": self.project_id,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                }
                self._datasets[name] = dataset
            changes = {
                "description": description,
                "metadata": metadata,
                "inputSchema": input_schema,
                "expectedOutputSchema": expected_output_schema,
            }
            for key, value in changes.items():
                if value is not None:
                    dataset[key] = value
                    dataset["updatedAt"] = stamp
            return copy.deepcopy(dataset)

    def dataset(self, name: str) -> dict[str, Any]:
        with self._lock:
            if name not in self._datasets:
                raise ApiError(404, f"Dataset {name} not found")
            return copy.deepcopy(self._datasets[name])

    def list_datasets(self, query: Query) -> Reply:
        page = int_param(query, "page", 1)
        limit = int_param(query, "limit", 50)
        with self._lock:
            rows = [copy.deepcopy(d) for d in self._datasets.values()]
        return 200, _page(rows, page, limit)

    def upsert_item(
        self,
        dataset_name: str,
        *,
        item_id: str | None = None,
        input: Any = _UNSET,
        expected_output: Any = _UNSET,
        metadata: Any = _UNSET,
        source_trace_id: Any = _UNSET,
        source_observation_id: Any = _UNSET,
        status: str | None = None,
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Creates or updates an item as the real server does: absent or null fields stay."""
        moment = at or now()
        with self._lock:
            dataset = self.dataset(dataset_name)
            item_id = item_id or str(uuid.uuid4())
            history = self._items.get(item_id)
            if history and history[-1].body["datasetId"] != dataset["id"]:
                raise ApiError(
                    404,
                    f"The dataset item with id {item_id} already exists in a dataset other "
                    f"than {dataset_name}",
                )
            body = dict(history[-1].body) if history else _new_item(item_id, dataset, moment)
            for key, value in {
                "input": input,
                "expectedOutput": expected_output,
                "metadata": metadata,
                "sourceTraceId": source_trace_id,
                "sourceObservationId": source_observation_id,
                "status": status,
            }.items():
                if value is not _UNSET and value is not None:
                    body[key] = copy.deepcopy(value)
            body["updatedAt"] = iso(moment)
            _check_against(dataset.get("inputSchema"), body["input"], "input", item_id)
            _check_against(
                dataset.get("expectedOutputSchema"),
                body["expectedOutput"],
                "expectedOutput",
                item_id,
            )
            self._items.setdefault(item_id, []).append(_ItemVersion(moment, body))
            self._item_order.setdefault(item_id, next(self._sequence))
            return copy.deepcopy(body)

    def list_items(self, query: Query) -> Reply:
        page = int_param(query, "page", 1)
        limit = int_param(query, "limit", 50)
        dataset_name = first(query, "datasetName")
        raw_version = first(query, "version")
        if raw_version is not None and dataset_name is None:
            raise ApiError(400, "version requires datasetName")
        version = parse_time(raw_version, "version") if raw_version else None
        source_trace_id = first(query, "sourceTraceId")
        source_observation_id = first(query, "sourceObservationId")
        with self._lock:
            dataset_id = self.dataset(dataset_name)["id"] if dataset_name else None
            rows: list[tuple[str, int, dict[str, Any]]] = []
            for item_id, history in self._items.items():
                visible = [v for v in history if version is None or v.valid_from <= version]
                if not visible:
                    continue
                body = visible[-1].body
                if dataset_id is not None and body["datasetId"] != dataset_id:
                    continue
                if source_trace_id is not None and body["sourceTraceId"] != source_trace_id:
                    continue
                if (
                    source_observation_id is not None
                    and body["sourceObservationId"] != source_observation_id
                ):
                    continue
                rows.append(
                    (body["createdAt"], self._item_order[item_id], copy.deepcopy(dict(body)))
                )
        # The real server orders by createdAt descending and does not filter by status:
        # archived items come back with status ARCHIVED and the client has to skip them.
        rows.sort(key=lambda row: (row[0], row[1]), reverse=True)
        return 200, _page([row[2] for row in rows], page, limit)

    # ---- prompts --------------------------------------------------------------------------

    def create_prompt(
        self,
        name: str,
        prompt: str | Sequence[Mapping[str, Any]],
        *,
        type: str | None = None,
        labels: Sequence[str] = ("production",),
        version: int | None = None,
        config: Any = None,
        tags: Sequence[str] | None = None,
        commit_message: str | None = None,
    ) -> dict[str, Any]:
        kind = type or ("text" if isinstance(prompt, str) else "chat")
        if kind not in {"text", "chat"} or (kind == "text") != isinstance(prompt, str):
            raise ApiError(400, f"Prompt {name}: type {kind!r} does not match the prompt content")
        with self._lock:
            versions = self._prompts.setdefault(name, [])
            number = (
                version
                if version is not None
                else 1 + max((v["version"] for v in versions), default=0)
            )
            if any(v["version"] == number for v in versions):
                raise ApiError(400, f"Prompt {name} already has a version {number}")
            unique_labels = [label for label in dict.fromkeys(labels) if label != "latest"]
            for other in versions:
                other["labels"] = [lb for lb in other["labels"] if lb not in unique_labels]
            shared_tags = (
                list(tags) if tags is not None else (versions[0]["tags"] if versions else [])
            )
            for other in versions:
                other["tags"] = list(shared_tags)
            record = {
                "type": kind,
                "name": name,
                "version": number,
                "prompt": copy.deepcopy(prompt if isinstance(prompt, str) else list(prompt)),
                "config": copy.deepcopy(config) if config is not None else {},
                "labels": unique_labels,
                "tags": list(shared_tags),
                "commitMessage": commit_message,
            }
            versions.append(record)
            versions.sort(key=lambda v: v["version"])
            return self._prompt_view(name, record)

    def _prompt_view(self, name: str, record: Mapping[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = copy.deepcopy(dict(record))
        if record is self._prompts[name][-1]:
            view["labels"] = [*view["labels"], "latest"]
        return view

    def create_prompt_from_request(self, body: Mapping[str, Any]) -> Reply:
        return 200, self.create_prompt(
            body["name"],
            body["prompt"],
            type=body.get("type"),
            labels=body.get("labels") or (),
            config=body.get("config"),
            tags=body.get("tags"),
            commit_message=body.get("commitMessage"),
        )

    def list_prompts(self, query: Query) -> Reply:
        """Prompt names with their versions and labels (filters: name, label, tag)."""
        page = int_param(query, "page", 1)
        limit = int_param(query, "limit", 50)
        name, label, tag = first(query, "name"), first(query, "label"), first(query, "tag")
        rows = []
        with self._lock:
            for prompt_name, versions in sorted(self._prompts.items()):
                views = [self._prompt_view(prompt_name, v) for v in versions]
                views = [v for v in views if label is None or label in v["labels"]]
                views = [v for v in views if tag is None or tag in v["tags"]]
                if not views or (name is not None and prompt_name != name):
                    continue
                rows.append(
                    {
                        "name": prompt_name,
                        "type": views[-1]["type"],
                        "versions": [v["version"] for v in views],
                        "labels": sorted({lb for v in views for lb in v["labels"]}),
                        "tags": list(views[-1]["tags"]),
                        "lastUpdatedAt": iso(now()),
                        "lastConfig": views[-1]["config"],
                    }
                )
        return 200, _page(rows, page, limit)

    def get_prompt(self, name: str, query: Query) -> Reply:
        label = first(query, "label")
        raw_version = first(query, "version")
        if label is not None and raw_version is not None:
            raise ApiError(400, "Cannot specify both version and label")
        with self._lock:
            versions = self._prompts.get(name, [])
            if raw_version is not None:
                found = [v for v in versions if str(v["version"]) == raw_version]
                wanted = f"version {raw_version}"
            else:
                label = label or "production"
                found = (
                    versions[-1:]
                    if label == "latest"
                    else [v for v in versions if label in v["labels"]]
                )
                wanted = f"label {label!r}"
            if not found:
                raise ApiError(404, f"Prompt not found: {name!r} with {wanted}")
            return 200, self._prompt_view(name, found[-1])


def _new_item(item_id: str, dataset: Mapping[str, Any], moment: dt.datetime) -> dict[str, Any]:
    return {
        "id": item_id,
        "status": "ACTIVE",
        "input": None,
        "expectedOutput": None,
        "metadata": None,
        "sourceTraceId": None,
        "sourceObservationId": None,
        "datasetId": dataset["id"],
        "datasetName": dataset["name"],
        "createdAt": iso(moment),
        "updatedAt": iso(moment),
        "mediaReferences": [],
    }


def _check_against(schema: Any, value: Any, field: str, item_id: str) -> None:
    if schema is None:
        return
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        raise ApiError(
            400,
            f"Dataset item {item_id}: {field} does not match the dataset's "
            f"{field} schema: {error.message}",
        ) from error


def _page(rows: Sequence[Any], page: int, limit: int) -> dict[str, Any]:
    total = len(rows)
    return {
        "data": list(rows[(page - 1) * limit : page * limit]),
        "meta": {
            "page": page,
            "limit": limit,
            "totalItems": total,
            "totalPages": -(-total // limit),
        },
    }
