"""OpenTelemetry traces for agent turns, tool calls and HTTP requests, and beneath them the
SQL, S3 (botocore), Redis and outgoing HTTP (httpx: Letta, the model and image APIs) calls they
make, so a slow turn's trace shows where its time went.

Spans are always created (cheaply, as no-ops) and exported over OTLP/HTTP only when
OTEL_EXPORTER_OTLP_ENDPOINT is set; the libraries are instrumented only then, so tracing costs
nothing until someone collects it. `dsf_app/logs.py` writes the current span's ids on each log
line.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from starlette.types import ASGIApp

from dsf_app.db import get_engine
from dsf_app.settings import Settings, get_settings

tracer = trace.get_tracer("dsf")


def configure(settings: Settings | None = None) -> TracerProvider | None:
    """Export spans to the configured OTLP endpoint and trace the libraries' calls; None when
    tracing is off. Once per process: a second call returns the provider the first set up."""
    endpoint = (settings or get_settings()).otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": "deep-sci-fi"}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces"))
    )
    trace.set_tracer_provider(provider)
    _instrument_libraries()
    return provider


def _instrument_libraries() -> None:
    """Spans for every SQL statement on the app's engine, S3 request, Redis command and httpx
    request, as children of the span current when they run."""
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    # The instrumentation declares SQLAlchemy < 2.1 and would skip our 2.1 without a word; the
    # cursor events it listens to are unchanged in 2.1, and tests/test_telemetry.py checks that
    # a turn's SQL is traced.
    SQLAlchemyInstrumentor().instrument(engine=get_engine(), skip_dep_check=True)
    BotocoreInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument()
    RedisInstrumentor().instrument()


def traced_http(app: ASGIApp) -> ASGIApp:
    """One span per HTTP request (pages, /health, /auth, /assets and the event socket)."""
    return OpenTelemetryMiddleware(app)
