"""The sign-in HTTP edge, mounted at /auth: the /signin page's forms post here, and OAuth
providers redirect back here. Every answer is a 303 to the next page or back to /signin with a
problem code; POSTs must come from the app's own origin (CSRF)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.starlette_client import StarletteOAuth2App
from joserfc.errors import JoseError
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dsf_app.auth import accounts, email_links, oauth, passwords, rate_limit, sessions
from dsf_app.auth.accounts import ProviderIdentity
from dsf_app.auth.client_address import client_address
from dsf_app.auth.problems import Notice, Problem, SignInRefused
from dsf_app.auth.redirects import DEFAULT_NEXT, safe_next, signin_url
from dsf_app.auth.secret import session_secret
from dsf_app.db import session_scope
from dsf_app.errors import ServiceUnavailable
from dsf_app.models import TokenPurpose, User
from dsf_app.services import mail
from dsf_app.settings import get_settings

log = logging.getLogger(__name__)

# authlib keeps OAuth state and nonce in this signed cookie, only for the few minutes of a flow.
OAUTH_COOKIE = "dsf_oauth"
OAUTH_COOKIE_SECONDS = 15 * 60
NEXT_KEY = "dsf_next"


def public_origin() -> str:
    return get_settings().public_origin


def cross_site_refusal(request: Request) -> Response | None:
    """A 403 unless the POST came from a page of this app or of DSF_ALLOWED_ORIGINS (browsers
    always send Origin on POST)."""
    origin = request.headers.get("origin")
    if origin in get_settings().trusted_origins:
        return None
    return PlainTextResponse(
        f"This form was sent from {origin or 'an unknown page'}, not from {public_origin()}; "
        f"open {public_origin()}/signin and try again.",
        status_code=403,
    )


def back_to_signin(refusal: SignInRefused, next_path: str, **params: str) -> RedirectResponse:
    return _no_store(
        RedirectResponse(signin_url(next_path, **refusal.query(), **params), status_code=303)
    )


def signed_in(
    token: str, next_path: str, background: BackgroundTask | None = None
) -> RedirectResponse:
    response = RedirectResponse(safe_next(next_path), status_code=303, background=background)
    response.set_cookie(value=token, **sessions.cookie_options())
    return _no_store(response)


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Visit:
    """Who is knocking: their address, browser, and the session cookie they already hold (which a
    new sign-in replaces, so it is revoked rather than left valid behind the new one)."""

    ip: str | None
    user_agent: str
    old_token: str | None

    @classmethod
    def of(cls, request: Request) -> Visit:
        return cls(
            client_address(request),
            request.headers.get("user-agent", ""),
            request.cookies.get(sessions.SESSION_COOKIE),
        )

    def start_session(self, db: Session, user: User) -> str:
        sessions.revoke(db, self.old_token)
        return sessions.create_session(db, user, user_agent=self.user_agent)


# --- email and password ----------------------------------------------------------------------


def _sign_up(name: str, email: str, password: str, visit: Visit) -> tuple[str, mail.Mail]:
    """The new account's session token, and its verification mail to send."""
    account = accounts.check_sign_up(name=name, email=email, password=password)
    # The attempt is committed before the slow hash, and counts whatever happens next.
    with session_scope() as db:
        rate_limit.take(db, rate_limit.sign_up_limits(visit.ip), Problem.SIGNUP_LIMITED)
    password_hash = passwords.hash_password(account.password)
    with session_scope() as db:
        user = accounts.create_password_account(db, account, password_hash)
        if user is None:
            raise SignInRefused(Problem.EMAIL_TAKEN)
        token = visit.start_session(db, user)
        return token, email_links.start_verification(db, user)


def _send_quietly(message: mail.Mail | None) -> None:
    """Send a mail whose failure nobody waits for (it is logged): a sign-up's verification
    (the page's banner offers to send it again), or a link asked for by address (whose answer
    must not tell whether the address has an account)."""
    if message is None:
        return
    try:
        mail.send(message)
    except ServiceUnavailable:
        log.warning(
            "The %r mail to %s was not sent; see the warning above.", message.subject, message.to
        )


def _sign_in(email: str, password: str, visit: Visit) -> str:
    # The attempt is committed (as a failure until it succeeds) before the slow password check,
    # which runs with no transaction open.
    with session_scope() as db:
        check = accounts.start_sign_in(db, email=email, ip=visit.ip)
    matches = passwords.verify_password(check.password_hash, password)
    with session_scope() as db:
        user = accounts.finish_sign_in(db, check, password, matches)
        token = visit.start_session(db, user) if user else None
    if token is None:
        raise SignInRefused(Problem.CREDENTIALS)
    return token


# --- links sent by email -----------------------------------------------------------------------


def _verify(token: str | None, link_token: str) -> bool | None:
    """None if nobody is signed in; else whether the link was the signed-in person's and
    worked."""
    with session_scope() as db:
        actor = sessions.resolve(db, token)
        return None if actor is None else email_links.verify(db, actor, link_token)


async def verify_email(request: Request) -> Response:
    """GET from the verification mail: only the account's own signed-in browser can use the
    link (someone else reading the mail, or a mail scanner opening it, cannot)."""
    link_token = request.query_params.get("token", "")
    verified = await run_in_threadpool(
        _verify, request.cookies.get(sessions.SESSION_COOKIE), link_token
    )
    if verified is None:
        here = f"/auth/verify?token={link_token}"
        return _no_store(
            RedirectResponse(signin_url(here, notice=Notice.VERIFY_SIGN_IN), status_code=303)
        )
    return _no_store(RedirectResponse("/account" if verified else DEFAULT_NEXT, status_code=303))


def _request_link(email: str, purpose: TokenPurpose, visit: Visit) -> mail.Mail | None:
    with session_scope() as db:
        return email_links.request_link(db, email, purpose, visit.ip)


async def _ask_for_link(request: Request, purpose: TokenPurpose, mode: str) -> Response:
    """The same answer whether or not the address has an account: the mail, if any, is sent
    after the answer has gone out."""
    if refusal := cross_site_refusal(request):
        return refusal
    form = await request.form()
    next_path = safe_next(_field(form, "next"))
    try:
        message = await run_in_threadpool(
            _request_link, _field(form, "email"), purpose, Visit.of(request)
        )
    except SignInRefused as refused:
        return back_to_signin(refused, next_path, mode=mode)
    return _no_store(
        RedirectResponse(
            signin_url(next_path, notice=Notice.LINK_SENT),
            status_code=303,
            background=BackgroundTask(_send_quietly, message),
        )
    )


async def forgot_password(request: Request) -> Response:
    return await _ask_for_link(request, TokenPurpose.RESET, "forgot")


async def ask_sign_in_link(request: Request) -> Response:
    return await _ask_for_link(request, TokenPurpose.SIGN_IN, "signin")


def _reset(link_token: str, password: str, visit: Visit) -> str:
    passwords.check_policy(password)
    password_hash = passwords.hash_password(password)
    with session_scope() as db:
        user = email_links.reset_password(db, link_token, password_hash)
        return visit.start_session(db, user)


async def reset_password(request: Request) -> Response:
    """POST from the page a reset link opens: a new password, every other session ended, and
    this browser signed in."""
    if refusal := cross_site_refusal(request):
        return refusal
    form = await request.form()
    link_token = _field(form, "token")
    try:
        token = await run_in_threadpool(
            _reset, link_token, _field(form, "password"), Visit.of(request)
        )
    except SignInRefused as refused:
        if refused.problem is Problem.LINK_EXPIRED:
            return back_to_signin(refused, DEFAULT_NEXT, mode="forgot")
        return back_to_signin(refused, DEFAULT_NEXT, mode="reset", token=link_token)
    return signed_in(token, DEFAULT_NEXT)


def _link_sign_in(link_token: str, visit: Visit) -> str:
    with session_scope() as db:
        return visit.start_session(db, email_links.sign_in_by_link(db, link_token))


async def sign_in_with_link(request: Request) -> Response:
    """POST from the page a sign-in link opens (a button, so that a mail scanner fetching the
    link signs nobody in). No password limit applies."""
    if refusal := cross_site_refusal(request):
        return refusal
    form = await request.form()
    next_path = safe_next(_field(form, "next"))
    try:
        token = await run_in_threadpool(_link_sign_in, _field(form, "token"), Visit.of(request))
    except SignInRefused as refused:
        return back_to_signin(refused, next_path)
    return signed_in(token, next_path)


def _sign_out(token: str | None) -> None:
    with session_scope() as db:
        sessions.revoke(db, token)


def _sign_out_everywhere(token: str | None) -> None:
    """End every session of the person this token signs in (none if it signs in nobody)."""
    with session_scope() as db:
        actor = sessions.resolve(db, token)
        if actor is not None:
            sessions.revoke_all(db, actor.user_id)


async def signup(request: Request) -> Response:
    if refusal := cross_site_refusal(request):
        return refusal
    form = await request.form()
    next_path = safe_next(_field(form, "next"))
    try:
        token, verification = await run_in_threadpool(
            _sign_up,
            _field(form, "name"),
            _field(form, "email"),
            _field(form, "password"),
            Visit.of(request),
        )
    except SignInRefused as refused:
        return back_to_signin(refused, next_path, mode="signup")
    return signed_in(token, next_path, BackgroundTask(_send_quietly, verification))


async def signin(request: Request) -> Response:
    if refusal := cross_site_refusal(request):
        return refusal
    form = await request.form()
    next_path = safe_next(_field(form, "next"))
    try:
        token = await run_in_threadpool(
            _sign_in, _field(form, "email"), _field(form, "password"), Visit.of(request)
        )
    except SignInRefused as refused:
        return back_to_signin(refused, next_path)
    return signed_in(token, next_path)


async def signout(request: Request) -> Response:
    if refusal := cross_site_refusal(request):
        return refusal
    await run_in_threadpool(_sign_out, request.cookies.get(sessions.SESSION_COOKIE))
    return signed_out()


async def signout_everywhere(request: Request) -> Response:
    """The account page's "Sign out everywhere": every session of the person ends, this one
    too."""
    if refusal := cross_site_refusal(request):
        return refusal
    await run_in_threadpool(_sign_out_everywhere, request.cookies.get(sessions.SESSION_COOKIE))
    return signed_out()


def signed_out() -> RedirectResponse:
    """To /signin, without the session cookie."""
    response = _no_store(RedirectResponse("/signin", status_code=303))
    options = sessions.cookie_options()
    response.delete_cookie(
        sessions.SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=options["secure"],
    )
    return response


# --- OAuth / OpenID Connect --------------------------------------------------------------------


async def oauth_login(request: Request) -> Response:
    provider = request.path_params["provider"]
    next_path = safe_next(request.query_params.get("next"))
    app = oauth.client(provider)
    if app is None:
        return back_to_signin(
            SignInRefused(Problem.OAUTH_UNAVAILABLE, provider=provider), next_path
        )
    request.session[NEXT_KEY] = next_path
    callback = f"{public_origin()}/auth/oauth/{provider}/callback"
    try:
        return await app.authorize_redirect(request, callback)
    except httpx.HTTPError:
        return back_to_signin(
            SignInRefused(Problem.OAUTH_UNREACHABLE, provider=provider), next_path
        )


async def oauth_callback(request: Request) -> Response:
    provider = request.path_params["provider"]
    next_path = safe_next(request.session.pop(NEXT_KEY, None))
    app = oauth.client(provider)
    try:
        if app is None:
            raise SignInRefused(Problem.OAUTH_UNAVAILABLE, provider=provider)
        identity = await _finish(provider, app, request)
        token = await run_in_threadpool(_oauth_sign_in, identity, Visit.of(request))
    except SignInRefused as refused:
        return back_to_signin(refused, next_path)
    return signed_in(token, next_path)


async def _finish(provider: str, app: StarletteOAuth2App, request: Request) -> ProviderIdentity:
    """Exchange the code (authlib checks state against this browser's cookie, and the ID token)
    and ask who signed in; every way that can fail becomes a SignInRefused."""
    try:
        token = await app.authorize_access_token(request)
        return await oauth.identity(provider, app, token)
    except MismatchingStateError:
        raise SignInRefused(Problem.OAUTH_STATE, provider=provider) from None
    except httpx.HTTPError:
        raise SignInRefused(Problem.OAUTH_UNREACHABLE, provider=provider) from None
    except (AuthlibBaseError, JoseError, KeyError, TypeError, ValueError):
        raise SignInRefused(Problem.OAUTH_REFUSED, provider=provider) from None


def _oauth_sign_in(identity: ProviderIdentity, visit: Visit) -> str:
    with session_scope() as db:
        return visit.start_session(db, accounts.oauth_sign_in(db, identity))


def build_auth_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/signup", signup, methods=["POST"]),
            Route("/signin", signin, methods=["POST"]),
            Route("/signout", signout, methods=["POST"]),
            Route("/signout-everywhere", signout_everywhere, methods=["POST"]),
            Route("/verify", verify_email, methods=["GET"]),
            Route("/forgot", forgot_password, methods=["POST"]),
            Route("/reset", reset_password, methods=["POST"]),
            Route("/signin-link", ask_sign_in_link, methods=["POST"]),
            Route("/link", sign_in_with_link, methods=["POST"]),
            Route("/oauth/{provider}/login", oauth_login, methods=["GET"]),
            Route("/oauth/{provider}/callback", oauth_callback, methods=["GET"]),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(),
                session_cookie=OAUTH_COOKIE,
                max_age=OAUTH_COOKIE_SECONDS,
                path="/auth",
                same_site="lax",
                https_only=public_origin().startswith("https://"),
            )
        ],
    )
