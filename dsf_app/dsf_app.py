"""The Reflex app: theme, pages and the plain HTTP routes. Every page but /signin runs
`AuthState.require_session` on load, so a signed-out visitor is sent to sign in."""

from __future__ import annotations

import reflex as rx

from dsf_app import telemetry
from dsf_app.http_routes import http_app
from dsf_app.pages import gallery, runs, signin, story, world, worlds
from dsf_app.security_headers import SecurityHeaders
from dsf_app.state import feedback
from dsf_app.state.auth import AuthState
from dsf_app.state.chat import ChatState

telemetry.configure()
app = rx.App(
    theme=rx.theme(appearance="dark", accent_color="cyan", gray_color="slate", radius="medium"),
    # SecurityHeaders last: it wraps everything else, so every HTTP response carries them.
    api_transformer=[http_app, telemetry.traced_http, SecurityHeaders],
    backend_exception_handler=feedback.unexpected,
)
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
    title="World · Deep Sci-Fi",
    on_load=[*with_chat, *world.ON_LOAD],
)
app.add_page(
    story.story_page,
    route=story.ROUTE,
    title="Story · Deep Sci-Fi",
    on_load=[*with_chat, *story.ON_LOAD],
)
app.add_page(
    gallery.gallery_page,
    route=gallery.ROUTE,
    title="Gallery · Deep Sci-Fi",
    on_load=[require_session, *gallery.ON_LOAD],
)
app.add_page(runs.runs_page, route=runs.ROUTE, title="Runs · Deep Sci-Fi", on_load=require_session)
app.add_page(
    signin.signin_page,
    route=signin.ROUTE,
    title="Sign in · Deep Sci-Fi",
    on_load=AuthState.prepare_signin,
)
