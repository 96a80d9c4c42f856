"""Both image providers through their real SDKs against fakes of each vendor's HTTP API."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.images import providers
from dsf_app.images.providers import (
    GoogleImageProvider,
    ImageRequest,
    OpenAIImageProvider,
    VendorImageProvider,
    image_content_type,
)
from dsf_app.images.select import pick_provider
from dsf_app.settings import Settings
from tests.fakes.image_servers import (
    DEFAULT_API_KEY,
    FakeGoogleImages,
    FakeImageAPI,
    FakeOpenAIImages,
    prompt_colour,
)
from tests.harness.stack import settings_from

# Below the fakes' 3 s stall, and far above how long a busy machine takes to answer at once.
CLIENT_TIMEOUT = 2.0
KEY_ENV = {"openai": "OPENAI_API_KEY", "google": "GEMINI_API_KEY"}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
REQUEST = ImageRequest(prompt="A lighthouse on a tidally locked moon", style="ink and watercolour")


def png_info(data: bytes) -> tuple[int, int, tuple[int, int, int]]:
    """Width, height and first pixel of an 8-bit RGB PNG, checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2)
    pixels = zlib.decompress(chunks[b"IDAT"])
    assert len(pixels) == height * (1 + 3 * width)
    red, green, blue = pixels[1:4]
    return width, height, (red, green, blue)


def settings_with(**values: Any) -> Settings:
    """Settings from these values only: no `.env`, and no keys from the environment."""
    return settings_from(**{"OPENAI_API_KEY": "", "GEMINI_API_KEY": "", **values})


@pytest.fixture
def openai_fake() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages() as fake:
        yield fake


@pytest.fixture
def google_fake() -> Iterator[FakeGoogleImages]:
    with FakeGoogleImages() as fake:
        yield fake


@pytest.fixture(params=["openai", "google"])
def vendor(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[FakeImageAPI[Any], VendorImageProvider]]:
    """Each vendor's fake with a provider pointed at it that neither retries nor waits long."""
    fake: FakeImageAPI[Any]
    if request.param == "openai":
        fake = FakeOpenAIImages()
        with fake:
            yield (
                fake,
                OpenAIImageProvider(
                    DEFAULT_API_KEY, fake.base_url, timeout_seconds=CLIENT_TIMEOUT, max_retries=0
                ),
            )
    else:
        fake = FakeGoogleImages()
        with fake:
            yield (
                fake,
                GoogleImageProvider(
                    DEFAULT_API_KEY, fake.url, timeout_seconds=CLIENT_TIMEOUT, max_retries=0
                ),
            )


async def test_openai_draws_a_png(openai_fake: FakeOpenAIImages) -> None:
    provider = OpenAIImageProvider(DEFAULT_API_KEY, openai_fake.base_url, model="gpt-image-2")
    request = REQUEST.model_copy(update={"size": "1536x1024"})

    image = await provider.generate(request)

    assert (image.provider, image.model, image.content_type) == (
        "openai",
        "gpt-image-2",
        "image/png",
    )
    assert png_info(image.data) == (96, 64, prompt_colour(request.full_prompt))
    [sent] = openai_fake.requests
    assert sent.path == "/v1/images/generations"
    assert sent.headers["authorization"] == f"Bearer {DEFAULT_API_KEY}"
    assert sent.body == {
        "model": "gpt-image-2",
        "prompt": "A lighthouse on a tidally locked moon\n\nStyle: ink and watercolour",
        "size": "1536x1024",
        "n": 1,
    }


async def test_google_draws_a_png(google_fake: FakeGoogleImages) -> None:
    provider = GoogleImageProvider(DEFAULT_API_KEY, google_fake.url)
    request = REQUEST.model_copy(update={"size": "1024x1536"})

    image = await provider.generate(request)

    assert (image.provider, image.model, image.content_type) == (
        "google",
        "gemini-3.1-flash-image",
        "image/png",
    )
    assert png_info(image.data) == (64, 96, prompt_colour(request.full_prompt))
    [sent] = google_fake.requests
    assert sent.path.endswith("/models/gemini-3.1-flash-image:generateContent")
    assert sent.headers["x-goog-api-key"] == DEFAULT_API_KEY
    assert google_fake.prompts() == [request.full_prompt]
    assert sent.body["generationConfig"] == {
        "responseModalities": ["IMAGE"],
        "imageConfig": {"aspectRatio": "2:3"},
    }


async def test_openai_answer_by_url_is_downloaded() -> None:
    with FakeOpenAIImages(answer_with_url=True) as fake:
        image = await OpenAIImageProvider(DEFAULT_API_KEY, fake.base_url).generate(REQUEST)
    assert png_info(image.data) == (64, 64, prompt_colour(REQUEST.full_prompt))


async def test_jpeg_answers_keep_their_type(
    vendor: tuple[FakeImageAPI[Any], VendorImageProvider],
) -> None:
    fake, provider = vendor
    fake.serve_next(JPEG, "image/jpeg")
    image = await provider.generate(REQUEST)
    assert (image.data, image.content_type) == (JPEG, "image/jpeg")


async def test_bytes_that_are_not_an_image_are_refused(
    vendor: tuple[FakeImageAPI[Any], VendorImageProvider],
) -> None:
    fake, provider = vendor
    fake.serve_next(b"<html>Service temporarily unavailable</html>")
    with pytest.raises(ServiceUnavailable, match="not a PNG, JPEG or WebP image"):
        await provider.generate(REQUEST)


async def test_images_over_the_size_limit_are_refused(
    vendor: tuple[FakeImageAPI[Any], VendorImageProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(providers, "MAX_IMAGE_BYTES", 100)
    with pytest.raises(ServiceUnavailable, match="larger than DSF's limit of 100 bytes"):
        await vendor[1].generate(REQUEST)


@pytest.mark.parametrize(
    ("kind", "error", "pattern"),
    [
        ("refused", Invalid, r"refused this prompt: .+ — rephrase it\.$"),
        ("rate_limit", ServiceUnavailable, r"rate limit reached — try again in a minute\.$"),
        ("timeout", ServiceUnavailable, r"within 2 s — try again"),
        ("auth", ServiceUnavailable, r"rejected the image API key .+ — check {key_env}\.$"),
    ],
    ids=["refused", "rate_limit", "timeout", "auth"],
)
async def test_vendor_failures_become_dsf_errors(
    vendor: tuple[FakeImageAPI[Any], VendorImageProvider],
    kind: str,
    error: type[Exception],
    pattern: str,
) -> None:
    fake, provider = vendor
    fake.fail_next(kind)
    with pytest.raises(error, match=pattern.format(key_env=KEY_ENV[provider.name])):
        await provider.generate(REQUEST)
    # The failure was one request, and the provider recovers on the next.
    assert png_info((await provider.generate(REQUEST)).data)[:2] == (64, 64)


async def test_wrong_key_names_the_setting(openai_fake: FakeOpenAIImages) -> None:
    provider = OpenAIImageProvider("sk-wrong", openai_fake.base_url, max_retries=0)
    with pytest.raises(ServiceUnavailable, match="check OPENAI_API_KEY"):
        await provider.generate(REQUEST)


async def test_google_withheld_image_is_a_refusal(
    google_fake: FakeGoogleImages,
) -> None:
    google_fake.fail_next("image_blocked")
    provider = GoogleImageProvider(DEFAULT_API_KEY, google_fake.url, max_retries=0)
    with pytest.raises(Invalid, match=r"refused this prompt: .*IMAGE_SAFETY.* — rephrase it"):
        await provider.generate(REQUEST)


async def test_unreachable_provider_says_where_it_looked() -> None:
    with FakeOpenAIImages() as fake:
        base_url = fake.base_url
    provider = OpenAIImageProvider(DEFAULT_API_KEY, base_url, max_retries=0)
    with pytest.raises(ServiceUnavailable, match=f"not reachable at {base_url}"):
        await provider.generate(REQUEST)


def test_content_type_comes_from_the_bytes() -> None:
    assert image_content_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_content_type(JPEG) == "image/jpeg"
    assert image_content_type(b"GIF89a") is None


@pytest.mark.parametrize(
    "fields",
    [{"prompt": ""}, {"prompt": "x" * 4001}, {"prompt": "a moon", "size": "512x512"}],
)
def test_image_requests_are_validated(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        ImageRequest.model_validate(fields)


def test_pick_provider_prefers_openai_then_google() -> None:
    both = settings_with(OPENAI_API_KEY="sk-a", GEMINI_API_KEY="g-b")
    assert isinstance(pick_provider(both), OpenAIImageProvider)
    assert isinstance(pick_provider(settings_with(GEMINI_API_KEY="g-b")), GoogleImageProvider)


def test_pick_provider_by_argument_uses_its_settings() -> None:
    settings = settings_with(
        OPENAI_API_KEY="sk-a",
        GEMINI_API_KEY="g-b",
        GOOGLE_IMAGE_BASE_URL="http://127.0.0.1:9",
        DSF_GOOGLE_IMAGE_MODEL="gemini-3-pro-image",
        DSF_IMAGE_TIMEOUT=30,
    )
    provider = pick_provider(settings, "google")
    assert isinstance(provider, GoogleImageProvider)
    assert (provider.api_key, provider.base_url, provider.model, provider.timeout_seconds) == (
        "g-b",
        "http://127.0.0.1:9",
        "gemini-3-pro-image",
        30,
    )


def test_pick_provider_names_the_missing_key() -> None:
    with pytest.raises(ServiceUnavailable, match=r"not configured — set GEMINI_API_KEY\.$"):
        pick_provider(settings_with(OPENAI_API_KEY="sk-a"), "google")
    with pytest.raises(ServiceUnavailable) as raised:
        pick_provider(settings_with())
    assert str(raised.value) == (
        "No image provider is configured — set OPENAI_API_KEY or GEMINI_API_KEY."
    )


async def test_picked_provider_ignores_the_chat_llm_base_url(
    openai_fake: FakeOpenAIImages,
) -> None:
    settings = settings_with(
        OPENAI_API_KEY=DEFAULT_API_KEY,
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
        OPENAI_IMAGE_BASE_URL=openai_fake.base_url,
    )
    image = await pick_provider(settings).generate(REQUEST)
    assert image.provider == "openai"
    assert openai_fake.prompts() == [REQUEST.full_prompt]
