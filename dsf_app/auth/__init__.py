"""Accounts and sign-in: passwords, OAuth/OIDC, server-side sessions in an HttpOnly cookie, and
the rate limit on attempts. `routes.py` is the HTTP edge; the Reflex side is `state/auth.py`."""
