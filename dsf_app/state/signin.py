"""What the sign-in page reads from its URL besides a problem: a notice after a link was asked
for, the token of the link that opened it, and whether to offer a sign-in link by email."""

from __future__ import annotations

import reflex as rx

from dsf_app.auth.problems import Problem, describe_notice

# Password sign-in held back, or a link that no longer works: offer a link by email instead.
OFFERS_LINK = (Problem.RATE_LIMITED.value, Problem.LINK_EXPIRED.value)


class SignInPageState(rx.State):
    @rx.var
    def notice(self) -> str:
        return describe_notice(self.router.url.query_parameters.get("notice"))

    @rx.var
    def link_token(self) -> str:
        """The token of the reset or sign-in link that opened the page (it goes back in the
        form the person sends; the page itself uses it for nothing)."""
        return self.router.url.query_parameters.get("token", "")

    @rx.var
    def offers_link(self) -> bool:
        return self.router.url.query_parameters.get("error", "") in OFFERS_LINK
