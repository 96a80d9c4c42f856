"""The canvas's look: one dark sci-fi theme (cyan and violet on deep slate) as a fixed style
sheet, and the maps from spec prop values to Radix sizes, spacings and colours. Nothing here
comes from a spec: props only choose among these classes and tokens. Each map is keyed by the
values of a prop's `Literal` in `dsf_app/canvas/specs.py` (a test holds them equal)."""

from __future__ import annotations

MONO = "'JetBrains Mono', 'IBM Plex Mono', ui-monospace, SFMono-Regular, Menlo, monospace"
DISPLAY = "'Space Grotesk', 'Inter', 'Segoe UI', system-ui, sans-serif"

# Text size by spec size, for body text and for headings.
TEXT_SIZES = {"sm": "2", "md": "3", "lg": "4", "xl": "5", "2xl": "7"}
HEADING_SIZES = {"sm": "3", "md": "4", "lg": "5", "xl": "6", "2xl": "8"}
# Radix spacing tokens (Flex gap) and plain lengths (CSS grid gap, margins).
GAPS = {"none": "0", "xs": "1", "sm": "2", "md": "3", "lg": "5", "xl": "7"}
LENGTHS = {
    "none": "0",
    "xs": "0.25rem",
    "sm": "0.5rem",
    "md": "1rem",
    "lg": "1.5rem",
    "xl": "2.5rem",
}
ALIGNS = {
    "start": "start",
    "center": "center",
    "end": "end",
    "stretch": "stretch",
    "baseline": "baseline",
}
JUSTIFIES = {"start": "start", "center": "center", "end": "end", "between": "between"}
CSS_JUSTIFIES = {"start": "start", "center": "center", "end": "end", "between": "space-between"}
BADGE_COLORS = {
    "default": "gray",
    "accent": "cyan",
    "success": "green",
    "warning": "amber",
    "danger": "red",
    "outline": "violet",
}
BADGE_SIZES = {"sm": "1", "md": "2", "lg": "3"}
CALLOUT_ICONS = {
    "info": "info",
    "warning": "triangle-alert",
    "quote": "quote",
    "rule": "scale",
    "tech": "cpu",
}
TREND_ICONS = {"up": "trending-up", "down": "trending-down", "neutral": "minus"}
CARD_VARIANTS = {
    "default": "surface",
    "elevated": "classic",
    "outlined": "surface",
    "ghost": "ghost",
}
ACTION_VARIANTS = {"primary": "solid", "secondary": "soft", "branch": "outline"}
ACTION_COLORS = {"primary": "cyan", "secondary": "gray", "branch": "violet"}

_CSS = """
.dsf-canvas {
  --dsf-cyan: var(--cyan-9);
  --dsf-violet: var(--violet-9);
  --dsf-glow: 0 0 0 1px var(--cyan-a5), 0 12px 40px -18px var(--cyan-a8);
  --dsf-mono: __MONO__;
  --dsf-display: __DISPLAY__;
  color: var(--gray-12);
}
.dsf-surface {
  position: relative;
  border: 1px solid var(--cyan-a5);
  border-radius: 16px;
  padding: clamp(0.9rem, 2.5vw, 1.6rem);
  background:
    radial-gradient(120% 70% at 0% 0%, var(--violet-a3), transparent 60%),
    radial-gradient(90% 60% at 100% 0%, var(--cyan-a3), transparent 55%),
    var(--color-panel-solid);
  box-shadow: 0 0 0 1px var(--violet-a2), 0 24px 60px -30px var(--cyan-a7);
}
.dsf-surface-bar { font-family: var(--dsf-mono); }
.dsf-eyebrow {
  font-family: var(--dsf-mono);
  font-size: 0.7rem;
  letter-spacing: 0.18em;
  text-transform: uppercase;
  color: var(--cyan-11);
}
.dsf-canvas .rt-Heading { font-family: var(--dsf-display); letter-spacing: -0.015em; }
.dsf-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.dsf-caption { color: var(--gray-11); font-family: var(--dsf-mono); letter-spacing: 0.04em; }
.dsf-grid { display: grid; width: 100%; }
@media (max-width: 640px) {
  .dsf-grid { grid-template-columns: minmax(0, 1fr) !important; }
}
.dsf-card { border-left: 3px solid var(--dsf-accent, transparent); overflow: hidden; }
.dsf-card-clickable { cursor: pointer; transition: transform 0.18s ease, box-shadow 0.18s ease; }
.dsf-card-clickable:hover, .dsf-card-clickable:focus-visible {
  transform: translateY(-2px);
  box-shadow: var(--dsf-glow);
}
.dsf-card-media { width: 100%; object-fit: cover; border-radius: 8px; }
.dsf-card-row { display: flex; gap: 1rem; align-items: stretch; }
.dsf-card-row > .dsf-card-media { width: 38%; min-width: 7rem; aspect-ratio: 3 / 4; }
.dsf-card-right { flex-direction: row-reverse; }
@media (max-width: 640px) {
  .dsf-card-row { flex-direction: column; }
  .dsf-card-row > .dsf-card-media { width: 100%; aspect-ratio: 16 / 9; }
}
.dsf-figure { margin: 0; display: flex; flex-direction: column; gap: 0.4rem; max-width: 100%; }
.dsf-figure img { width: 100%; height: auto; border-radius: 10px; display: block; }
.dsf-size-small { width: min(100%, 16rem); }
.dsf-size-medium { width: min(100%, 28rem); }
.dsf-size-large { width: min(100%, 44rem); }
.dsf-size-full { width: 100%; }
.dsf-zoom { cursor: zoom-in; }
.dsf-lightbox img { max-height: 82vh; width: 100%; object-fit: contain; border-radius: 8px; }
.dsf-gallery { width: 100%; gap: 0.75rem; }
.dsf-gallery-grid { display: grid; }
.dsf-gallery-grid img { aspect-ratio: 4 / 3; object-fit: cover; }
.dsf-gallery-masonry { column-gap: 0.75rem; }
.dsf-gallery-masonry > * { break-inside: avoid; margin-bottom: 0.75rem; }
.dsf-gallery-carousel {
  display: flex; overflow-x: auto; scroll-snap-type: x mandatory; padding-bottom: 0.5rem;
}
.dsf-gallery-carousel > * { flex: 0 0 min(80%, 26rem); scroll-snap-align: center; }
.dsf-gallery-carousel img { aspect-ratio: 16 / 10; object-fit: cover; }
@media (max-width: 640px) {
  .dsf-gallery-grid { grid-template-columns: repeat(2, minmax(0, 1fr)) !important; }
  .dsf-gallery-masonry { column-count: 2 !important; }
}
.dsf-timeline { display: flex; flex-direction: column; width: 100%; }
.dsf-timeline-horizontal { flex-direction: row; overflow-x: auto; padding-bottom: 0.5rem; }
.dsf-tl-event { display: grid; grid-template-columns: 1.5rem 1fr; gap: 0.75rem; position: relative; }
.dsf-timeline-horizontal .dsf-tl-event {
  grid-template-columns: 1fr; grid-template-rows: 1.5rem auto; min-width: 12rem; flex: 1;
}
.dsf-tl-mark { position: relative; display: flex; justify-content: center; }
.dsf-tl-mark::before {
  content: ""; position: absolute; top: 0; bottom: 0; width: 2px;
  background: linear-gradient(var(--cyan-a6), var(--violet-a5));
}
.dsf-timeline-horizontal .dsf-tl-mark { align-items: center; justify-content: flex-start; }
.dsf-timeline-horizontal .dsf-tl-mark::before { top: 50%; bottom: auto; left: 0; right: 0; width: auto; height: 2px; }
.dsf-tl-dot {
  position: relative; margin-top: 0.3rem; width: 0.8rem; height: 0.8rem; border-radius: 50%;
  border: 2px solid var(--gray-8); background: var(--color-panel-solid);
}
.dsf-timeline-horizontal .dsf-tl-dot { margin-top: 0; }
.dsf-tl-completed .dsf-tl-dot { background: var(--cyan-9); border-color: var(--cyan-9); }
.dsf-tl-current .dsf-tl-dot {
  background: var(--violet-9); border-color: var(--violet-11);
  box-shadow: 0 0 0 4px var(--violet-a4); animation: dsf-pulse 2.4s ease-in-out infinite;
}
.dsf-tl-upcoming .dsf-tl-body { opacity: 0.72; }
.dsf-tl-body { padding-bottom: 1.1rem; }
.dsf-callout {
  border-radius: 12px; padding: 0.9rem 1rem; border: 1px solid var(--dsf-tone-a, var(--cyan-a5));
  background: var(--dsf-tone-bg, var(--cyan-a2)); width: 100%;
}
.dsf-callout-info { --dsf-tone: var(--cyan-11); --dsf-tone-a: var(--cyan-a5); --dsf-tone-bg: var(--cyan-a2); }
.dsf-callout-warning { --dsf-tone: var(--amber-11); --dsf-tone-a: var(--amber-a5); --dsf-tone-bg: var(--amber-a2); }
.dsf-callout-quote { --dsf-tone: var(--violet-11); --dsf-tone-a: var(--violet-a4); --dsf-tone-bg: transparent; border-width: 0 0 0 3px; border-radius: 0; }
.dsf-callout-quote .dsf-text { font-family: Georgia, 'Iowan Old Style', serif; font-style: italic; font-size: 1.1em; }
.dsf-callout-rule { --dsf-tone: var(--violet-11); --dsf-tone-a: var(--violet-a6); --dsf-tone-bg: var(--violet-a2); }
.dsf-callout-tech { --dsf-tone: var(--teal-11); --dsf-tone-a: var(--teal-a5); --dsf-tone-bg: var(--teal-a2); font-family: var(--dsf-mono); }
.dsf-callout-icon { color: var(--dsf-tone, var(--cyan-11)); flex-shrink: 0; margin-top: 0.15rem; }
.dsf-stat {
  border: 1px solid var(--gray-a5); border-radius: 12px; padding: 0.9rem 1rem;
  background: linear-gradient(160deg, var(--cyan-a2), transparent 70%);
}
.dsf-stat-value {
  font-family: var(--dsf-display); font-size: clamp(1.5rem, 3vw, 2.1rem); font-weight: 700;
  line-height: 1.1; background: linear-gradient(90deg, var(--cyan-11), var(--violet-11));
  -webkit-background-clip: text; background-clip: text; color: transparent;
}
.dsf-trend-up { color: var(--green-11); }
.dsf-trend-down { color: var(--red-11); }
.dsf-trend-neutral { color: var(--gray-10); }
.dsf-clickable { cursor: pointer; }
.dsf-trigger { cursor: pointer; }
.dsf-trigger * { pointer-events: none; }
.dsf-rule { flex: 1; border-top: 1px solid var(--gray-a6); width: 100%; }
.dsf-rule-dashed { border-top-style: dashed; }
.dsf-rule-dotted { border-top-style: dotted; }
.dsf-rule-fade { border: 0; height: 1px; background: linear-gradient(90deg, transparent, var(--cyan-a7), var(--violet-a7), transparent); }
.dsf-hero {
  position: relative; overflow: hidden; border-radius: 14px; display: flex; flex-direction: column;
  justify-content: flex-end; padding: clamp(1.25rem, 4vw, 3rem); width: 100%;
  background: radial-gradient(120% 90% at 10% 100%, var(--violet-a5), transparent 60%),
    radial-gradient(90% 80% at 100% 0%, var(--cyan-a5), transparent 60%), var(--gray-2);
}
.dsf-hero-small { min-height: 12rem; }
.dsf-hero-medium { min-height: 20rem; }
.dsf-hero-large { min-height: 30rem; }
.dsf-hero-full { min-height: min(88vh, 56rem); }
.dsf-hero-bg { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; z-index: 0; }
.dsf-hero-shade {
  position: absolute; inset: 0; z-index: 0;
  background: linear-gradient(to top, rgba(4, 7, 18, 0.94), rgba(4, 7, 18, 0.45) 55%, rgba(4, 7, 18, 0.15));
}
.dsf-hero-body { position: relative; z-index: 1; max-width: 52rem; }
.dsf-hero-title { text-shadow: 0 2px 24px rgba(0, 0, 0, 0.5); }
.dsf-hero-scroll { position: absolute; left: 50%; bottom: 0.75rem; transform: translateX(-50%); z-index: 1; }
.dsf-actionbar {
  width: 100%; border-radius: 14px; padding: 1rem; border: 1px solid var(--violet-a6);
  background: linear-gradient(135deg, var(--violet-a3), var(--cyan-a2));
}
.dsf-action { height: auto !important; min-height: 2.5rem; padding: 0.55rem 0.95rem !important;
  white-space: normal; text-align: left; justify-content: flex-start; max-width: 100%; }
.dsf-reveal { animation-duration: 0.9s; animation-timing-function: cubic-bezier(0.2, 0.7, 0.2, 1);
  animation-fill-mode: both; width: 100%; }
.dsf-anim-fade-up { animation-name: dsf-fade-up; }
.dsf-anim-fade-in { animation-name: dsf-fade-in; }
.dsf-anim-slide-left { animation-name: dsf-slide-left; }
.dsf-anim-slide-right { animation-name: dsf-slide-right; }
.dsf-anim-scale { animation-name: dsf-scale; }
.dsf-anim-none { animation: none; }
@supports (animation-timeline: view()) {
  .dsf-reveal { animation-timeline: view(); animation-range: entry 0% cover 25%; }
}
.dsf-progress { position: sticky; left: 0; right: 0; height: 3px; z-index: 5; width: 100%;
  background: var(--gray-a3); border-radius: 2px; }
.dsf-progress-top { top: 0; }
.dsf-progress-bottom { bottom: 0; }
.dsf-progress-fill { height: 100%; border-radius: 2px; transform-origin: 0 50%;
  background: linear-gradient(90deg, var(--cyan-9), var(--violet-9));
  box-shadow: 0 0 12px var(--cyan-a8); animation: dsf-grow linear both;
  animation-timeline: scroll(nearest block); }
@property --dsf-read { syntax: '<integer>'; inherits: false; initial-value: 0; }
.dsf-progress-label { position: absolute; right: 0; top: 6px; font-family: var(--dsf-mono);
  font-size: 0.7rem; color: var(--cyan-11); counter-reset: dsf-read var(--dsf-read);
  animation: dsf-count linear both; animation-timeline: scroll(nearest block); }
.dsf-progress-label::after { content: counter(dsf-read) "%"; }
.dsf-form { display: flex; flex-direction: column; gap: 0.9rem; width: 100%; padding: 1rem;
  border: 1px solid var(--gray-a5); border-radius: 12px; background: var(--gray-a2); }
.dsf-form > .rt-Button { align-self: flex-start; }
.dsf-field { display: flex; flex-direction: column; gap: 0.35rem; width: 100%; min-width: 0; }
.dsf-field-row { display: flex; align-items: center; gap: 0.75rem; }
.dsf-input { font: inherit; color: var(--gray-12); background: var(--color-surface);
  border: 1px solid var(--gray-a7); border-radius: 8px; padding: 0.45rem 0.6rem; width: 100%;
  max-width: 32rem; min-width: 0; }
.dsf-input::placeholder { color: var(--gray-a10); }
.dsf-input:focus-visible, .dsf-slider:focus-visible, .dsf-toggle:focus-visible {
  outline: 2px solid var(--cyan-8); outline-offset: 2px; }
.dsf-slider { flex: 1; max-width: 28rem; min-width: 0; accent-color: var(--cyan-9); }
.dsf-slider-value { font-family: var(--dsf-mono); min-width: 3ch; color: var(--cyan-11); }
.dsf-toggle-field { flex-direction: row; align-items: center; gap: 0.6rem; }
.dsf-toggle { width: 1.15rem; height: 1.15rem; margin: 0; accent-color: var(--cyan-9); }
.dsf-fullscreen { position: fixed; inset: 0; z-index: 60; overflow-y: auto;
  background: radial-gradient(100% 60% at 50% 0%, var(--violet-a3), transparent 70%), var(--color-background);
  padding: clamp(0.75rem, 3vw, 2.5rem); }
.dsf-fullscreen-close { position: fixed; top: 0.75rem; right: 0.75rem; z-index: 61; }
@keyframes dsf-fade-up { from { opacity: 0; transform: translateY(28px); } to { opacity: 1; transform: none; } }
@keyframes dsf-fade-in { from { opacity: 0; } to { opacity: 1; } }
@keyframes dsf-slide-left { from { opacity: 0; transform: translateX(48px); } to { opacity: 1; transform: none; } }
@keyframes dsf-slide-right { from { opacity: 0; transform: translateX(-48px); } to { opacity: 1; transform: none; } }
@keyframes dsf-scale { from { opacity: 0; transform: scale(0.92); } to { opacity: 1; transform: none; } }
@keyframes dsf-grow { from { transform: scaleX(0); } to { transform: scaleX(1); } }
@keyframes dsf-count { from { --dsf-read: 0; } to { --dsf-read: 100; } }
@keyframes dsf-pulse { 50% { box-shadow: 0 0 0 7px var(--violet-a2); } }
@media (prefers-reduced-motion: reduce) {
  .dsf-reveal, .dsf-tl-current .dsf-tl-dot { animation: none; }
}
"""
CSS = _CSS.replace("__MONO__", MONO).replace("__DISPLAY__", DISPLAY)
