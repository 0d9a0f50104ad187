"""Sending a proof to an SMTP server the test runs itself on 127.0.0.1."""

from __future__ import annotations

import email.policy
import socket
import subprocess
import sys
from email.parser import BytesParser

import pytest

from bulletin.proof import ProofError, send_proof
from conftest import run_bulletin
from emailkit import render_sample

controller_module = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_proof_arrives_intact(smtp_server):
    inbox, port = smtp_server
    sample = render_sample()
    env = {"BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    send_proof(sample.eml, "editor@example.org", env, timeout=10)
    [(recipients, raw)] = inbox.messages
    assert recipients == ["editor@example.org"]
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert message["To"] == "editor@example.org"
    assert message["Subject"] == "TASP newsletter – October 2019"
    assert message["X-Unsent"] is None
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html == sample.html


def test_unreachable_server_is_a_clear_error():
    env = {"BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(free_port())}
    with pytest.raises(ProofError, match=r"could not reach the SMTP server 127\.0\.0\.1:\d+"):
        send_proof(render_sample().eml, "editor@example.org", env, timeout=5)


def test_password_is_never_sent_without_tls(smtp_server):
    _, port = smtp_server
    env = {
        "BULLETIN_SMTP_HOST": "127.0.0.1",
        "BULLETIN_SMTP_PORT": str(port),
        "BULLETIN_SMTP_USER": "u",
        "BULLETIN_SMTP_PASSWORD": "p",
    }
    with pytest.raises(ProofError, match="does not offer STARTTLS; refusing to send a password"):
        send_proof(render_sample().eml, "editor@example.org", env, timeout=10)


def test_missing_host_says_what_to_set():
    with pytest.raises(ProofError, match="BULLETIN_SMTP_HOST is not set"):
        send_proof(b"", "editor@example.org", {})


def test_bulletin_send_through_the_command_line(smtp_server, scratch_site):
    from conftest import BUILD_ENV

    inbox, port = smtp_server
    assert run_bulletin(scratch_site, "build").returncode == 0
    env = {**BUILD_ENV, "BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bulletin.cli",
            "send",
            "tasp-newsletter-october-2019",
            "--to",
            "proof@example.org",
        ],
        cwd=scratch_site,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (
        0,
        "Sent a proof of tasp-newsletter-october-2019.eml to proof@example.org\n",
    )
    (recipients, data), *_ = inbox.messages
    assert recipients == ["proof@example.org"]
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert message["Subject"] == "TASP newsletter – October 2019"
    missing = run_bulletin(scratch_site, "send", "no-such-issue", "--to", "proof@example.org")
    assert missing.returncode == 1
    assert "build/email/no-such-issue.eml does not exist" in missing.stderr
