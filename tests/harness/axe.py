"""axe-core, the accessibility checker, for the browser tests: its `axe.min.js` from the pinned
npm package, fetched into the shared tools folder on first use (like bun), and the checks the
tests hold every page to: axe's rules, and no sideways scrolling."""

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
# Minor findings are printed, never fail.
FAILING_IMPACTS = frozenset({"moderate", "serious", "critical"})
# Not an axe rule: the page is wider than the window, so a person scrolls sideways to read it.
SIDEWAYS = "horizontal-scroll"
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
# How far the page scrolls sideways, and the innermost elements reaching past the window's edge.
MEASURE_OVERFLOW = """() => {
  const width = window.innerWidth;
  const over = document.documentElement.scrollWidth - width;
  if (over <= 0) return { over, nodes: [] };
  const past = [...document.body.querySelectorAll("*")].filter(
    (e) => e.getBoundingClientRect().right > width + 0.5 && getComputedStyle(e).position !== "fixed"
  );
  const innermost = past.filter((e) => !past.some((other) => other !== e && e.contains(other)));
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    [...e.classList].slice(0, 3).map((c) => "." + c).join("");
  return {
    over,
    nodes: innermost.slice(0, 8).map(
      (e) => `${name(e)} in ${e.parentElement ? name(e.parentElement) : "?"} — right edge at ${Math.round(e.getBoundingClientRect().right)} px`
    ),
  };
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
        return self.impact in FAILING_IMPACTS


def check(page: Page, where: str) -> list[Violation]:
    """axe's violations on the page as it is, and sideways scrolling, at laptop then phone width
    (one page load for both); the window is left at laptop width."""
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
        overflow: dict[str, Any] = page.evaluate(MEASURE_OVERFLOW)
        if overflow["over"] > 0:
            found.append(
                Violation(
                    where,
                    width,
                    SIDEWAYS,
                    "serious",
                    f"The page scrolls {overflow['over']} px sideways",
                    tuple(overflow["nodes"]),
                )
            )
    page.set_viewport_size(LAPTOP)
    return found
