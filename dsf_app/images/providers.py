"""Image generation behind one interface: OpenAI's images API and Google's Gemini image models.

Vendor failures become DSF errors here, once, as sentences a person or an agent can act on.
"""

from __future__ import annotations

import base64
import binascii
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, Self

import httpx
import httpx2
import openai
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from pydantic import BaseModel, ConfigDict, Field

from dsf_app.errors import DSFError, Invalid, ServiceUnavailable
from dsf_app.images.references import ReferenceImage, prompt_with_references
from dsf_app.settings import Settings

ImageSize = Literal["1024x1024", "1536x1024", "1024x1536"]
ASPECT_RATIOS: dict[ImageSize, str] = {"1024x1024": "1:1", "1536x1024": "3:2", "1024x1536": "2:3"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024
# Both SDKs retry timeouts, 429 and 5xx with backoff; the timeout applies to each attempt.
DEFAULT_MAX_RETRIES = 2
# OpenAI's refusal codes: gpt-image models send the first, the retired DALL·E models the second.
OPENAI_REFUSAL_CODES = {"moderation_blocked", "content_policy_violation"}
# google-genai raises its HTTP backend's own errors: httpx2 by default, httpx when configured,
# asyncio's TimeoutError when aiohttp is installed.
GOOGLE_TIMEOUTS = (TimeoutError, httpx.TimeoutException, httpx2.TimeoutException)
GOOGLE_TRANSPORT_ERRORS = (httpx.TransportError, httpx2.TransportError)
STOP = genai_types.FinishReason.STOP


class ImageRequest(BaseModel):
    """One image to draw."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    prompt: str = Field(
        min_length=1,
        max_length=4000,
        description="What the image shows: subject, setting, light, mood, composition.",
    )
    size: ImageSize = Field(
        default="1024x1024", description="Width x height in pixels: square, landscape or portrait."
    )
    style: str | None = Field(
        default=None,
        max_length=500,
        description="Art direction, e.g. 'ink and watercolour' or 'cinematic film still'.",
    )

    @property
    def full_prompt(self) -> str:
        # Neither vendor's current models take a style parameter: style travels in the prompt.
        return f"{self.prompt}\n\nStyle: {self.style}" if self.style else self.prompt

    @property
    def aspect_ratio(self) -> str:
        return ASPECT_RATIOS[self.size]


@dataclass(frozen=True)
class GeneratedImage:
    data: bytes
    content_type: str
    provider: str
    model: str
    revised_prompt: str | None = None


class ImageProvider(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    async def generate(
        self,
        request: ImageRequest,
        references: Sequence[ReferenceImage] = (),
        *,
        edit: bool = False,
    ) -> GeneratedImage:
        """Draw the image; with `references`, from those images (with `edit`, by changing the
        first one)."""
        ...


def env_name(setting: str) -> str:
    """The environment variable that sets a field of `Settings`."""
    return Settings.model_fields[setting].alias or setting.upper()


def image_content_type(data: bytes) -> str | None:
    """The MIME type that the bytes' own signature shows, if they are PNG, JPEG or WebP."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class VendorImageProvider(ABC):
    """What both vendors share: configuration from `Settings`, error sentences, the image check."""

    name: str  # the vendor, set by each subclass
    label: ClassVar[str]
    default_base_url: ClassVar[str]
    key_setting: ClassVar[str]
    base_url_setting: ClassVar[str]
    model_setting: ClassVar[str]

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        model: str | None = None,
        timeout_seconds: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url or self.default_base_url
        self.model: str = model or Settings.model_fields[self.model_setting].default
        self.timeout_seconds: float = (
            timeout_seconds or Settings.model_fields["image_timeout_seconds"].default
        )
        self.max_retries = max_retries

    @classmethod
    def is_configured(cls, settings: Settings) -> bool:
        return bool(getattr(settings, cls.key_setting).get_secret_value())

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            getattr(settings, cls.key_setting).get_secret_value(),
            getattr(settings, cls.base_url_setting) or None,
            getattr(settings, cls.model_setting),
            settings.image_timeout_seconds,
        )

    async def generate(
        self,
        request: ImageRequest,
        references: Sequence[ReferenceImage] = (),
        *,
        edit: bool = False,
    ) -> GeneratedImage:
        prompt = prompt_with_references(request.full_prompt, len(references), edit=edit)
        data, revised_prompt = await self._generate(request, prompt, references)
        if len(data) > MAX_IMAGE_BYTES:
            raise self._too_large()
        content_type = image_content_type(data)
        if content_type is None:
            raise ServiceUnavailable(
                f"{self.label} returned data that is not a PNG, JPEG or WebP image — "
                "try again, or use the other image provider."
            )
        return GeneratedImage(data, content_type, self.name, self.model, revised_prompt)

    @abstractmethod
    async def _generate(
        self, request: ImageRequest, prompt: str, references: Sequence[ReferenceImage]
    ) -> tuple[bytes, str | None]:
        """The image's bytes and the prompt the vendor says it used, or a DSF error."""

    def _refused(self, reason: str) -> Invalid:
        return Invalid(
            f"The image provider ({self.label}) refused this prompt: {reason.rstrip('.')} "
            "— rephrase it."
        )

    def _rejected(self, detail: str) -> Invalid:
        return Invalid(f"{self.label} rejected the image request: {detail.rstrip('.')}.")

    def _too_large(self) -> ServiceUnavailable:
        return self._failed(f"the image is larger than DSF's limit of {MAX_IMAGE_BYTES} bytes")

    def _timed_out(self) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{self.label} did not return an image within {self.timeout_seconds:g} s — "
            f"try again, or raise {env_name('image_timeout_seconds')}."
        )

    def _rate_limited(self) -> ServiceUnavailable:
        return ServiceUnavailable(f"{self.label} image rate limit reached — try again in a minute.")

    def _unauthorized(self, detail: str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{self.label} rejected the image API key ({detail.rstrip('.')}) — "
            f"check {env_name(self.key_setting)}."
        )

    def _unknown_model(self) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{self.label} has no image model {self.model!r} — set "
            f"{env_name(self.model_setting)} to a model it offers."
        )

    def _unreachable(self) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{self.label} images are not reachable at {self.base_url} — check the network "
            f"and {env_name(self.base_url_setting)}, then try again."
        )

    def _failed(self, detail: str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"{self.label} could not make the image ({detail.rstrip('.')}) — "
            "try again later, or use the other image provider."
        )


class OpenAIImageProvider(VendorImageProvider):
    """OpenAI's images API or any server that speaks it: `POST /v1/images/generations` from a
    prompt, `POST /v1/images/edits` (multipart, one `image[]` part per image) from images."""

    name = "openai"
    label = "OpenAI"
    # Explicit, because the SDK would otherwise read OPENAI_BASE_URL, which is the chat LLM's.
    default_base_url = "https://api.openai.com/v1"
    key_setting = "openai_api_key"
    base_url_setting = "openai_image_base_url"
    model_setting = "openai_image_model"

    async def _generate(
        self, request: ImageRequest, prompt: str, references: Sequence[ReferenceImage]
    ) -> tuple[bytes, str | None]:
        try:
            async with openai.AsyncOpenAI(
                api_key=self.api_key,
                base_url=self.base_url,
                timeout=self.timeout_seconds,
                max_retries=self.max_retries,
            ) as client:
                if references:
                    response = await client.images.edit(
                        model=self.model,
                        image=[
                            (image.name, image.data, image.content_type) for image in references
                        ],
                        prompt=prompt,
                        size=request.size,
                        n=1,
                    )
                else:
                    response = await client.images.generate(
                        model=self.model, prompt=prompt, size=request.size, n=1
                    )
        except openai.APIError as error:
            raise self._error(error) from error
        image = response.data[0] if response.data else None
        if image is not None and image.b64_json:
            return self._decode(image.b64_json), image.revised_prompt
        if image is not None and image.url:
            return await self._download(image.url), image.revised_prompt
        raise self._failed("its answer held no image")

    def _decode(self, b64_json: str) -> bytes:
        try:
            return base64.b64decode(b64_json, validate=True)
        except binascii.Error as error:
            raise self._failed("the image was not valid base64") from error

    async def _download(self, url: str) -> bytes:
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout_seconds, follow_redirects=True) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise self._failed(f"HTTP {response.status_code} fetching {url}")
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_IMAGE_BYTES:
                        raise self._too_large()
                return bytes(data)
        except httpx.TimeoutException as error:
            raise self._timed_out() from error
        except httpx.HTTPError as error:
            raise self._failed(f"fetching {url} failed: {error}") from error

    def _error(self, error: openai.APIError) -> DSFError:
        if isinstance(error, openai.APITimeoutError):
            return self._timed_out()
        if isinstance(error, openai.APIConnectionError):
            return self._unreachable()
        if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
            return self._unauthorized(_openai_detail(error))
        if isinstance(error, openai.RateLimitError):
            if error.code == "insufficient_quota":
                return ServiceUnavailable(
                    "OpenAI says the account is out of credit — add billing at "
                    "platform.openai.com, or use the other image provider."
                )
            return self._rate_limited()
        if isinstance(error, openai.NotFoundError):
            return self._unknown_model()
        if isinstance(error, openai.BadRequestError):
            if error.code in OPENAI_REFUSAL_CODES:
                return self._refused(_openai_detail(error))
            return self._rejected(_openai_detail(error))
        status = error.status_code if isinstance(error, openai.APIStatusError) else "?"
        return self._failed(f"HTTP {status}: {_openai_detail(error)}")


def _openai_detail(error: openai.APIError) -> str:
    """The vendor's own message, without the "Error code: 400 - " prefix the SDK adds."""
    body: Any = error.body
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) and message else error.message


class GoogleImageProvider(VendorImageProvider):
    """The Gemini API's image models through `generateContent` (Imagen was shut down); images to
    draw from travel as `inline_data` parts after the prompt's text part."""

    name = "google"
    label = "Google"
    # Explicit, so that GOOGLE_GEMINI_BASE_URL in the environment cannot redirect DSF's images.
    default_base_url = "https://generativelanguage.googleapis.com/"
    key_setting = "gemini_api_key"
    base_url_setting = "google_image_base_url"
    model_setting = "google_image_model"

    async def _generate(
        self, request: ImageRequest, prompt: str, references: Sequence[ReferenceImage]
    ) -> tuple[bytes, str | None]:
        contents = genai_types.Content(
            role="user",
            parts=[
                genai_types.Part.from_text(text=prompt),
                *(
                    genai_types.Part.from_bytes(data=image.data, mime_type=image.content_type)
                    for image in references
                ),
            ],
        )
        config = genai_types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=genai_types.ImageConfig(aspect_ratio=request.aspect_ratio),
        )
        try:
            with self._client() as client:
                async with client.aio as aio:
                    response = await aio.models.generate_content(
                        model=self.model, contents=contents, config=config
                    )
        except GOOGLE_TIMEOUTS as error:
            raise self._timed_out() from error
        except GOOGLE_TRANSPORT_ERRORS as error:
            raise self._unreachable() from error
        except genai_errors.APIError as error:
            raise self._error(error) from error
        return self._image(response), None

    def _client(self) -> genai.Client:
        return genai.Client(
            # Explicit, so that GOOGLE_GENAI_USE_VERTEXAI in the environment cannot switch APIs.
            vertexai=False,
            api_key=self.api_key,
            http_options=genai_types.HttpOptions(
                base_url=self.base_url,
                timeout=round(self.timeout_seconds * 1000),
                retry_options=genai_types.HttpRetryOptions(attempts=self.max_retries + 1),
            ),
        )

    def _image(self, response: genai_types.GenerateContentResponse) -> bytes:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason is not None:
            raise self._refused(
                feedback.block_reason_message or f"blocked as {feedback.block_reason.value}"
            )
        candidate = response.candidates[0] if response.candidates else None
        content = candidate.content if candidate is not None else None
        # Thinking image models also send draft images marked as thoughts; the answer is last.
        parts = [part for part in (content.parts if content else None) or [] if not part.thought]
        for part in reversed(parts):
            if part.inline_data is not None and part.inline_data.data:
                return part.inline_data.data
        said = " ".join(part.text for part in parts if part.text)
        finish = candidate.finish_reason if candidate is not None else None
        stopped = (
            f"it stopped without an image ({finish.value})"
            if finish is not None and finish != STOP
            else ""
        )
        raise self._refused(said or stopped or "it answered without an image")

    def _error(self, error: genai_errors.APIError) -> DSFError:
        detail = error.message or str(error)
        if error.code in (401, 403) or "API_KEY_INVALID" in _google_reasons(error.details):
            return self._unauthorized(detail)
        if error.code == 429:
            return self._rate_limited()
        if error.code == 404:
            return self._unknown_model()
        if error.code == 400:
            return self._rejected(detail)
        if error.code in (408, 504):
            return self._timed_out()
        return self._failed(f"HTTP {error.code}: {detail}")


def _google_reasons(details: Any) -> set[str]:
    """The `reason`s of google.rpc.ErrorInfo entries in a Google API error body."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    entries = error.get("details") if isinstance(error, dict) else None
    return {
        str(entry["reason"])
        for entry in entries or []
        if isinstance(entry, dict) and "reason" in entry
    }
