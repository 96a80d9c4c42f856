"""In-world dates: how the texts writers give for when a part or a history event happens sort,
and the parts that carry one, as the world's history timeline lists them."""

from __future__ import annotations

from sqlmodel import Session

from dsf_app.services import in_world_dates, stories
from tests.factories import make_actor, make_story, make_world


def test_dates_sort_by_what_they_say_not_by_their_letters() -> None:
    given = [
        "before the Flood",
        "14 March 2187",
        "2187",
        "Year 12",
        "March 2187",
        "Year 3",
        "300 BCE",
        "2187-03-02",
        "1 May 2186",
        "15/03/2187",
    ]
    assert sorted(given, key=in_world_dates.sort_key) == [
        "300 BCE",
        "Year 3",
        "Year 12",
        "1 May 2186",
        "2187",
        "March 2187",
        "2187-03-02",
        "14 March 2187",
        "15/03/2187",
        "before the Flood",  # no number: after every dated one
    ]


def test_a_parts_date_is_kept_and_the_worlds_dated_parts_listed(session: Session) -> None:
    owner = make_actor(session)
    world = make_world(session, owner)
    story = make_story(session, owner, world)
    first = stories.add_segment(session, owner, story.id, "Arrival", "The ferry docked.")
    second = stories.add_segment(
        session, owner, story.id, "", "The strike began.", first.id, in_world_date=" Year 3 "
    )
    assert second.in_world_date == "Year 3"
    stories.update_segment(session, owner, first.id, in_world_date="Year 1")

    assert [(p.label, p.date) for p in stories.dated_parts(session, owner, world.id)] == [
        ("Low Tide · part 1 · Arrival", "Year 1"),
        ("Low Tide · part 2", "Year 3"),
    ]
    stories.update_segment(session, owner, first.id, in_world_date="")
    assert [p.segment_id for p in stories.dated_parts(session, owner, world.id)] == [second.id]
