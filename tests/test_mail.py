"""Outgoing mail: the message people receive (plain text and HTML, the product's name, the one
link), the SMTP URL, a dead mail server as a sentence, and the local sink that keeps every
message for `python -m dsf_app.devstack mail`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsf_app.devstack import mail_sink, processes
from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.services import mail
from tests.harness.stack import settings_from
from tests.mailbox import Mailbox, html_of, link_in, text_of

LETTER = mail.Mail(
    to="ada@example.test",
    subject="Choose a new password",
    paragraphs=("Someone asked to reset <your> password.",),
    link_label="Choose a new password",
    link="http://127.0.0.1:3000/signin?mode=reset&token=abc&x=1",
    closing="If you did not ask for this, ignore this message.",
)


def test_a_message_has_plain_text_and_html_with_the_product_name_and_its_link() -> None:
    message = mail.build(LETTER, "Deep Sci-Fi <no-reply@example.test>")

    assert message["Subject"] == "Choose a new password — Deep Sci-Fi"
    assert message["To"] == "ada@example.test"
    assert message.get_content_type() == "multipart/alternative"
    assert "Deep Sci-Fi" in text_of(message) and "Deep Sci-Fi" in html_of(message)
    assert link_in(message) == LETTER.link
    # The HTML escapes what it shows, and links to the same address.
    assert "&lt;your&gt;" in html_of(message)
    assert 'href="http://127.0.0.1:3000/signin?mode=reset&amp;token=abc&amp;x=1"' in html_of(
        message
    )


def test_the_smtp_url_names_the_server_and_its_login() -> None:
    server = mail.SmtpServer.parse("smtps://me%40example.org:p%3Ass@mail.example.org")
    assert (server.host, server.port, server.tls) == ("mail.example.org", 465, True)
    assert (server.user, server.password) == ("me@example.org", "p:ss")
    assert mail.SmtpServer.parse("smtp://127.0.0.1:2525").port == 2525
    with pytest.raises(Invalid, match="DSF_SMTP_URL must look like"):
        mail.SmtpServer.parse("http://mail.example.org")


def test_a_dead_mail_server_is_a_sentence() -> None:
    settings = settings_from(DSF_SMTP_URL=f"smtp://127.0.0.1:{processes.free_port()}")
    with pytest.raises(ServiceUnavailable, match="no email was sent; try again in a few minutes"):
        mail.send(LETTER, settings)


@pytest.mark.starts_services
def test_the_local_sink_keeps_every_message_and_lists_it(tmp_path: Path) -> None:
    settings = settings_from(DSF_HOME=str(tmp_path), DSF_SMTP_PORT=processes.free_port())
    files = processes.ProcessFiles("mail", settings.run_dir, settings.log_dir)
    sink = mail_sink.start(files, settings.mail_dir, settings.smtp_port)
    try:
        mail.send(LETTER, settings)
        message = Mailbox(settings.mail_dir).wait_for(LETTER.to, "Choose a new password")
        assert link_in(message) == LETTER.link

        env = {**os.environ, "DSF_HOME": str(tmp_path)}
        command = [sys.executable, "-m", "dsf_app.devstack", "mail"]
        listing = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        assert "ada@example.test  Choose a new password — Deep Sci-Fi" in listing.stdout
        shown = subprocess.run([*command, "1"], env=env, capture_output=True, text=True, check=True)
        assert LETTER.link in shown.stdout
    finally:
        assert processes.stop_recorded(files)
    # The sink itself is gone (its freed port may already serve another program on the machine).
    assert not processes.pid_alive(sink)
