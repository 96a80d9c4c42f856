"""The acting person, resolved once per event by the auth layer and passed to every service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from dsf_app.models import User


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user_id=user.id)
