"""An OpenTelemetry collector double: receives OTLP/HTTP protobuf trace exports."""

from __future__ import annotations

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.fakes.http_server import FakeHTTPServer, JSONHandler


class _Handler(JSONHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if (
            self.path != "/v1/traces"
            or self.headers.get("Content-Type") != "application/x-protobuf"
        ):
            self.send_json(404, {"error": "only OTLP/HTTP protobuf traces are collected here"})
            return
        export = ExportTraceServiceRequest.FromString(body)
        self.fake.take(export)
        self.send_bytes(
            200, ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf"
        )


class FakeOTLPCollector(FakeHTTPServer):
    handler_class = _Handler

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[Span] = []

    def take(self, export: ExportTraceServiceRequest) -> None:
        with self.lock:
            for resource_spans in export.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    self.spans.extend(scope_spans.spans)

    def attributes(self, span: Span) -> dict[str, object]:
        return {
            item.key: getattr(item.value, str(item.value.WhichOneof("value")))
            for item in span.attributes
        }
