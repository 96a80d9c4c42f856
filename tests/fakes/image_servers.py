"""Fake OpenAI and Gemini image APIs speaking each vendor's real HTTP protocol, for tests.

Each answers with a real PNG whose colour comes from the prompt and whose shape follows the
requested size, records every request (with the images sent to draw from: OpenAI's multipart
`image[]` parts, Gemini's `inline_data` parts), and can be told to fail the next request in the
vendor's own error shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import time
import uuid
import zlib
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, ClassVar, Generic, Literal, TypeVar

from tests.fakes.gate import Gate
from tests.fakes.http_server import FakeHTTPServer, JSONHandler

Failure = Literal["refused", "rate_limit", "timeout", "auth"]
# Gemini can also accept the prompt yet withhold the image it drew.
GoogleFailure = Failure | Literal["image_blocked"]
FailureT = TypeVar("FailureT", bound=str)
DEFAULT_API_KEY = "test-image-key"
# The fakes draw at 1/16 of the requested pixel size, so 1024x1024 comes back as 64x64.
SCALE = 16
SHORT_SIDE = 64
# What both vendors accept as an image to draw from.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")


@dataclass(frozen=True)
class SentImage:
    """An image a request carried, as the vendor received it."""

    content_type: str
    data: bytes
    filename: str | None = None


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid truecolour PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = (b"\x00" + bytes(rgb) * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def prompt_colour(prompt: str) -> tuple[int, int, int]:
    red, green, blue = hashlib.sha256(prompt.encode()).digest()[:3]
    return red, green, blue


class FakeImageAPI(FakeHTTPServer, Generic[FailureT]):
    """What both fakes share: the accepted key, scripted failures and the deliberate stall."""

    def __init__(self, api_key: str = DEFAULT_API_KEY, stall_seconds: float = 3.0) -> None:
        super().__init__()
        self.api_key = api_key
        self.stall_seconds = stall_seconds
        self._failures: list[FailureT] = []
        self._served: list[tuple[bytes, str]] = []
        self._holds: list[Gate] = []

    def fail_next(self, kind: FailureT) -> None:
        """Fail the next request with `kind`; "timeout" answers only after `stall_seconds`."""
        with self.lock:
            self._failures.append(kind)

    def take_failure(self) -> FailureT | None:
        with self.lock:
            return self._failures.pop(0) if self._failures else None

    def serve_next(self, data: bytes, mime_type: str = "image/png") -> None:
        """Answer the next successful request with these bytes instead of a drawn PNG."""
        with self.lock:
            self._served.append((data, mime_type))

    def hold_next(self, gate: Gate) -> None:
        """Hold the next successful answer at `gate` until the test opens it."""
        with self.lock:
            self._holds.append(gate)

    def image_for(self, prompt: str, width: int, height: int) -> tuple[bytes, str]:
        with self.lock:
            hold = self._holds.pop(0) if self._holds else None
        if hold is not None:
            hold.pass_through()
        with self.lock:
            if self._served:
                return self._served.pop(0)
        return solid_png(width, height, prompt_colour(prompt)), "image/png"

    def stall(self) -> None:
        self.stopping.wait(self.stall_seconds)


class _OpenAIHandler(JSONHandler):
    fake: ClassVar[FakeOpenAIImages]

    def do_POST(self) -> None:
        if self.path not in ("/v1/images/generations", "/v1/images/edits"):
            self._error(404, f"Invalid URL (POST {self.path})")
            return
        try:
            body = self.read_json() if self.path.endswith("/generations") else self._read_form()
        except ValueError as error:
            self._error(400, f"We could not parse the body of your request: {error}")
            return
        self.record(body)
        failure = self.fake.take_failure()
        images: list[SentImage] = body.get("image[]", [])
        if failure == "auth" or self.headers.get("Authorization") != f"Bearer {self.fake.api_key}":
            self._error(
                401,
                "Incorrect API key provided: sk-...test. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        elif failure == "refused":
            self._error(
                400,
                "Your request was rejected by the safety system. If you believe this is an "
                "error, contact us at help.openai.com and include the request ID req_fake.",
                "image_generation_user_error",
                "moderation_blocked",
            )
        elif failure == "rate_limit":
            self._error(
                429,
                f"Rate limit reached for {body.get('model')} in organization org-fake on images "
                "per minute (IPM): Limit 5, Used 5, Requested 1. Please try again in 12s.",
                "requests",
                "rate_limit_exceeded",
            )
        elif not isinstance(body.get("prompt"), str) or not body["prompt"]:
            self._error(400, "Missing required parameter: 'prompt'.", param="prompt")
        elif self.path.endswith("/edits") and not images:
            self._error(400, "Missing required parameter: 'image'.", param="image")
        elif unsupported := [image for image in images if image.content_type not in IMAGE_TYPES]:
            self._error(
                400,
                f"Invalid file 'image': unsupported mimetype ('{unsupported[0].content_type}'). "
                "Supported file formats are 'image/jpeg', 'image/png', and 'image/webp'.",
                param="image",
                code="unsupported_file_mimetype",
            )
        else:
            if failure == "timeout":
                self.fake.stall()
            self.send_json(200, self._generation(body))

    def _read_form(self) -> dict[str, Any]:
        """A `multipart/form-data` body: text fields as strings, `image[]` parts as images."""
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            raise ValueError(f"expected multipart/form-data, got {content_type!r}")
        length = int(self.headers.get("Content-Length") or 0)
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self.rfile.read(length)
        )
        if not message.is_multipart():
            raise ValueError("the multipart body has no parts")
        form: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(data, bytes):
                raise ValueError("a part has no name")
            if name == "image[]":
                image = SentImage(part.get_content_type(), data, part.get_filename())
                form.setdefault(name, []).append(image)
            else:
                form[name] = data.decode()
        return form

    def do_GET(self) -> None:
        file = self.fake.files.get(self.path)
        if file is None:
            self._error(404, f"No file at {self.path}")
        else:
            self.send_bytes(200, *file)

    def _generation(self, body: dict[str, Any]) -> dict[str, Any]:
        width, height = _pixels(str(body.get("size") or "1024x1024"))
        image, mime_type = self.fake.image_for(body["prompt"], width, height)
        if self.fake.answer_with_url:
            path = f"/files/{uuid.uuid4().hex}"
            self.fake.files[path] = (image, mime_type)
            item: dict[str, Any] = {"url": self.fake.url + path}
        else:
            item = {"b64_json": base64.b64encode(image).decode()}
        prompt_tokens = max(1, len(body["prompt"]) // 4)
        return {
            "created": int(time.time()),
            "background": "opaque",
            "data": [item],
            "output_format": mime_type.removeprefix("image/"),
            "quality": "medium",
            "size": body.get("size") or "1024x1024",
            "usage": {
                "input_tokens": prompt_tokens,
                "input_tokens_details": {"image_tokens": 0, "text_tokens": prompt_tokens},
                "output_tokens": 1056,
                "total_tokens": prompt_tokens + 1056,
            },
        }

    def _error(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        error = {"message": message, "type": type_, "param": param, "code": code}
        self.send_json(status, {"error": error})


class FakeOpenAIImages(FakeImageAPI[Failure]):
    """OpenAI's `POST /v1/images/generations`; point `AsyncOpenAI(base_url=...)` at `base_url`.

    With `answer_with_url` it answers with a `url` to fetch, as OpenAI-compatible servers may.
    """

    handler_class: ClassVar[type[JSONHandler]] = _OpenAIHandler

    def __init__(
        self,
        api_key: str = DEFAULT_API_KEY,
        stall_seconds: float = 3.0,
        answer_with_url: bool = False,
    ) -> None:
        super().__init__(api_key, stall_seconds)
        self.answer_with_url = answer_with_url
        self.files: dict[str, tuple[bytes, str]] = {}

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def prompts(self) -> list[str]:
        return [request.body.get("prompt", "") for request in self.requests]

    def sent_images(self) -> list[list[SentImage]]:
        """The `image[]` parts of each request (none for a generation from a prompt alone)."""
        return [list(request.body.get("image[]", [])) for request in self.requests]


GENERATE_CONTENT_PATH = re.compile(r"^/(v1|v1beta)/models/([\w.\-]+):generateContent$")


class _GoogleHandler(JSONHandler):
    fake: ClassVar[FakeGoogleImages]

    def do_POST(self) -> None:
        match = GENERATE_CONTENT_PATH.match(self.path)
        if match is None:
            self._error(404, f"The requested URL {self.path} was not found.", "NOT_FOUND")
            return
        try:
            body = self.read_json()
        except ValueError as error:
            self._error(400, f"Invalid JSON payload received. {error}", "INVALID_ARGUMENT")
            return
        self.record(body)
        model = match.group(2)
        failure = self.fake.take_failure()
        if failure == "auth" or self.headers.get("x-goog-api-key") != self.fake.api_key:
            self._error(
                400,
                "API key not valid. Please pass a valid API key.",
                "INVALID_ARGUMENT",
                [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "generativelanguage.googleapis.com"},
                    }
                ],
            )
        elif failure == "rate_limit":
            self._error(
                429,
                "You exceeded your current quota, please check your plan and billing details. "
                "For more information on this error, head to: "
                "https://ai.google.dev/gemini-api/docs/rate-limits.",
                "RESOURCE_EXHAUSTED",
                [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}],
            )
        elif (bad := _bad_inline_data(body)) is not None:
            self._error(400, bad, "INVALID_ARGUMENT")
        elif failure == "refused":
            self.send_json(
                200,
                self._answer(
                    model, body, {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}}
                ),
            )
        elif failure == "image_blocked":
            candidate = {
                "finishReason": "IMAGE_SAFETY",
                "finishMessage": "Unable to show the generated image. The image was filtered "
                "out because it violated Google's Generative AI Prohibited Use policy.",
                "index": 0,
            }
            self.send_json(200, self._answer(model, body, {"candidates": [candidate]}))
        else:
            if failure == "timeout":
                self.fake.stall()
            self.send_json(200, self._answer(model, body, self._image_candidates(body)))

    def _image_candidates(self, body: dict[str, Any]) -> dict[str, Any]:
        image_config = (body.get("generationConfig") or {}).get("imageConfig") or {}
        width, height = _ratio_pixels(str(image_config.get("aspectRatio") or "1:1"))
        image, mime_type = self.fake.image_for(_prompt(body), width, height)
        part = {"inlineData": {"mimeType": mime_type, "data": base64.b64encode(image).decode()}}
        return {
            "candidates": [
                {"content": {"parts": [part], "role": "model"}, "finishReason": "STOP", "index": 0}
            ]
        }

    @staticmethod
    def _answer(model: str, body: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        prompt_tokens = max(1, len(_prompt(body)) // 4)
        return {
            **result,
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": 1290,
                "totalTokenCount": prompt_tokens + 1290,
            },
            "modelVersion": model,
            "responseId": uuid.uuid4().hex[:22],
        }

    def _error(
        self, status: int, message: str, status_name: str, details: list[Any] | None = None
    ) -> None:
        error: dict[str, Any] = {"code": status, "message": message, "status": status_name}
        if details:
            error["details"] = details
        self.send_json(status, {"error": error})


class FakeGoogleImages(FakeImageAPI[GoogleFailure]):
    """The Gemini API's `POST /{version}/models/{model}:generateContent` answering with an image.

    Point `genai.Client(http_options=HttpOptions(base_url=...))` at `url`; the key travels in
    the `x-goog-api-key` header.
    """

    handler_class: ClassVar[type[JSONHandler]] = _GoogleHandler

    def prompts(self) -> list[str]:
        return [_prompt(request.body) for request in self.requests]

    def sent_images(self) -> list[list[SentImage]]:
        """The `inline_data` parts of each request, in the order they were sent."""
        return [
            [
                SentImage(_mime_type(inline), base64.b64decode(inline["data"]))
                for inline in _inline_data(request.body)
            ]
            for request in self.requests
        ]


def _inline_data(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The image parts; like Google's JSON parser, either spelling of a field name is read
    (google-genai sends `inlineData` holding `mime_type`)."""
    return [
        part.get("inlineData") or part["inline_data"]
        for content in body.get("contents") or []
        for part in content.get("parts") or []
        if "inlineData" in part or "inline_data" in part
    ]


def _mime_type(inline: dict[str, Any]) -> str:
    return str(inline.get("mimeType") or inline.get("mime_type"))


def _bad_inline_data(body: dict[str, Any]) -> str | None:
    """The Gemini API's complaint about an image part it cannot read, if any."""
    for inline in _inline_data(body):
        if _mime_type(inline) not in (*IMAGE_TYPES, "image/heic", "image/heif"):
            return f"Unsupported MIME type: {_mime_type(inline)}"
        try:
            base64.b64decode(str(inline.get("data")), validate=True)
        except binascii.Error:
            return "Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES)"
    return None


def _prompt(body: dict[str, Any]) -> str:
    return "\n".join(
        str(part.get("text", ""))
        for content in body.get("contents") or []
        for part in content.get("parts") or []
        if "text" in part
    )


def _pixels(size: str) -> tuple[int, int]:
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit()):
        return SHORT_SIDE, SHORT_SIDE
    return max(1, int(width) // SCALE), max(1, int(height) // SCALE)


def _ratio_pixels(aspect_ratio: str) -> tuple[int, int]:
    width, _, height = aspect_ratio.partition(":")
    if not (width.isdigit() and height.isdigit()):
        return SHORT_SIDE, SHORT_SIDE
    short = min(int(width), int(height))
    return round(SHORT_SIDE * int(width) / short), round(SHORT_SIDE * int(height) / short)
