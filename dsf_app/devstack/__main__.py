"""`python -m dsf_app.devstack install|up|run|down|status`.

start.sh runs `up`, stop.sh `down`, test.sh `install`; the Docker image runs `run` (up, then
down on SIGTERM).
"""

from __future__ import annotations

import argparse
import signal
import sys

from dsf_app.devstack import stack
from dsf_app.errors import DSFError
from dsf_app.settings import get_settings


def _print(status: stack.ServiceStatus) -> None:
    print(f"  {status.name:<9} {status.detail}", flush=True)


def _wait_for_stop_signal() -> None:
    """Block until SIGTERM or SIGINT (how a container runtime asks us to stop)."""
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    signal.sigwait(stop_signals)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m dsf_app.devstack")
    parser.add_argument("command", choices=["install", "up", "run", "down", "status"])
    args = parser.parse_args()
    settings = get_settings()
    try:
        if args.command == "install":
            stack.install(settings, _print)
        elif args.command in ("up", "run"):
            stack.up(settings, _print)
            print(f"\nDeep Sci-Fi is running: open {settings.public_url}", flush=True)
            if args.command == "run":
                _wait_for_stop_signal()
                stack.down(settings, _print)
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
