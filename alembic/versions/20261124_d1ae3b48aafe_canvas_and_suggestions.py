"""canvas surfaces, interactions and suggestions: what agents show a person, what the person
clicked, and the suggestion cards beside the chat

Revision ID: d1ae3b48aafe
Revises: e9673951bc39
Create Date: 2026-11-24 02:24:06.253423
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d1ae3b48aafe"
down_revision: str | None = "e9673951bc39"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canvas_interaction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("component_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("interaction_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_canvas_interaction_user_created",
        "canvas_interaction",
        ["user_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_canvas_interaction_user_id"), "canvas_interaction", ["user_id"], unique=False
    )
    op.create_index(
        op.f("ix_canvas_interaction_world_id"), "canvas_interaction", ["world_id"], unique=False
    )
    op.create_table(
        "canvas_surface",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("spec", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "user_id",
            "world_id",
            "target",
            name="uq_canvas_surface_user_world_target",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index(op.f("ix_canvas_surface_user_id"), "canvas_surface", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_canvas_surface_world_id"), "canvas_surface", ["world_id"], unique=False
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("world_id", sa.UUID(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("priority", sa.String(length=20), nullable=False),
        sa.Column("action_label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("action_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["world_id"], ["world.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_suggestion_user_id"), "suggestion", ["user_id"], unique=False)
    op.create_index(op.f("ix_suggestion_world_id"), "suggestion", ["world_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_suggestion_world_id"), table_name="suggestion")
    op.drop_index(op.f("ix_suggestion_user_id"), table_name="suggestion")
    op.drop_table("suggestion")
    op.drop_index(op.f("ix_canvas_surface_world_id"), table_name="canvas_surface")
    op.drop_index(op.f("ix_canvas_surface_user_id"), table_name="canvas_surface")
    op.drop_table("canvas_surface")
    op.drop_index(op.f("ix_canvas_interaction_world_id"), table_name="canvas_interaction")
    op.drop_index(op.f("ix_canvas_interaction_user_id"), table_name="canvas_interaction")
    op.drop_index("ix_canvas_interaction_user_created", table_name="canvas_interaction")
    op.drop_table("canvas_interaction")
