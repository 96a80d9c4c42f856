"""The Reflex app: theme, pages and the plain HTTP routes."""

from __future__ import annotations

import reflex as rx

from dsf_app.http_routes import http_app
from dsf_app.pages import runs, signin, story, world, worlds

app = rx.App(
    theme=rx.theme(appearance="dark", accent_color="cyan", gray_color="slate", radius="medium"),
    api_transformer=http_app,
)
app.add_page(worlds.worlds_page, route="/", title="Deep Sci-Fi")
app.add_page(worlds.worlds_page, route=worlds.ROUTE, title="Worlds · Deep Sci-Fi")
app.add_page(world.world_page, route=world.ROUTE, title="World · Deep Sci-Fi")
app.add_page(story.story_page, route=story.ROUTE, title="Story · Deep Sci-Fi")
app.add_page(runs.runs_page, route=runs.ROUTE, title="Runs · Deep Sci-Fi")
app.add_page(signin.signin_page, route=signin.ROUTE, title="Sign in · Deep Sci-Fi")
