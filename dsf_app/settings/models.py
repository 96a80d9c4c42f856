"""Settings of the models DSF asks: the keys and servers of the language models the agents run
on (any OpenAI-compatible server among them), the model every agent is given, and the image
APIs and models. Part of `Settings`."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class ModelSettings(BaseSettings):
    anthropic_api_key: SecretStr = Field(default=SecretStr(""), alias="ANTHROPIC_API_KEY")
    openai_api_key: SecretStr = Field(default=SecretStr(""), alias="OPENAI_API_KEY")
    gemini_api_key: SecretStr = Field(default=SecretStr(""), alias="GEMINI_API_KEY")
    openai_base_url: str = Field(
        default="",
        alias="OPENAI_BASE_URL",
        description="Any OpenAI-compatible server (Ollama, vLLM).",
    )
    openai_image_base_url: str = Field(
        default="",
        alias="OPENAI_IMAGE_BASE_URL",
        description="OpenAI-compatible images API; OpenAI's own when empty (not OPENAI_BASE_URL).",
    )
    google_image_base_url: str = Field(
        default="",
        alias="GOOGLE_IMAGE_BASE_URL",
        description="Gemini API endpoint for images; Google's own when empty.",
    )
    openai_image_model: str = Field(
        default="gpt-image-2.5-flare",
        alias="DSF_OPENAI_IMAGE_MODEL",
        description="OpenAI image model (gpt-image-1 was shut down on 2026-10-23).",
    )
    google_image_model: str = Field(
        default="gemini-3.1-flash-image",
        alias="DSF_GOOGLE_IMAGE_MODEL",
        description="Gemini image model (the Imagen models were shut down on 2026-08-17).",
    )
    image_timeout_seconds: float = Field(
        default=120, alias="DSF_IMAGE_TIMEOUT", description="Seconds to wait for one image attempt."
    )
    agent_model: str = Field(
        default="", alias="DSF_AGENT_MODEL", description="Letta model handle for every agent."
    )

    @property
    def llm_configured(self) -> bool:
        return any(
            (
                self.anthropic_api_key.get_secret_value(),
                self.openai_api_key.get_secret_value(),
                self.gemini_api_key.get_secret_value(),
                self.openai_base_url,
            )
        )
