"""An item editor's form read as the item's fields (the world page's hand edits)."""

from __future__ import annotations

from dsf_app.services.foundation_edits import item_from_form


def test_a_rule_form_trims_text_and_splits_lines() -> None:
    form = {
        "statement": "  Light lags  ",
        "scope": "local",
        "certainty": "tentative",
        "implications": "Slow talk\n\n  Long waits \n",
        "exceptions": "",
        "reason": "not a field of the rule",
    }
    assert item_from_form("rules", form) == {
        "statement": "Light lags",
        "scope": "local",
        "certainty": "tentative",
        "implications": ["Slow talk", "Long waits"],
        "exceptions": [],
    }


def test_a_technology_form() -> None:
    form = {"name": "Reactor", "how_it_works": "Fusion", "limits": "Heat\nFuel"}
    assert item_from_form("technology", form) == {
        "name": "Reactor",
        "how_it_works": "Fusion",
        "limits": ["Heat", "Fuel"],
        "speculation": "",
    }


def test_a_timeline_form_with_missing_fields() -> None:
    assert item_from_form("timeline", {"event": "The Melt"}) == {
        "event": "The Melt",
        "when": "",
        "significance": "",
    }
