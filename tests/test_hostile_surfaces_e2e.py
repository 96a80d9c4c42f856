"""Every payload of the hostile corpus (tests/hostile_content.py) through the surfaces that
tests/test_trust_boundary_e2e.py does not reach, in Chromium against the app as it ships.

One reader is given, through the services: their own world named by the first payload, with
images whose captions and prompts hold the corpus (the gallery, its lightbox with the image the
world's one was drawn from, its delete dialog, My images) and runs whose prompts, tool names and
steps are the payloads (the runs page, run search, /runs/<id>, analytics with its chart,
tooltip and figures); three worlds shared with them whose
stories and other collaborators are named one by each payload (the Stories tab, Sharing); and a
public world named by each payload from another author (Explore cards, and /search with the
fewest queries whose hits show every one of them). The scripted model writes evaluations and a
version explanation made of the corpus; deleting a story whose title is a payload shows it in
its dialog and toast; lorebook imports whose fields are named by the payloads put every one
through the import's toast. Where a field is short, each payload is the whole of one item's
field, so each reaches each kind of surface.

Each surface is checked over the whole document (tests/hostile_page.py): dialogs, popovers and
toasts render in portals outside any chosen part.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from dsf_app.db import session_scope
from dsf_app.models import AgentKind, CollaboratorRole, StepKind, Visibility
from dsf_app.services import (
    asset_references,
    assets,
    runs,
    search,
    stories,
    trajectories,
    users,
    worlds,
)
from dsf_app.services.actor import Actor
from dsf_app.services.asset_files import asset_storage
from dsf_app.services.lorebook import REPORTED_NAMES, ImportReport
from dsf_app.services.lorebook_entries import LABEL_CHARS
from dsf_app.services.trajectories import StepRecord
from dsf_app.services.world_updates import WorldUpdate, update_world
from dsf_app.settings import Settings
from dsf_app.state.feedback import MAX_NOTICE_CHARS
from dsf_app.storage import asset_key
from tests.accounts import new_account, sign_up_over_http, use_session
from tests.e2e_helpers import verified
from tests.factories import share
from tests.fakes.llm_server import ScriptedLLM
from tests.hostile_content import MARKERS, PAYLOADS, Payload, corpus, groups
from tests.hostile_page import Watch
from tests.test_security_headers_e2e import PNG

pytestmark = pytest.mark.usefixtures("dsf_in_process")

RULE = "r-hostile"


@dataclass(frozen=True)
class Seeded:
    """What the reader's browser opens: ids, and the texts as the services stored them."""

    token: str  # the reader's session
    reader: Actor
    tag: str
    world_id: uuid.UUID
    story_id: uuid.UUID  # the first story, with a part the evaluators judge
    segment_id: uuid.UUID  # that part
    shared: list[Shared]
    world_names: list[str]  # the author's public worlds, one a payload
    world_ids: list[uuid.UUID]  # those worlds, in the same order
    run_id: uuid.UUID  # the run whose steps are one a payload
    tool_names: list[str]


def flat(text: str) -> str:
    """Text as a browser lays it out: runs of white space as one space."""
    return " ".join(text.split())


def _image(actor: Actor, world_id: uuid.UUID | None) -> uuid.UUID:
    """An image whose caption and prompt are the corpus."""
    key = asset_key(actor.user_id, world_id, f"{uuid.uuid4().hex}.png")
    asset_storage().put(key, PNG, "image/png")
    with session_scope() as session:
        return assets.record_asset(
            session,
            actor,
            world_id,
            key,
            "image/png",
            len(PNG),
            category="character",
            description=corpus(),
            generated=True,
            prompt=corpus(),
        ).id


def _runs(actor: Actor, world_id: uuid.UUID) -> tuple[uuid.UUID, list[str]]:
    """A run per 2,000 characters of the corpus: its prompt, a failed tool call named by each of
    those payloads, and the corpus as its error. The first run has a step per payload too: a
    tool named by it, with the corpus as arguments, result and error."""
    started = datetime.now(UTC) - timedelta(minutes=5)
    tool_names = [p.text[:100] for p in PAYLOADS]
    first: uuid.UUID | None = None
    for group in groups(2000):
        prompt = "\n\n".join(p.text[:2000] for p in group)
        calls = [{"name": p.text[:100], "status": "error", "duration_ms": 5} for p in group]
        with session_scope() as session:
            run = runs.start_run(session, actor, AgentKind.WORLD, world_id, prompt=prompt)
            if first is None:
                first = run.id
                trajectories.record_steps(session, actor, run.id, _steps(started, tool_names))
            runs.finish_run(
                session,
                actor,
                run.id,
                "error",
                steps=len(calls),
                tool_calls=calls,
                error=corpus(),
                prompt=prompt,
                reply=prompt,
            )
    assert first is not None
    return first, tool_names


def _steps(started: datetime, tool_names: list[str]) -> list[StepRecord]:
    everything = {"arguments": corpus(), "result": corpus(), "error": corpus()}
    return [
        StepRecord(StepKind.REASONING, started, detail={"text": corpus()}),
        *(
            StepRecord(
                StepKind.TOOL,
                started + timedelta(milliseconds=10 * (n + 1)),
                name=name,
                tool_call_id=f"call-{n}",
                status="error",
                duration_ms=5,
                detail=everything,
            )
            for n, name in enumerate(tool_names)
        ),
        StepRecord(StepKind.MESSAGE, started + timedelta(seconds=2), detail={"text": corpus()}),
    ]


def _people(names: list[str]) -> list[Actor]:
    """Verified people, one named by each of `names`."""
    with session_scope() as session:
        people = []
        for name in names:
            user = users.create_user(session, f"p-{uuid.uuid4().hex[:12]}@example.test", name)
            user.email_verified = True
            session.flush()
            people.append(Actor.of(user))
        return people


@dataclass(frozen=True)
class Home:
    world_id: uuid.UUID
    story_id: uuid.UUID
    segment_id: uuid.UUID


def _home_world(reader: Actor, tag: str) -> Home:
    """The reader's world: named by the first payload, a rule the evaluators check, two stories
    named by the first two payloads (the first with a part that applies the rule), and a second
    version whose rule reads differently (for the version explanation)."""
    foundation = {"rules": [{"id": RULE, "statement": f"Tides rule the city ({tag})."}]}
    with session_scope() as session:
        world = worlds.create_world(session, reader, PAYLOADS[0].text[:200], corpus(), foundation)
        made = [
            stories.create_story(session, reader, world.id, p.text[:300], p.text)
            for p in PAYLOADS[:2]
        ]
        segment = stories.add_segment(
            session,
            reader,
            made[0].id,
            PAYLOADS[1].text[:300],
            f"The tide came in at noon ({tag}). {corpus()}",
            world_evolution={"rules_applied": [RULE]},
        )
        session.flush()
        update_world(
            session,
            reader,
            world.id,
            [
                WorldUpdate(
                    path=f"rules.{RULE}.statement",
                    operation="update",
                    value=f"Storms rule the city ({tag}).",
                    reason=corpus()[:1000],
                )
            ],
            author="person",
        )
        return Home(world.id, made[0].id, segment.id)


@dataclass(frozen=True)
class Shared:
    """A world shared with the reader by another owner: its stories and its other
    collaborators, each named by one payload of its third of the corpus."""

    world_id: uuid.UUID
    payloads: tuple[Payload, ...]
    story_titles: list[str]  # as the services stored them
    collaborators: list[str]


def _shared_worlds(reader: Actor) -> list[Shared]:
    """A third of the payloads each (a world's Stories tab shows 50 stories; one person may add
    30 collaborators an hour)."""
    shared = []
    for n, group in enumerate(_in_threes(PAYLOADS)):
        (owner,) = _people([f"Owner {n}"])
        people = _people([p.text[:200] for p in group])
        with session_scope() as session:
            world = worlds.create_world(session, owner, f"Shared {n}")
            titles = [
                stories.create_story(session, owner, world.id, p.text[:300], p.text).title
                for p in group
            ]
            for person in [reader, *people]:
                share(session, owner, world, person, CollaboratorRole.VIEWER)
            names = [users.get_user(session, p.user_id).name for p in people]
        shared.append(Shared(world.id, group, titles, names))
    return shared


def _in_threes(payloads: tuple[Payload, ...]) -> list[tuple[Payload, ...]]:
    third = -(-len(payloads) // 3)
    return [payloads[i : i + third] for i in range(0, len(payloads), third)]


def _public_worlds() -> list[tuple[uuid.UUID, str]]:
    """A public world named by each payload, by another author: (id, name as stored)."""
    (author,) = _people(["Mallory"])
    with session_scope() as session:
        made = []
        for payload in PAYLOADS:
            world = worlds.create_world(session, author, payload.text[:200], payload.text)
            worlds.set_visibility(session, author, world.id, Visibility.PUBLIC)
            made.append((world.id, world.name))
        return made


@pytest.fixture(scope="module")
def seeded(app_url: str, dsf_in_process: Settings) -> Seeded:
    account = new_account("Ada")
    token = sign_up_over_http(app_url, account)
    reader = verified(account)
    tag = uuid.uuid4().hex[:10]
    home = _home_world(reader, tag)
    drawn, own = _image(reader, home.world_id), _image(reader, None)
    # The world's image was drawn from the person's own: its lightbox links that one by caption.
    with session_scope() as session:
        sources = asset_references.images_to_draw_from(session, reader, home.world_id, None, [own])
        asset_references.record_references(session, drawn, sources)
    run_id, tool_names = _runs(reader, home.world_id)
    shared = _shared_worlds(reader)
    public = _public_worlds()
    search.refresh(reader)  # as a search would first, so the searches below wait on nothing
    return Seeded(
        token=token,
        reader=reader,
        tag=tag,
        world_id=home.world_id,
        story_id=home.story_id,
        segment_id=home.segment_id,
        shared=shared,
        world_names=[name for _, name in public],
        world_ids=[world_id for world_id, _ in public],
        run_id=run_id,
        tool_names=tool_names,
    )


@pytest.fixture
def reader_page(browser: Browser, app_url: str, seeded: Seeded) -> Iterator[Page]:
    """A page of the reader's, signed in."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    use_session(context, app_url, seeded.token)
    yield context.new_page()
    context.close()


def texts(page: Page, selector: str) -> list[str]:
    """The text of each element matching `selector`, white space as laid out."""
    return [flat(t) for t in page.locator(selector).all_text_contents()]


def shown_whole(page: Page, selector: str, expected: list[str], what: str) -> None:
    """Each of `expected` is in the text of the parts matching `selector` as it is, tags and
    all: shown as text, not read as markup."""
    text = flat(" ".join(page.locator(selector).all_text_contents()))
    missing = [t[:40] for t in expected if flat(t) not in text]
    assert missing == [], f"{what}: not shown as text: {missing[:5]} ({len(missing)} in all)"


# --- what the agents did: runs, their search, a trajectory, analytics ----------------------


def test_runs_run_search_a_trajectory_and_analytics_show_the_corpus_inert(
    reader_page: Page, app_url: str, seeded: Seeded, test_settings: Settings
) -> None:
    page = reader_page
    watch = Watch.on(page, test_settings)
    page.goto(f"{app_url}/runs")
    rows = page.locator("main .run-row")
    # Prompts in the summaries; the tool calls and errors inside each run, opened.
    watch.surface("main .run-row", MARKERS, "runs page")
    expect(rows).to_have_count(len(groups(2000)))
    shown_whole(page, "main .run-row code", seeded.tool_names, "runs page: tool names")

    page.get_by_label("Search your runs by meaning").fill("ZQ script alert javascript evil")
    page.get_by_label("Search your runs by meaning").press("Enter")
    expect(page.locator("#run-search-caption")).to_be_visible()
    expect(rows).to_have_count(len(groups(2000)))
    watch.surface("main .run-row", MARKERS, "run search")
    shown_whole(page, "main .run-row code", seeded.tool_names, "run search: tool names")

    page.goto(f"{app_url}/runs/{seeded.run_id}")
    # Every step opened: its label, and the arguments, result and error as text.
    watch.surface("#trajectory", MARKERS, "trajectory")
    expect(page.locator("#trajectory .dsf-step")).to_have_count(len(PAYLOADS) + 2)
    shown_whole(page, "#trajectory summary", seeded.tool_names, "trajectory: step labels")
    shown_whole(page, "#trajectory .dsf-step-detail", [corpus()], "trajectory: step details")

    page.goto(f"{app_url}/analytics")
    tools = page.locator("#chart-tools")
    expect(tools.locator(".recharts-surface").first).to_be_visible()
    watch.surface("#chart-tools", MARKERS, "analytics: the tools' chart and figures")
    shown_whole(page, "#chart-tools .dsf-figures td", seeded.tool_names, "analytics figures")
    # The chart's tooltip names the tool under the pointer: a popover outside the table.
    bar = tools.locator(".recharts-bar-rectangle").first
    bar.hover()
    expect(tools.locator(".recharts-tooltip-wrapper")).to_contain_text("ZQ")
    watch.document_is_inert("analytics: chart and its tooltip")


# --- the reader's world: stories, their dialogs and toasts, sharing, the model's explanation --


def test_the_stories_tab_its_dialogs_toasts_sharing_and_the_version_explanation_are_inert(
    reader_page: Page,
    app_url: str,
    seeded: Seeded,
    llm: ScriptedLLM,
    test_settings: Settings,
) -> None:
    page = reader_page
    watch = Watch.on(page, test_settings)
    page.goto(f"{app_url}/worlds/{seeded.world_id}")
    expect(page.locator("#premise-text, main h1").first).to_be_visible()
    watch.document_is_inert("world page, with its hostile name as the page's title")
    watch.fits_the_window("world page, with the corpus as its description")
    assert page.title().startswith(PAYLOADS[0].marker)

    # The model explains the change between the world's two versions in the corpus's words.
    llm.on_judgment(
        re.escape(f"Storms rule the city ({seeded.tag})"),
        [
            {
                "summary": corpus(),
                "implications": [{"segment_id": str(seeded.segment_id), "implication": corpus()}],
            }
        ],
        schema="VersionJudgment",
    )
    page.get_by_role("tab", name="History").click()
    page.get_by_role("button", name="Explain the change").click()
    expect(page.locator("#version-summaries .dsf-evaluation")).to_have_count(1)
    watch.surface("#version-summaries", MARKERS, "version explanation by the model")
    shown_whole(page, "#version-summaries", [corpus()], "version explanation")
    watch.surface("main", MARKERS, "History tab: changelog with the hostile reason")

    page.get_by_role("tab", name=re.compile("Stories")).click()
    expect(page.locator(".dsf-story-link")).to_have_count(2)
    # The dialogs of one story render outside the tab; its title is the raw-HTML image.
    victim = PAYLOADS[1]
    card = page.locator(".rt-Card").filter(
        has=page.locator(".dsf-story-link", has_text=victim.marker)
    )
    card.locator(".dsf-edit-story").click()
    expect(page.locator("#story-title")).to_have_value(victim.text)
    watch.document_is_inert("story details dialog")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    card.locator(".dsf-delete-story").click()
    watch.surface("[role=alertdialog]", [victim.marker], "delete story dialog")
    shown_whole(page, "[role=alertdialog]", [victim.text], "delete story dialog")
    page.locator("#confirm-delete-story").click()
    toast = page.locator("[data-sonner-toast]").filter(has_text="Deleted")
    toast.hover()  # a toast stays while the pointer is on it
    watch.surface("[data-sonner-toast]", [victim.marker], "story deleted toast")
    shown_whole(page, "[data-sonner-toast]", [victim.text], "story deleted toast")

    for shared in seeded.shared:
        page.goto(f"{app_url}/worlds/{shared.world_id}")
        markers = [p.marker for p in shared.payloads]
        page.get_by_role("tab", name=re.compile("Stories")).click()
        expect(page.locator(".dsf-story-link")).to_have_count(len(shared.payloads))
        watch.surface("main .dsf-story-link", markers, "Stories tab")
        shown_whole(page, ".dsf-story-link h2", shared.story_titles, "Stories tab: titles")
        page.get_by_role("tab", name="Sharing").click()
        expect(page.locator(".dsf-collaborator")).to_have_count(len(shared.payloads) + 1)
        watch.surface("main .dsf-collaborator", markers, "Sharing: collaborators")
        shown_whole(page, ".dsf-collaborator", shared.collaborators, "Sharing: names")


# --- toasts: a lorebook import names the fields it kept, one payload per field ----------------


def _report(names: list[str]) -> str:
    """The import's toast for a one-entry World Info file with fields named `names`."""
    report = ImportReport("SillyTavern World Info file", 1, [], [], sorted(names))
    return report.sentence()


def _field_names() -> list[list[str]]:
    """The payloads as the names of fields the format does not define, a list per import: as
    many as one toast shows whole (the report names ten, a notice holds 600 characters); a
    payload longer than a toast alone is cut to fit, its marker first."""
    packed: list[list[str]] = [[]]
    for payload in PAYLOADS:
        names = packed[-1]
        if names and (
            len(names) == REPORTED_NAMES or len(_report([*names, payload.text])) > MAX_NOTICE_CHARS
        ):
            packed.append(names := [])
        room = MAX_NOTICE_CHARS - len(_report([""]))
        names.append(payload.text[:room])
    return packed


def _lorebook(path: Path, n: int, names: list[str]) -> Path:
    """A file of its own for each import: Playwright setting the input to the file it already
    holds sends nothing (a person's click clears it first, so they can import one file twice)."""
    entry = {"key": [f"Lore {n}"], "comment": f"Lore {n}", "content": "A tide."}
    path.write_text(json.dumps({"entries": {"0": {**entry, **dict.fromkeys(names, 1)}}}))
    return path


def test_every_payload_through_a_toast_the_lorebook_imports_fields(
    reader_page: Page, app_url: str, seeded: Seeded, test_settings: Settings, tmp_path: Path
) -> None:
    page = reader_page
    watch = Watch.on(page, test_settings)
    with session_scope() as session:
        world_id = worlds.create_world(session, seeded.reader, "Lorebooks").id
    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name=re.compile("Codex")).click()
    upload = page.locator("#codex-import input[type=file]")
    packed = _field_names()
    for n, names in enumerate(packed):
        upload.set_input_files(_lorebook(tmp_path / f"lore-{n}.json", n, names))
        markers = [name[:4] for name in names]
        toast = page.locator("[data-sonner-toast]").filter(has_text=markers[-1])
        toast.hover()  # a toast stays while the pointer is on it
        what = f"import toast {n + 1} of {len(packed)}"
        watch.surface("[data-sonner-toast]", markers, what)
        shown_whole(page, "[data-sonner-toast]", names, what)
        page.mouse.move(0, 0)
    assert [name[:4] for names in packed for name in names] == list(MARKERS)


def _skipped_labels() -> list[list[str]]:
    """The payloads as entries a lorebook import skips (each one's comment, shown as the report
    names it: spaces collapsed, cut to LABEL_CHARS), a list per import's toast."""
    problem = "(“caseSensitive” is not valid (2))"

    def report(labels: list[str]) -> str:
        skipped = [f"“{label}” {problem}" for label in labels]
        return ImportReport("SillyTavern World Info file", 0, [], skipped, []).sentence()

    packed: list[list[str]] = [[]]
    for payload in PAYLOADS:
        label = " ".join(payload.text.split())[:LABEL_CHARS]
        labels = packed[-1]
        if labels and (
            len(labels) == REPORTED_NAMES or len(report([*labels, label])) > MAX_NOTICE_CHARS
        ):
            packed.append(labels := [])
        labels.append(label)
    return packed


def test_every_payload_through_a_toast_the_lorebook_imports_skipped_entries(
    browser: Browser,
    app_url: str,
    dsf_in_process: Settings,
    test_settings: Settings,
    tmp_path: Path,
) -> None:
    """Entries skipped for a bad field are named by their comments: a person of their own (a
    day's imports are 20), a World Info file per toast."""
    account = new_account("Lore")
    token = sign_up_over_http(app_url, account)
    with session_scope() as session:
        world_id = worlds.create_world(session, verified(account), "Skipped").id
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    use_session(context, app_url, token)
    page = context.new_page()
    watch = Watch.on(page, test_settings)
    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name=re.compile("Codex")).click()
    expect(page.locator("#codex-new")).to_be_visible()
    upload = page.locator("#codex-import input[type=file]")
    packed = _skipped_labels()
    texts = iter(payload.text for payload in PAYLOADS)
    for n, labels in enumerate(packed):
        entries = {str(i): {"comment": next(texts), "caseSensitive": 2} for i in range(len(labels))}
        path = tmp_path / f"skipped-{n}.json"
        path.write_text(json.dumps({"entries": entries}))
        upload.set_input_files(path)
        markers = [label[:4] for label in labels]
        toast = page.locator("[data-sonner-toast]").filter(has_text=markers[-1])
        toast.hover()  # a toast stays while the pointer is on it
        what = f"skipped-entries toast {n + 1} of {len(packed)}"
        watch.surface("[data-sonner-toast]", markers, what)
        shown_whole(page, "[data-sonner-toast]", labels, what)
        page.mouse.move(0, 0)
    assert [label[:4] for labels in packed for label in labels] == list(MARKERS)
    context.close()


# --- images: the world's gallery, its lightbox and delete dialog, My images -----------------


def test_gallery_lightbox_and_my_images_show_captions_and_prompts_inert(
    reader_page: Page, app_url: str, seeded: Seeded, test_settings: Settings
) -> None:
    page = reader_page
    watch = Watch.on(page, test_settings)
    for url, what in (
        (f"{app_url}/worlds/{seeded.world_id}/gallery", "gallery"),
        (f"{app_url}/images", "My images"),
    ):
        page.goto(url)
        watch.surface("#gallery-grid", MARKERS, what)
        expect(page.locator(".dsf-gallery-item")).to_have_count(1)
        page.locator("button[title='Open larger']").click()
        # The lightbox: the caption as its title, the prompt under the image (in the world's
        # gallery also the caption of the image it was drawn from, as a link).
        watch.surface("#gallery-lightbox", MARKERS, f"{what}: lightbox")
        references = page.locator("#gallery-lightbox .dsf-gallery-reference")
        expect(references).to_have_count(1 if what == "gallery" else 0)
        shown_whole(page, "#gallery-lightbox", [corpus()], f"{what}: lightbox")
        page.locator("#gallery-lightbox").get_by_role("button", name="Delete").click()
        watch.surface("[role=alertdialog]", [PAYLOADS[0].marker], f"{what}: delete dialog")
        page.get_by_role("alertdialog").get_by_role("button", name="Keep it").click()


# --- what the model wrote about a story: the evaluators' judgments --------------------------


def test_evaluations_written_by_the_model_are_inert(
    reader_page: Page, app_url: str, seeded: Seeded, llm: ScriptedLLM, test_settings: Settings
) -> None:
    page = reader_page
    watch = Watch.on(page, test_settings)
    tag = re.escape(seeded.tag)
    texts = [p.text for p in PAYLOADS]
    llm.on_judgment(
        tag,
        [
            {
                "findings": [
                    {
                        "rule_id": RULE,
                        "verdict": "violates",
                        "quote": f"The tide came in at noon ({seeded.tag}).",
                        "reason": corpus(),
                    }
                ],
                "summary": corpus(),
            }
        ],
        schema="ConsistencyJudgment",
    )
    llm.on_judgment(
        tag,
        [
            {
                name: {"score": 3, "reason": corpus()}
                for name in ("coherence", "grounding", "prose", "advancement")
            }
        ],
        schema="QualityJudgment",
    )
    llm.on_judgment(
        tag,
        [
            {
                "new_elements": texts,
                "rules_challenged": [{"rule_id": RULE, "how": corpus()}],
                "questions_opened": texts,
            }
        ],
        schema="InformationGainJudgment",
    )
    page.goto(f"{app_url}/worlds/{seeded.world_id}/stories/{seeded.story_id}")
    evaluations = page.locator(".dsf-segment-evaluations .dsf-evaluation")
    for count, button in enumerate(
        ("Check against the world: part 1", "Assess part 1", "What's new in part 1"), start=1
    ):
        page.get_by_role("button", name=button).click()
        # What's new embeds each new element the model names: slow on a busy machine.
        expect(evaluations).to_have_count(count, timeout=90_000)
        expect(page.locator(".dsf-evaluation-error")).to_have_count(0)
        watch.surface(".dsf-segment-evaluations", MARKERS, f"evaluation: {button}")
    shown_whole(page, ".dsf-segment-evaluations", [corpus(), *texts], "evaluations")
    watch.fits_the_window("the reader with the judgments")


# --- other people's worlds: Explore cards and search by meaning -----------------------------


def test_explore_cards_and_search_results_are_inert(
    reader_page: Page, app_url: str, seeded: Seeded, test_settings: Settings
) -> None:
    page = reader_page
    watch = Watch.on(page, test_settings)
    page.goto(f"{app_url}/worlds")
    page.get_by_role("tab", name="Explore").click()
    # The reader's own worlds stay on screen until Explore has loaded: the 78 payload worlds
    # fill more than a page, so Explore's pager offers a next page once they are shown.
    expect(page.get_by_role("button", name="Next")).to_be_enabled()
    seen: list[str] = []
    while True:
        expect(page.locator("#world-cards .dsf-world-card").first).to_be_visible()
        watch.document_is_inert(f"Explore, page {len(seen) + 1}")
        seen.append(watch.text_of("#world-cards"))
        following = page.get_by_role("button", name="Next")
        if following.count() == 0 or following.is_disabled():
            break
        page_label = page.get_by_text(f"Page {len(seen) + 1}", exact=True)
        following.click()
        expect(page_label).to_be_visible()
    shown = flat(" ".join(seen))
    missing = [name[:40] for name in seeded.world_names if flat(name) not in shown]
    assert missing == [], f"Explore cards: names not shown as text: {missing[:5]}"

    # Each payload's world among the hits of one of the fewest queries (a group shows eight).
    for query, found in _queries(seeded):
        page.goto(f"{app_url}/search")
        page.get_by_label("Search by meaning").fill(query)
        page.get_by_label("Search by meaning").press("Enter")
        markers = [p.marker for p in found]
        watch.surface("#search-worlds .dsf-search-hit", markers, f"search for {query[:4]}")
        names = [seeded.world_names[PAYLOADS.index(p)] for p in found]
        shown_whole(page, "#search-worlds .dsf-search-hit", names, f"search for {query[:4]}")


def _queries(seeded: Seeded) -> list[tuple[str, list[Payload]]]:
    """Queries (payloads, as the box takes them) that between them find every payload's public
    world, each with the payloads whose worlds it finds: chosen greedily, the query that finds
    the most not yet found first, from what the search finds for the reader now."""
    href = {
        f"/worlds/{world_id}": p for world_id, p in zip(seeded.world_ids, PAYLOADS, strict=True)
    }
    finds: dict[str, list[Payload]] = {}
    for payload in PAYLOADS:
        query = re.sub("[\r\n]", "", payload.text[:200])  # as a one-line box keeps it
        hits = search.search_everything(seeded.reader, query).worlds
        finds[query] = [href[h.href] for h in hits if h.href in href]
    chosen: list[tuple[str, list[Payload]]] = []
    left = set(PAYLOADS)
    while left:
        query = max(finds, key=lambda q: len(left.intersection(finds[q])))
        found = [p for p in finds[query] if p in left]
        assert found, f"no query finds the worlds of {sorted(p.marker for p in left)}"
        chosen.append((query, found))
        left -= set(found)
    return chosen
