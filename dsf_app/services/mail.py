"""Outgoing email: a message in plain text and HTML, sent through the SMTP server of
DSF_SMTP_URL (smtp:// with STARTTLS when the server offers it, smtps:// with TLS), or the local
sink that ./start.sh runs. Sending is blocking network I/O: call `send` in a worker thread."""

from __future__ import annotations

import html
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from dsf_app.errors import Invalid, ServiceUnavailable
from dsf_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

PRODUCT = "Deep Sci-Fi"
TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Mail:
    """One message to one person: what it says (paragraphs), and the one link it is about."""

    to: str
    subject: str
    paragraphs: tuple[str, ...]
    link_label: str
    link: str
    closing: str


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool
    user: str
    password: str

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise Invalid(
                "DSF_SMTP_URL must look like smtp://user:password@host:587 or "
                "smtps://user:password@host:465."
            )
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if tls else 25),
            tls=tls,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


def build(mail: Mail, sender: str) -> EmailMessage:
    """The message as it is sent: plain text first, the same words in HTML as the alternative."""
    message = EmailMessage()
    message["Subject"] = f"{mail.subject} — {PRODUCT}"
    message["From"] = sender
    message["To"] = mail.to
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="deep-sci-fi")
    text = "\n\n".join(
        [*mail.paragraphs, f"{mail.link_label}:\n{mail.link}", mail.closing, f"— {PRODUCT}"]
    )
    message.set_content(text + "\n")
    body = "".join(f"<p>{html.escape(p)}</p>" for p in mail.paragraphs)
    link = html.escape(mail.link, quote=True)
    message.add_alternative(
        '<!doctype html><html><body style="font-family: sans-serif">'
        f'<h1 style="font-size: 1.2em">{PRODUCT}</h1>{body}'
        f'<p><a href="{link}">{html.escape(mail.link_label)}</a></p>'
        f'<p style="color: #666">{html.escape(mail.closing)}</p>'
        "</body></html>\n",
        subtype="html",
    )
    return message


def send(mail: Mail, settings: Settings | None = None) -> None:
    """Send `mail` (blocking: run it in a worker thread); ServiceUnavailable with a sentence when
    the mail server cannot be reached or refuses it."""
    settings = settings or get_settings()
    server = SmtpServer.parse(settings.smtp_url)
    message = build(mail, settings.mail_from)
    try:
        if server.tls:
            context = ssl.create_default_context()
            with smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            ) as smtp:
                _deliver(smtp, server, message)
        else:
            with smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                _deliver(smtp, server, message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "Mail to %s could not be sent through %s:%s: %s", mail.to, server.host, server.port, exc
        )
        raise ServiceUnavailable(
            "The mail server did not take the message, so no email was sent; try again in a "
            "few minutes (an operator finds why in the app's log, and checks DSF_SMTP_URL)."
        ) from exc


def _deliver(smtp: smtplib.SMTP, server: SmtpServer, message: EmailMessage) -> None:
    if server.user:
        smtp.login(server.user, server.password)
    smtp.send_message(message)
