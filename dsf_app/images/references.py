"""Images a new image is drawn from: the one to edit ("change the background of asset X") or
references whose subject the new one keeps (a character's portrait), and the words that tell
the provider which is which."""

from __future__ import annotations

from dataclasses import dataclass

# Both vendors take these; OpenAI's edits endpoint takes nothing else.
REFERENCE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
MAX_REFERENCES = 4


@dataclass(frozen=True)
class ReferenceImage:
    """An image sent along with the prompt, with the file name the vendor sees."""

    data: bytes
    content_type: str
    name: str


def prompt_with_references(prompt: str, count: int, *, edit: bool) -> str:
    """The prompt that says what the attached images are for (they travel in this order)."""
    if count == 0:
        return prompt
    if edit:
        others = (
            " The other images are references: keep the look of who and what they show."
            if count > 1
            else ""
        )
        return (
            "Edit the first image: change only what this asks, keep everything else as it is."
            f"{others}\n\n{prompt}"
        )
    return (
        "Draw a new image. The attached images are references: keep the look of who and what "
        f"they show (face, build, clothes, colours, style).\n\n{prompt}"
    )
