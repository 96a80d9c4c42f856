"""The visits scripts/container_check.sh makes to the running container, from the host, as a
person's browser would: HTTP for the sign-in routes and pages, the Reflex websocket for events,
Chromium for what must be seen.

    container_probe.py first URL ACCOUNT_FILE   sign up, load /worlds and run its load events
    container_probe.py again URL ACCOUNT_FILE   sign in with the same password (after a restart)
    container_probe.py image URL ACCOUNT_FILE   in Chromium: a chat turn has an image generated,
                                                which My images shows (naturalWidth > 0)
    container_probe.py fakes ENV_FILE HOST      serve the scripted model and the image API on
                                                127.0.0.1 until stopped; the settings that
                                                point an app at them (reached at HOST) go to
                                                ENV_FILE

Prints one line per check; exits non-zero with the reason on the first that fails.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import httpx
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright

from dsf_app.state.auth import AuthState
from dsf_app.state.worlds import WorldsPageState
from tests.accounts import (
    SESSION_COOKIE,
    Account,
    new_account,
    sign_in_over_http,
    sign_up_over_http,
    use_session,
)
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, FAKE_MODEL, OPENAI_TEST_KEY
from tests.fakes.image_servers import FakeOpenAIImages
from tests.fakes.llm_server import Reply, ScriptedLLM, ToolCall
from tests.reflex_socket import reflex_socket

# The scripted turn that has an image made: the User Agent delegates to the Experience Agent,
# which calls the image generator (OpenAI's protocol, the fake), as tests/test_my_images_e2e.py.
IMAGE_ASK = "make me a picture for my wall"
IMAGE_TASK = "paint the lighthouse keeper"
IMAGE_PROMPT = "A lighthouse keeper reading by lamplight"
IMAGE_DONE = "It is in My images."
# scripts/deploy_check.sh's turns: one long enough to kill a replica while it runs, and the next.
SLOW_ASK = "tell me a slow story"
SLOW_REPLY = "Once upon a slow tide, the sea waited."
SLOW_SECONDS = 20
# The turn a replica is killed in: long enough to outlast a slow `podman kill`.
KILLED_ASK = "tell me the longest story"
KILLED_REPLY = "The longest story ends where the tide began."
KILLED_SECONDS = 90
NEXT_ASK = "and now the tide turns"
NEXT_REPLY = "The tide turns again."
# A person waits this long (ms) for a turn in a container that starts its agents cold.
TURN_TIMEOUT_MS = 180_000


class CheckFailed(Exception):
    pass


def check(ok: bool, what: str) -> None:
    if not ok:
        raise CheckFailed(what)
    print(f"  ok: {what}", flush=True)


def worlds_page_as(url: str, token: str, account: Account) -> None:
    """The /worlds page and its on-load events, as the signed-in person's browser loads them."""
    page = httpx.get(f"{url}/worlds", cookies={SESSION_COOKIE: token}, follow_redirects=True)
    check(page.status_code == 200 and "<html" in page.text, "GET /worlds serves the page")
    with reflex_socket(url, token) as socket:
        who = socket.send(AuthState.require_session, "/worlds")
        check(
            account.name in who.values_of("user_name"),
            f"the worlds page's session check knows {account.name}",
        )
        listing = socket.send(WorldsPageState.load, "/worlds")
        # A problem would reach the page as a notice (FeedbackState) for its toast.
        check(
            listing.values_of("loading")[-1:] == [False] and not listing.values_of("notices"),
            "the worlds page's load event finishes without a problem",
        )


def first(url: str, account_file: Path) -> None:
    account = new_account("Container Check")
    token = sign_up_over_http(url, account)
    check(bool(token), f"signed up {account.email} over POST /auth/signup")
    account_file.write_text(json.dumps(asdict(account)))
    worlds_page_as(url, token, account)


def again(url: str, account_file: Path) -> None:
    account = Account(**json.loads(account_file.read_text()))
    response = sign_in_over_http(url, account.email, account.password)
    check(
        response.status_code == 303 and response.headers.get("location") == "/worlds",
        f"signed in as {account.email} with the same password after the restart",
    )
    worlds_page_as(url, response.cookies[SESSION_COOKIE], account)


def script_model(llm: ScriptedLLM) -> None:
    llm.on_user(
        IMAGE_ASK,
        then=[ToolCall("delegate_to_experience", {"task": IMAGE_TASK}), Reply(IMAGE_DONE)],
    )
    llm.on_user(
        IMAGE_TASK,
        then=[
            ToolCall("image_generator", {"prompt": IMAGE_PROMPT, "provider": "openai"}),
            Reply("Painted the keeper."),
        ],
    )
    llm.on_user(SLOW_ASK, then=[Reply(SLOW_REPLY, delay=SLOW_SECONDS)])
    llm.on_user(KILLED_ASK, then=[Reply(KILLED_REPLY, delay=KILLED_SECONDS)])
    llm.on_user(NEXT_ASK, then=[Reply(NEXT_REPLY)])


def fakes(env_file: Path, host: str) -> None:
    """The scripted model and OpenAI's image API on 127.0.0.1, until SIGTERM or SIGINT. The
    settings that point an app (and its Letta) at them go to `env_file` (KEY=value lines, as
    `podman run --env-file` reads them), with `host` for the address at which the app reaches
    this machine's loopback."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with ScriptedLLM(models=(FAKE_MODEL,)) as llm, FakeOpenAIImages(OPENAI_TEST_KEY) as images:
        script_model(llm)
        settings = {
            "OPENAI_BASE_URL": llm.base_url,
            "OPENAI_API_KEY": OPENAI_TEST_KEY,
            "OPENAI_IMAGE_BASE_URL": images.base_url,
            "DSF_AGENT_MODEL": f"openai-proxy/{FAKE_MODEL}",
        }
        env_file.write_text(
            "".join(f"{k}={v.replace('127.0.0.1', host)}\n" for k, v in settings.items())
        )
        print(f"  scripted model at {llm.base_url}, image API at {images.base_url}", flush=True)
        try:
            while True:
                signal.pause()
        except KeyboardInterrupt:
            pass


@contextmanager
def chromium_page(url: str, token: str | None = None) -> Iterator[Page]:
    """A Chromium tab, holding the session `token` if given, as the person's browser after
    signing in."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(60_000)
        if token:
            use_session(context, url, token)
        try:
            yield context.new_page()
        finally:
            browser.close()


def send_chat(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


def generated_image_shows(page: Page, url: str) -> None:
    """Ask for an image in the chat on /worlds, then find it in My images, loaded."""
    page.goto(f"{url}/worlds")
    send_chat(page, IMAGE_ASK)
    expect(page.locator(".chat-row .chat-assistant").last).to_contain_text(
        IMAGE_DONE, timeout=TURN_TIMEOUT_MS
    )
    check(True, "a chat turn had the Experience Agent generate an image")
    page.goto(f"{url}/images")
    image = page.locator("img.dsf-gallery-image").first
    expect(image).to_be_attached()
    image.scroll_into_view_if_needed()
    source = image.get_attribute("src") or ""
    try:
        page.wait_for_function(
            "() => { const i = document.querySelector('img.dsf-gallery-image');"
            " return i && i.complete && i.naturalWidth > 0; }",
            timeout=30_000,
        )
    except PlaywrightError as exc:
        raise CheckFailed(
            f"My images shows {source} but the browser could not load it (the app answers "
            f"GET {source}: {asset_answer(page, url, source)})"
        ) from exc
    width = page.evaluate("document.querySelector('img.dsf-gallery-image').naturalWidth")
    check(width > 0, f"My images shows the generated image {source} (naturalWidth {width})")


def asset_answer(page: Page, url: str, source: str) -> str:
    """What the app answers the signed-in person for `source`: the status, and where a
    redirect leads (the address the browser was sent to)."""
    cookies = {c.get("name", ""): c.get("value", "") for c in page.context.cookies(url)}
    answer = httpx.get(f"{url}{source}", cookies=cookies, follow_redirects=False)
    location = answer.headers.get("location")
    return f"{answer.status_code}{f' to {location}' if location else ''}"


def image(url: str, account_file: Path) -> None:
    account = Account(**json.loads(account_file.read_text()))
    response = sign_in_over_http(url, account.email, account.password)
    check(response.status_code == 303, f"signed in as {account.email}")
    with chromium_page(url, response.cookies[SESSION_COOKIE]) as page:
        generated_image_shows(page, url)


def main() -> int:
    step = sys.argv[1]
    try:
        if step == "fakes":
            fakes(Path(sys.argv[2]), sys.argv[3])
            return 0
        url, account_file = sys.argv[2].rstrip("/"), Path(sys.argv[3])
        {"first": first, "again": again, "image": image}[step](url, account_file)
    except (CheckFailed, AssertionError, httpx.HTTPError, TimeoutError, PlaywrightError) as exc:
        print(f"  FAILED: {exc or type(exc).__name__}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
