"""Checks requests and responses of the fake Langfuse server against Langfuse's OpenAPI spec."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# Langfuse's public API description, committed with its source note in testing/specs/README.md.
SPEC_PATH = Path(__file__).resolve().parents[1] / "specs" / "langfuse-openapi.yml"
_SPEC_URI = "urn:langfuse-openapi"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Operation:
    """One method + path template of the spec, with what the spec says about it."""

    method: str
    template: str
    operation_id: str
    parameters: tuple[Mapping[str, Any], ...]
    request_schema: Mapping[str, Any] | None
    response_schemas: Mapping[str, Mapping[str, Any]]


class Spec:
    """The Langfuse public API spec, loaded once, able to validate JSON values."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._registry: Registry[Any] = Registry().with_resource(
            _SPEC_URI, Resource.from_contents(document, default_specification=DRAFT4)
        )
        self._operations: list[tuple[re.Pattern[str], Operation]] = []
        for template, item in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^/}]+\}", "[^/]+", template) + "$")
            for method, body in item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                request = body.get("requestBody", {}).get("content", {}).get("application/json")
                responses = {
                    status: answer["content"]["application/json"]["schema"]
                    for status, answer in body.get("responses", {}).items()
                    if "application/json" in answer.get("content", {})
                }
                operation = Operation(
                    method=method.upper(),
                    template=template,
                    operation_id=str(body.get("operationId", "")),
                    parameters=tuple(body.get("parameters", [])),
                    request_schema=request["schema"] if request else None,
                    response_schemas=responses,
                )
                self._operations.append((pattern, operation))
        # Literal paths win over templated ones (/v2/datasets vs /v2/datasets/{name}).
        self._operations.sort(key=lambda entry: entry[1].template.count("{"))

    def operation(self, method: str, path: str) -> Operation | None:
        for pattern, operation in self._operations:
            if operation.method == method and pattern.match(path):
                return operation
        return None

    def schema_errors(self, schema: Mapping[str, Any], value: Any) -> list[str]:
        validator = OAS30Validator(
            _absolute_refs(schema),
            registry=self._registry,
            format_checker=oas30_format_checker,
        )
        return [
            f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
            for error in sorted(validator.iter_errors(value), key=lambda e: list(e.path))
        ]

    def component_errors(self, name: str, value: Any) -> list[str]:
        return self.schema_errors({"$ref": f"#/components/schemas/{name}"}, value)

    def request_errors(self, operation: Operation, body: Any) -> list[str]:
        if operation.request_schema is None:
            return ["the spec describes no JSON request body for this operation"]
        return self.schema_errors(operation.request_schema, body)

    def response_errors(self, operation: Operation, status: int, body: Any) -> list[str]:
        schema = operation.response_schemas.get(str(status))
        if schema is None:
            return [f"the spec describes no {status} JSON response for this operation"]
        return self.schema_errors(schema, body)

    def query_errors(self, operation: Operation, query: Mapping[str, Sequence[str]]) -> list[str]:
        errors: list[str] = []
        declared = {p["name"]: p for p in operation.parameters if p.get("in") == "query"}
        for name in query:
            if name not in declared:
                errors.append(f"query parameter {name!r} is not in the spec")
        for name, parameter in declared.items():
            values = query.get(name)
            if not values:
                if parameter.get("required"):
                    errors.append(f"required query parameter {name!r} is missing")
                continue
            schema = parameter.get("schema", {})
            for raw in values:
                value = _coerce(raw, schema)
                errors.extend(
                    f"query {name}={raw!r}: {e}" for e in self.schema_errors(schema, value)
                )
        return errors


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean" and raw in {"true", "false"}:
        return raw == "true"
    return raw


def _absolute_refs(schema: Any) -> Any:
    if isinstance(schema, Mapping):
        return {
            key: (
                _SPEC_URI + value
                if key == "$ref" and isinstance(value, str) and value.startswith("#")
                else _absolute_refs(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute_refs(value) for value in schema]
    return schema


@functools.cache
def _load(path: Path) -> Spec:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return Spec(yaml.load(handle, Loader=loader))


def load_spec(path: Path = SPEC_PATH) -> Spec:
    """The parsed spec; parsing takes about half a second, so it happens once per process."""
    with _LOCK:
        return _load(path)
