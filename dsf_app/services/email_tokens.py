"""The stored side of the links DSF sends by email: an `email_token` row per link, holding its
token's hash (never the token), its purpose, the address it was sent to and until when it works.
What each link proves and who may ask for one is `auth/email_links.py`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from dsf_app.models import EmailToken, TokenPurpose, User
from dsf_app.models.columns import utcnow


def store(
    db: Session, user: User, purpose: TokenPurpose, token_hash: str, *, expires_at: datetime
) -> None:
    """Keep a new link's token hash, sent to the person's current address."""
    db.add(
        EmailToken(
            user_id=user.id,
            purpose=purpose,
            email=user.email,
            token_hash=token_hash,
            expires_at=expires_at,
        )
    )
    db.flush()


def use_up(
    db: Session, token_hash: str, purpose: TokenPurpose, *, user_id: uuid.UUID | None
) -> tuple[uuid.UUID, str] | None:
    """Mark the live token with this hash and purpose (and person, if `user_id` is given) used,
    in one statement, so two clicks cannot both win; (whose it was, the address it was sent to),
    or None when no such token was live."""
    query = (
        update(EmailToken)
        .where(
            col(EmailToken.token_hash) == token_hash,
            col(EmailToken.purpose) == purpose.value,
            col(EmailToken.used_at).is_(None),
            col(EmailToken.expires_at) > utcnow(),
        )
        .values(used_at=utcnow())
        .returning(col(EmailToken.user_id), col(EmailToken.email))
    )
    if user_id is not None:
        query = query.where(col(EmailToken.user_id) == user_id)
    row = db.execute(query).first()
    return None if row is None else (row[0], row[1])
