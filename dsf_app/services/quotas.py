"""Each person's daily budgets: turns, model steps, images, evaluations and imports per UTC day,
limited by the settings (DSF_QUOTA_*) or by the operator's own limit for one person
(`python -m dsf_app.admin quota`), read on every use so a change needs no restart.

What is about to be spent is reserved before the expensive call, in one conditional
`INSERT … ON CONFLICT DO UPDATE … WHERE used + n <= limit` on the person's row for the day, so
parallel calls (other tabs, other workers) can never pass the limit together; a call that fails
before doing anything gives its reservation back. Days are UTC days: every budget starts again
at midnight UTC.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col, select

from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, Invalid
from dsf_app.models import Meter, QuotaOverride, UsageDay
from dsf_app.models.columns import utcnow
from dsf_app.services.actor import Actor
from dsf_app.settings import get_settings

# How each budget is named to people.
NOUNS: dict[Meter, str] = {
    Meter.TURNS: "messages to agents",
    Meter.STEPS: "model steps",
    Meter.IMAGES: "images",
    Meter.EVALUATIONS: "evaluations",
    Meter.IMPORTS: "imports",
}
# … and one of each.
ONE: dict[Meter, str] = {
    Meter.TURNS: "message to agents",
    Meter.STEPS: "model step",
    Meter.IMAGES: "image",
    Meter.EVALUATIONS: "evaluation",
    Meter.IMPORTS: "import",
}
_USAGE = UsageDay.__table__.c  # pyright: ignore[reportAttributeAccessIssue]  (SQLModel's table)


@dataclass(frozen=True)
class Reservation:
    """What was reserved of one budget, on the day it counts against."""

    meter: Meter
    day: date
    amount: int
    # The limit it was reserved under, to name it when what was reserved runs out.
    limit: int


@dataclass(frozen=True)
class MeterUsage:
    """One budget as the account page shows it."""

    meter: Meter
    noun: str
    used: int
    limit: int
    # The operator set this person's limit (instead of the setting's).
    own_limit: bool


def today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(UTC).date()


def resets_at(day: date) -> datetime:
    """When the budgets of `day` start again: the next midnight UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def default_limit(meter: Meter) -> int:
    settings = get_settings()
    return {
        Meter.TURNS: settings.quota_turns,
        Meter.STEPS: settings.quota_steps,
        Meter.IMAGES: settings.quota_images,
        Meter.EVALUATIONS: settings.quota_evaluations,
        Meter.IMPORTS: settings.quota_imports,
    }[meter]


def daily_limit(session: Session, actor: Actor, meter: Meter) -> int:
    """The person's own limit when the operator set one, else the setting's."""
    own = session.get(QuotaOverride, (actor.user_id, meter.value))
    return own.daily_limit if own is not None else default_limit(meter)


def limit_reached(meter: Meter, limit: int, *, now: datetime | None = None) -> str:
    """The sentence for a budget that is spent: which limit, and when it starts again."""
    now = now or utcnow()
    left = resets_at(today(now)) - now
    hours, minutes = divmod(max(1, -(-int(left.total_seconds()) // 60)), 60)
    wait = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    noun = ONE[meter] if limit == 1 else NOUNS[meter]
    return (
        f"You have reached your daily limit of {limit:,} {noun}; it starts again at midnight UTC "
        f"(in {wait})."
    )


def reserve(
    session: Session, actor: Actor, meter: Meter, amount: int = 1, *, now: datetime | None = None
) -> Reservation:
    """Reserve `amount` of today's budget, or raise Forbidden (naming the limit and when it
    starts again) and reserve nothing."""
    now = now or utcnow()
    limit = daily_limit(session, actor, meter)
    if amount > limit or not _add(session, actor, meter, today(now), amount, limit):
        raise Forbidden(limit_reached(meter, limit, now=now))
    return Reservation(meter, today(now), amount, limit)


def reserve_up_to(
    session: Session, actor: Actor, meter: Meter, most: int, *, now: datetime | None = None
) -> Reservation:
    """Reserve as much of today's budget as is left, up to `most` (at least one), or raise
    Forbidden as `reserve` does."""
    now = now or utcnow()
    day = today(now)
    limit = daily_limit(session, actor, meter)
    while (grant := min(most, limit - _used(session, actor, meter, day))) > 0:
        if _add(session, actor, meter, day, grant, limit):
            return Reservation(meter, day, grant, limit)
        # Another call took some of what was left in between: ask again for what is left now.
    raise Forbidden(limit_reached(meter, limit, now=now))


def require_left(
    session: Session, actor: Actor, meter: Meter, *, now: datetime | None = None
) -> None:
    """Raise Forbidden (naming the limit) when nothing is left of today's budget."""
    now = now or utcnow()
    limit = daily_limit(session, actor, meter)
    if _used(session, actor, meter, today(now)) >= limit:
        raise Forbidden(limit_reached(meter, limit, now=now))


def release(session: Session, actor: Actor, reservation: Reservation, unused: int) -> None:
    """Give back `unused` of a reservation (what the call did not spend) to its day."""
    unused = min(unused, reservation.amount)
    if unused <= 0:
        return
    session.execute(
        update(UsageDay)
        .where(
            col(UsageDay.user_id) == actor.user_id,
            col(UsageDay.day) == reservation.day,
            col(UsageDay.meter) == reservation.meter.value,
        )
        .values(used=func.greatest(col(UsageDay.used) - unused, 0))
    )


def usage(session: Session, actor: Actor, *, now: datetime | None = None) -> list[MeterUsage]:
    """Every budget: what the person used today (calls under way included) against its limit."""
    day = today(now)
    used = dict(
        session.exec(
            select(UsageDay.meter, UsageDay.used).where(
                UsageDay.user_id == actor.user_id, UsageDay.day == day
            )
        ).all()
    )
    own = dict(
        session.exec(
            select(QuotaOverride.meter, QuotaOverride.daily_limit).where(
                QuotaOverride.user_id == actor.user_id
            )
        ).all()
    )
    return [
        MeterUsage(
            meter,
            NOUNS[meter],
            used.get(meter.value, 0),
            own.get(meter.value, default_limit(meter)),
            meter.value in own,
        )
        for meter in Meter
    ]


def set_limit(session: Session, actor: Actor, meter: Meter, limit: int | None) -> None:
    """The person's own daily limit of `meter` (None: the setting's again), from the next use
    on."""
    if limit is not None and limit < 0:
        raise Invalid(f"A daily limit of {NOUNS[meter]} is a whole number, 0 or more.")
    existing = session.get(QuotaOverride, (actor.user_id, meter.value))
    if limit is None:
        if existing is not None:
            session.delete(existing)
    elif existing is None:
        session.add(QuotaOverride(user_id=actor.user_id, meter=meter.value, daily_limit=limit))
    else:
        existing.daily_limit = limit
        session.add(existing)
    session.flush()


def _used(session: Session, actor: Actor, meter: Meter, day: date) -> int:
    used = session.exec(
        select(UsageDay.used).where(
            UsageDay.user_id == actor.user_id, UsageDay.day == day, UsageDay.meter == meter.value
        )
    ).first()
    return used or 0


def _add(session: Session, actor: Actor, meter: Meter, day: date, amount: int, limit: int) -> bool:
    """Count `amount` more on the day's row if that stays within `limit` (one statement, so
    parallel reservations take turns on the row); whether it was counted."""
    statement = (
        insert(UsageDay)
        .values(user_id=actor.user_id, day=day, meter=meter.value, used=amount)
        .on_conflict_do_update(
            index_elements=[_USAGE.user_id, _USAGE.day, _USAGE.meter],
            set_={"used": _USAGE.used + amount},
            where=_USAGE.used + amount <= limit,
        )
        .returning(_USAGE.used)
    )
    return session.execute(statement).first() is not None


# --- For callers without a session (an outside call between two short transactions) ------


def reserve_now(actor: Actor, meter: Meter, amount: int = 1) -> Reservation:
    """`reserve` in a short transaction of its own (blocking: call it in a worker thread)."""
    with session_scope() as session:
        return reserve(session, actor, meter, amount)


def reserve_up_to_now(actor: Actor, meter: Meter, most: int) -> Reservation:
    """`reserve_up_to` in a short transaction of its own (blocking)."""
    with session_scope() as session:
        return reserve_up_to(session, actor, meter, most)


def release_now(actor: Actor, reservation: Reservation, unused: int) -> None:
    """`release` in a short transaction of its own (blocking)."""
    with session_scope() as session:
        release(session, actor, reservation, unused)


@asynccontextmanager
async def spending(actor: Actor, meter: Meter) -> AsyncIterator[Reservation]:
    """One unit of `meter` reserved around an outside call (an image, a judgment), given back
    when the call fails; Forbidden before the call when the budget is spent."""
    reservation = await asyncio.to_thread(reserve_now, actor, meter)
    try:
        yield reservation
    except BaseException:
        await asyncio.shield(asyncio.to_thread(release_now, actor, reservation, 1))
        raise
