"""Spans encoded as OTLP protobuf the way OpenTelemetry's exporter encodes them, but from plain
values: the attributes every span of a run shares are encoded once, not once per span.

``exporter.py`` gives each span's ids, times, status and its own attributes; the request is
what ``OTLPSpanExporter`` would send for the same spans (``tests/integrations/langfuse/
test_exporter.py`` holds what lands on the server equal to what the SDK's own calls land).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HAS_IS_REMOTE = 0x100
"""OTLP span flags: the parent's is-remote bit is known (and not set): a local parent."""


def _value(value: Any) -> Any:
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue

    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    return AnyValue(double_value=float(value))


def key_values(attributes: Mapping[str, Any]) -> list[Any]:
    from opentelemetry.proto.common.v1.common_pb2 import KeyValue

    return [KeyValue(key=k, value=_value(v)) for k, v in attributes.items() if v is not None]


class SpanBatch:
    """One export request's spans, under the resource and scope of the SDK's tracer."""

    def __init__(self, resource: Any, scope: Any) -> None:
        from opentelemetry.exporter.otlp.proto.common._internal import (
            _encode_instrumentation_scope,
            _encode_resource,
        )
        from opentelemetry.proto.trace.v1 import trace_pb2

        self._trace = trace_pb2
        self._resource = _encode_resource(resource)
        self._scope = _encode_instrumentation_scope(scope)
        self._schema_urls = (resource.schema_url, scope.schema_url)
        self.spans: list[Any] = []

    def add(
        self,
        name: str,
        *,
        trace_id: int,
        span_id: int,
        parent_id: int | None,
        start: int,
        end: int,
        shared: list[Any],
        own: Mapping[str, Any],
        error: str | None,
    ) -> None:
        """A span: ``shared`` are encoded key-values (``key_values``), ``own`` plain ones."""
        trace = self._trace
        span = trace.Span(
            trace_id=trace_id.to_bytes(16, "big"),
            span_id=span_id.to_bytes(8, "big"),
            parent_span_id=None if parent_id is None else parent_id.to_bytes(8, "big"),
            name=name,
            kind=trace.Span.SpanKind.SPAN_KIND_INTERNAL,
            start_time_unix_nano=start,
            end_time_unix_nano=end,
            status=trace.Status(code=0)
            if error is None
            else trace.Status(code=trace.Status.StatusCode.STATUS_CODE_ERROR, message=error),
            flags=HAS_IS_REMOTE,
        )
        span.attributes.extend(shared)
        span.attributes.extend(key_values(own))
        self.spans.append(span)

    def request(self) -> bytes:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        trace = self._trace
        resource_url, scope_url = self._schema_urls
        scoped = trace.ScopeSpans(scope=self._scope, spans=self.spans, schema_url=scope_url)
        spans = trace.ResourceSpans(
            resource=self._resource, scope_spans=[scoped], schema_url=resource_url
        )
        message = ExportTraceServiceRequest(resource_spans=[spans])
        return bytes(message.SerializePartialToString())
