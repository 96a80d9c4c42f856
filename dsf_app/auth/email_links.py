"""The links DSF sends by email, and what each one proves: the person reading the mail holds the
address. A link carries a random token stored only as its SHA-256 (`EmailToken`); it works once,
and only until it expires.

- verify (48 hours): the signed-in person's address is theirs; sent at sign-up, resent on
  request (VERIFY_MAILS_PER_HOUR);
- reset (1 hour): sets a new password and ends every other session;
- sign in (15 minutes): a session without a password, offered when password sign-in is held
  back by its limits, and never counted by them.

Reset and sign-in links are asked for by email address: the answer is the same whether or not
the address has an account (the mail, if any, goes out after the answer), and each address may
be sent at most MAILS_PER_ADDRESS of them per LINK_WINDOW. The window is as long as a sign-in
link lives, so when a stranger spends an address's budget, the owner's inbox holds links that
still work. Each client address may ask for MAILS_PER_CLIENT per hour.

Following a reset or sign-in link proves the address; if the account had never proved it, whoever
signed up with it may not own it, so it is handed to the owner: its sessions end and (for a
sign-in link) the password its holder chose stops working."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from dsf_app.auth import accounts, sessions
from dsf_app.auth.problems import Problem, SignInRefused
from dsf_app.errors import Forbidden, Invalid
from dsf_app.models import TokenPurpose, User
from dsf_app.models.columns import utcnow
from dsf_app.services import email_tokens, invitations, limits, users
from dsf_app.services.actor import Actor
from dsf_app.services.mail import Mail
from dsf_app.settings import get_settings

LIFETIMES = {
    TokenPurpose.VERIFY: timedelta(hours=48),
    TokenPurpose.RESET: timedelta(hours=1),
    TokenPurpose.SIGN_IN: timedelta(minutes=15),
}
VERIFY_MAILS_PER_HOUR = 5
MAILS_PER_ADDRESS = 5
LINK_WINDOW = LIFETIMES[TokenPurpose.SIGN_IN]
MAILS_PER_CLIENT = 30

ALREADY_VERIFIED = "Your email address is already verified; there is nothing to resend."


@dataclass(frozen=True)
class Redeemed:
    """Whose link was followed, and whether their address was proven only now."""

    user: User
    newly_verified: bool


def issue(db: Session, user: User, purpose: TokenPurpose) -> str:
    """A new token for `user`, stored as its hash; returns the token for the link."""
    token = secrets.token_urlsafe(32)
    email_tokens.store(
        db, user, purpose, sessions.token_hash(token), expires_at=utcnow() + LIFETIMES[purpose]
    )
    return token


def redeem(
    db: Session, token: str, purpose: TokenPurpose, *, user_id: uuid.UUID | None = None
) -> User | None:
    """Use the token up (one statement: two clicks cannot both win) and return its person, or
    None when it is unknown, used, expired, for another purpose or person (`user_id`), or was
    sent to an address the account no longer has."""
    used = email_tokens.use_up(db, sessions.token_hash(token), purpose, user_id=user_id)
    if used is None:
        return None
    owner, address = used
    user = users.find_user(db, owner)
    return user if user is not None and user.email == address else None


def _prove_address(db: Session, user: User) -> bool:
    """Mark the address proven and take up the invitations waiting for it; True if it was not
    proven before."""
    newly = users.prove_email(db, user)
    invitations.accept(db, user)
    return newly


# --- verifying the address ---------------------------------------------------------------------


def verification_mail(email: str, token: str) -> Mail:
    return Mail(
        to=email,
        subject="Verify your email address",
        paragraphs=(
            "Welcome to Deep Sci-Fi. Confirm that this address is yours to accept invitations "
            "to other people's worlds and to publish your own.",
            "Open the link in the browser where you signed up (you will be asked to sign in "
            "if you are not).",
        ),
        link_label="Verify my email address",
        link=f"{get_settings().public_url}/auth/verify?token={token}",
        closing="If you did not create an account, ignore this message: nothing happens "
        "without the link.",
    )


def start_verification(db: Session, user: User) -> Mail:
    """The verification mail for a new account (send it once the transaction commits)."""
    return verification_mail(user.email, issue(db, user, TokenPurpose.VERIFY))


def resend_verification(db: Session, actor: Actor) -> Mail:
    """A new verification mail for the signed-in person; at most VERIFY_MAILS_PER_HOUR."""
    user = users.get_user(db, actor.user_id)
    if user.email_verified:
        raise Invalid(ALREADY_VERIFIED)
    budget = limits.Budget(f"verify-mail:{user.id}", VERIFY_MAILS_PER_HOUR, timedelta(hours=1))
    try:
        limits.take(db, [budget])
    except limits.LimitReached as reached:
        raise Forbidden(
            f"{VERIFY_MAILS_PER_HOUR} verification emails were sent in the last hour; check "
            f"your inbox and spam folder, or ask again in {reached.minutes} minutes."
        ) from None
    return start_verification(db, user)


def verify(db: Session, actor: Actor, token: str) -> bool:
    """Follow a verification link as the signed-in person; True if it was theirs and worked
    (the address is then proven and waiting invitations are taken up at once)."""
    user = redeem(db, token, TokenPurpose.VERIFY, user_id=actor.user_id)
    if user is None:
        return False
    _prove_address(db, user)
    return True


# --- links asked for by address: password reset and sign-in ------------------------------------


def request_link(db: Session, email: str, purpose: TokenPurpose, client: str | None) -> Mail | None:
    """Take the address's and the client's budgets (SignInRefused when spent, whether or not
    the address has an account), then the mail to send if an account has the address."""
    address = accounts.normalised_email(email)
    budgets = [
        limits.Budget(f"link-mail:{address}", MAILS_PER_ADDRESS, LINK_WINDOW),
        limits.Budget(f"link-mail-ip:{client or 'unknown'}", MAILS_PER_CLIENT, timedelta(hours=1)),
    ]
    try:
        limits.take(db, budgets)
    except limits.LimitReached as reached:
        raise SignInRefused(Problem.MAIL_LIMITED, retry_minutes=reached.minutes) from None
    user = users.get_by_email(db, address)
    if user is None:
        return None
    return BY_ADDRESS[purpose](user.email, issue(db, user, purpose))


def reset_mail(email: str, token: str) -> Mail:
    return Mail(
        to=email,
        subject="Choose a new password",
        paragraphs=(
            "Someone (we hope you) asked to reset the password of the Deep Sci-Fi account "
            "for this address.",
            "The link works once, for one hour. Choosing a new password signs you out "
            "everywhere else.",
        ),
        link_label="Choose a new password",
        link=f"{get_settings().public_url}/signin?mode=reset&token={token}",
        closing="If you did not ask for this, ignore this message: your password stays as it is.",
    )


def sign_in_mail(email: str, token: str) -> Mail:
    return Mail(
        to=email,
        subject="Your sign-in link",
        paragraphs=(
            "Someone (we hope you) asked for a link to sign in to Deep Sci-Fi with this address.",
            "The link works once, for 15 minutes, in any browser.",
        ),
        link_label="Sign in to Deep Sci-Fi",
        link=f"{get_settings().public_url}/signin?mode=link&token={token}",
        closing="If you did not ask for this, ignore this message; nobody can sign in "
        "without the link.",
    )


# The links a person may ask for by address, and the mail that carries each.
BY_ADDRESS: dict[TokenPurpose, Callable[[str, str], Mail]] = {
    TokenPurpose.RESET: reset_mail,
    TokenPurpose.SIGN_IN: sign_in_mail,
}


def reset_password(db: Session, token: str, password_hash: str) -> User:
    """Follow a reset link: the new password is set and every session of the account ends (the
    caller starts the new one); SignInRefused when the link does not work."""
    user = redeem(db, token, TokenPurpose.RESET)
    if user is None:
        raise SignInRefused(Problem.LINK_EXPIRED)
    _prove_address(db, user)
    users.set_password_hash(db, user, password_hash)
    sessions.revoke_all(db, user.id)
    return user


def sign_in_by_link(db: Session, token: str) -> User:
    """Follow a sign-in link; an account whose address nobody had proven is handed to the
    person who just did (`accounts.hand_to_owner`). SignInRefused when the link does not
    work."""
    user = redeem(db, token, TokenPurpose.SIGN_IN)
    if user is None:
        raise SignInRefused(Problem.LINK_EXPIRED)
    if not user.email_verified:
        accounts.hand_to_owner(db, user)
    _prove_address(db, user)
    return user
