"""The one rendering rule for text that an agent, a world's author or an imported file wrote.

Such text is hostile input to the browser that shows it (a premise steers the World Agent, and
public worlds are read by strangers), so:
- Plain-text surfaces stay plain text: Reflex components render strings as React text, which
  the browser never parses as markup. Nothing in DSF sets raw HTML.
- Agent prose is Markdown, rendered by `markdown()` WITHOUT raw HTML (`rx.markdown` turns
  rehype-raw on by default; here it is off, so `<script>`, `<iframe srcdoc>`, `<style>` in a
  reply show as the text they are) and with an allow-list of elements. Links keep only
  http(s) and relative targets, open in a new tab with `rel="noopener noreferrer nofollow"` and
  show where they lead (the host, punycode for look-alike letters). Images are shown only from
  our /assets/<id> URLs and the prefixes of `dsf_app.image_sources`; any other image is shown as
  its alt text and URL, never fetched.
The renderer itself never emits what the Content-Security-Policy would block; the policy is the
second line, not the first.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from reflex.vars import Var
from reflex_components_core.core.markdown_component_map import MarkdownComponentMap

from dsf_app.image_sources import ASSET_PATH, image_prefixes

# Everything Markdown (CommonMark + GFM) makes that a reply needs; anything else (GFM task-list
# checkboxes, footnote sections) is unwrapped to its text.
ALLOWED_ELEMENTS = (
    *("p", "br", "hr", "strong", "em", "del", "blockquote", "code", "pre"),
    *("h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li"),
    *("table", "thead", "tbody", "tr", "th", "td", "a", "img"),
)
LINK_REL = "noopener noreferrer nofollow"
# Link targets and images not shown: quieter than the text, and wrapped anywhere (URLs are long).
NOTE_STYLE = {"color": "var(--gray-11)", "fontSize": "0.85em", "overflowWrap": "anywhere"}
# Where a link leads, as the reader should see it: the host (punycode, so "apple.com" spelt with
# a Cyrillic "a" shows as xn--...) or, on this site, the path; "" when the link is not allowed.
_LINK_TARGET = (
    "((href) => { if (typeof window === 'undefined' || typeof href !== 'string' || !href) "
    "return ''; try { const url = new URL(href, window.location.href); "
    "if (url.protocol !== 'http:' && url.protocol !== 'https:') return ''; "
    "return url.origin === window.location.origin ? url.pathname + url.search + url.hash "
    ": url.host; } catch (e) { return ''; } })"
)


def _image_allowed_js() -> str:
    """Whether the browser may fetch `src`: the same rule as `image_sources.is_allowed_image`,
    applied to the URL as the browser resolves it (dot segments and case normalised)."""
    asset_path = json.dumps(f"^{ASSET_PATH.pattern}$")
    return (
        "((src) => { if (typeof window === 'undefined' || typeof src !== 'string' || !src "
        "|| /[\\s\\\\]/.test(src)) return false; try { "
        "const url = new URL(src, window.location.href); "
        "if (url.origin === window.location.origin) "
        f"return new RegExp({asset_path}, 'i').test(url.pathname) && !url.search; "
        f"return {json.dumps(list(image_prefixes()))}.some((p) => url.href.startsWith(p)); "
        "} catch (e) { return false; } })"
    )


class _MapEntry(rx.el.Span, MarkdownComponentMap):
    """The wrapper of the `a` and `img` entries. Their URL attributes are taken by name, so they
    reach the page only through the checks below, never by the props spread onto this span."""

    @classmethod
    def get_fn_args(cls) -> list[str]:
        return ["node", "children", "href", "src", "alt", "title", "...props"]


def _link(children: Var) -> rx.Component:
    href = Var("href", _var_type=str)
    target = Var(f"{_LINK_TARGET}(href)", _var_type=str)
    return _MapEntry.create(
        rx.cond(
            target != "",
            rx.fragment(
                # A plain <a>: rx.el.a is React Router's Link, which would route relative links.
                rx.el.A.create(
                    children,
                    href=href,
                    target="_blank",
                    rel=LINK_REL,
                    title=href,
                    class_name="dsf-link",
                ),
                rx.el.span(" (", target, ")", class_name="dsf-link-target", style=NOTE_STYLE),
            ),
            rx.el.span(children, class_name="dsf-blocked-link"),
        )
    )


def _image(_: Var) -> rx.Component:
    src = Var("src", _var_type=str)
    alt = Var("alt", _var_type=str)
    return _MapEntry.create(
        rx.cond(
            Var(f"{_image_allowed_js()}(src)", _var_type=bool),
            rx.el.img(
                src=src,
                alt=alt,
                title=Var("title", _var_type=str),
                loading="lazy",
                referrer_policy="no-referrer",
                style={"maxWidth": "100%"},
            ),
            rx.el.span(
                "[image: ",
                alt,
                "] ",
                src,
                class_name="dsf-blocked-image",
                style=NOTE_STYLE,
                title="Not shown: images come only from this app's own files.",
            ),
        )
    )


def _code_block(children: Var, **_: Any) -> rx.Component:
    # Plain preformatted text: a syntax highlighter re-renders on every streamed update.
    return rx.el.pre(
        rx.el.code(children),
        class_name="dsf-code-block",
        style={"whiteSpace": "pre-wrap", "overflowWrap": "anywhere", "maxWidth": "100%"},
    )


def markdown(source: str | Var[str], class_name: str = "", **props: Any) -> rx.Component:
    """Untrusted Markdown as safe DOM (see the module docstring); `props` style the wrapper."""
    return rx.box(
        rx.markdown.root(
            source,
            component_map={"a": _link, "img": _image, "pre": _code_block},
            remark_plugins=[rx.markdown.plugin.gfm],
            rehype_plugins=[],
            custom_attrs={
                "allowedElements": list(ALLOWED_ELEMENTS),
                "unwrapDisallowed": True,
                "skipHtml": False,
            },
        ),
        class_name=f"dsf-untrusted-markdown {class_name}".strip(),
        **props,
    )
