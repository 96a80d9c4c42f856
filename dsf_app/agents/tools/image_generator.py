"""image_generator: draw an image with OpenAI or Google — from a prompt, or from images of the
world or the person's own (references whose subject it keeps, or one image to edit) — store it
in S3 and record it as an asset of the world (and story or segment) with the images it was made
from, returning its `/assets/<id>` URL."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from pydantic import Field
from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tools.asset_manager import ImageCategory, call_key
from dsf_app.agents.topics import Topic
from dsf_app.images.providers import ImageRequest
from dsf_app.images.references import MAX_REFERENCES, REFERENCE_TYPES, ReferenceImage
from dsf_app.images.select import ProviderName, pick_provider
from dsf_app.models import AgentKind, Meter
from dsf_app.services import asset_files, asset_references, assets, quotas
from dsf_app.services.asset_references import DrawnFrom
from dsf_app.settings import get_settings
from dsf_app.storage import AssetStorage

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
    reference_asset_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_REFERENCES,
        description=(
            "Images to draw from, whose subject the new image keeps: a character's portrait "
            "(the Codex entry's image_asset_id), an earlier image, the person's upload. Pass "
            "the portrait whenever you draw a character again, so they look the same."
        ),
    )
    edit_asset_id: uuid.UUID | None = Field(
        default=None,
        description=(
            "An image to change as the prompt says (e.g. 'change the background to a night "
            "sky'); the result is a new image and the original stays."
        ),
    )


async def run(ctx: ToolContext, args: ImageGeneratorArgs) -> dict[str, Any]:
    world_id = args.world_id or ctx.world_id
    story_id = args.story_id
    if story_id is None and args.segment_id is None and world_id == ctx.world_id:
        story_id = ctx.story_id

    def check(session: Session) -> list[DrawnFrom]:
        """Refuse links the person may not write, and images they may not draw from, before
        paying for an image."""
        assets.check_links(session, ctx.actor, world_id, story_id, args.segment_id)
        return asset_references.images_to_draw_from(
            session, ctx.actor, world_id, args.edit_asset_id, args.reference_asset_ids
        )

    drawn_from = await ctx.read(check)
    provider = pick_provider(get_settings(), args.provider)
    storage = asset_files.asset_storage()
    references = await asyncio.gather(*(_reference(storage, source) for source in drawn_from))
    # Today's image is reserved before the provider is paid, and given back if it fails.
    async with quotas.spending(ctx.actor, Meter.IMAGES):
        image = await provider.generate(
            ImageRequest(prompt=args.prompt, size=args.size, style=args.style),
            references,
            edit=args.edit_asset_id is not None,
        )
    description = args.description or args.prompt[:DESCRIPTION_FROM_PROMPT]
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
        asset_references.record_references(session, asset.id, drawn_from)
        return {
            "asset_id": str(asset.id),
            "url": asset_files.asset_url(asset.id),
            "provider": image.provider,
            "model": image.model,
            "description": asset.description,
            "category": asset.category,
            "world_id": str(asset.world_id) if asset.world_id else None,
            "drawn_from": [
                {"asset_id": str(source.asset.id), "role": source.role.value}
                for source in drawn_from
            ],
        }

    try:
        result = await ctx.write(record)
    except Exception:
        await asset_files.forget(storage, stored.key)
        raise
    ctx.note_change(Topic.ASSETS)
    return result


async def _reference(storage: AssetStorage, source: DrawnFrom) -> ReferenceImage:
    """The bytes of an image to draw from, with the file name the provider sees."""
    asset = source.asset
    data = await asset_files.read_bytes(storage, asset)
    return ReferenceImage(
        data, asset.content_type, f"{asset.id}.{REFERENCE_TYPES[asset.content_type]}"
    )


register(
    Tool(
        name="image_generator",
        description=(
            "Generate an image (OpenAI or Google) from a prompt — optionally drawn from "
            "reference images or by editing one — and store it as an asset of the world. "
            "Returns its asset_id and url (/assets/<id>) to use in canvas specs."
        ),
        args=ImageGeneratorArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD, AgentKind.EXPERIENCE}),
    )
)
