"""The operator's commands, run beside the app against the same database (DATABASE_URL and the
other settings from the environment or `.env`):

    python -m dsf_app.admin quota <email>                      what the person used today
    python -m dsf_app.admin quota <email> images=50 turns=default

A limit set here is the person's own daily limit instead of the DSF_QUOTA_* setting's; `default`
goes back to the setting. The app reads limits on every use, so a change needs no restart.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dsf_app import logs
from dsf_app.db import session_scope
from dsf_app.errors import DSFError, Invalid, NotFound
from dsf_app.models import Meter
from dsf_app.services import quotas, users
from dsf_app.services.actor import Actor

DEFAULT = "default"


def parse_limit(assignment: str) -> tuple[Meter, int | None]:
    """`images=50` as (Meter.IMAGES, 50); `images=default` as (Meter.IMAGES, None)."""
    name, equals, value = assignment.partition("=")
    meters = ", ".join(meter.value for meter in Meter)
    try:
        meter = Meter(name.strip().lower())
    except ValueError:
        raise Invalid(f"“{name}” is not a budget; the budgets are {meters}.") from None
    value = value.strip().lower()
    if not equals or not value:
        raise Invalid(f"Give the limit as {meter.value}=<number> or {meter.value}={DEFAULT}.")
    if value == DEFAULT:
        return meter, None
    if not value.isdigit():
        raise Invalid(f"“{value}” is not a whole number of {quotas.NOUNS[meter]} (or {DEFAULT}).")
    return meter, int(value)


def quota(email: str, assignments: Sequence[str]) -> list[str]:
    """Set the person's limits named in `assignments`, then describe their budgets today."""
    limits = [parse_limit(assignment) for assignment in assignments]
    with session_scope() as session:
        user = users.get_by_email(session, email)
        if user is None:
            raise NotFound(f"No account has the email {email}.")
        person = Actor.of(user)
        for meter, limit in limits:
            quotas.set_limit(session, person, meter, limit)
        shown = quotas.usage(session, person)
    day = quotas.today()
    lines = [f"{user.email}, {day.isoformat()} (UTC; starts again at midnight UTC):"]
    for row in shown:
        whose = "own limit" if row.own_limit else "the setting's"
        lines.append(f"  {row.meter.value}: {row.used:,} of {row.limit:,} {row.noun} ({whose})")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dsf_app.admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    quota_command = commands.add_parser(
        "quota", help="show a person's budgets today, or set their own daily limits"
    )
    quota_command.add_argument("email")
    quota_command.add_argument(
        "limits", nargs="*", help=f"budget=<number> or budget={DEFAULT}, e.g. images=50"
    )
    args = parser.parse_args(argv)
    logs.configure()
    try:
        lines = quota(args.email, args.limits)
    except DSFError as exc:
        print(exc, file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
