"""Decodes OTLP/HTTP trace exports (protobuf or JSON, optionally gzip) into stored spans."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format  # type: ignore[import-untyped]
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue


@dataclass(frozen=True)
class StoredSpan:
    """One span as the fake server received it; ids are lowercase hex."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    scope: str
    attributes: Mapping[str, Any]
    start_time: dt.datetime
    end_time: dt.datetime
    status_code: int = 0
    status_message: str = ""
    resource_attributes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def experiment_id(self) -> str | None:
        return _str_or_none(self.attributes.get("langfuse.experiment.id"))

    @property
    def dataset_item_id(self) -> str | None:
        """The dataset item (experiment item) this span belongs to, if any."""
        return _str_or_none(self.attributes.get("langfuse.experiment.item.id"))

    @property
    def is_experiment_item_root(self) -> bool:
        """True for the span that the SDK marks as an experiment item's root observation."""
        root = self.attributes.get("langfuse.experiment.item.root_observation_id")
        return root == self.span_id


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def decode_export(
    body: bytes, content_type: str, content_encoding: str
) -> ExportTraceServiceRequest:
    """Parses an export body; raises ValueError when it is not a valid OTLP trace export."""
    if content_encoding.lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError) as error:
            raise ValueError(f"gzip body could not be decompressed: {error}") from error
    elif content_encoding not in {"", "identity"}:
        raise ValueError(f"unsupported Content-Encoding {content_encoding!r}")
    message = ExportTraceServiceRequest()
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    try:
        if media_type == "application/x-protobuf":
            message.ParseFromString(body)
        elif media_type == "application/json":
            json_format.Parse(body.decode("utf-8"), message)
        else:
            raise ValueError(f"unsupported Content-Type {content_type!r}")
    except (json_format.ParseError, UnicodeDecodeError) as error:
        raise ValueError(f"OTLP JSON body could not be parsed: {error}") from error
    except Exception as error:  # protobuf's DecodeError has no stable import path
        if isinstance(error, ValueError):
            raise
        raise ValueError(f"OTLP protobuf body could not be parsed: {error}") from error
    return message


def any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return attributes_dict(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def attributes_dict(attributes: Any) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in attributes}


def _nanos(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value / 1e9, tz=dt.UTC)


def spans_of(message: ExportTraceServiceRequest) -> list[StoredSpan]:
    spans: list[StoredSpan] = []
    for resource_spans in message.resource_spans:
        resource = attributes_dict(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    StoredSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        scope=scope_spans.scope.name,
                        attributes=attributes_dict(span.attributes),
                        start_time=_nanos(span.start_time_unix_nano),
                        end_time=_nanos(span.end_time_unix_nano),
                        status_code=span.status.code,
                        status_message=span.status.message,
                        resource_attributes=resource,
                    )
                )
    return spans


def _spec_attribute(kv: KeyValue) -> dict[str, Any]:
    # The spec models only scalar attribute values; arrays and maps are sent as JSON-free
    # protobuf and have no spec shape, so they are checked as an empty value wrapper.
    kind = kv.value.WhichOneof("value")
    names = {
        "string_value": "stringValue",
        "int_value": "intValue",
        "double_value": "doubleValue",
        "bool_value": "boolValue",
    }
    value = {names[kind]: getattr(kv.value, kind)} if kind in names else {}
    return {"key": kv.key, "value": value}


def _value_class(value: Any) -> Any:
    """What the spec's OTLP schemas can tell apart in a value: its type, and for an integer
    whether it fits the int32 and int64 formats (they have no patterns, enums or lengths)."""
    if isinstance(value, dict):
        return tuple((k, _value_class(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_value_class(v) for v in value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return ("int", -(2**31) <= value < 2**31, -(2**63) <= value < 2**63)
    return type(value).__name__


def _distinct(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One span per class of value (``_value_class``): the spec accepts all of a class or
    none, so a batch of like spans is validated by one of them (a 500-span export in ms, not
    in a second, which skewed every timing built on this server)."""
    seen: dict[Any, dict[str, Any]] = {}
    for span in spans:
        seen.setdefault(_value_class(span), span)
    return list(seen.values())


def spec_shape(message: ExportTraceServiceRequest) -> dict[str, Any]:
    """The export as the JSON body the Langfuse spec describes, so it can be validated (each
    class of span once: ``_distinct``)."""
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_spec_attribute(kv) for kv in rs.resource.attributes]},
                "scopeSpans": [
                    {
                        "scope": {"name": ss.scope.name, "version": ss.scope.version},
                        "spans": _distinct(
                            [
                                {
                                    "traceId": span.trace_id.hex(),
                                    "spanId": span.span_id.hex(),
                                    "parentSpanId": span.parent_span_id.hex() or None,
                                    "name": span.name,
                                    "kind": span.kind,
                                    "startTimeUnixNano": span.start_time_unix_nano,
                                    "endTimeUnixNano": span.end_time_unix_nano,
                                    "attributes": [_spec_attribute(kv) for kv in span.attributes],
                                    "status": {"code": span.status.code},
                                }
                                for span in ss.spans
                            ]
                        ),
                    }
                    for ss in rs.scope_spans
                ],
            }
            for rs in message.resource_spans
        ]
    }
