"""asset_manager: save (from a data:image URL or a copy of another asset), load, list and delete a
world's images; bytes live in S3, rows in PostgreSQL, and agents use the `/assets/<id>` URLs."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session

from dsf_app.agents import tool_scope
from dsf_app.agents.context import ToolContext
from dsf_app.agents.registry import Tool, register
from dsf_app.agents.topics import Topic
from dsf_app.models import AgentKind, Asset
from dsf_app.services import asset_files, assets
from dsf_app.services.access import Permission, require_asset

ImageCategory = Literal["character", "background", "ui", "other"]
# A data URL of an image larger than this could not arrive in a tool call anyway.
MAX_DATA_URL_CHARS = 1_000_000


def call_key(tool_call_id: str) -> str:
    """The storage key part a tool call's image is saved under: the same for a retried call,
    so its bytes are written over, never left behind twice."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"dsf-tool-call:{tool_call_id}").hex


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
        "uploaded": asset.uploaded,
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


async def run(ctx: ToolContext, args: AssetManagerArgs) -> dict[str, Any]:
    if args.operation == "load":
        asset_id = args.asset_id
        assert asset_id is not None
        return await ctx.read(
            lambda session: asset_summary(assets.get_asset(session, ctx.actor, asset_id))
        )
    if args.operation == "list":
        return await _list(ctx, args)
    if args.operation == "delete":
        return await _delete(ctx, args)
    return await _save(ctx, args)


async def confirm(ctx: ToolContext, args: AssetManagerArgs) -> str | None:
    """Deleting an image cannot be undone: the person confirms it, told which image."""
    asset_id = args.asset_id
    if args.operation != "delete" or asset_id is None:
        return None
    asset = await ctx.read(
        lambda session: require_asset(session, ctx.actor, asset_id, Permission.WRITE)
    )
    shown = f"“{asset.description}”" if asset.description else f"{asset_id} (no description)"
    return f"Delete the image {shown} and its stored file for good. This cannot be undone."


async def _list(ctx: ToolContext, args: AssetManagerArgs) -> dict[str, Any]:
    world_id = tool_scope.world_id(ctx, args.world_id)

    def listed(session: Session) -> dict[str, Any]:
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

    return await ctx.read(listed)


async def _delete(ctx: ToolContext, args: AssetManagerArgs) -> dict[str, Any]:
    """Check, delete the bytes, then the row: if the row's deletion fails, a retried call finds
    the row and deletes again, so neither a row without bytes nor bytes without a row stay."""
    asset_id = args.asset_id
    assert asset_id is not None

    asset = await ctx.read(
        lambda session: require_asset(session, ctx.actor, asset_id, Permission.WRITE)
    )
    await asset_files.delete_stored(asset_files.asset_storage(), assets.stored_keys(asset))

    def remove(session: Session) -> dict[str, Any]:
        assets.delete_asset(session, ctx.actor, asset_id)
        return {"deleted": str(asset.id), "description": asset.description}

    deleted = await ctx.write(remove)
    ctx.note_change(Topic.ASSETS)
    return deleted


async def _save(ctx: ToolContext, args: AssetManagerArgs) -> dict[str, Any]:
    storage = asset_files.asset_storage()
    world_id = args.world_id or ctx.world_id
    fields: dict[str, Any] = {"category": args.category or "other", "meta": {}}
    if args.source_asset_id is not None:
        source_id = args.source_asset_id
        source = await ctx.read(lambda session: assets.get_asset(session, ctx.actor, source_id))
        data = await asset_files.read_bytes(storage, source)
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
    # Refuse links the person may not write before storing anything.
    await ctx.read(
        lambda session: assets.check_links(
            session, ctx.actor, world_id, args.story_id, args.segment_id
        )
    )
    stored = await asset_files.put_image(
        ctx.actor,
        storage,
        data,
        content_type,
        world_id=world_id,
        name=fields.get("description") or fields.get("prompt") or "",
        unique=call_key(ctx.tool_call_id),
    )

    def record(session: Session) -> dict[str, Any]:
        asset = asset_files.record_image(
            session,
            ctx.actor,
            stored,
            world_id=world_id,
            story_id=args.story_id,
            segment_id=args.segment_id,
            **fields,
        )
        return {"saved": asset_summary(asset)}

    try:
        saved = await ctx.write(record)
    except Exception:
        await asset_files.forget(storage, stored.key)
        raise
    ctx.note_change(Topic.ASSETS)
    return saved


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
        confirm=confirm,
    )
)
