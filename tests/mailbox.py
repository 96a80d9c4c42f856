"""The messages the test stack's mail sink kept (dsf_app/devstack/mail_sink.py), read as a
person reads their inbox: by address, newest last, with the link each one carries."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from dsf_app.devstack import mail_sink

LINK = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Mailbox:
    folder: Path

    def messages_to(self, address: str) -> list[EmailMessage]:
        found = (mail_sink.read(path) for path in mail_sink.kept(self.folder))
        return [message for message in found if message["To"] == address]

    def wait_for(self, address: str, subject: str, *, count: int = 1) -> EmailMessage:
        """The newest message to `address` whose subject has `subject`, once there are `count`
        of them (polled: the app sends after answering)."""
        deadline = time.monotonic() + 30
        while True:
            matching = [m for m in self.messages_to(address) if subject in str(m["Subject"])]
            if len(matching) >= count:
                return matching[-1]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{count} mail(s) to {address} about {subject!r} expected; "
                    f"found {len(matching)} in {self.folder}"
                )
            time.sleep(0.2)


def text_of(message: EmailMessage) -> str:
    return mail_sink.plain_text(message)


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


def link_in(message: EmailMessage) -> str:
    """The one link the message is about."""
    links = LINK.findall(text_of(message))
    assert len(links) == 1, f"one link expected in {message['Subject']!r}, found {links}"
    return links[0]
