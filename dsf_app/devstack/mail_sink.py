"""A local SMTP sink (aiosmtpd) for when no DSF_SMTP_URL is set: it listens on 127.0.0.1, takes
every message and keeps it as a file under DSF_HOME/mail, where a person (`python -m
dsf_app.devstack mail`) or a test reads it. Nothing is ever delivered anywhere.

`python -m dsf_app.devstack.mail_sink PORT FOLDER` runs the server; `start` spawns it."""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from dsf_app.devstack import processes

SUFFIX = ".eml"


class KeepEveryMessage:
    """aiosmtpd handler: each message becomes one file, written whole or not at all."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        draft = self.folder / f".{name}"
        await asyncio.to_thread(draft.write_bytes, content)
        await asyncio.to_thread(draft.rename, self.folder / name)
        return "250 Message kept"


async def serve(port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handler = KeepEveryMessage(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), host="127.0.0.1", port=port)
    async with server:
        await server.serve_forever()


def start(files: processes.ProcessFiles, folder: Path, port: int) -> int:
    """Start the sink (idempotent); returns its PID once it accepts connections."""
    running = processes.recorded_pid(files)
    if running and processes.port_is_open(port):
        return running
    processes.claim_port(files, port, "DSF_SMTP_PORT")
    pid = processes.spawn(
        files, [sys.executable, "-m", "dsf_app.devstack.mail_sink", str(port), str(folder)]
    )
    processes.wait_until(
        lambda: processes.port_is_open(port),
        what="mail sink (aiosmtpd)",
        timeout=30,
        alive=lambda: processes.pid_alive(pid),
        log_file=files.log_file,
    )
    return pid


def kept(folder: Path) -> list[Path]:
    """The messages the sink kept, oldest first."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"*{SUFFIX}"), key=lambda path: path.name)


def read(path: Path) -> EmailMessage:
    with path.open("rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    assert isinstance(message, EmailMessage)
    return message


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if isinstance(part, EmailMessage) else ""


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), Path(sys.argv[2])))
