"""`python -m dsf_app.devstack up|down|status`: what start.sh and stop.sh run."""

from __future__ import annotations

import argparse
import sys

from dsf_app.devstack import stack
from dsf_app.errors import DSFError
from dsf_app.settings import get_settings


def _print(status: stack.ServiceStatus) -> None:
    print(f"  {status.name:<9} {status.detail}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m dsf_app.devstack")
    parser.add_argument("command", choices=["up", "down", "status"])
    args = parser.parse_args()
    settings = get_settings()
    try:
        if args.command == "up":
            stack.up(settings, _print)
            print(f"\nDeep Sci-Fi is running: open {settings.public_url}")
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
