"""The HTTP edge of the trust boundary, against the app as it ships: security headers on a page,
a static file, an asset redirect and /health; the event socket and CORS refuse other origins;
and the whole app (sign-up, a chat turn, canvas images, a toast, the reader's pager) works
under its Content-Security-Policy in Chromium without a single violation."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from typing import Any

import httpx
import pytest
import websocket
from playwright.sync_api import Page, expect

from dsf_app.db import session_scope
from dsf_app.services import asset_files, assets, stories, worlds
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings
from dsf_app.storage import asset_key
from tests.accounts import SESSION_COOKIE, Account, new_account, sign_up_over_http
from tests.canvas_helpers import new_tag, node, open_world, send, turn_done
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall

pytestmark = pytest.mark.usefixtures("dsf_in_process")

# A 1x1 PNG, stored through the services like a generated image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)
FOREIGN = "https://evil.example"
# Records every CSP violation the page reports, from before any of its own scripts run.
CSP_WATCH = (
    "window.__csp = []; document.addEventListener('securitypolicyviolation', "
    "(e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parsed}


def assert_security_headers(response: httpx.Response, settings: Settings) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    # Served over http here: no HSTS (tests/test_security_headers.py has the https case).
    assert "strict-transport-security" not in response.headers
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in csp["script-src"][1:])
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert csp["img-src"] == ["'self'", "data:", settings.public_origin]
    assert csp["connect-src"] == [
        "'self'",
        settings.public_origin,
        settings.public_origin.replace("http://", "ws://"),
    ]
    assert csp["frame-src"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


def stored_image(actor: Actor, world_id: uuid.UUID) -> uuid.UUID:
    """A 1x1 PNG in S3 and its Asset row, as a generated image is stored."""
    key = asset_key(actor.user_id, world_id, "pixel.png")
    asset_files.asset_storage().put(key, PNG, "image/png")
    with session_scope() as session:
        return assets.record_asset(session, actor, world_id, key, "image/png", len(PNG)).id


def test_pages_static_files_asset_redirects_and_health_carry_the_headers(
    app_url: str, test_settings: Settings
) -> None:
    account = new_account()
    token = sign_up_over_http(app_url, account)
    cookies = {SESSION_COOKIE: token}
    actor = actor_of(account)
    with session_scope() as session:
        world_id = worlds.create_world(session, actor, "Headers").id
    asset_id = stored_image(actor, world_id)

    page = httpx.get(f"{app_url}/worlds", cookies=cookies, follow_redirects=True)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for response in (*page.history, page):  # /worlds redirects to /worlds/ first
        assert_security_headers(response, test_settings)
    # Every inline script of the page is admitted by its hash, and nothing else inline.
    hashes = {
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(page.text)
    }
    assert hashes and hashes <= set(directives(page)["script-src"])

    bundle = re.search(r'src="(/assets/[^"]+\.js)"|import "(/assets/[^"]+\.js)"', page.text)
    assert bundle is not None
    static = httpx.get(f"{app_url}{bundle.group(1) or bundle.group(2)}")
    assert static.status_code == 200
    assert_security_headers(static, test_settings)

    image = httpx.get(f"{app_url}/assets/{asset_id}", cookies=cookies)
    assert image.status_code == 200 and image.content == PNG
    assert_security_headers(image, test_settings)

    for probe in ("/livez", "/readyz", "/health"):
        health = httpx.get(f"{app_url}{probe}")
        assert health.status_code == 200
        assert_security_headers(health, test_settings)


def socket_url(app_url: str) -> str:
    return app_url.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"


def test_the_event_socket_refuses_a_foreign_origin_and_accepts_its_own(app_url: str) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(socket_url(app_url), origin=FOREIGN, timeout=15)
    own = websocket.create_connection(socket_url(app_url), origin=app_url, timeout=15)
    try:
        assert str(own.recv()).startswith("0{")  # engine.io's "open" packet
    finally:
        own.close()


def test_cors_answers_only_the_apps_own_origin(app_url: str) -> None:
    foreign = httpx.get(f"{app_url}/ping", headers={"Origin": FOREIGN})
    assert "access-control-allow-origin" not in foreign.headers
    preflight = httpx.options(
        f"{app_url}/ping",
        headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers.get("access-control-allow-origin") != FOREIGN
    own = httpx.get(f"{app_url}/ping", headers={"Origin": app_url})
    assert own.headers["access-control-allow-origin"] == app_url


def seed_long_story(actor: Actor, world_id: uuid.UUID) -> str:
    """A story of 41 parts: the reader shows 40 per page, so it has a second page."""
    with session_scope() as session:
        story = stories.create_story(session, actor, world_id, "The Long Tide", "")
        for n in range(1, 42):
            stories.add_segment(session, actor, story.id, f"Part {n} title", f"Tide {n} rose.")
        return str(story.id)


def test_the_app_works_under_its_content_security_policy(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, tag = signed_in_page, new_tag()
    page.add_init_script(CSP_WATCH)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))

    world_id = open_world(page, app_url, account)
    actor = actor_of(account)
    asset = stored_image(actor, uuid.UUID(world_id))
    picture: dict[str, Any] = {
        "type": "Image",
        "id": "pic",
        "props": {"src": f"/assets/{asset}", "alt": "a pixel"},
    }
    llm.on_user(
        f"show {tag}",
        then=[
            ToolCall("canvas_ui", {"target": "canvas-root", "spec": picture}),
            Reply(f"Here **it is** {tag}: ![pixel](/assets/{asset}) and [a page](/worlds)."),
        ],
    )
    send(page, f"show {tag}")
    turn_done(page, f"it is {tag}")
    canvas_image = node(page, "pic").locator("img")
    chat_image = page.locator(".chat-assistant img").last
    for image in (canvas_image, chat_image):
        expect(image).to_be_visible()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    expect(page.locator(".chat-assistant strong").last).to_have_text("it is")

    # A toast (a notice in state, shown by compiled code: no eval).
    page.goto(f"{app_url}/worlds")
    page.locator("#new-world").click()
    page.locator("#world-name").fill(f"Under Policy {tag}")
    page.locator("#world-premise").fill("Every page states what it may load.")
    page.locator("#create-world").click()
    expect(page.locator("[data-sonner-toast]").first).to_contain_text(f"Under Policy {tag}")

    # The reader, and its pager's scroll back to the top (compiled in: an eval'd string would be
    # refused and reported as a violation below).
    story_id = seed_long_story(actor, uuid.UUID(world_id))
    page.goto(f"{app_url}/worlds/{world_id}/stories/{story_id}")
    expect(page.locator(".dsf-segment").first).to_contain_text("Tide 1 rose.")
    page.get_by_role("button", name="Next page").last.click()
    expect(page.locator(".dsf-segment").first).to_contain_text("Tide 41 rose.")

    assert page.evaluate("window.__csp") == []
    assert [text for text in console if "Content Security Policy" in text] == []
