"""image_generator: draw an image with OpenAI or Google, store it in S3 and record it as an asset
of the world (and story or segment), returning its `/assets/<id>` URL."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field
from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tools.asset_manager import ImageCategory, call_key
from dsf_app.agents.topics import Topic
from dsf_app.images.providers import ImageRequest
from dsf_app.images.select import ProviderName, pick_provider
from dsf_app.models import AgentKind, Meter
from dsf_app.services import asset_files, assets, quotas
from dsf_app.settings import get_settings

DESCRIPTION_FROM_PROMPT = 300


class ImageGeneratorArgs(ImageRequest):
    """An image request (prompt, size, style) plus where the image belongs."""

    provider: ProviderName | None = Field(
        default=None,
        description="openai or google; leave empty to use whichever is configured.",
    )
    category: ImageCategory = Field(
        default="other", description="What the image is for: a character, a background, UI…"
    )
    description: str | None = Field(
        default=None,
        max_length=2000,
        description="What the image shows, for galleries and alt text; defaults to the prompt.",
    )
    world_id: uuid.UUID | None = Field(
        default=None, description="The world the image belongs to; defaults to the current one."
    )
    story_id: uuid.UUID | None = Field(
        default=None, description="Link the image to this story; defaults to the current one."
    )
    segment_id: uuid.UUID | None = Field(
        default=None, description="Link the image to this story segment (scene)."
    )


async def run(ctx: ToolContext, args: ImageGeneratorArgs) -> dict[str, Any]:
    world_id = args.world_id or ctx.world_id
    story_id = args.story_id
    if story_id is None and args.segment_id is None and world_id == ctx.world_id:
        story_id = ctx.story_id
    # Refuse links the person may not write before paying for an image.
    await ctx.read(
        lambda session: assets.check_links(session, ctx.actor, world_id, story_id, args.segment_id)
    )
    provider = pick_provider(get_settings(), args.provider)
    # Today's image is reserved before the provider is paid, and given back if it fails.
    async with quotas.spending(ctx.actor, Meter.IMAGES):
        image = await provider.generate(
            ImageRequest(prompt=args.prompt, size=args.size, style=args.style)
        )
    description = args.description or args.prompt[:DESCRIPTION_FROM_PROMPT]
    storage = asset_files.asset_storage()
    stored = await asset_files.put_image(
        ctx.actor,
        storage,
        image.data,
        image.content_type,
        world_id=world_id,
        name=description,
        unique=call_key(ctx.tool_call_id),
    )

    def record(session: Session) -> dict[str, Any]:
        asset = asset_files.record_image(
            session,
            ctx.actor,
            stored,
            world_id=world_id,
            story_id=story_id,
            segment_id=args.segment_id,
            category=args.category,
            description=description,
            generated=True,
            prompt=args.full_prompt,
            meta={
                "provider": image.provider,
                "model": image.model,
                "size": args.size,
                "style": args.style,
                "revised_prompt": image.revised_prompt,
            },
        )
        return {
            "asset_id": str(asset.id),
            "url": asset_files.asset_url(asset.id),
            "provider": image.provider,
            "model": image.model,
            "description": asset.description,
            "category": asset.category,
            "world_id": str(asset.world_id) if asset.world_id else None,
        }

    try:
        result = await ctx.write(record)
    except Exception:
        await asset_files.forget(storage, stored.key)
        raise
    ctx.note_change(Topic.ASSETS)
    return result


register(
    Tool(
        name="image_generator",
        description=(
            "Generate an image (OpenAI or Google) from a prompt and store it as an asset of the "
            "world. Returns its asset_id and url (/assets/<id>) to use in canvas specs."
        ),
        args=ImageGeneratorArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD, AgentKind.EXPERIENCE}),
    )
)
