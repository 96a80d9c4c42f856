"""The one confirmation every permanent delete asks for: keep it (the default) or delete."""

from __future__ import annotations

from typing import Any

import reflex as rx


def confirm_delete_dialog(
    *,
    title: rx.Var[str] | str,
    description: rx.Var[str] | str,
    confirm_label: str,
    confirm_id: str,
    open: rx.Var[bool],
    on_cancel: Any,
    on_confirm: Any,
    on_open_change: Any = None,
) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray", on_click=on_cancel)
                ),
                rx.alert_dialog.action(
                    rx.button(confirm_label, color_scheme="red", on_click=on_confirm, id=confirm_id)
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="min(28em, 94vw)",
            # Escape means "Keep it": a controlled dialog stays open unless its state hears so.
            on_escape_key_down=on_cancel,
        ),
        open=open,
        **({"on_open_change": on_open_change} if on_open_change is not None else {}),
    )
