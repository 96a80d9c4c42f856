"""In-world dates: the short text a writer gives a story part or a history event for when it
happens in the world ("14 March 2187", "2187-03", "Year 3 of the Strike", "300 BCE", "Stardate
41153.7"), and the order such texts sort in.

A date is read as far as it can be: its numbers (a year with a month name reads year, month,
day whatever order they are written in; "14/03/2187" reads as 2187, 3, 14; BC/BCE years are
negative), so "2187" comes before "March 2187", which comes before "14 March 2187", and "Year 3"
before "Year 12". Texts without a number ("before the Flood") come after every dated one, in
the order they were given.
"""

from __future__ import annotations

import re

MAX_LENGTH = 100

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WORD = re.compile(r"[^\W\d_]+")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_BEFORE_ERA = {"bc", "bce"}

DateKey = tuple[int, tuple[float, ...]]


def sort_key(text: str) -> DateKey:
    """What `text` sorts by: (0, its date's numbers, biggest unit first) for a text with a
    number, (1, ()) for one without (kept after the dated ones by a stable sort)."""
    lowered = text.casefold()
    numbers = [float(n) for n in _NUMBER.findall(lowered)]
    if not numbers:
        return (1, ())
    words = _WORD.findall(lowered.replace(".", ""))
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    if month is not None:
        year = next((n for n in numbers if n >= 100), max(numbers))
        days = [n for n in numbers if n != year and n <= 31]
        parts = [year, float(month), *days[:1]]
    elif len(numbers) >= 2 and numbers[-1] >= 100 and all(n <= 31 for n in numbers[:-1]):
        parts = [numbers[-1], *reversed(numbers[:-1])]  # day/month/year
    else:
        parts = numbers
    if _BEFORE_ERA & set(words):
        parts[0] = -parts[0]
    return (0, tuple(parts))
