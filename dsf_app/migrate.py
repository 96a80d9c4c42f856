"""`python -m dsf_app.migrate`: bring the database (DATABASE_URL) to this release's schema, once
per release (the Kubernetes migration Job), under the advisory lock every migrator takes. Safe to
run again: a schema already at head is left as it is."""

from __future__ import annotations

import sys

from dsf_app import db, logs
from dsf_app.errors import DSFError
from dsf_app.settings import get_settings


def main() -> int:
    settings = get_settings()
    logs.configure(settings)
    try:
        db.migrate(settings.database_url)
    except DSFError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("The database schema is at this release's head.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
