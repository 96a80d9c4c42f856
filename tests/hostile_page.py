"""Watching a page that shows the hostile corpus (tests/hostile_content.py): what it holds and
what it did.

`Watch.on(page, settings)` records the page's dialogs, console, requests, navigations and
popups from the start. `watch.surface(selector, markers, what)` then checks the WHOLE document
(dialogs, popovers and toasts render in portals outside any chosen part): no element that neither
the server's HTML nor React made (markup parsed from text), no script, frame, style, SVG with
scripts or links, … beyond the app's own shell, no event-handler attribute, no URL with a script scheme or loading from elsewhere, nothing
ran, no request and no navigation left the app's origin, no popup opened — and every marker is
there to read as text in the part the test names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page, expect

from dsf_app.components.canvas import theme
from dsf_app.settings import Settings
from dsf_app.settings.web import origin_of
from tests.harness.axe import MEASURE_OVERFLOW
from tests.test_security_headers_e2e import CSP_WATCH

# Elements no text may become, even through the app's own components. Icons and charts are
# <svg>, so SVG is judged by what it holds and by who drew it; the app's own scripts, styles and
# links are its shell, and its forms are made by React.
FORBIDDEN = ", ".join(
    (
        "script, iframe, frame, frameset, object, embed, applet, portal, style, link, meta",
        "base, math, template, noscript, xmp, video, audio, source, picture, marquee",
        "svg, svg script, svg foreignObject, svg use, svg animate, svg set, svg a",
    )
)
# Elements in the body that neither the server's HTML nor React made, put there by the
# libraries the app uses: Radix's focus guards around an open dialog, and the span Recharts
# measures its labels with.
HELPERS = "span[data-radix-focus-guard], span#recharts_measurement_span"
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "ping")
# Before the page's own scripts run: remember the elements the server's HTML holds once it is
# parsed (its inline scripts among them), before any text arrives over the websocket.
SHELL_WATCH = """window.__shell = new WeakSet();
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("*")) window.__shell.add(el);
}, { once: true });"""
# Run in the page over document.documentElement: what breaks the rule. `allowed` are the origins
# resources may load from; a link elsewhere must open in a new tab without referrer or opener,
# marked nofollow. The shell: what the server's HTML held, scripts and links from the app's
# origin, its meta tags, the styles its libraries put in the head (Emotion, the toaster, the
# dialogs' scroll lock; markup parsed from text lands where it is rendered, never in the head),
# the canvas theme's style, and the SVGs React drew (icons, charts).
DOM_CHECK = """([forbidden, helpers, urlAttributes, allowed, ownCss]) => {
  const bad = [];
  // React marks each element it creates; markup parsed from text (innerHTML) has no mark.
  const reactMade = (el) => Object.keys(el).some((k) => k.startsWith("__reactFiber$"));
  for (const el of document.body.querySelectorAll("*")) {
    if (!reactMade(el) && !(window.__shell && window.__shell.has(el)) && !el.matches(helpers))
      bad.push("not made by the app: " + el.outerHTML.slice(0, 100));
  }
  const sameOrigin = (value) => {
    try { return new URL(value, location.href).origin === location.origin; } catch (e) { return false; }
  };
  const shell = (el) => {
    if (window.__shell && window.__shell.has(el)) return true;
    const tag = el.tagName.toLowerCase();
    const inHead = el.parentElement === document.head;
    if (tag === "script") return el.hasAttribute("src") && sameOrigin(el.getAttribute("src")) && !el.textContent;
    if (tag === "link") return inHead && sameOrigin(el.getAttribute("href") || "");
    if (tag === "meta") return inHead && !el.hasAttribute("http-equiv");
    if (tag === "style") return inHead || el.textContent === ownCss;
    if (tag === "svg") return reactMade(el);  // icons and charts; what it holds is judged too
    return false;
  };
  for (const el of document.documentElement.querySelectorAll(forbidden)) {
    if (!shell(el)) bad.push("element " + el.outerHTML.slice(0, 100));
  }
  for (const el of [document.documentElement, ...document.documentElement.querySelectorAll("*")]) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith("on")) bad.push(`${el.tagName} has ${name}`);
      if (["srcset", "srcdoc", "background"].includes(name)) bad.push(`${el.tagName} has ${name}`);
      if (name === "style" && /url\\s*\\(|expression\\s*\\(/i.test(attr.value))
        bad.push(`${el.tagName} style ${attr.value.slice(0, 80)}`);
      if (!urlAttributes.includes(name)) continue;
      let url;
      try { url = new URL(attr.value, location.href); } catch (e) { bad.push(`${name}=${attr.value}`); continue; }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        bad.push(`${el.tagName} ${name}=${attr.value.slice(0, 80)}`);
      } else if (name !== "href" && !allowed.includes(url.origin)) {
        bad.push(`${el.tagName} loads ${attr.value.slice(0, 80)}`);
      } else if (name === "href" && url.origin !== location.origin) {
        const rel = (el.getAttribute("rel") || "").split(/\\s+/);
        const safe = ["noopener", "noreferrer", "nofollow"].every((r) => rel.includes(r));
        if (!safe || el.getAttribute("target") !== "_blank")
          bad.push(`link without rel/target to ${attr.value.slice(0, 80)}`);
      }
    }
  }
  return bad;
}"""
# Collapsed parts (tool rows, reasoning, run details, figures) opened, so their text can be read.
OPEN_DETAILS = """(selector) => document.querySelectorAll(`${selector}, ${selector} details`)
  .forEach((e) => { if (e.tagName === "DETAILS") e.open = true; })"""
TEXT_OF = (
    "(selector) => [...document.querySelectorAll(selector)].map((e) => e.innerText).join('\\n')"
)


@dataclass
class Watch:
    """One page's dialogs, console, requests, navigations and popups, and the checks of a
    surface on it."""

    page: Page
    allowed: list[str]
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)

    @classmethod
    def on(cls, page: Page, settings: Settings) -> Watch:
        watch = cls(page, [settings.public_origin, origin_of(settings.s3_endpoint_url)])
        page.add_init_script(CSP_WATCH)
        page.add_init_script(SHELL_WATCH)

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_navigation(frame: Any) -> None:
            if frame == page.main_frame:
                watch.navigations.append(frame.url)

        page.on("dialog", on_dialog)
        page.on("console", lambda message: watch.console.append(message.text))
        page.on("request", lambda request: watch.requests.append(request.url))
        page.on("framenavigated", on_navigation)
        page.context.on("page", lambda popup: watch.popups.append(popup.url))
        return watch

    def surface(self, selector: str, markers: tuple[str, ...] | list[str], what: str) -> None:
        """Check the whole document once the part(s) matching `selector` show the last marker,
        and that every marker is there as text in those parts."""
        try:
            shown = self.page.locator(selector).filter(has_text=markers[-1]).first
            expect(shown).to_contain_text(markers[-1])
        except AssertionError:
            self.nothing_ran(what)  # a payload that ran (or led away) is why it never showed
            raise
        self.page.evaluate(OPEN_DETAILS, selector)
        self.document_is_inert(what)
        text = self.text_of(selector)
        missing = [m for m in markers if m not in text]
        assert missing == [], f"{what}: markers not shown as text: {missing}"

    def text_of(self, selector: str) -> str:
        """The text a person reads in the parts matching `selector`."""
        return self.page.evaluate(TEXT_OF, selector)

    def document_is_inert(self, what: str) -> None:
        """Nothing in the whole document a payload made, and nothing ran."""
        problems = self.page.evaluate(
            DOM_CHECK, [FORBIDDEN, HELPERS, list(URL_ATTRIBUTES), self.allowed, theme.CSS]
        )
        assert problems == [], f"{what}: {problems[:10]}"
        self.nothing_ran(what)

    def fits_the_window(self, what: str) -> None:
        """Long text (the corpus's 4,000-letter word) wraps: the page never scrolls sideways,
        which would slide what follows under the chat panel."""
        overflow = self.page.evaluate(MEASURE_OVERFLOW)
        assert overflow["over"] <= 0, f"{what}: {overflow['over']} px sideways: {overflow['nodes']}"

    def nothing_ran(self, what: str) -> None:
        # What the page reported first: a payload that led away leaves no page to ask.
        foreign = [
            url
            for url in self.requests
            if not url.startswith("data:") and origin_of(url) not in self.allowed
        ]
        assert foreign == [], f"{what}: requests left for {foreign[:5]}"
        away = [url for url in self.navigations if origin_of(url) != self.allowed[0]]
        assert away == [], f"{what}: the page navigated to {away[:5]}"
        assert self.popups == [], f"{what}: a window opened at {self.popups[:5]}"
        assert self.dialogs == [], f"{what}: {self.dialogs}"
        ran = [c for c in self.console if "PWNED" in c or "Content Security" in c]
        assert ran == [], f"{what}: {ran[:3]}"
        page = self.page
        assert page.evaluate("typeof window.__pwned") == "undefined", what
        assert page.title() != "PWNED", what
        assert page.evaluate("window.__csp") == [], what
