"""asset_manager: save (from a data:image URL or a copy of another asset), load, list and delete a
world's images; bytes live in S3, rows in PostgreSQL, and agents use the `/assets/<id>` URLs."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.tools import scope
from dsf_app.agents.topics import Topic
from dsf_app.models import AgentKind, Asset
from dsf_app.services import asset_files, assets

ImageCategory = Literal["character", "background", "ui", "other"]
# A data URL of an image larger than this could not arrive in a tool call anyway.
MAX_DATA_URL_CHARS = 1_000_000


def asset_summary(asset: Asset) -> dict[str, Any]:
    """What an agent needs of an asset: its id, its URL for canvas specs, and what it shows."""
    return {
        "asset_id": str(asset.id),
        "url": asset_files.asset_url(asset.id),
        "type": asset.type,
        "category": asset.category,
        "description": asset.description,
        "content_type": asset.content_type,
        "size_bytes": asset.size_bytes,
        "generated": asset.generated,
        "prompt": asset.prompt,
        "world_id": str(asset.world_id) if asset.world_id else None,
        "story_id": str(asset.story_id) if asset.story_id else None,
        "segment_id": str(asset.segment_id) if asset.segment_id else None,
    }


class AssetManagerArgs(BaseModel):
    operation: Literal["save", "load", "list", "delete"] = Field(
        description=(
            "save: store an image from data_url or copy the asset source_asset_id into a world. "
            "load: read one asset's details. list: a world's assets, newest first. "
            "delete: remove an asset and its stored file for good."
        )
    )
    asset_id: uuid.UUID | None = Field(default=None, description="For load and delete.")
    data_url: str | None = Field(
        default=None,
        max_length=MAX_DATA_URL_CHARS,
        description="For save: a base64 data:image/png|jpeg|webp|gif URL (at most 20 MB).",
    )
    source_asset_id: uuid.UUID | None = Field(
        default=None, description="For save: copy this existing asset instead of data_url."
    )
    world_id: uuid.UUID | None = Field(
        default=None, description="For save and list; defaults to the current world."
    )
    story_id: uuid.UUID | None = Field(
        default=None, description="For save: link the image to this story of the world."
    )
    segment_id: uuid.UUID | None = Field(
        default=None, description="For save: link the image to this story segment."
    )
    category: ImageCategory | None = Field(
        default=None, description="For save (default other) or to filter list."
    )
    description: str | None = Field(
        default=None, max_length=2000, description="For save: what the image shows."
    )
    limit: int = Field(default=20, ge=1, le=100, description="For list: how many.")
    offset: int = Field(default=0, ge=0, description="For list: how many to skip.")

    @model_validator(mode="after")
    def _needs(self) -> AssetManagerArgs:
        if self.operation == "save" and (self.data_url is None) == (self.source_asset_id is None):
            raise ValueError("save needs exactly one of data_url or source_asset_id")
        if self.operation in ("load", "delete") and self.asset_id is None:
            raise ValueError(f"{self.operation} needs asset_id")
        return self


async def run(ctx: ToolContext, session: Session, args: AssetManagerArgs) -> dict[str, Any]:
    storage = asset_files.asset_storage()
    if args.operation == "load":
        assert args.asset_id is not None
        return asset_summary(assets.get_asset(session, ctx.actor, args.asset_id))
    if args.operation == "list":
        world_id = scope.world_id(ctx, args.world_id)
        found = assets.list_assets(
            session,
            ctx.actor,
            world_id,
            category=args.category,
            limit=args.limit + 1,
            offset=args.offset,
        )
        return {
            "world_id": str(world_id),
            "assets": [asset_summary(asset) for asset in found[: args.limit]],
            "has_more": len(found) > args.limit,
        }
    if args.operation == "delete":
        assert args.asset_id is not None
        gone = await asset_files.delete_with_bytes(session, ctx.actor, storage, args.asset_id)
        ctx.note_change(Topic.ASSETS)
        return {"deleted": str(gone.id), "description": gone.description}
    return await _save(ctx, session, args)


async def _save(ctx: ToolContext, session: Session, args: AssetManagerArgs) -> dict[str, Any]:
    storage = asset_files.asset_storage()
    world_id = args.world_id or ctx.world_id
    fields: dict[str, Any] = {"category": args.category or "other", "meta": {}}
    if args.source_asset_id is not None:
        source, data = await asset_files.read_bytes(
            session, ctx.actor, storage, args.source_asset_id
        )
        content_type = source.content_type
        fields = {
            "category": args.category or source.category,
            "description": source.description,
            "generated": source.generated,
            "prompt": source.prompt,
            "meta": {**source.meta, "copied_from": str(source.id)},
        }
    else:
        data, content_type = asset_files.decode_data_url(args.data_url or "")
    if args.description is not None:
        fields["description"] = args.description
    asset = await asset_files.store_image(
        session,
        ctx.actor,
        storage,
        data,
        content_type,
        world_id=world_id,
        story_id=args.story_id,
        segment_id=args.segment_id,
        **fields,
    )
    ctx.note_change(Topic.ASSETS)
    return {"saved": asset_summary(asset)}


register(
    Tool(
        name="asset_manager",
        description=(
            "Save, load, list and delete a world's images. Each asset has a url (/assets/<id>) "
            "to use as an image source in canvas specs."
        ),
        args=AssetManagerArgs,
        run=run,
        kinds=frozenset({AgentKind.WORLD, AgentKind.EXPERIENCE}),
    )
)
