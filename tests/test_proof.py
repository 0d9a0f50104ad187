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


class PickyInbox(Inbox):
    """Accepts every recipient but refused@example.org, as a server without that mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refused@example.org":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def picky_server():
    inbox = PickyInbox()
    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_a_proof_goes_to_every_address_in_a_list(smtp_server):
    inbox, port = smtp_server
    env = {"BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    sent = send_proof(render_sample().eml, "a@example.org, b@example.org", env, timeout=10)
    assert sent == ["a@example.org", "b@example.org"]
    [(recipients, raw)] = inbox.messages
    assert recipients == ["a@example.org", "b@example.org"]
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert message["To"] == "a@example.org, b@example.org"


@pytest.mark.parametrize(
    "to",
    ["editor@example.org\r\nBcc: everyone@example.org", "editor", "a@example.org,, b@x.org", ""],
)
def test_what_is_not_an_address_is_refused_before_connecting(to):
    with pytest.raises(ProofError, match=r"is not an email address like editor@example\.org"):
        send_proof(render_sample().eml, to, {"BULLETIN_SMTP_HOST": "127.0.0.1"})


def test_an_address_the_server_refuses_makes_the_send_fail(picky_server):
    inbox, port = picky_server
    env = {"BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    with pytest.raises(ProofError) as caught:
        send_proof(render_sample().eml, "a@example.org, refused@example.org", env, timeout=10)
    assert str(caught.value) == (
        f"the proof was sent to a@example.org only; the SMTP server 127.0.0.1:{port} refused "
        "refused@example.org (550 5.1.1 no such mailbox)"
    )
    [(recipients, _)] = inbox.messages
    assert recipients == ["a@example.org"]
    with pytest.raises(ProofError, match="refused every address, so nothing was sent"):
        send_proof(render_sample().eml, "refused@example.org", env, timeout=10)


def test_bulletin_send_to_two_addresses_says_so_truly(smtp_server, scratch_site):
    from conftest import BUILD_ENV

    inbox, port = smtp_server
    assert run_bulletin(scratch_site, "build").returncode == 0
    env = {**BUILD_ENV, "BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    command = ["send", "tasp-newsletter-october-2019", "--to", "a@example.org, b@example.org"]
    result = subprocess.run(
        [sys.executable, "-m", "bulletin.cli", *command],
        cwd=scratch_site,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (
        0,
        "Sent a proof of tasp-newsletter-october-2019.eml to a@example.org, b@example.org\n",
    )
    [(recipients, _)] = inbox.messages
    assert recipients == ["a@example.org", "b@example.org"]
