"""Which model the agents use: the configured one while it is offered, else one that is."""

from __future__ import annotations

import pytest

from dsf_app.agents.model_choice import MODEL_SETUP_HELP, choose_model
from dsf_app.errors import ServiceUnavailable
from tests.harness.stack import settings_from

OFFERED = ["openai-proxy/other-model", "letta/letta-free"]


def test_the_configured_model_while_it_is_offered() -> None:
    settings = settings_from(DSF_AGENT_MODEL="openai-proxy/m", OPENAI_BASE_URL="http://x/v1")
    assert choose_model(settings, ["openai-proxy/m", *OFFERED]) == "openai-proxy/m"


def test_a_configured_model_that_went_away_gives_way_to_an_offered_one() -> None:
    settings = settings_from(DSF_AGENT_MODEL="openai-proxy/m", OPENAI_BASE_URL="http://x/v1")
    assert choose_model(settings, OFFERED) == "openai-proxy/other-model"


def test_no_model_is_configured_only_when_none_is() -> None:
    settings = settings_from(
        DSF_AGENT_MODEL="openai-proxy/m",
        OPENAI_BASE_URL="",
        OPENAI_API_KEY="",
        ANTHROPIC_API_KEY="",
        GEMINI_API_KEY="",
    )
    with pytest.raises(ServiceUnavailable, match="No language model is configured"):
        choose_model(settings, ["letta/letta-free"])
    assert MODEL_SETUP_HELP.startswith("No language model is configured")
