"""The agent chat panel that sits beside every page but sign-in."""

from __future__ import annotations

import reflex as rx

from dsf_app.settings import get_settings

MODEL_SETUP_HELP = (
    "No language model is configured yet, so the agents cannot answer. "
    "Set one of ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY — or OPENAI_BASE_URL "
    "for an OpenAI-compatible server such as a local Ollama (http://127.0.0.1:11434/v1) — "
    "in .env, then run ./stop.sh and ./start.sh: the key is passed to the Letta server."
)


def model_setup_notice() -> rx.Component:
    return rx.callout(
        MODEL_SETUP_HELP,
        icon="key-round",
        color_scheme="amber",
        id="model-setup-notice",
    )


def chat_panel(agent_label: str) -> rx.Component:
    notice = () if get_settings().llm_configured else (model_setup_notice(),)
    return rx.vstack(
        rx.hstack(
            rx.icon("bot", size=18),
            rx.heading(agent_label, size="3"),
            align="center",
        ),
        *notice,
        rx.text("Your conversation will appear here.", color_scheme="gray", size="2"),
        width="100%",
        height="100%",
        padding="1em",
        spacing="3",
        id="chat-panel",
    )
