"""The key that signs the OAuth state cookie: DSF_SESSION_SECRET, or one generated on first start
and kept in DSF_HOME/session-secret so restarts (and every worker) use the same key."""

from __future__ import annotations

import os
import secrets
import tempfile

from dsf_app.settings import Settings, get_settings

SECRET_FILE = "session-secret"


def session_secret(settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    configured = settings.session_secret.get_secret_value()
    if configured:
        return configured
    path = settings.dsf_home / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".session-secret-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48))
            # A hard link appears whole or not at all, and fails if another worker won the race.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    secret = path.read_text().strip()
    if not secret:
        raise RuntimeError(
            f"{path} is empty; delete it so DSF generates a new key, or set DSF_SESSION_SECRET."
        )
    return secret
