"""`python -m dsf_app.devstack install|frontend|up|run|down|status`.

start.sh runs `up`, stop.sh `down`, test.sh `install`; the Docker image runs `install` and
`frontend` (the compiled app and its frontend packages) at build time and `run` (up, then down
on SIGTERM or SIGINT) at start.
"""

from __future__ import annotations

import argparse
import signal
import sys

from dsf_app.devstack import stack
from dsf_app.errors import DSFError
from dsf_app.settings import Settings, get_settings


def _print(status: stack.ServiceStatus) -> None:
    print(f"  {status.name:<9} {status.detail}", flush=True)


def _up(settings: Settings) -> None:
    stack.up(settings, _print)
    print(f"\nDeep Sci-Fi is running: open {settings.public_url}", flush=True)


def _run(settings: Settings) -> None:
    """`up`, then `down` once SIGTERM or SIGINT asks us to stop, also during start-up: as a
    container's PID 1 the process would ignore a SIGTERM it has no handler for."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        _up(settings)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, signal.SIG_IGN)
        stack.down(settings, _print)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m dsf_app.devstack")
    parser.add_argument("command", choices=["install", "frontend", "up", "run", "down", "status"])
    args = parser.parse_args()
    settings = get_settings()
    try:
        if args.command == "install":
            stack.install(settings, _print)
        elif args.command == "frontend":
            stack.prepare_frontend(settings)
        elif args.command == "up":
            _up(settings)
        elif args.command == "run":
            _run(settings)
        elif args.command == "down":
            stack.down(settings, _print)
        else:
            for status in stack.status(settings):
                _print(status)
    except DSFError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
