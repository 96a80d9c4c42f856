"""The account page state: the person's display name, their password, what they used today of
their daily budgets, and deleting the account with everything it owns. ("Sign out everywhere"
is a form posting to /auth/signout-everywhere, like the top bar's sign-out, so the cookie goes
with the sessions.)"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from dsf_app.auth import password_change, recent_proof
from dsf_app.auth.account_removal import delete_account
from dsf_app.errors import DSFError
from dsf_app.services import account_deletion, quotas, users
from dsf_app.services.actor import Actor
from dsf_app.state.auth import ActsForPerson, AuthState
from dsf_app.state.feedback import done, shows_problems

PROVIDER_NAMES = {"google": "Google", "github": "GitHub"}


@dataclass(frozen=True)
class UsageLine:
    """One daily budget as the account page shows it."""

    name: str  # "images"
    used: int
    limit: int
    own_limit: bool


def _usage_lines(session: Session, actor: Actor) -> list[UsageLine]:
    return [
        UsageLine(row.noun, row.used, row.limit, row.own_limit)
        for row in quotas.usage(session, actor)
    ]


class AccountState(ActsForPerson, rx.State):
    name: rx.Field[str] = rx.field("")
    email: rx.Field[str] = rx.field("")
    has_password: rx.Field[bool] = rx.field(False)
    providers: rx.Field[list[str]] = rx.field(default_factory=list)
    loading: rx.Field[bool] = rx.field(True)
    name_error: rx.Field[str] = rx.field("")
    password_error: rx.Field[str] = rx.field("")
    delete_open: rx.Field[bool] = rx.field(False)
    delete_error: rx.Field[str] = rx.field("")
    deleting: rx.Field[bool] = rx.field(False)
    usage: rx.Field[list[UsageLine]] = rx.field(default_factory=list)

    @rx.event
    @shows_problems
    async def load(self) -> None:
        """on_load: who is signed in, and how they sign in."""
        self.name_error = self.password_error = self.delete_error = ""
        self.delete_open = False
        try:
            info = await self.act(users.account_info)
        finally:
            self.loading = False
        self.name, self.email = info.name, info.email
        self.has_password = info.has_password
        self.providers = [PROVIDER_NAMES.get(p, p) for p in info.providers]
        self.usage = await self.act(_usage_lines)

    @rx.event
    @shows_problems
    async def save_name(self, form: dict[str, Any]):
        try:
            self.name = await self.act(users.rename, str(form.get("name", "")))
        except DSFError as exc:  # shown beside the field
            self.name_error = str(exc)
            return
        self.name_error = ""
        auth = await self.get_state(AuthState)
        auth.user_name = self.name
        yield done("Your name is saved.")

    @rx.event
    @shows_problems
    async def change_password(self, form: dict[str, Any]):
        """Set a new password (the current one required, if the account has one); every other
        session of the person ends."""
        current, new = str(form.get("current", "")), str(form.get("new", ""))
        try:
            on_file = await self.act(password_change.start, new, self._session_token() or "")
            new_hash = await asyncio.to_thread(password_change.checked_hash, on_file, current, new)
            await self.act(password_change.finish, on_file, new_hash, self._session_token() or "")
        except DSFError as exc:  # shown beside the form
            self.password_error = str(exc)
            return
        self.password_error = ""
        verb = "changed" if self.has_password else "set"
        self.has_password = True
        yield done(f"Password {verb}; you were signed out on every other device.")

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        self.delete_open = value
        self.delete_error = ""

    @rx.event
    @shows_problems
    async def delete_account(self, form: dict[str, Any]):
        """Delete the account and everything it owns, once the person typed its email and
        signed in within the last few minutes."""
        try:
            await self.act(
                recent_proof.require_recent_sign_in,
                self._session_token() or "",
                "deleting your account",
            )
            held = await self.act(account_deletion.confirm, str(form.get("email", "")))
        except DSFError as exc:  # shown in the dialog, beside the email they typed
            self.delete_error = str(exc)
            return
        self.deleting, self.delete_error = True, ""
        yield
        try:
            await delete_account(await self.person(), held)
        except DSFError as exc:
            self.delete_error = str(exc)
            return
        finally:
            self.deleting = False
        self.delete_open = False
        yield done("Your account and everything it held are deleted.")
        yield rx.redirect("/signin", replace=True)
