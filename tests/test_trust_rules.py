"""The trust boundary's rules without a browser: which image sources and origins the settings
admit, the Markdown renderer's configuration (no raw HTML, an element allow-list, checked links
and images), the Content-Security-Policy built from a frontend build, and the /auth origin check.
The browser tests (test_trust_boundary_e2e.py, test_security_headers_e2e.py) show the same
rules holding in Chromium."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import reflex as rx
from reflex.vars import Var
from starlette.requests import Request

from dsf_app import image_sources
from dsf_app.auth.routes import cross_site_refusal
from dsf_app.components import untrusted_text
from dsf_app.security_headers import content_security_policy, inline_script_hashes
from dsf_app.settings import Settings, get_settings

ASSET = "/assets/0b7c3f6e-2d1a-4c5b-9e8f-7a6b5c4d3e2f"


def settings(**values: str) -> Settings:
    # pydantic-settings' own init options (_env_file) are not in the model's typed signature.
    return Settings(_env_file=None, DSF_APP_URL="https://dsf.example.org", **values)  # pyright: ignore[reportCallIssue]


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DSF_APP_URL", "https://dsf.example.org")
    monkeypatch.setenv("DSF_ALLOWED_ORIGINS", "https://www.dsf.example.org, HTTPS://Other.Example")
    monkeypatch.setenv("S3_PUBLIC_BASE_URL", "https://cdn.example.org/dsf")
    monkeypatch.setenv("DSF_ALLOWED_IMAGE_HOSTS", "images.example.net")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_images_come_from_our_assets_and_configured_hosts_only() -> None:
    plain = settings()
    assert image_sources.image_prefixes(plain) == ("https://dsf.example.org/assets/",)
    # /assets/<id> serves the bytes itself: the internal S3 endpoint is no image origin.
    assert image_sources.image_origins(plain) == ("https://dsf.example.org",)
    # A public S3 endpoint that /assets/<id> redirects to with presigned URLs is one.
    presigned = settings(S3_PUBLIC_ENDPOINT_URL="https://s3.example.org")
    assert image_sources.image_origins(presigned) == (
        "https://dsf.example.org",
        "https://s3.example.org",
    )
    cdn = settings(
        S3_PUBLIC_BASE_URL="https://CDN.example.org/dsf",
        DSF_ALLOWED_IMAGE_HOSTS="a.example, https://b.example/x",
    )
    assert image_sources.image_prefixes(cdn) == (
        "https://dsf.example.org/assets/",
        "https://cdn.example.org/dsf/",
        "https://a.example/",
        "https://b.example/x/",
    )
    assert image_sources.image_origins(cdn) == (
        "https://dsf.example.org",
        "https://cdn.example.org",
        "https://a.example",
        "https://b.example",
    )


@pytest.mark.usefixtures("configured")
def test_allowed_image_urls() -> None:
    allowed = [
        ASSET,
        f"https://dsf.example.org{ASSET}",
        "https://cdn.example.org/dsf/users/u/a.png",
        "https://images.example.net/a.png",
    ]
    refused = [
        "https://evil.example/a.png",
        "/assets/bundle.js",
        "//evil.example/a.png",
        "https://cdn.example.org/other/a.png",
        "https://images.example.net.evil.example/a.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",  # Markdown and avatars: no data URLs (the canvas allows some)
    ]
    assert [url for url in allowed if not image_sources.is_allowed_image(url)] == []
    assert [url for url in refused if image_sources.is_allowed_image(url)] == []


@pytest.mark.usefixtures("configured")
def test_trusted_origins_are_the_apps_own_and_the_configured_extras() -> None:
    assert get_settings().trusted_origins == (
        "https://dsf.example.org",
        "https://www.dsf.example.org",
        "https://other.example",
    )


def test_origins_are_spelt_as_browsers_send_them() -> None:
    assert settings().public_origin == "https://dsf.example.org"
    default_port = Settings(_env_file=None, DSF_APP_URL="HTTPS://User@DSF.example.org:443/app/")  # pyright: ignore[reportCallIssue]
    assert default_port.public_origin == "https://dsf.example.org"
    local = Settings(_env_file=None, DSF_APP_PORT=3456)  # pyright: ignore[reportCallIssue]
    assert local.trusted_origins == ("http://127.0.0.1:3456", "http://localhost:3456")


def post_from(origin: str | None) -> Request:
    headers = [(b"origin", origin.encode())] if origin else []
    return Request({"type": "http", "method": "POST", "path": "/auth/signin", "headers": headers})


@pytest.mark.usefixtures("configured")
def test_auth_posts_are_accepted_only_from_trusted_origins() -> None:
    for origin in ("https://dsf.example.org", "https://www.dsf.example.org"):
        assert cross_site_refusal(post_from(origin)) is None
    for origin in ("https://evil.example", "https://dsf.example.org.evil.example", "null", None):
        refusal = cross_site_refusal(post_from(origin))
        assert refusal is not None and refusal.status_code == 403


def markdown_props() -> dict[str, str]:
    wrapper = untrusted_text.markdown(Var("text", _var_type=str))
    rendered = wrapper.children[0].render()
    assert rendered["name"] == "ReactMarkdown"
    return dict(prop.split(":", 1) for prop in rendered["props"])


def test_markdown_is_rendered_without_raw_html_and_with_an_allow_list() -> None:
    props = markdown_props()
    # rx.markdown's defaults add rehype-raw (raw HTML as live DOM) and KaTeX; neither is here.
    assert props["rehypePlugins"] == "[]"
    assert props["remarkPlugins"] == "[remarkGfm]"
    assert props["skipHtml"] == "false"  # raw HTML stays, as the text it is
    assert props["unwrapDisallowed"] == "true"
    allowed = set(props["allowedElements"].strip("[]").replace('"', "").split(", "))
    assert allowed == set(untrusted_text.ALLOWED_ELEMENTS)
    assert not allowed & {"script", "iframe", "style", "input", "svg", "math", "form", "html"}


def test_links_and_images_are_checked_in_the_component_map() -> None:
    markdown = untrusted_text.markdown(Var("text", _var_type=str)).children[0]
    assert isinstance(markdown, rx.Component)
    code = markdown._get_custom_code()
    assert code is not None
    link = code[code.index('["a"]') : code.index('["code"]')]
    assert 'target:"_blank"' in link and 'rel:"noopener noreferrer nofollow"' in link
    assert "url.protocol !== 'http:' && url.protocol !== 'https:'" in link
    image = code[code.index('["img"]') : code.index('["pre"]')]
    assert 'referrerPolicy:"no-referrer"' in image
    assert f"{list(image_sources.image_prefixes())}".replace("'", '"') in image
    assert "dsf-blocked-image" in image


def test_the_policy_admits_the_builds_inline_scripts_by_hash(tmp_path: Path) -> None:
    body = "window.__reactRouterContext = {};"
    (tmp_path / "index.html").write_text(
        f'<html><script>{body}</script><script type="module" src="/assets/a.js"></script></html>'
    )
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "index.html").write_text("<script >$RC('B:1')</script >")
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    hashes = inline_script_hashes(tmp_path)
    assert f"'sha256-{digest}'" in hashes and len(hashes) == 2

    policy = content_security_policy(settings(DSF_ALLOWED_IMAGE_HOSTS="a.example"), hashes)
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["script-src"] == "'self' " + " ".join(hashes)
    assert directives["img-src"] == "'self' data: https://dsf.example.org https://a.example"
    assert directives["connect-src"] == "'self' https://dsf.example.org wss://dsf.example.org"
    for name, value in {
        "frame-src": "'none'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }.items():
        assert directives[name] == value
    assert "unsafe-eval" not in policy
