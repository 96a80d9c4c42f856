"""Reading a world's foundation leniently: what fits the model is shown, what does not is left
out, and one bad item does not hide its section."""

from __future__ import annotations

from dsf_app.world_schema import readable_foundation

RULE = {"statement": "Light lags", "scope": "universal", "certainty": "established"}


def test_a_valid_foundation_reads_whole() -> None:
    found = readable_foundation({"core_premise": "Cheap fusion.", "rules": [RULE], "extra": 1})
    assert found.core_premise == "Cheap fusion."
    assert [rule.statement for rule in found.rules] == ["Light lags"]
    assert found.model_extra == {"extra": 1}


def test_an_item_that_does_not_fit_is_left_out_of_its_list_only() -> None:
    found = readable_foundation(
        {
            "core_premise": "Cheap fusion.",
            "rules": [RULE, {"scope": "universal"}, {**RULE, "statement": "Heat rises"}],
            "technology": [{"name": "Reactor", "speculation": "fantasy"}],
        }
    )
    assert [rule.statement for rule in found.rules] == ["Light lags", "Heat rises"]
    assert found.core_premise == "Cheap fusion."
    assert [tech.name for tech in found.technology] == ["Reactor"]


def test_a_section_of_the_wrong_shape_is_left_out() -> None:
    found = readable_foundation({"core_premise": ["not", "text"], "geography": "Reefs."})
    assert found.core_premise == ""
    assert found.geography == "Reefs."


def test_an_empty_foundation_reads_as_empty() -> None:
    found = readable_foundation({})
    assert found.rules == [] and found.core_premise == ""
