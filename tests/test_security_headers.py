"""The security headers' rules that depend on the configuration, without starting the app:
Strict-Transport-Security only for an app served over https; the browser's own checks are in
tests/test_security_headers_e2e.py."""

from __future__ import annotations

import pytest

from dsf_app.security_headers import response_headers
from tests.harness.stack import settings_from


@pytest.mark.parametrize(
    ("app_url", "hsts"),
    [
        ("https://dsf.example.org", "max-age=31536000"),
        ("HTTPS://dsf.example.org:8443/", "max-age=31536000"),
        ("http://dsf.example.org", None),
        ("", None),  # a local start, on http://127.0.0.1
    ],
)
def test_strict_transport_security_only_over_https(app_url: str, hsts: str | None) -> None:
    headers = response_headers(settings_from(DSF_APP_URL=app_url), ["'sha256-abc'"])
    assert headers.get("Strict-Transport-Security") == hsts
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
