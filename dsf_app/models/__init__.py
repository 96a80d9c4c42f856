"""The SQLModel tables (docs/ARCHITECTURE.md, "The data"); the Alembic migrations in alembic/
create them."""

from dsf_app.models.agents import AgentKind, AgentRecord, AgentRun, ToolExecution
from dsf_app.models.asset_references import AssetReference, ReferenceRole
from dsf_app.models.assets import Asset, AssetCategory, AssetType
from dsf_app.models.canvas import (
    CanvasInteraction,
    CanvasMode,
    CanvasSurface,
    Suggestion,
    SuggestionPriority,
    SuggestionStatus,
)
from dsf_app.models.chat import ChatConversation, ChatMessage
from dsf_app.models.codex import (
    CodexEntry,
    CodexEntryVersion,
    CodexKind,
    CodexLink,
    CodexStatus,
    SearchVector,
)
from dsf_app.models.confirmations import Decision, ToolConfirmation
from dsf_app.models.email_tokens import EmailToken, TokenPurpose
from dsf_app.models.evaluations import Evaluation, EvaluationKind, EvaluationSource
from dsf_app.models.limits import RateLimitAttempt
from dsf_app.models.progressions import CodexProgression, ProgressionField, ProgressionMode
from dsf_app.models.quotas import Meter, QuotaOverride, UsageDay
from dsf_app.models.rollups import LatencyDay, RunDay, RunWorld, ToolDay
from dsf_app.models.sessions import UserSession
from dsf_app.models.sources import Source, SourceFormat, SourcePassage
from dsf_app.models.steps import RunStep, StepKind
from dsf_app.models.stories import Story, StorySegment
from dsf_app.models.users import OAuthAccount, User
from dsf_app.models.versions import WorldVersion
from dsf_app.models.world_changes import WorldChange
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
    "AssetReference",
    "AssetType",
    "CanvasInteraction",
    "CanvasMode",
    "CanvasSurface",
    "ChatConversation",
    "ChatMessage",
    "CodexEntry",
    "CodexEntryVersion",
    "CodexKind",
    "CodexLink",
    "CodexProgression",
    "CodexStatus",
    "CollaboratorRole",
    "Decision",
    "EmailToken",
    "Evaluation",
    "EvaluationKind",
    "EvaluationSource",
    "LatencyDay",
    "Meter",
    "OAuthAccount",
    "ProgressionField",
    "ProgressionMode",
    "QuotaOverride",
    "RateLimitAttempt",
    "ReferenceRole",
    "RunDay",
    "RunStep",
    "RunWorld",
    "SearchVector",
    "Source",
    "SourceFormat",
    "SourcePassage",
    "StepKind",
    "Story",
    "StorySegment",
    "Suggestion",
    "SuggestionPriority",
    "SuggestionStatus",
    "TokenPurpose",
    "ToolConfirmation",
    "ToolDay",
    "ToolExecution",
    "UsageDay",
    "User",
    "UserSession",
    "Visibility",
    "World",
    "WorldChange",
    "WorldCollaborator",
    "WorldInvitation",
    "WorldState",
    "WorldVersion",
]
