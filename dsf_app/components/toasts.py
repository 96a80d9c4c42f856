"""Toasts: each new notice of `FeedbackState` shown once, through the page's own compiled code.

A hook watches the notices and hands new ones to the toaster (sonner) as data; the ids already
shown are kept in the tab's sessionStorage, so a reload does not show them again."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var, VarData
from reflex_components_sonner.toast import toast_ref

from dsf_app.state.feedback import FeedbackState

SHOWN_KEY = "dsf-notices-shown"
REMEMBERED = 50


class ToastRelay(rx.Fragment):
    """Renders nothing; its hook shows new notices as toasts."""

    def add_hooks(self) -> list[str | Var]:
        notices = FeedbackState.notices
        effect = f"""useEffect(() => {{
    let shown = [];
    try {{ shown = JSON.parse(window.sessionStorage.getItem("{SHOWN_KEY}") || "[]"); }} catch (e) {{}}
    const fresh = ({notices} || []).filter((n) => !shown.includes(n.id));
    for (const n of fresh) {{ {toast_ref}?.[n.level]?.(n.message, {{ duration: n.duration }}); }}
    if (fresh.length) {{
        const ids = [...shown, ...fresh.map((n) => n.id)].slice(-{REMEMBERED});
        try {{ window.sessionStorage.setItem("{SHOWN_KEY}", JSON.stringify(ids)); }} catch (e) {{}}
    }}
}}, [{notices}])"""
        return [
            Var(
                _js_expr=effect,
                _var_data=VarData.merge(
                    notices._get_all_var_data(),
                    toast_ref._get_all_var_data(),
                    VarData(imports={"react": [rx.ImportVar(tag="useEffect")]}),
                ),
            )
        ]


def toast_relay() -> rx.Component:
    return ToastRelay.create()
