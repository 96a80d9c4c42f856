"""The provider identities (Google, GitHub…) linked to DSF accounts: one row per provider account,
holding the provider's latest tokens. Which identity may link to which account is decided in
`auth/accounts.py`; this module only finds and stores the links."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from dsf_app.models import OAuthAccount


def find(db: Session, provider: str, account_id: str) -> OAuthAccount | None:
    """The link of this provider's account, if it was ever linked."""
    return db.exec(
        select(OAuthAccount).where(
            OAuthAccount.provider == provider,
            OAuthAccount.provider_account_id == account_id,
        )
    ).first()


def keep_tokens(db: Session, link: OAuthAccount, tokens: dict[str, Any]) -> None:
    """Store the provider's newest tokens on the link."""
    link.tokens = tokens
    db.add(link)


def link(
    db: Session, user_id: uuid.UUID, provider: str, account_id: str, tokens: dict[str, Any]
) -> None:
    """Link this provider's account to the person's account."""
    db.add(
        OAuthAccount(
            user_id=user_id, provider=provider, provider_account_id=account_id, tokens=tokens
        )
    )
    db.flush()
