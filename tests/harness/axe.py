"""axe-core, the accessibility checker, for the browser tests: its `axe.min.js` from the pinned
npm package, fetched into the shared tools folder on first use (like bun), and the checks the
tests hold every page to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize

from dsf_app.devstack.npm_packages import fetch_file

AXE_VERSION = "4.14.1"
# What a person sees on a laptop and on a phone.
LAPTOP = ViewportSize(width=1366, height=768)
PHONE = ViewportSize(width=390, height=844)
FAILING_IMPACTS = frozenset({"serious", "critical"})
# Moderate by axe's scale, but what makes a page navigable by landmarks; the issue asks for them.
ALSO_FAILING = frozenset({"landmark-one-main", "region"})
# Every rule axe runs by default (WCAG 2.x A/AA and best practices); only violations come back.
RUN_AXE = """async () => {
  // Colours are read once the page is still: a dialog fading in is not yet its own contrast.
  // (Only running, finite animations; a scroll-triggered one waits paused until it is seen.)
  const settling = document.getAnimations().filter(
    (a) => a.playState === "running" && a.effect && a.effect.getComputedTiming().endTime !== Infinity
  );
  await Promise.race([
    Promise.all(settling.map((a) => a.finished.catch(() => null))),
    new Promise((r) => setTimeout(r, 1500)),
  ]);
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact || "",
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(" ")} — ${(n.failureSummary || "").split("\\n").slice(1).join(" ").trim()}`),
  }));
}"""


def axe_script(tools_dir: Path) -> Path:
    """`axe.min.js` of the pinned axe-core, fetched from the npm registry when missing."""
    return fetch_file(
        f"axe-core@{AXE_VERSION}",
        "axe.min.js",
        tools_dir / f"axe-core-{AXE_VERSION}" / "axe.min.js",
    )


@dataclass(frozen=True)
class Violation:
    where: str
    width: str
    rule: str
    impact: str
    help: str
    nodes: tuple[str, ...]

    def __str__(self) -> str:
        shown = "\n      ".join(self.nodes[:4])
        more = f"\n      … and {len(self.nodes) - 4} more" if len(self.nodes) > 4 else ""
        return f"{self.where} @ {self.width}: {self.rule} ({self.impact}) {self.help}\n      {shown}{more}"

    @property
    def fails(self) -> bool:
        return self.impact in FAILING_IMPACTS or self.rule in ALSO_FAILING


def check(page: Page, where: str) -> list[Violation]:
    """axe's violations on the page as it is, at laptop then phone width (one page load for
    both); the window is left at laptop width."""
    found: list[Violation] = []
    for width, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        # Two frames: the layout for the new width is drawn before axe reads it.
        page.evaluate(
            "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
        raw: list[dict[str, Any]] = page.evaluate(RUN_AXE)
        found += [
            Violation(where, width, v["id"], v["impact"], v["help"], tuple(v["nodes"])) for v in raw
        ]
    page.set_viewport_size(LAPTOP)
    return found
