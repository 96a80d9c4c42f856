"""Why a sign-in or sign-up was refused: a short code carried in the /signin URL, and the
sentence the sign-in page shows for it."""

from __future__ import annotations

from enum import StrEnum

from dsf_app.errors import DSFError

PROVIDER_NAMES = {"google": "Google", "github": "GitHub"}


class Problem(StrEnum):
    CREDENTIALS = "credentials"
    EMAIL_TAKEN = "email_taken"
    EMAIL_INVALID = "email_invalid"
    NAME_LONG = "name_long"
    PASSWORD_SHORT = "password_short"
    PASSWORD_LONG = "password_long"
    RATE_LIMITED = "rate_limited"
    SIGNUP_LIMITED = "signup_limited"
    OAUTH_STATE = "oauth_state"
    OAUTH_REFUSED = "oauth_refused"
    OAUTH_UNVERIFIED = "oauth_unverified"
    OAUTH_UNAVAILABLE = "oauth_unavailable"
    OAUTH_UNREACHABLE = "oauth_unreachable"
    MAIL_LIMITED = "mail_limited"
    LINK_EXPIRED = "link_expired"


class Notice(StrEnum):
    """What the sign-in page says after something went well (the `notice` parameter)."""

    LINK_SENT = "link_sent"
    VERIFY_SIGN_IN = "verify_sign_in"


NOTICES = {
    # The same words whether or not the address has an account.
    Notice.LINK_SENT: "If an account uses that address, an email with a link is on its way. "
    "The link works once; check your spam folder if nothing arrives in a few minutes.",
    Notice.VERIFY_SIGN_IN: "Sign in to the account you are verifying, and the link will "
    "finish the job.",
}


def describe_notice(code: str | None) -> str:
    """The sentence for a notice code ("" for none or an unknown one)."""
    try:
        return NOTICES[Notice(code or "")]
    except ValueError:
        return ""


class SignInRefused(DSFError):
    """A sign-in or sign-up that did not happen; `problem` is what the URL carries."""

    def __init__(
        self, problem: Problem, *, retry_minutes: int | None = None, provider: str | None = None
    ) -> None:
        self.problem = problem
        self.retry_minutes = retry_minutes
        self.provider = provider
        super().__init__(describe(problem, retry_minutes=retry_minutes, provider=provider))

    def query(self) -> dict[str, str]:
        """The /signin query parameters that make the page show this problem."""
        params = {"error": self.problem.value}
        if self.retry_minutes is not None:
            params["retry"] = str(self.retry_minutes)
        if self.provider:
            params["provider"] = self.provider
        return params


def describe(
    code: str | None, *, retry_minutes: int | None = None, provider: str | None = None
) -> str:
    """The sentence for a problem code ("" for none); unknown codes get a general sentence."""
    if not code:
        return ""
    name = PROVIDER_NAMES.get(provider or "")
    who = name or "The provider"
    via = name or "that provider"
    account = f"Your {name} account" if name else "Your account at the provider"
    minutes = max(retry_minutes or 15, 1)
    wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
    messages = {
        Problem.CREDENTIALS: "Wrong email or password. Check both and try again.",
        Problem.EMAIL_TAKEN: "An account with this email already exists. Sign in instead — "
        "“Forgot password?” emails you a link if the address is yours — or, if you created it "
        "with Google or GitHub, continue with that.",
        Problem.EMAIL_INVALID: "That is not an email address; use the form name@example.com.",
        Problem.NAME_LONG: "That name is too long; use at most 200 characters.",
        Problem.PASSWORD_SHORT: "That password is too short; choose at least 8 characters.",
        Problem.PASSWORD_LONG: "That password is too long; use at most 200 characters.",
        Problem.RATE_LIMITED: f"Too many failed sign-in attempts. Try again in {wait}.",
        Problem.SIGNUP_LIMITED: "Too many sign-ups from your network address in the last hour. "
        f"Try again in {wait}, or sign in if you already have an account.",
        Problem.OAUTH_STATE: "The sign-in could not be verified: it expired or did not start "
        "in this browser. Start again with the button below.",
        Problem.OAUTH_REFUSED: f"{who} did not complete the sign-in. Try again, or use your "
        "email and password.",
        Problem.OAUTH_UNVERIFIED: f"{account} has no verified email address, so it cannot "
        f"sign you in. Verify your email with {via}, or create an account with email and "
        "password.",
        Problem.OAUTH_UNAVAILABLE: f"Sign-in with {via} is not set up on this server; use "
        "your email and password.",
        Problem.OAUTH_UNREACHABLE: f"{who} could not be reached to sign you in. Try again in a "
        "moment, or use your email and password.",
        Problem.MAIL_LIMITED: "Several links were asked for a short while ago; use the newest "
        f"one in your inbox, or ask again in {wait}.",
        Problem.LINK_EXPIRED: "That link has expired or was used already; each link works "
        "once. Ask for a new one below.",
    }
    try:
        return messages[Problem(code)]
    except ValueError:
        return "Sign-in did not work. Try again."
