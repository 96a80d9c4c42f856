"""The renderer can draw every component type the specs allow, and its theme knows every value
of each prop it styles — so a new type or variant cannot silently draw nothing."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import BaseModel

from dsf_app.canvas import specs
from dsf_app.canvas.specs import COMPONENT_TYPES, Spec
from dsf_app.choices import choices
from dsf_app.components.canvas import theme
from dsf_app.components.canvas.render import RENDERERS


def test_every_type_of_the_spec_union_has_a_renderer() -> None:
    union = set(get_args(get_args(Spec)[0]))
    assert set(RENDERERS) == union
    assert set(COMPONENT_TYPES.values()) == union


@pytest.mark.parametrize(
    ("styles", "model", "field"),
    [
        (theme.TEXT_SIZES, specs.TextProps, "size"),
        (theme.HEADING_SIZES, specs.TextProps, "size"),
        (theme.GAPS, specs.StackProps, "spacing"),
        (theme.GAPS, specs.GridProps, "gap"),
        (theme.LENGTHS, specs.GridProps, "gap"),
        (theme.LENGTHS, specs.DividerProps, "spacing"),
        (theme.ALIGNS, specs.StackProps, "align"),
        (theme.JUSTIFIES, specs.StackProps, "justify"),
        (theme.CSS_JUSTIFIES, specs.GridProps, "justify"),
        (theme.BADGE_COLORS, specs.BadgeProps, "variant"),
        (theme.BADGE_SIZES, specs.BadgeProps, "size"),
        (theme.CALLOUT_ICONS, specs.CalloutProps, "variant"),
        (theme.TREND_ICONS, specs.StatItem, "trend"),
        (theme.CARD_VARIANTS, specs.CardProps, "variant"),
        (theme.ACTION_VARIANTS, specs.Action, "variant"),
        (theme.ACTION_COLORS, specs.Action, "variant"),
    ],
    ids=lambda value: value if isinstance(value, str) else getattr(value, "__name__", ""),
)
def test_each_theme_map_has_exactly_the_props_values(
    styles: dict[str, Any], model: type[BaseModel], field: str
) -> None:
    assert list(styles) == list(choices(model, field))


def test_choices_reads_a_literal_and_refuses_other_fields() -> None:
    assert choices(specs.GalleryProps, "columns") == (2, 3, 4)
    with pytest.raises(TypeError):
        choices(specs.TextProps, "content")
