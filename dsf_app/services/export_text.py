"""The untrusted-text rule for exported files: what an author or agent wrote goes into a story's
Markdown and EPUB and a world's JSON as the plain text the reader shows, never as live markup.

- Markdown: every character CommonMark or GFM would read as markup is backslash-escaped, so a
  Markdown viewer shows the text as the reader does: no raw HTML (`<`), no entities (`&`), no
  links or images (`[`), no emphasis, code, tables or headings made by the text itself.
- EPUB (XHTML): the book's writer, `dsf_app/epub.py`, escapes every text and drops the
  characters XML forbids (most control characters, U+FFFE/U+FFFF), or the book would not parse.
- JSON: `<`, `>`, `&` and the JavaScript line separators are written as \\u escapes (the same
  data), so a viewer that sniffs the file as HTML or script finds no tag.
"""

from __future__ import annotations

import re

_INLINE_MARKUP = re.compile(r"[\\`*_\[\]<>&|~]")
# Line starts that make headings, lists, setext underlines and thematic breaks ("<" and "*" are
# escaped everywhere already); indented lines keep their indent as no-break spaces, which
# Markdown does not count, so they never become code blocks.
_BLOCK_MARKER = re.compile(r"^([#+=-])", re.MULTILINE)
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)
# A line break inside a paragraph: a trailing backslash makes it a hard break, as in the reader.
_INNER_BREAK = re.compile(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)")
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def markdown_text(text: str) -> str:
    """`text` as Markdown that a viewer shows as exactly `text`, line breaks included."""
    escaped = _INLINE_MARKUP.sub(lambda m: "\\" + m.group(0), text)
    escaped = _BLOCK_MARKER.sub(r"\\\1", escaped)
    escaped = _ORDERED_MARKER.sub(r"\1\\\2", escaped)
    escaped = _INNER_BREAK.sub("\\\\\n", escaped)
    return _INDENT.sub(lambda m: "\u00a0" * len(m.group(0).expandtabs(4)), escaped)


def markdown_line(text: str) -> str:
    """A title as one line of Markdown (line breaks inside it become spaces)."""
    return markdown_text(" ".join(text.split()))


def html_safe_json(json_text: str) -> str:
    """JSON text with the characters HTML and JavaScript parsers treat specially \\u-escaped;
    they occur only inside strings, where the escape means the same character."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json_text)
