"""`python -m dsf_app.devstack install|frontend|up|run|supervise|down|status|mail [N]`.

start.sh runs `up` (which leaves `supervise` restarting any service that dies), stop.sh `down`,
test.sh `install`; the Docker image runs `install` and `frontend` (the compiled app and its
frontend packages) at build time and `run` (up, restarting what dies, then down on SIGTERM or
SIGINT) at start. `mail` lists the messages the local mail sink kept; `mail N`
prints the Nth (1 is the newest).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys

from dsf_app import logs
from dsf_app.devstack import mail_sink, stack, supervisor
from dsf_app.errors import DSFError
from dsf_app.settings import Settings, get_settings


def _print(status: stack.ServiceStatus) -> None:
    print(f"  {status.name:<9} {status.detail}", flush=True)


def _up(settings: Settings, *, background_supervisor: bool) -> None:
    stack.up(settings, _print)
    if background_supervisor:
        _print(supervisor.start(settings))
    print(f"\nDeep Sci-Fi is running: open {settings.public_url}", flush=True)


def _supervise(settings: Settings) -> None:
    """Restart dead services until SIGTERM or SIGINT (a SIGTERM is made an interrupt: as a
    container's PID 1 the process would ignore a signal it has no handler for)."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.watch(settings, _print)


def _run(settings: Settings) -> None:
    """`up`, restarting what dies, then `down` once SIGTERM or SIGINT asks us to stop, also
    during start-up."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        _up(settings, background_supervisor=False)
        _supervise(settings)
    except KeyboardInterrupt:
        pass
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, signal.SIG_IGN)
        stack.down(settings, _print)


def _mail(settings: Settings, number: int | None) -> None:
    messages = mail_sink.kept(settings.mail_dir)[::-1]
    if not messages:
        print(f"No mail kept in {settings.mail_dir} yet.")
    elif number is None:
        for index, path in enumerate(messages, start=1):
            message = mail_sink.read(path)
            print(f"{index:>3}  {message['Date'] or '':<32}  {message['To']}  {message['Subject']}")
        print(
            f"\nOpen one: .venv/bin/python -m dsf_app.devstack mail N  (files: {settings.mail_dir})"
        )
    elif 1 <= number <= len(messages):
        message = mail_sink.read(messages[number - 1])
        print(f"To: {message['To']}\nSubject: {message['Subject']}\n")
        print(mail_sink.plain_text(message))
    else:
        print(f"There are {len(messages)} messages; pick a number from 1 to {len(messages)}.")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m dsf_app.devstack")
    parser.add_argument(
        "command",
        choices=["install", "frontend", "up", "run", "supervise", "down", "status", "mail"],
    )
    parser.add_argument("number", nargs="?", type=int, help="with mail: the message to print")
    args = parser.parse_args()
    settings = get_settings()
    logs.configure(settings)
    try:
        if args.command == "install":
            stack.install(settings, _print)
        elif args.command == "frontend":
            stack.prepare_frontend(settings)
        elif args.command == "up":
            _up(settings, background_supervisor=True)
        elif args.command == "run":
            _run(settings)
        elif args.command == "supervise":
            _supervise(settings)
        elif args.command == "down":
            stack.down(settings, _print)
        elif args.command == "mail":
            _mail(settings, args.number)
        else:
            for status in stack.status(settings):
                _print(status)
    except DSFError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
