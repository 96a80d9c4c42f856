"""Settings of how much one person or one turn may take: a turn's wall time, reply length and
model steps; each person's daily quotas; the chat's queue and message length; the lore put in
front of the World Agent; and the threads and processes that run page events and heavy work.
Part of `Settings`."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class LimitSettings(BaseSettings):
    turn_max_seconds: float = Field(
        default=600,
        gt=0,
        alias="DSF_TURN_MAX_SECONDS",
        description="Wall time one agent turn may take before it is stopped.",
    )
    turn_max_reply_chars: int = Field(
        default=40_000,
        gt=0,
        alias="DSF_TURN_MAX_REPLY_CHARS",
        description="Characters of text (reply and reasoning) an agent may stream in one turn.",
    )
    turn_max_steps: int = Field(
        default=40,
        gt=0,
        alias="DSF_TURN_MAX_STEPS",
        description="Model steps (requests to the model) one agent turn may take, the nested "
        "Experience Agent turns it delegates to included.",
    )
    quota_turns: int = Field(
        default=200,
        ge=0,
        alias="DSF_QUOTA_TURNS",
        description="Messages to agents (turns) one person may send per UTC day.",
    )
    quota_steps: int = Field(
        default=2000,
        ge=0,
        alias="DSF_QUOTA_STEPS",
        description="Model steps one person's agents may take per UTC day.",
    )
    quota_images: int = Field(
        default=50,
        ge=0,
        alias="DSF_QUOTA_IMAGES",
        description="Images one person's agents may generate per UTC day.",
    )
    quota_evaluations: int = Field(
        default=100,
        ge=0,
        alias="DSF_QUOTA_EVALUATIONS",
        description="Evaluations (by the buttons or by an agent) one person may run per UTC day.",
    )
    quota_imports: int = Field(
        default=20,
        ge=0,
        alias="DSF_QUOTA_IMPORTS",
        description="World and lorebook imports one person may run per UTC day.",
    )
    chat_queue_max: int = Field(
        default=3,
        ge=0,
        alias="DSF_CHAT_QUEUE_MAX",
        description="Messages that may wait in the chat while a turn runs.",
    )
    prompt_max_chars: int = Field(
        default=8000,
        ge=1,
        alias="DSF_PROMPT_MAX_CHARS",
        description="Characters one chat message may have.",
    )
    lore_budget_chars: int = Field(
        default=6000,
        ge=500,
        alias="DSF_LORE_BUDGET",
        description="Characters of Codex lore put in front of the World Agent on each turn.",
    )
    lore_min_similarity: float = Field(
        default=0.4,
        ge=0,
        le=1,
        alias="DSF_LORE_MIN_SIMILARITY",
        description="How close in meaning (cosine similarity, 0..1) an entry must be to the "
        "person's message to be retrieved without being named.",
    )
    source_max_bytes: int = Field(
        default=20_000_000,
        ge=1,
        alias="DSF_SOURCE_MAX_BYTES",
        description="Bytes one uploaded source (text, Markdown, PDF or EPUB) may have.",
    )
    source_max_chars: int = Field(
        default=3_000_000,
        ge=1,
        alias="DSF_SOURCE_MAX_CHARS",
        description="Characters of text one source may hold once extracted.",
    )
    source_budget_chars: int = Field(
        default=3000,
        ge=0,
        alias="DSF_SOURCE_BUDGET",
        description="Characters of source passages put in front of the World Agent on each "
        "turn, besides the lore budget.",
    )
    upload_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1,
        alias="DSF_UPLOAD_MAX_BYTES",
        description="Bytes one uploaded image may have; reading stops past it.",
    )
    upload_max_pixels: int = Field(
        default=40_000_000,
        ge=1,
        alias="DSF_UPLOAD_MAX_PIXELS",
        description="Pixels (width x height) one uploaded image may have; a larger one is "
        "refused from its header, before its pixels are decoded.",
    )
    thumbnail_px: int = Field(
        default=384,
        ge=16,
        le=2048,
        alias="DSF_THUMBNAIL_PX",
        description="The longest side, in pixels, of the small copy made of an uploaded image.",
    )
    event_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        alias="DSF_EVENT_THREADS",
        description="Threads per worker for page events' database work (dsf_app/pools.py); "
        "heavy work never runs on them.",
    )
    heavy_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        alias="DSF_HEAVY_WORKERS",
        description="Processes per worker for heavy work such as parsing imports, and threads "
        "for embeddings; at most this many run at once, the rest wait their turn.",
    )
