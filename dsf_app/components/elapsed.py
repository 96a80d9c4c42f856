"""Seconds that tick in the browser: a running tool's row counts up once a second from when the
tool started ("12 s", or "12 s of up to 120 s" against a configured limit), with no event
from the server for each tick."""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportDict
from reflex.vars import Var

# A function component in the page's own compiled code; it returns plain text.
ELAPSED_JS = """function DsfElapsedSeconds({ since, limit }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, Math.floor(now / 1000 - since));
  return limit > 0 ? `${seconds} s of up to ${limit} s` : `${seconds} s`;
}"""


class ElapsedSeconds(rx.Component):
    """Whole seconds since `since` (seconds since the epoch), and the limit when it is above 0."""

    tag = "DsfElapsedSeconds"
    since: Var[float]
    limit: Var[int]

    def add_imports(self) -> ImportDict:
        return {"react": [rx.ImportVar(tag="useState"), rx.ImportVar(tag="useEffect")]}

    def add_custom_code(self) -> list[str]:
        return [ELAPSED_JS]


def elapsed_seconds(since: Var[float], limit: Var[int]) -> rx.Component:
    return ElapsedSeconds.create(since=since, limit=limit)
