"""The operator's `python -m dsf_app.admin quota` command, run as its own process against the
stack's database: it shows what a person used today, sets their own daily limits (taking effect
in the running app without a restart) and answers a mistake with a sentence."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from dsf_app.admin import parse_limit
from dsf_app.db import session_scope
from dsf_app.errors import Forbidden, Invalid
from dsf_app.models import Meter
from dsf_app.services import quotas, users
from dsf_app.services.actor import Actor
from dsf_app.settings import REPO_ROOT, Settings


def _admin(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dsf_app.admin", *args],
        env=settings.as_env() | {"PATH": "/usr/bin:/bin"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _person(email: str) -> Actor:
    with session_scope() as session:
        return Actor.of(users.create_user(session, email, "Ada"))


def test_a_limit_set_by_the_operator_holds_in_the_running_app_at_once(
    dsf_in_process: Settings,
) -> None:
    email = f"{uuid.uuid4().hex}@example.test"
    ada = _person(email)
    quotas.reserve_now(ada, Meter.IMAGES)  # this process has read the settings already

    result = _admin(dsf_in_process, "quota", email.upper(), "images=1", "turns=7")

    assert result.returncode == 0, result.stderr
    assert "images: 1 of 1 images (own limit)" in result.stdout
    assert "turns: 0 of 7 messages to agents (own limit)" in result.stdout
    assert f"steps: 0 of {dsf_in_process.quota_steps:,} model steps (the setting's)" in (
        result.stdout
    )
    with pytest.raises(Forbidden, match="your daily limit of 1 image;"):
        quotas.reserve_now(ada, Meter.IMAGES)

    back = _admin(dsf_in_process, "quota", email, "images=default")
    assert back.returncode == 0, back.stderr
    assert f"images: 1 of {dsf_in_process.quota_images:,} images (the setting's)" in back.stdout
    quotas.reserve_now(ada, Meter.IMAGES)


def test_an_unknown_person_is_named_and_nothing_changes(dsf_in_process: Settings) -> None:
    result = _admin(dsf_in_process, "quota", "nobody@example.test", "images=5")
    assert result.returncode == 1
    assert result.stderr.strip() == "No account has the email nobody@example.test."


@pytest.mark.parametrize(
    ("assignment", "problem"),
    [
        ("pictures=5", "“pictures” is not a budget; the budgets are turns, steps, images"),
        ("images", "Give the limit as images=<number> or images=default."),
        ("images=-1", "“-1” is not a whole number of images (or default)."),
        ("images=lots", "“lots” is not a whole number of images (or default)."),
    ],
)
def test_a_mistyped_limit_says_what_to_write(assignment: str, problem: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_limit(assignment)
    assert str(refused.value).startswith(problem)


def test_limits_are_read_as_the_operator_writes_them() -> None:
    assert parse_limit("Images=50") == (Meter.IMAGES, 50)
    assert parse_limit("steps = default") == (Meter.STEPS, None)
