"""A drop zone for one file (drag it in, or click or press Enter to pick it), with the progress of
the upload beneath it — a bar and the bytes sent, then the server's stage — and the sentence of a
refusal. The page state mixes in `state/upload_progress.UploadProgress`."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventCallback

from dsf_app.state.upload_progress import UploadProgress


def upload_progress(state: type[UploadProgress], progress_id: str) -> rx.Component:
    """The bar and the words of an upload under way, or of the refusal that ended it."""
    return rx.fragment(
        rx.cond(
            state.uploading,
            rx.vstack(
                rx.progress(
                    value=state.upload_percent.to(int),
                    max=100,
                    width="100%",
                    aria_label="Upload progress",
                ),
                rx.text(state.upload_status, size="1", color_scheme="gray"),
                spacing="1",
                width="100%",
                id=progress_id,
                role="status",
                aria_live="polite",
            ),
        ),
        rx.cond(
            state.upload_problem != "",
            rx.callout(
                state.upload_problem,
                icon="triangle-alert",
                color_scheme="red",
                size="1",
                width="100%",
                overflow_wrap="anywhere",
                class_name="dsf-upload-problem",
            ),
        ),
    )


def upload_zone(
    state: type[UploadProgress],
    upload_id: str,
    on_drop: EventCallback[()],
    *,
    label: str | rx.Var[str],
    hint: str = "PNG, JPEG, WebP or GIF",
) -> rx.Component:
    """`on_drop` is the page's upload handler bound to
    `rx.upload_files_chunk(upload_id=upload_id, on_upload_progress=state.upload_progress)`;
    place `upload_progress(state, ...)` near it. The drop zone's file input takes no props of
    its own: the label around it names it."""
    return rx.el.label(
        rx.upload.root(
            rx.hstack(
                rx.cond(state.uploading, rx.spinner(size="2"), rx.icon("image-up", size=20)),
                rx.vstack(
                    rx.text(label, size="2", weight="medium"),
                    rx.text(f"Drop an image here or choose one ({hint}).", size="1"),
                    spacing="0",
                ),
                align="center",
                spacing="3",
            ),
            id=upload_id,
            multiple=False,
            max_files=1,
            disabled=state.uploading,
            on_drop=on_drop,
            class_name="dsf-upload-zone",
            border="1px dashed var(--gray-a8)",
            border_radius="var(--radius-3)",
            padding="0.75em 1em",
            cursor="pointer",
            width="100%",
        ),
        display="contents",
    )
