"""The throwaway stack a benchmark runs on, and the one person it acts as."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from playwright.sync_api import Page, Playwright

from dsf_app import db
from dsf_app.db import session_scope
from dsf_app.devstack import stack
from dsf_app.services import users
from dsf_app.services.actor import Actor
from dsf_app.settings import Settings, get_settings
from tests.accounts import new_account, sign_up_over_http, use_session
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, FAKE_MODEL
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import ScriptedLLM
from tests.harness.stack import make_home, remove_home, running, settings_for


@contextmanager
def throwaway_stack(
    *starters: Callable[[Settings], stack.ServiceStatus], **overrides: str
) -> Iterator[Settings]:
    """The services `starters` start, on free ports under a new DSF_HOME (settings `overrides`
    by variable name) that DSF's code in this process uses; its files go afterwards, or stay
    (and are named) when the benchmark failed."""
    home = make_home()
    settings = settings_for(home, **overrides)
    os.environ.update(settings.as_env())
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        with ExitStack() as services:
            for starter in starters:
                services.enter_context(running(settings, starter))
            yield settings
    except BaseException:
        print(f"logs kept in {home}/logs")
        raise
    else:
        remove_home(home)


@contextmanager
def app_on_scripted_model(llm: ScriptedLLM) -> Iterator[Settings]:
    """PostgreSQL, S3, Letta and the app as it ships, its agents on the scripted model."""
    with throwaway_stack(
        stack.start_postgres,
        stack.start_s3,
        stack.start_letta,
        stack.start_app,
        OPENAI_BASE_URL=llm.base_url,
        OPENAI_API_KEY="bench-key",
        DSF_AGENT_MODEL=f"openai-proxy/{FAKE_MODEL}",
    ) as settings:
        yield settings


@contextmanager
def database_only() -> Iterator[Settings]:
    """A migrated PostgreSQL of its own, and nothing else."""
    with throwaway_stack(stack.start_postgres) as settings:
        db.migrate(settings.database_url)
        yield settings


def bench_person() -> Actor:
    with session_scope() as session:
        return Actor.of(users.create_user(session, "bench@example.test", "Bench"))


def signed_up_person(app_url: str) -> tuple[str, Actor]:
    """A new person signed up over HTTP: their session token, and them."""
    account = new_account("Bench Person")
    return sign_up_over_http(app_url, account), actor_of(account)


def signed_in_tab(playwright: Playwright, app_url: str, token: str) -> Page:
    """A Chromium tab holding the session `token`, patient with a busy machine."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    use_session(context, app_url, token)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page
