"""The judge: the model the agents use, asked for a structured judgment over its provider's
OpenAI-compatible chat API, with the answer validated by pydantic (and by the evaluator's own
checks). An invalid answer is retried once, told what was wrong; a second one is refused, so
nothing half-parsed is ever stored.

Providers, by the prefix of the agents' Letta model handle (DSF_AGENT_MODEL):
`openai-proxy/` (OPENAI_BASE_URL), `openai/`, `anthropic/` and `google_ai/` (Gemini). OpenAI and
Gemini enforce the JSON schema (`response_format`); Anthropic's compatibility layer ignores it,
so the schema is also written into the instructions and the answer is validated all the same.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ValidationError

from dsf_app.errors import ServiceUnavailable
from dsf_app.letta.connection import connect
from dsf_app.letta.model_choice import agents_model
from dsf_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

Answer = TypeVar("Answer", bound=BaseModel)
# Raises ValueError with a sentence the model can act on when a parsed answer is still wrong
# (a rule id that does not exist, a quote that is not in the text).
Check = Callable[[Answer], None]

TIMEOUT_SECONDS = 120.0
ATTEMPTS = 2
# Letta handle prefix -> (base URL, or None for OPENAI_BASE_URL; the setting holding the key).
PROVIDERS: dict[str, tuple[str | None, str]] = {
    "openai-proxy": (None, "openai_api_key"),
    "openai": ("https://api.openai.com/v1", "openai_api_key"),
    "anthropic": ("https://api.anthropic.com/v1/", "anthropic_api_key"),
    "google_ai": ("https://generativelanguage.googleapis.com/v1beta/openai/", "gemini_api_key"),
}
FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class JudgeModel:
    handle: str  # as the agents name it, e.g. "openai-proxy/gpt-4.1"
    base_url: str
    api_key: str
    model: str


@dataclass(frozen=True)
class Judgment(Generic[Answer]):
    answer: Answer
    model: str  # the handle, kept with the evaluation


def judge_model(settings: Settings, handle: str) -> JudgeModel:
    """Where to send a judgment for the agents' model `handle`; ServiceUnavailable for a
    provider the evaluators cannot reach."""
    provider, _, model = handle.partition("/")
    if provider not in PROVIDERS or not model:
        raise ServiceUnavailable(
            f"The evaluators cannot use the model “{handle}”: they support handles starting "
            f"with {', '.join(p + '/' for p in PROVIDERS)}. Set DSF_AGENT_MODEL to one of them."
        )
    base_url, key_setting = PROVIDERS[provider]
    base_url = base_url or settings.openai_base_url
    key = getattr(settings, key_setting).get_secret_value()
    if provider == "openai-proxy":
        key = key or "not-needed"  # local OpenAI-compatible servers take any key
    if not base_url or not key:
        raise ServiceUnavailable(
            f"The evaluators need {key_setting.upper()}"
            + (" and OPENAI_BASE_URL" if provider == "openai-proxy" else "")
            + f" to use “{handle}”; set it in .env and restart."
        )
    return JudgeModel(handle=handle, base_url=base_url, api_key=key, model=model)


async def agents_model_handle(settings: Settings) -> str:
    """DSF_AGENT_MODEL, else the model the Letta server gives the agents (the same choice)."""
    async with connect(settings) as letta:
        return await agents_model(letta, settings)


def response_format(answer: type[BaseModel]) -> ResponseFormatJSONSchema:
    """The strict JSON schema of `answer`, as `chat.completions.parse` would send it: the SDK's
    public `pydantic_function_tool` makes the same strict schema for a tool's parameters. Used
    with `create`, so the raw answer is kept for the retry and fences can be stripped first."""
    schema = openai.pydantic_function_tool(answer)["function"].get("parameters", {})
    return {
        "type": "json_schema",
        "json_schema": {"name": answer.__name__, "schema": dict(schema), "strict": True},
    }


def _content(completion: ChatCompletion) -> str:
    choice = completion.choices[0] if completion.choices else None
    if choice is None or choice.message.refusal:
        raise ValueError(f"the model refused: {choice.message.refusal if choice else 'no answer'}")
    if choice.finish_reason == "length":
        raise ValueError("the answer was cut off before it ended; answer more briefly")
    text = choice.message.content or ""
    fenced = FENCE.match(text)
    return fenced.group(1) if fenced else text


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'answer'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
    return str(exc)


async def judge(
    system: str,
    prompt: str,
    answer: type[Answer],
    check: Check[Answer] | None = None,
    settings: Settings | None = None,
) -> Judgment[Answer]:
    """The model's answer to `prompt` as a validated `answer`; ServiceUnavailable when the model
    cannot be reached or answers invalidly twice."""
    settings = settings or get_settings()
    target = judge_model(settings, await agents_model_handle(settings))
    schema = json.dumps(answer.model_json_schema())
    messages: list[ChatCompletionMessageParam] = [
        {
            "role": "system",
            "content": f"{system}\n\nAnswer with one JSON object matching this schema:\n{schema}",
        },
        {"role": "user", "content": prompt},
    ]
    problem = ""
    async with openai.AsyncOpenAI(
        base_url=target.base_url, api_key=target.api_key, timeout=TIMEOUT_SECONDS, max_retries=1
    ) as client:
        for _ in range(ATTEMPTS):
            try:
                completion = await client.chat.completions.create(
                    model=target.model,
                    messages=messages,
                    response_format=response_format(answer),
                    temperature=0,
                )
            except openai.APIConnectionError as exc:
                raise ServiceUnavailable(
                    f"The model at {target.base_url} is not reachable, so nothing was evaluated; "
                    "try again in a moment."
                ) from exc
            except openai.APIStatusError as exc:
                raise ServiceUnavailable(
                    f"The model “{target.handle}” refused the evaluation ({exc.status_code}): "
                    f"{str(exc.message)[:300]}"
                ) from exc
            try:
                text = _content(completion)
                parsed = answer.model_validate_json(text)
                if check is not None:
                    check(parsed)
                return Judgment(parsed, target.handle)
            except (ValidationError, ValueError) as exc:
                problem = _problem(exc)
                log.info("invalid judgment from %s: %s", target.handle, problem)
                said = completion.choices[0].message.content if completion.choices else None
                messages.append({"role": "assistant", "content": said or ""})
                messages.append(
                    {
                        "role": "user",
                        "content": f"That answer is not valid: {problem}. Answer again with "
                        "only the JSON object, fixed.",
                    }
                )
    raise ServiceUnavailable(
        f"The model's judgment was invalid twice ({problem[:300]}), so nothing was saved. "
        "Try again, or set DSF_AGENT_MODEL to a stronger model."
    )
