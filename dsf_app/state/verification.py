"""The banner of a person whose email address is not verified yet: sending the link again."""

from __future__ import annotations

import asyncio

import reflex as rx

from dsf_app.auth import email_links
from dsf_app.services import mail
from dsf_app.state.auth import ActsForPerson
from dsf_app.state.feedback import done, shows_problems


class VerificationState(ActsForPerson, rx.State):
    sending: rx.Field[bool] = rx.field(False)

    @rx.event
    @shows_problems
    async def resend(self):
        """A new verification link by email (a limited number per hour); the mail is sent with
        no database session open."""
        self.sending = True
        yield
        try:
            message = await self.act(email_links.resend_verification)
            await asyncio.to_thread(mail.send, message)
        finally:
            self.sending = False
        yield done(f"A new link is on its way to {message.to}; it works for 48 hours.")
