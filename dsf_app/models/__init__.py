"""The SQLModel tables (docs/ARCHITECTURE.md, "The data"); the Alembic migrations in alembic/
create them."""

from dsf_app.models.agents import AgentKind, AgentRecord, AgentRun, ToolExecution
from dsf_app.models.assets import Asset, AssetCategory, AssetType
from dsf_app.models.canvas import (
    CanvasInteraction,
    CanvasMode,
    CanvasSurface,
    Suggestion,
    SuggestionPriority,
    SuggestionStatus,
)
from dsf_app.models.chat import ChatMessage
from dsf_app.models.limits import RateLimitAttempt
from dsf_app.models.sessions import UserSession
from dsf_app.models.stories import Story, StorySegment
from dsf_app.models.users import OAuthAccount, User
from dsf_app.models.versions import WorldVersion
from dsf_app.models.worlds import (
    CollaboratorRole,
    Visibility,
    World,
    WorldCollaborator,
    WorldInvitation,
    WorldState,
)

__all__ = [
    "AgentKind",
    "AgentRecord",
    "AgentRun",
    "Asset",
    "AssetCategory",
    "AssetType",
    "CanvasInteraction",
    "CanvasMode",
    "CanvasSurface",
    "ChatMessage",
    "CollaboratorRole",
    "OAuthAccount",
    "RateLimitAttempt",
    "Story",
    "StorySegment",
    "Suggestion",
    "SuggestionPriority",
    "SuggestionStatus",
    "ToolExecution",
    "User",
    "UserSession",
    "Visibility",
    "World",
    "WorldCollaborator",
    "WorldInvitation",
    "WorldState",
    "WorldVersion",
]
