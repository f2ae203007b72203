"""A local Langfuse server for tests: the real langfuse SDK talks to it over 127.0.0.1."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import threading
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import otlp
from .catalog import Catalog
from .common import ApiError, now
from .routes import find_route
from .spec import SPEC_PATH, Spec, load_spec
from .traces import StoredScore, TraceStore, make_scores, seed_spans

if TYPE_CHECKING:
    from langfuse import Langfuse

    from .otlp import StoredSpan


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server answered (the Authorization header is not kept)."""

    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    body: Any
    status: int
    response: Any


@dataclass
class _Faults:
    remaining: int = 0
    status: int = 503
    reads_only: bool = True
    path_prefix: str = ""
    retry_after: str | None = None
    echo_headers: bool = False


@dataclass(frozen=True)
class _Incoming:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw: bytes
    errors: list[str] = field(default_factory=list)


class FakeLangfuse:
    """A Langfuse project on 127.0.0.1 that checks every exchange against the OpenAPI spec.

    Use it as a context manager (or the `fake_langfuse` pytest fixture). Spec mismatches are
    answered with 500 and collected in `errors`; tests should end with `assert server.errors == []`.
    """

    def __init__(
        self,
        *,
        public_key: str = "pk-lf-fake",
        secret_key: str = "sk-lf-fake",
        project_id: str = "proj-fake",
        spec_path: Path = SPEC_PATH,
    ) -> None:
        self.public_key = public_key
        self.secret_key = secret_key
        self.project_id = project_id
        self.catalog = Catalog(project_id)
        self.traces = TraceStore(project_id)
        self._spec: Spec = load_spec(spec_path)
        self._keys = {public_key: secret_key}
        self._lock = threading.Lock()
        self._faults = _Faults()
        self._requests: list[RecordedRequest] = []
        self._errors: list[str] = []
        self._clients: list[Langfuse] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self.expect_errors = False  # the fixture fails a test whose server saw errors unless set

    # ---- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> FakeLangfuse:
        """Starts serving; after `stop()` it serves again on the same port."""
        if self._httpd is not None:
            return self
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-langfuse-{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and closes the socket: connections to the port are then refused."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join()

    def close(self) -> None:
        """Shuts down the clients made by `make_client` (flushing them) and stops the server."""
        if self._clients:
            self.start()  # a stopped server would make the final flush retry for seconds
            for client in self._clients:
                client.shutdown()
            self._clients.clear()
        self.stop()

    def __enter__(self) -> FakeLangfuse:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- clients --------------------------------------------------------------------------

    def add_keys(self, public_key: str, secret_key: str) -> None:
        with self._lock:
            self._keys[public_key] = secret_key

    def revoke_keys(self, public_key: str | None = None) -> None:
        """From now on, answers 401 to `public_key` (every key when None), like rotated keys."""
        with self._lock:
            if public_key is None:
                self._keys.clear()
            else:
                self._keys.pop(public_key, None)

    def client_env(self) -> dict[str, str]:
        """LANGFUSE_* variables that point an SDK (or a scoregate subprocess) at this server."""
        return {
            "LANGFUSE_PUBLIC_KEY": self.public_key,
            "LANGFUSE_SECRET_KEY": self.secret_key,
            "LANGFUSE_BASE_URL": self.url,
        }

    def make_client(self, **options: Any) -> Langfuse:
        """A real `Langfuse` client on fresh keys, flushing every 0.1 s, shut down by `close()`.

        The SDK keeps one resource manager per public key for the whole process, so fresh keys
        are what makes a client independent of clients of other tests.
        """
        from langfuse import Langfuse

        suffix = uuid.uuid4().hex[:12]
        public_key, secret_key = f"pk-lf-{suffix}", f"sk-lf-{suffix}"
        self.add_keys(public_key, secret_key)
        settings: dict[str, Any] = {"flush_at": 50, "flush_interval": 0.1, "timeout": 5}
        settings.update(options)
        client = Langfuse(
            public_key=public_key, secret_key=secret_key, base_url=self.url, **settings
        )
        self._clients.append(client)
        return client

    # ---- fault injection ------------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        status: int = 503,
        *,
        reads_only: bool = True,
        path_prefix: str = "",
        retry_after: str | None = None,
        echo_headers: bool = False,
    ) -> None:
        """Answers the next `count` matching requests (GETs only unless reads_only=False) with
        `status`; `retry_after` sets a Retry-After header on those answers; `echo_headers`
        puts every request header (Authorization too) in the error message, as a careless
        proxy would."""
        with self._lock:
            self._faults = _Faults(
                count, status, reads_only, path_prefix, retry_after, echo_headers
            )

    # ---- seeding --------------------------------------------------------------------------

    def create_dataset(
        self,
        name: str,
        items: Sequence[Mapping[str, Any]] = (),
        *,
        input_schema: Any = None,
        expected_output_schema: Any = None,
        description: str | None = None,
        metadata: Any = None,
    ) -> dict[str, Any]:
        """Creates a dataset and its items. Each item is a mapping with `input` and optionally
        `expected_output`, `metadata`, `id`, `status` ("ACTIVE"/"ARCHIVED") and `at` (a datetime:
        when it was created, which matters for dataset versions)."""
        dataset = self.catalog.upsert_dataset(
            name,
            description=description,
            metadata=metadata,
            input_schema=input_schema,
            expected_output_schema=expected_output_schema,
        )
        for item in items:
            self.add_item(name, **item)
        return dataset

    def add_item(
        self,
        dataset_name: str,
        input: Any,
        *,
        expected_output: Any = None,
        metadata: Any = None,
        id: str | None = None,
        status: str = "ACTIVE",
        at: dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Creates or updates (same id) one dataset item; returns it as the API shows it."""
        return self.catalog.upsert_item(
            dataset_name,
            item_id=id,
            input=input,
            expected_output=expected_output,
            metadata=metadata,
            status=status,
            at=at,
        )

    def archive_item(self, dataset_name: str, item_id: str, at: dt.datetime | None = None) -> None:
        self.catalog.upsert_item(dataset_name, item_id=item_id, status="ARCHIVED", at=at)

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
    ) -> dict[str, Any]:
        """Adds a prompt version (text if `prompt` is a str, chat if a list of messages).
        Labels move to the new version; the newest version also carries "latest"."""
        return self.catalog.create_prompt(
            name, prompt, type=type, labels=labels, version=version, config=config, tags=tags
        )

    def experiment_id_for(self, dataset_id: str, run_name: str) -> str:
        """The id the SDK (and the real server) derive for a run of a dataset."""
        payload = json.dumps(
            ["langfuse-experiment-v1", self.project_id, dataset_id, run_name],
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def seed_experiment(
        self,
        dataset_name: str,
        run_name: str,
        items: Mapping[str, Mapping[str, Any]],
        *,
        run_scores: Mapping[str, float | bool | str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        description: str | None = None,
        start_time: dt.datetime | None = None,
    ) -> str:
        """Stores an experiment run as if the SDK had recorded it; returns its id.

        `items` maps a dataset item id to {"output": ..., "scores": {name: value}} and optionally
        "input" / "expected_output" (default: the dataset item's). Bool score values are BOOLEAN,
        str values CATEGORICAL, numbers NUMERIC. `run_scores` are experiment-level scores.
        """
        dataset = self.catalog.dataset(dataset_name)
        known = {
            item["id"]: item
            for item in self.catalog.list_items(
                {"datasetName": [dataset_name], "limit": ["1000000"]}
            )[1]["data"]
        }
        experiment_id = self.experiment_id_for(dataset["id"], run_name)
        start = start_time or now()
        for offset, (item_id, seed) in enumerate(items.items()):
            stored = known.get(item_id, {})
            spans = seed_spans(
                experiment_id=experiment_id,
                run_name=run_name,
                dataset_id=dataset["id"],
                item_id=item_id,
                item_input=seed.get("input", stored.get("input")),
                output=seed.get("output"),
                expected_output=seed.get("expected_output", stored.get("expectedOutput")),
                item_metadata=stored.get("metadata"),
                metadata=metadata,
                description=description,
                start=start + dt.timedelta(milliseconds=10 * offset),
            )
            self.traces.add_spans(spans)
            task = spans[1]
            for score in make_scores(
                seed.get("scores", {}), trace_id=task.trace_id, observation_id=task.span_id
            ):
                self.traces.add_score(score)
        for score in make_scores(run_scores or {}, dataset_run_id=experiment_id):
            self.traces.add_score(score)
        return experiment_id

    def seed_trace(
        self,
        name: str,
        input: Any,
        output: Any,
        *,
        tags: Sequence[str] = (),
        environment: str = "production",
        start_time: dt.datetime | None = None,
    ) -> str:
        """Stores a production trace (one root span) as the SDK would send it; returns its id."""
        start = start_time or now()
        trace_id = uuid.uuid4().hex
        attributes: dict[str, Any] = {
            "langfuse.observation.type": "span",
            "langfuse.observation.input": input if isinstance(input, str) else json.dumps(input),
            "langfuse.observation.output": output
            if isinstance(output, str)
            else json.dumps(output),
            "langfuse.trace.name": name,
            "langfuse.environment": environment,
        }
        if tags:
            attributes["langfuse.trace.tags"] = list(tags)
        span = otlp.StoredSpan(
            trace_id=trace_id,
            span_id=uuid.uuid4().hex[:16],
            parent_span_id=None,
            name=name,
            scope="langfuse-sdk",
            attributes=attributes,
            start_time=start,
            end_time=start + dt.timedelta(milliseconds=50),
        )
        self.traces.add_spans([span])
        return trace_id

    # ---- inspection -----------------------------------------------------------------------

    @property
    def spans(self) -> list[StoredSpan]:
        return self.traces.spans

    @property
    def scores(self) -> list[StoredScore]:
        return self.traces.scores

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def errors(self) -> list[str]:
        """Spec mismatches and unhandled requests, one sentence each."""
        with self._lock:
            return list(self._errors)

    def spans_named(self, name: str) -> list[StoredSpan]:
        return [span for span in self.spans if span.name == name]

    # ---- request handling -----------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> _Faults | None:
        with self._lock:
            faults = self._faults
            if faults.remaining <= 0:
                return None
            if faults.reads_only and method != "GET":
                return None
            if not path.startswith(faults.path_prefix):
                return None
            faults.remaining -= 1
            return faults

    def _authorized(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            public_key, _, secret_key = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        with self._lock:
            return self._keys.get(public_key) == secret_key and bool(secret_key)

    def _handle(self, incoming: _Incoming) -> tuple[int, Any, dict[str, str]]:
        faults = self._take_fault(incoming.method, incoming.path)
        if faults is not None:
            headers = {"Retry-After": faults.retry_after} if faults.retry_after else {}
            message = f"Injected failure ({faults.status})"
            if faults.echo_headers:
                message += f"; request headers: {json.dumps(incoming.headers, sort_keys=True)}"
            return faults.status, {"message": message}, headers
        if not self._authorized(incoming.headers.get("authorization", "")):
            return 401, ApiError(401, _BAD_KEYS).body(), {}
        route, params = find_route(incoming.method, incoming.path)
        operation = self._spec.operation(incoming.method, incoming.path)
        if route is None or operation is None:
            what = "the fake implements no" if route is None else "the spec describes no"
            incoming.errors.append(f"{incoming.method} {incoming.path}: {what} such endpoint")
            return 404, ApiError(404, "Not found").body(), {}
        incoming.errors.extend(self._spec.query_errors(operation, incoming.query))
        body = self._request_body(incoming, operation)
        if incoming.errors:
            return 500, {"message": "Request does not match the Langfuse OpenAPI spec"}, {}
        try:
            status, answer = route.handler(self, params, incoming.query, body)
        except ApiError as error:
            return error.status, error.body(), {}
        if isinstance(body, list) and incoming.path == "/api/public/scores":
            return status, answer, {}  # the batch answers (202/207) are newer than the spec
        problems = self._spec.response_errors(operation, status, answer)
        if problems:
            incoming.errors.extend(f"response {status}: {p}" for p in problems)
            return 500, {"message": "Response does not match the Langfuse OpenAPI spec"}, {}
        return status, answer, {}

    def _record(self, incoming: _Incoming, status: int, answer: Any) -> None:
        body: Any = None
        if incoming.raw and incoming.path != "/api/public/otel/v1/traces":
            try:
                body = json.loads(incoming.raw)
            except ValueError:
                body = incoming.raw.decode("utf-8", "replace")
        headers = {k: v for k, v in incoming.headers.items() if k != "authorization"}
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    incoming.method, incoming.path, incoming.query, headers, body, status, answer
                )
            )
            self._errors.extend(f"{incoming.method} {incoming.path}: {e}" for e in incoming.errors)

    def _request_body(self, incoming: _Incoming, operation: Any) -> Any:
        content_type = incoming.headers.get("content-type", "")
        if incoming.path == "/api/public/otel/v1/traces":
            try:
                message = otlp.decode_export(
                    incoming.raw, content_type, incoming.headers.get("content-encoding", "")
                )
            except ValueError as error:
                incoming.errors.append(f"OTLP body: {error}")
                return None
            shape = otlp.spec_shape(message)
            incoming.errors.extend(
                f"OTLP body {e}" for e in self._spec.request_errors(operation, shape)
            )
            for span in otlp.spans_of(message):
                if len(span.trace_id) != 32 or len(span.span_id) != 16:
                    incoming.errors.append(f"OTLP span {span.name!r} has malformed ids")
            return message
        if not incoming.raw:
            if operation.request_schema is not None:
                incoming.errors.append("request body is missing")
            return None
        try:
            body = json.loads(incoming.raw)
        except ValueError as error:
            incoming.errors.append(f"request body is not JSON: {error}")
            return None
        if incoming.path == "/api/public/scores" and isinstance(body, list):
            # SDK 5.0.4 posts a batch; the spec (older) describes one CreateScoreRequest.
            for index, element in enumerate(body):
                incoming.errors.extend(
                    f"request body [{index}] {e}"
                    for e in self._spec.component_errors("CreateScoreRequest", element)
                )
            return body
        checked = body
        if incoming.path == "/api/public/dataset-items" and isinstance(body, dict):
            # SDK 5.0.4 sends explicit nulls that the spec's non-nullable fields reject.
            checked = {k: v for k, v in body.items() if v is not None}
        incoming.errors.extend(
            f"request body {e}" for e in self._spec.request_errors(operation, checked)
        )
        return body


_BAD_KEYS = "Invalid credentials. Confirm that you've configured the correct host."


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLangfuse
    protocol_version = "HTTP/1.0"  # one request per connection: shutdown never waits on keep-alive

    def _serve(self) -> None:
        split = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        incoming = _Incoming(
            method=self.command,
            path=split.path,
            query=urllib.parse.parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=self.rfile.read(length) if length else b"",
        )
        try:
            status, answer, extra_headers = self.fake._handle(incoming)
        except Exception as error:  # a bug in the fake must fail the test, not hang the SDK
            incoming.errors.append(f"the fake server crashed: {error!r}")
            status, answer, extra_headers = 500, {"message": "fake server error"}, {}
        self.fake._record(incoming, status, answer)
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in extra_headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return
