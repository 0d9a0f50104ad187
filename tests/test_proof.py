"""Sending a proof to an SMTP server the test runs itself on 127.0.0.1."""

from __future__ import annotations

import email.policy
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser

import pytest

from bulletin.outputs.email.proof import ProofError, send_proof
from conftest import BUILD_ENV, add_draft_issue, replace_in, run_bulletin
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


def serve_smtp(inbox: object) -> Iterator[tuple[object, int]]:
    """A real SMTP server on 127.0.0.1 handing each message to ``inbox``."""
    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp_server():
    yield from serve_smtp(Inbox())


def test_proof_arrives_intact(smtp_server):
    inbox, port = smtp_server
    sample = render_sample()
    env = {"BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    send_proof(sample.eml, "editor@example.org", env, timeout=10)
    [(recipients, raw)] = inbox.messages
    assert recipients == ["editor@example.org"]
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert message["To"] == "editor@example.org"
    assert message["Subject"] == "[Proof] TASP newsletter – October 2019"
    assert message["X-Unsent"] is None
    html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html == sample.html


def test_each_proof_has_a_message_id_of_its_own_and_the_given_date(smtp_server):
    inbox, port = smtp_server
    env = {"BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    eml = render_sample().eml
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    for _ in range(2):
        send_proof(eml, "editor@example.org", env, timeout=10, now=now)
    first, second = (
        BytesParser(policy=email.policy.default).parsebytes(raw) for _, raw in inbox.messages
    )
    built = BytesParser(policy=email.policy.default).parsebytes(eml)
    assert len({first["Message-ID"], second["Message-ID"], built["Message-ID"]}) == 3
    assert first["Date"] == second["Date"] == "Mon, 02 Mar 2026 09:30:00 +0000"
    assert second["Subject"] == "[Proof] TASP newsletter – October 2019"  # marked once


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
    inbox, port = smtp_server
    assert run_bulletin(scratch_site, "build").returncode == 0
    slug = "tasp-newsletter-october-2019"
    result = send_through_the_command_line(scratch_site, port, slug, "proof@example.org")
    assert (result.returncode, result.stdout) == (
        0,
        "Sent a proof of tasp-newsletter-october-2019 to proof@example.org\n",
    )
    (recipients, data), *_ = inbox.messages
    assert recipients == ["proof@example.org"]
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert message["Subject"] == "[Proof] TASP newsletter – October 2019"
    missing = send_through_the_command_line(scratch_site, port, "no-such-issue", "a@example.org")
    assert missing.returncode == 1
    assert "no newsletter 'no-such-issue'" in missing.stderr
    assert "known: tasp-newsletter-october-2019" in missing.stderr


class PickyInbox(Inbox):
    """Accepts every recipient but refused@example.org, as a server without that mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refused@example.org":
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def picky_server():
    yield from serve_smtp(PickyInbox())


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
    inbox, port = smtp_server
    assert run_bulletin(scratch_site, "build").returncode == 0
    to = "a@example.org, b@example.org"
    result = send_through_the_command_line(scratch_site, port, "tasp-newsletter-october-2019", to)
    assert (result.returncode, result.stdout) == (
        0,
        "Sent a proof of tasp-newsletter-october-2019 to a@example.org, b@example.org\n",
    )
    [(recipients, _)] = inbox.messages
    assert recipients == ["a@example.org", "b@example.org"]


def send_through_the_command_line(site, port: int, slug: str, to: str):
    """`bulletin send` as a writer runs it, against the SMTP server on ``port``."""
    env = {**BUILD_ENV, "BULLETIN_SMTP_HOST": "127.0.0.1", "BULLETIN_SMTP_PORT": str(port)}
    return run_bulletin(site, "send", slug, "--to", to, env=env)


def test_a_proof_is_the_issue_as_it_is_now_with_headers_of_its_own(smtp_server, scratch_site):
    inbox, port = smtp_server
    slug = "tasp-newsletter-october-2019"
    assert run_bulletin(scratch_site, "build").returncode == 0
    built = (scratch_site / f"build/email/{slug}.eml").read_bytes()
    first = send_through_the_command_line(scratch_site, port, slug, "editor@example.org")
    assert first.returncode == 0, first.stderr

    issue = scratch_site / f"newsletters/{slug}.md"
    replace_in(issue, "## Welcome\n", "## Welcome\n\nA sentence added after the build.\n")
    second = send_through_the_command_line(scratch_site, port, slug, "editor@example.org")
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"Sent a proof of {slug} to editor@example.org\n"

    old, new = (
        BytesParser(policy=email.policy.default).parsebytes(data) for _, data in inbox.messages
    )
    published = BytesParser(policy=email.policy.default).parsebytes(built)
    assert new["Subject"] == "[Proof] TASP newsletter – October 2019"
    text = new.get_body(("plain",)).get_content()
    assert "A sentence added after the build." in text
    assert "A sentence added after the build." in new.get_body(("html",)).get_content()
    assert "A sentence added after the build." not in old.get_body(("plain",)).get_content()
    assert len({old["Message-ID"], new["Message-ID"], published["Message-ID"]}) == 3
    assert new["Message-ID"].endswith("@news.tasp.example.org>")
    assert published["Date"] == "Mon, 14 Oct 2019 00:00:00 +0100"
    sent = new["Date"].datetime  # now, not the issue's date
    assert abs(sent - datetime.now(UTC)) < timedelta(minutes=10)
    # The published email is the build's, with its deterministic headers, untouched.
    assert (scratch_site / f"build/email/{slug}.eml").read_bytes() == built


def test_a_draft_issue_can_be_proofed(smtp_server, scratch_site):
    inbox, port = smtp_server
    add_draft_issue(scratch_site)
    slug = "tasp-newsletter-november-2019"
    result = send_through_the_command_line(scratch_site, port, slug, "editor@example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Sent a proof of {slug}, a draft (not published until you delete draft: true), "
        "to editor@example.org\n"
    )
    [(_, data)] = inbox.messages
    message = BytesParser(policy=email.policy.default).parsebytes(data)
    assert message["Subject"] == "[Proof] TASP newsletter – November 2019"
    assert not (scratch_site / "build").exists()  # nothing was published
