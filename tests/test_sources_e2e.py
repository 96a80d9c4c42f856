"""Sources in Chromium, against the app as it ships, the real Letta server and the scripted
model: a PDF holding one fact the model could not know is uploaded on the world's Sources tab;
the World Agent's request carries that passage; its reply cites it with a link that opens the
source's reader at that passage; a file that is not what its name says is refused with the
reason; deleting the source empties the tab. And the hostile corpus as a source's title and
text, on the Sources tab and the reader, stays text."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlmodel import select

from dsf_app.db import session_scope
from dsf_app.models import Source
from dsf_app.services import worlds
from dsf_app.settings import Settings
from tests.accounts import Account
from tests.e2e_helpers import actor_of
from tests.fakes.llm_server import Reply, ScriptedLLM
from tests.hostile_content import MARKERS, PAYLOADS, corpus
from tests.hostile_page import Watch
from tests.source_files import pdf, stored_source

pytestmark = pytest.mark.usefixtures("dsf_in_process")

FACT = "The harbour code of the Ninth Dock is Heron-Seven-Forty-Two, changed every solstice."
FILLER = [[f"Page {n} is about gulls, nets and the colour of the evening sky."] for n in range(5)]


def _toast(page: Page, text: str) -> Locator:
    return page.locator("[data-sonner-toast]").filter(has_text=text)


def _upload(page: Page, name: str, data: bytes, mime: str) -> None:
    page.locator("#source-upload input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )


def test_an_uploaded_pdf_is_read_by_the_agent_and_cited_with_a_working_link(
    signed_in_page: Page, app_url: str, account: Account, llm: ScriptedLLM
) -> None:
    page, actor = signed_in_page, actor_of(account)
    with session_scope() as session:
        world_id = worlds.create_world(session, actor, "Port Saline").id
    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name="Sources (0)").click()
    expect(page.locator("#world-sources")).to_contain_text("No sources yet")

    _upload(page, "fake.pdf", b"Only words, not a PDF.", "application/pdf")
    expect(
        _toast(page, "“fake.pdf” is named as a PDF, but its bytes are plain text")
    ).to_be_visible()
    _upload(page, "Harbour Notes.pdf", pdf([*FILLER, [FACT]]), "application/pdf")
    expect(_toast(page, "Added “Harbour Notes”: 6 passages.")).to_be_visible(timeout=60_000)
    row = page.locator(".dsf-source-row")
    expect(row).to_contain_text("PDF · 6 pages · 6 passages")
    expect(page.get_by_role("tab", name="Sources (1)")).to_be_visible()
    with session_scope() as session:
        source_id = session.exec(select(Source.id).where(Source.world_id == world_id)).one()
    link = f"/worlds/{world_id}/sources/{source_id}#p-5"

    tag = uuid.uuid4().hex[:8]
    llm.on_user(
        tag,
        then=[Reply(f"The code is Heron-Seven-Forty-Two ([“Harbour Notes”, p. 6]({link})).")],
    )
    page.locator("#chat-input").fill(f"What is the harbour code of the Ninth Dock? {tag}")
    page.locator("#chat-input").press("Enter")
    reply = page.locator(".chat-assistant").last
    expect(reply).to_contain_text("The code is Heron-Seven-Forty-Two", timeout=60_000)
    asked = [r for r in llm.requests if tag in json.dumps(r.get("messages"))]
    assert asked and FACT in json.dumps(asked[0]["messages"], ensure_ascii=False)
    lore = page.locator(".chat-lore").last
    lore.locator("summary").click()
    used = lore.locator(".chat-lore-item", has_text="“Harbour Notes”, p. 6")
    expect(used).to_contain_text(re.compile(r"similar in meaning 0\.\d\d"))
    expect(used.get_by_role("link")).to_have_attribute("href", link)

    citation = reply.get_by_role("link", name="“Harbour Notes”, p. 6")
    expect(citation).to_have_attribute("href", link)
    with page.context.expect_page() as opened:
        citation.click()
    reader = opened.value
    expect(reader.locator("#source-title")).to_have_text("Harbour Notes")
    cited = reader.locator(".dsf-passage[data-cited='true']")
    expect(cited).to_have_attribute("id", "p-5")
    expect(cited).to_contain_text(FACT)
    expect(cited).to_contain_text("p. 6")
    expect(cited).to_be_in_viewport()
    reader.close()

    row.locator(".dsf-delete-source").click()
    page.locator("#confirm-delete-source").click()
    expect(_toast(page, "Deleted the source “Harbour Notes”")).to_be_visible()
    expect(page.locator("#world-sources")).to_contain_text("No sources yet")


def test_a_hostile_title_and_text_stay_text_on_the_tab_and_the_reader(
    signed_in_page: Page, app_url: str, account: Account, test_settings: Settings
) -> None:
    page = signed_in_page
    with session_scope() as session:
        world_id = worlds.create_world(session, actor_of(account), "Port Saline").id
        source_id = stored_source(
            session, world_id, PAYLOADS[0].text, corpus(), filename=PAYLOADS[1].text
        )
    watch = Watch.on(page, test_settings)
    page.goto(f"{app_url}/worlds/{world_id}")
    page.get_by_role("tab", name="Sources (1)").click()
    watch.surface("#world-sources", [PAYLOADS[0].marker, PAYLOADS[1].marker], "Sources tab")
    page.locator(".dsf-delete-source").click()
    watch.surface("[role=alertdialog]", [PAYLOADS[0].marker], "Sources tab: delete dialog")
    page.get_by_role("alertdialog").get_by_role("button", name="Keep it").click()
    page.goto(f"{app_url}/worlds/{world_id}/sources/{source_id}#p-2")
    watch.surface("#source-title", [PAYLOADS[0].marker], "source reader: title")
    watch.surface("#source-text", MARKERS, "source reader: text")
    expect(page.locator(".dsf-passage[data-cited='true']")).to_have_attribute("id", "p-2")
    watch.fits_the_window("source reader")
