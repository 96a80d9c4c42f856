"""Which model the agents use: the configured one while it is offered, else one that is."""

from __future__ import annotations

import pytest

from dsf_app.errors import ServiceUnavailable
from dsf_app.letta.model_choice import MODEL_SETUP_HELP, ModelChoice, OfferedModels, choose_model
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


NOW = OfferedModels(
    ModelChoice("openai-proxy/other-model", "http://x/v1", None), frozenset(OFFERED)
)


def test_an_agent_whose_model_went_away_is_told_which_one_it_uses_now() -> None:
    assert NOW.moved("openai-proxy/m") == (
        "The model “openai-proxy/m” is no longer offered by the configured model servers; "
        "this agent now uses “openai-proxy/other-model”."
    )


def test_nothing_is_said_while_the_agents_model_is_still_offered() -> None:
    """A model changed on purpose (DSF_AGENT_MODEL) did not go away; a new agent had none."""
    assert NOW.moved("letta/letta-free") is None
    assert NOW.moved("openai-proxy/other-model") is None
    assert NOW.moved(None) is None
