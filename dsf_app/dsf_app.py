"""The Reflex app: theme, icons, pages (each with its own title) and the plain HTTP routes.
Every page but /signin runs `AuthState.require_session` on load, so a signed-out visitor is
sent to sign in. The files in the repository's `assets/` folder are served at the root."""

from __future__ import annotations

import reflex as rx

from dsf_app import logs, telemetry
from dsf_app.http_routes import http_app
from dsf_app.pages import (
    account,
    analytics,
    codex_entry,
    gallery,
    runs,
    search,
    signin,
    source,
    story,
    trajectory,
    world,
    worlds,
)
from dsf_app.security_headers import SecurityHeaders
from dsf_app.state import feedback
from dsf_app.state.auth import AuthState
from dsf_app.state.chat import ChatState
from dsf_app.state.gallery import GalleryState
from dsf_app.state.source_reader import SourceReaderState
from dsf_app.state.story import StoryPageState
from dsf_app.state.tab_owner import TabFollowsSession
from dsf_app.state.world import WorldPageState
from dsf_app.visitors import keep_visitors_apart

logs.configure()
telemetry.configure()
app = rx.App(
    theme=rx.theme(appearance="dark", accent_color="cyan", gray_color="slate", radius="medium"),
    # SecurityHeaders last: it wraps everything else, so every HTTP response carries them.
    api_transformer=[http_app, telemetry.traced_http, SecurityHeaders],
    backend_exception_handler=feedback.unexpected,
    stylesheets=["/theme.css"],
    head_components=[
        # Enter and Space on elements that act as buttons (assets/keyboard.js says which).
        rx.el.script(src="/keyboard.js", defer=True),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="48x48"),
        rx.el.link(rel="icon", href="/icon.svg", type="image/svg+xml"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
        rx.el.meta(name="theme-color", content="#0b1320"),
    ],
)
# A tab opened under another sign-in session than its state was filled under starts afresh.
app.add_middleware(TabFollowsSession())
# Page state only for signed-in tabs; every event's size bounded (dsf_app/visitors.py).
keep_visitors_apart(app)
require_session = AuthState.require_session
# Pages with the agent chat beside them load the conversation for their agent.
with_chat = [require_session, ChatState.load]
app.add_page(
    worlds.worlds_page, route="/", title="Deep Sci-Fi", on_load=[*with_chat, *worlds.ON_LOAD]
)
app.add_page(
    worlds.worlds_page,
    route=worlds.ROUTE,
    title="Worlds · Deep Sci-Fi",
    on_load=[*with_chat, *worlds.ON_LOAD],
)
app.add_page(
    world.world_page,
    route=world.ROUTE,
    title=WorldPageState.page_title,
    on_load=[*with_chat, *world.ON_LOAD],
)
app.add_page(
    story.story_page,
    route=story.ROUTE,
    title=StoryPageState.page_title,
    on_load=[*with_chat, *story.ON_LOAD],
)
app.add_page(
    gallery.gallery_page,
    route=gallery.ROUTE,
    title=GalleryState.page_title,
    on_load=[require_session, *gallery.ON_LOAD],
)
app.add_page(
    codex_entry.entry_page,
    route=codex_entry.ROUTE,
    title="Codex · Deep Sci-Fi",
    on_load=[require_session, *codex_entry.ON_LOAD],
)
app.add_page(
    source.source_page,
    route=source.ROUTE,
    title=SourceReaderState.page_title,
    on_load=[require_session, *source.ON_LOAD],
)
app.add_page(
    search.search_page, route=search.ROUTE, title="Search · Deep Sci-Fi", on_load=require_session
)
app.add_page(
    gallery.my_images_page,
    route=gallery.MY_IMAGES_ROUTE,
    title="My images · Deep Sci-Fi",
    on_load=[require_session, *gallery.ON_LOAD],
)
app.add_page(
    account.account_page,
    route=account.ROUTE,
    title="Account · Deep Sci-Fi",
    on_load=[require_session, *account.ON_LOAD],
)
app.add_page(runs.runs_page, route=runs.ROUTE, title="Runs · Deep Sci-Fi", on_load=require_session)
app.add_page(
    trajectory.trajectory_page,
    route=trajectory.ROUTE,
    title="Trajectory · Deep Sci-Fi",
    on_load=[require_session, *trajectory.ON_LOAD],
)
app.add_page(
    analytics.analytics_page,
    route=analytics.ROUTE,
    title="Analytics · Deep Sci-Fi",
    on_load=require_session,
)
app.add_page(
    signin.signin_page,
    route=signin.ROUTE,
    title="Sign in · Deep Sci-Fi",
    on_load=AuthState.prepare_signin,
)
