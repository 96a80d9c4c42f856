"""Session fixtures: the heavy services start once; each test makes its own people and worlds."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from psycopg import sql
from sqlalchemy import Engine
from sqlmodel import Session, create_engine

from dsf_app import db
from dsf_app.agents.approval_loop import Orchestrator
from dsf_app.db import session_scope
from dsf_app.devstack import postgres, stack
from dsf_app.letta.connection import connect
from dsf_app.services.actor import Actor
from dsf_app.services.users import create_user
from dsf_app.settings import Settings, get_settings
from dsf_app.storage import AssetStorage
from tests.accounts import Account, new_account, signed_up
from tests.factories import rolled_back_session
from tests.fakes.image_servers import DEFAULT_API_KEY, FakeGoogleImages, FakeOpenAIImages
from tests.fakes.llm_server import ScriptedLLM
from tests.fakes.oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeOIDCProvider
from tests.harness.stack import make_home, remove_home, running, settings_for
from tests.mailbox import Mailbox

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling hosts this sandbox can't reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAKE_MODEL = "dsf-fake-model"
# What a page shows after its first events (hydration, on_load) can take longer than
# Playwright's 5 s default on a machine busy with the whole stack; expect() still polls.
expect.set_options(timeout=20_000)
OPENAI_TEST_KEY = "test-key"
# The fixtures that start a real service (PostgreSQL, S3, Letta, the app, Chromium). A test whose
# fixtures reach none of them, and whose module is not marked `starts_services` (it runs the
# stack itself), is a unit test: `./test.sh -m unit` runs those alone, in seconds.
SERVICE_FIXTURES = {"pg_cluster", "storage", "letta_url", "mailbox", "app_url", "browser"}
FIRST_MODULES = {"test_start_stop.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if not fixtures & SERVICE_FIXTURES and item.get_closest_marker("starts_services") is None:
            item.add_marker(pytest.mark.unit)
    # The longest module goes first: run last, it kept one test process busy for two minutes
    # while the other had finished.
    items.sort(key=lambda item: item.path.name not in FIRST_MODULES)


@pytest.fixture(scope="session")
def stack_home() -> Iterator[Path]:
    home = make_home()
    yield home
    remove_home(home)


@pytest.fixture(scope="session")
def llm() -> Iterator[ScriptedLLM]:
    """The model behind the stack's Letta server, strict: a message no rule of the test expects
    is answered with an error naming it (never a quiet "OK."), and fails the test that sent it."""
    with ScriptedLLM(strict=True) as server:
        yield server


@pytest.fixture(autouse=True)
def _only_scripted_messages(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test that reaches the scripted model sends it nothing the test did not script, so a
    turn routed somewhere unexpected fails here even if the page looked fine."""
    if "llm" not in request.fixturenames:
        yield
        return
    server: ScriptedLLM = request.getfixturevalue("llm")
    server.take_unscripted()  # what an earlier test's turns sent after it ended is theirs
    yield
    unscripted = server.take_unscripted()
    assert not unscripted, f"The scripted model was sent messages no rule expects: {unscripted}"


@pytest.fixture(scope="session")
def openai_images() -> Iterator[FakeOpenAIImages]:
    """OpenAI's images API; it takes the same key as the chat model (OPENAI_API_KEY)."""
    with FakeOpenAIImages(api_key=OPENAI_TEST_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def google_images() -> Iterator[FakeGoogleImages]:
    """Gemini's image API, for GEMINI_API_KEY."""
    with FakeGoogleImages(api_key=DEFAULT_API_KEY) as server:
        yield server


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[FakeOIDCProvider]:
    """A local identity provider that the app signs in with, as Google (OIDC) and as GitHub."""
    with FakeOIDCProvider() as provider:
        yield provider


@pytest.fixture(scope="session")
def test_settings(
    stack_home: Path,
    llm: ScriptedLLM,
    oidc_provider: FakeOIDCProvider,
    openai_images: FakeOpenAIImages,
    google_images: FakeGoogleImages,
) -> Settings:
    return settings_for(
        stack_home,
        OPENAI_BASE_URL=llm.base_url,
        OPENAI_API_KEY=OPENAI_TEST_KEY,
        OPENAI_IMAGE_BASE_URL=openai_images.base_url,
        GOOGLE_IMAGE_BASE_URL=google_images.url,
        GEMINI_API_KEY=DEFAULT_API_KEY,
        DSF_AGENT_MODEL=f"openai-proxy/{FAKE_MODEL}",
        GOOGLE_CLIENT_ID=CLIENT_ID,
        GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        GOOGLE_OIDC_METADATA_URL=oidc_provider.metadata_url,
        GITHUB_CLIENT_ID=CLIENT_ID,
        GITHUB_CLIENT_SECRET=CLIENT_SECRET,
        # Every browser test signs up from here; the limit's own test uses other addresses.
        DSF_SIGNUP_LIMIT_EXEMPT="127.0.0.1",
        # Requests from these addresses stand for a reverse proxy (tests/test_auth_rules.py).
        DSF_TRUSTED_PROXIES="127.2.0.0/24",
        GITHUB_BASE_URL=oidc_provider.url,
        GITHUB_API_URL=oidc_provider.url,
    )


@pytest.fixture(scope="session")
def pg_cluster(test_settings: Settings) -> Iterator[postgres.PostgresCluster]:
    with running(test_settings, stack.start_postgres):
        yield stack.cluster(test_settings)


@pytest.fixture(scope="session")
def database_url(pg_cluster: postgres.PostgresCluster, test_settings: Settings) -> str:
    db.migrate(test_settings.database_url)
    return test_settings.database_url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    return create_engine(database_url, pool_pre_ping=True)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test."""
    with rolled_back_session(engine) as session:
        yield session


@pytest.fixture
def empty_database(pg_cluster: postgres.PostgresCluster) -> Iterator[str]:
    """A brand-new database (no extensions, no tables), dropped after the test."""
    name = f"empty_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield pg_cluster.uri(name, driver="postgresql+psycopg")
    db.get_engine.cache_clear()
    with psycopg.connect(pg_cluster.admin_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def storage(test_settings: Settings) -> Iterator[AssetStorage]:
    with running(test_settings, stack.start_s3):
        yield AssetStorage.from_settings(test_settings)


@pytest.fixture(scope="session")
def letta_url(pg_cluster: postgres.PostgresCluster, test_settings: Settings) -> Iterator[str]:
    with running(test_settings, stack.start_letta):
        yield test_settings.letta_base_url


@pytest.fixture(scope="session")
def mailbox(test_settings: Settings) -> Iterator[Mailbox]:
    """The local mail sink that the app sends every message to, and a reader of what it kept."""
    with running(test_settings, stack.start_mail):
        yield Mailbox(test_settings.mail_dir)


@pytest.fixture(scope="session")
def app_url(
    database_url: str,
    storage: AssetStorage,
    letta_url: str,
    mailbox: Mailbox,
    test_settings: Settings,
) -> Iterator[str]:
    """The app started as it ships: `reflex run --env prod`, against the test stack."""
    with running(test_settings, stack.start_app):
        yield test_settings.public_url


@pytest.fixture(scope="session")
def dsf_in_process(test_settings: Settings, database_url: str) -> Iterator[Settings]:
    """Point this test process's own DSF code (settings, engine) at the test stack."""
    saved = dict(os.environ)
    os.environ.update(test_settings.as_env())
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield get_settings()
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()
    db.get_engine.cache_clear()


@pytest.fixture
def person(dsf_in_process: Settings) -> Actor:
    """A new person, for tests that act as one directly (without signing in)."""
    with session_scope() as session:
        return Actor(create_user(session, f"{uuid.uuid4().hex}@example.test", "Ada").id)


@pytest.fixture
async def orchestrator(dsf_in_process: Settings, letta_url: str) -> AsyncIterator[Orchestrator]:
    """The turn's orchestrator, connected to the stack's Letta server."""
    async with connect(dsf_in_process) as letta:
        yield Orchestrator(letta)


# Per module: sync Playwright keeps an event loop running while it is open, which async tests
# (pytest-asyncio) cannot share, and no module mixes the two kinds.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def account() -> Account:
    """A new person's name, unique email and password (not signed up yet)."""
    return new_account()


@pytest.fixture
def signed_in_page(page: Page, app_url: str, account: Account) -> Page:
    """`page` after `account` signed up (over HTTP); it is on /worlds."""
    signed_up(page, app_url, account)
    return page
