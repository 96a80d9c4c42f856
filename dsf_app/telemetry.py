"""OpenTelemetry traces for agent turns, tool calls and HTTP requests.

Spans are always created (cheaply, as no-ops) and exported over OTLP/HTTP only when
OTEL_EXPORTER_OTLP_ENDPOINT is set, so tracing costs nothing until someone collects it.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.types import ASGIApp

from dsf_app.settings import Settings, get_settings

tracer = trace.get_tracer("dsf")


def configure(settings: Settings | None = None) -> TracerProvider | None:
    """Export spans to the configured OTLP endpoint; None when tracing is off."""
    endpoint = (settings or get_settings()).otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": "deep-sci-fi"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces"))
    )
    trace.set_tracer_provider(provider)
    return provider


def traced_http(app: ASGIApp) -> ASGIApp:
    """One span per HTTP request (pages, /health, /auth, /assets and the event socket)."""
    return OpenTelemetryMiddleware(app)
