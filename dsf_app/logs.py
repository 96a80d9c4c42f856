"""The one logging configuration of every DSF process (the app and its workers, the devstack
command, the admin command): DSF_LOG_LEVEL and DSF_LOG_FORMAT, and on each line written inside
a traced span (a turn, a tool call, an HTTP request) the trace and span id it belongs to.

JSON lines come from the standard library's `json` rather than a package: one small formatter
is all a log collector needs, and it adds nothing to install, lock or license.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from opentelemetry import trace

from dsf_app.settings import Settings, get_settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TraceContext(logging.Filter):
    """Gives every record the ids of the OpenTelemetry span current where it was logged, so a
    module's logger needs nothing passed to it; both are "" outside a recorded span."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = trace.format_trace_id(context.trace_id) if context.is_valid else ""
        record.span_id = trace.format_span_id(context.span_id) if context.is_valid else ""
        return True


def _ids(record: logging.LogRecord) -> dict[str, str]:
    ids = {"trace_id": getattr(record, "trace_id", ""), "span_id": getattr(record, "span_id", "")}
    return ids if ids["trace_id"] else {}


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, trace and span ids while a
    span is current, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_ids(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False)


class TextLines(logging.Formatter):
    """The usual one-line text, with ` trace_id=… span_id=…` after the message inside a span."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{name}={value}" for name, value in _ids(record).items())
        return f"{super().formatMessage(record)} {ids}".rstrip()


def configure(settings: Settings | None = None, stream: TextIO | None = None) -> None:
    """Send every logger's records at DSF_LOG_LEVEL or above to `stream` (standard error) in
    DSF_LOG_FORMAT, replacing whatever handlers the root logger had."""
    settings = settings or get_settings()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(TraceContext())
    handler.setFormatter(JsonLines() if settings.log_format == "json" else TextLines())
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
