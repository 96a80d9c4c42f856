"""A local identity provider for tests, speaking two real protocols on one port:

- OpenID Connect, as Google does: discovery document, /authorize (answers at once with a code,
  no login screen), /token (an RS256-signed ID token, signed with joserfc), /userinfo, /jwks;
- GitHub's OAuth 2 web flow and API: /login/oauth/authorize, /login/oauth/access_token, /user
  and /user/emails.

Both take PKCE (RFC 7636) as the real ones do: optional, but a code asked for with an S256
`code_challenge` is exchanged only with the `code_verifier` that hashes to it.

A test says who signs in next (`sign_in_as`), or that the next sign-in is refused.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from tests.fakes.http_server import FakeHTTPServer, JSONHandler

CLIENT_ID = "dsf-test-client"
CLIENT_SECRET = "dsf-test-secret"


@dataclass(frozen=True)
class Person:
    """Someone with an account at the provider; GitHub shows `sub` as the numeric user id."""

    sub: str
    email: str | None
    email_verified: bool = True
    name: str = "Test Person"
    picture: str | None = None
    login: str = "test-person"
    # GitHub lists several addresses; the default is the one above, primary.
    extra_emails: tuple[dict[str, Any], ...] = ()

    def oidc_claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.sub, "name": self.name}
        if self.email is not None:
            claims["email"] = self.email
            claims["email_verified"] = self.email_verified
        if self.picture:
            claims["picture"] = self.picture
        return claims

    def github_emails(self) -> list[dict[str, Any]]:
        primary = (
            [{"email": self.email, "primary": True, "verified": self.email_verified}]
            if self.email
            else []
        )
        return [*primary, *self.extra_emails]


@dataclass(frozen=True)
class Grant:
    person: Person
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None = None

    def verified_by(self, code_verifier: str | None) -> bool:
        """Whether the token request's verifier answers the authorization's challenge."""
        if self.code_challenge is None:
            return True
        digest = hashlib.sha256((code_verifier or "").encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == self.code_challenge


@dataclass
class _Script:
    next_person: Person | None = None
    refuse_next: bool = False
    codes: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, Person] = field(default_factory=dict)


class _Handler(JSONHandler):
    fake: ClassVar[FakeOIDCProvider]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        self.record({"query": query})
        if url.path == "/.well-known/openid-configuration":
            self.send_json(200, self.fake.discovery())
        elif url.path == "/jwks":
            self.send_json(200, {"keys": [self.fake.key.as_dict(private=False)]})
        elif url.path in ("/authorize", "/login/oauth/authorize"):
            self._authorize(query, oidc=url.path == "/authorize")
        elif url.path == "/userinfo":
            self._with_person(lambda person: person.oidc_claims())
        elif url.path == "/user":
            self._with_person(
                lambda person: {
                    "id": int(person.sub),
                    "login": person.login,
                    "name": person.name,
                    "avatar_url": person.picture,
                }
            )
        elif url.path == "/user/emails":
            self._with_person(lambda person: person.github_emails())
        else:
            self.send_json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode()))
        self.record({key: value for key, value in form.items() if key != "client_secret"})
        if url.path in ("/token", "/login/oauth/access_token"):
            self._token(form, oidc=url.path == "/token")
        else:
            self.send_json(404, {"error": "not_found"})

    def _authorize(self, query: dict[str, str], *, oidc: bool) -> None:
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != CLIENT_ID or not redirect_uri:
            self.send_json(400, {"error": "invalid_client"})
            return
        challenge = query.get("code_challenge")
        if challenge is not None and query.get("code_challenge_method") != "S256":
            self.send_json(400, {"error": "invalid_request", "error_description": "S256 only"})
            return
        answer: dict[str, str]
        person, refused = self.fake.take_next()
        if refused or person is None:
            answer = {"error": "access_denied", "error_description": "The person said no."}
        else:
            code = secrets.token_urlsafe(16)
            nonce = query.get("nonce") if oidc else None
            self.fake.add_code(code, Grant(person, CLIENT_ID, redirect_uri, nonce, challenge))
            answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        separator = "&" if "?" in redirect_uri else "?"
        self.send_redirect(f"{redirect_uri}{separator}{urlencode(answer)}")

    def _token(self, form: dict[str, str], *, oidc: bool) -> None:
        client_id, client_secret = self._client_credentials(form)
        if (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
            self.send_json(401, {"error": "invalid_client"})
            return
        grant = self.fake.take_code(form.get("code", ""))
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or not grant.verified_by(form.get("code_verifier"))
        ):
            self.send_json(400, {"error": "invalid_grant"})
            return
        access_token = self.fake.issue_access_token(grant.person)
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "scope": "openid email profile" if oidc else "read:user,user:email",
        }
        if oidc:
            body["expires_in"] = 3600
            body["id_token"] = self.fake.id_token(grant)
        self.send_json(200, body)

    def _client_credentials(self, form: dict[str, str]) -> tuple[str, str]:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            decoded = base64.b64decode(header[6:]).decode()
            client_id, _, client_secret = decoded.partition(":")
            return client_id, client_secret
        return form.get("client_id", ""), form.get("client_secret", "")

    def _with_person(self, answer: Any) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        person = self.fake.person_for(token) if scheme.lower() in ("bearer", "token") else None
        if person is None:
            self.send_json(401, {"message": "Bad credentials"})
            return
        self.send_json(200, answer(person))

    def send_redirect(self, location: str) -> None:
        self.send_bytes(302, b"", "text/plain", {"Location": location})


class FakeOIDCProvider(FakeHTTPServer):
    handler_class = _Handler

    def __init__(self) -> None:
        super().__init__()
        self.key = RSAKey.generate_key(
            2048, parameters={"kid": "fake-signing-key", "use": "sig", "alg": "RS256"}
        )
        self._script = _Script()

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "email", "email_verified", "name", "picture"],
        }

    def sign_in_as(self, person: Person) -> None:
        """The next authorization request (from anyone) signs in as `person`."""
        with self.lock:
            self._script.next_person = person
            self._script.refuse_next = False

    def refuse_next_sign_in(self) -> None:
        with self.lock:
            self._script.refuse_next = True

    def take_next(self) -> tuple[Person | None, bool]:
        with self.lock:
            person, refused = self._script.next_person, self._script.refuse_next
            self._script.next_person, self._script.refuse_next = None, False
            return person, refused

    def add_code(self, code: str, grant: Grant) -> None:
        with self.lock:
            self._script.codes[code] = grant

    def take_code(self, code: str) -> Grant | None:
        """A code works once, as the spec requires."""
        with self.lock:
            return self._script.codes.pop(code, None)

    def issue_access_token(self, person: Person) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self._script.access_tokens[token] = person
        return token

    def person_for(self, access_token: str) -> Person | None:
        with self.lock:
            return self._script.access_tokens.get(access_token)

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            **grant.person.oidc_claims(),
            "iss": self.url,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 600,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)
