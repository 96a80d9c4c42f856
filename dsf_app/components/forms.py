"""The pieces every form and dialog here is made of: a labelled field, the form's error (read
out when it appears) and the Cancel / submit row, so forms look and behave alike."""

from __future__ import annotations

from typing import Any

import reflex as rx


def labelled(label: str, control_id: str, control: rx.Component, hint: str = "") -> rx.Component:
    """`control` under a label bound to it (`control_id`), with an optional hint below."""
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control_id),
        control,
        *((rx.text(hint, size="1", color_scheme="gray"),) if hint else ()),
        spacing="1",
        width="100%",
    )


def text_control(control_id: str, name: str, value: Any, rows: str = "") -> rx.Component:
    """A one-line input, or a text area of `rows` rows, starting at `value`."""
    if rows:
        return rx.text_area(id=control_id, name=name, default_value=value, rows=rows, width="100%")
    return rx.input(id=control_id, name=name, default_value=value, width="100%")


def form_error(message: rx.Var[str], **props: Any) -> rx.Component:
    """The form's error as an alert, shown only while there is one."""
    return rx.cond(
        message != "",
        rx.callout(
            message, icon="triangle-alert", color_scheme="red", role="alert", width="100%", **props
        ),
    )


def dialog_actions(submit: str, **submit_props: Any) -> rx.Component:
    """Cancel (closes the dialog) and the submit button, at the end of a dialog's form."""
    return rx.hstack(
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
        rx.button(submit, type="submit", **submit_props),
        justify="end",
        width="100%",
        spacing="3",
    )
