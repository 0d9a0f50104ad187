"""Send one rendered .eml as a proof through SMTP; settings from the environment only.

``BULLETIN_SMTP_HOST`` (required), ``BULLETIN_SMTP_PORT`` (587), ``BULLETIN_SMTP_USER`` and
``BULLETIN_SMTP_PASSWORD`` (both or neither). STARTTLS is used whenever the server offers
it, and required when a password is to be sent. A proof goes to every address given, and is
reported sent only when the server has accepted every one of them.

Each proof is a message of its own: its subject starts ``[Proof]``, and it has a new
Message-ID and the current date (the published .eml keeps its deterministic ones), so a mail
client neither threads it with, nor drops it as a duplicate of, an earlier proof.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from bulletin.model import LONDON

PROOF_PREFIX = "[Proof] "


class ProofError(Exception):
    """The proof could not be sent; the message says why and what to check."""


def parse_recipients(to: str) -> list[str]:
    """The addresses in ``to`` (one, or several separated by commas), each checked."""
    recipients: list[str] = []
    for part in to.split(","):
        text = part.strip()
        try:
            address = Address(addr_spec=text) if text else None
        except (ValueError, MessageError):
            address = None
        if address is None or not address.username or not address.domain:
            raise ProofError(
                f"--to: {text!r} is not an email address like editor@example.org; give one "
                "address, or several separated by commas"
            )
        if address.addr_spec not in recipients:
            recipients.append(address.addr_spec)
    return recipients


def smtp_settings(environ: Mapping[str, str]) -> tuple[str, str, str, str]:
    """Host, port, user and password from ``environ``, each checked; a ProofError otherwise."""
    host = environ.get("BULLETIN_SMTP_HOST", "")
    if not host:
        raise ProofError("BULLETIN_SMTP_HOST is not set: say which SMTP server sends proofs")
    port_text = environ.get("BULLETIN_SMTP_PORT", "587")
    if not port_text.isdigit():
        raise ProofError(f"BULLETIN_SMTP_PORT: expected a port number, got {port_text!r}")
    user = environ.get("BULLETIN_SMTP_USER", "")
    password = environ.get("BULLETIN_SMTP_PASSWORD", "")
    if bool(user) != bool(password):
        raise ProofError("set both BULLETIN_SMTP_USER and BULLETIN_SMTP_PASSWORD, or neither")
    return host, port_text, user, password


def mark_as_proof(message: EmailMessage, now: datetime) -> None:
    """Make ``message`` a proof: subject marked, a Message-ID of its own, dated ``now``."""
    subject = str(message["Subject"] or "")
    del message["Subject"]
    message["Subject"] = subject if subject.startswith(PROOF_PREFIX) else PROOF_PREFIX + subject
    built_id = str(message["Message-ID"] or "")
    domain = built_id.rpartition("@")[2].rstrip(">").strip() or "localhost"
    del message["Message-ID"]
    message["Message-ID"] = make_msgid(idstring="proof", domain=domain)
    del message["Date"]
    message["Date"] = format_datetime(now)


def send_proof(
    eml: bytes,
    to: str,
    environ: Mapping[str, str],
    timeout: float = 30,
    now: datetime | None = None,
) -> list[str]:
    """Send the message as a proof to every address in ``to``, with To set to them.

    The rest is as built, but for the proof's subject, Message-ID and Date (``now``, by
    default the clock). Returns the addresses, each of which the server accepted; a
    ProofError otherwise.
    """
    recipients = parse_recipients(to)
    host, port_text, user, password = smtp_settings(environ)
    message = BytesParser(policy=SMTP).parsebytes(eml)
    assert isinstance(message, EmailMessage)
    del message["X-Unsent"]  # a draft marker, not for a message actually sent
    del message["To"]
    message["To"] = ", ".join(recipients)
    mark_as_proof(message, now or datetime.now(LONDON))
    where = f"{host}:{port_text}"
    try:
        with smtplib.SMTP(host, int(port_text), timeout=timeout) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif password:
                raise ProofError(f"{where} does not offer STARTTLS; refusing to send a password")
            if user:
                smtp.login(user, password)
            refused = smtp.send_message(message, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as error:  # every one of them
        raise ProofError(
            f"the SMTP server {where} refused every address, so nothing was sent: "
            + _refusals(error.recipients)
        ) from error
    except (TimeoutError, OSError) as error:
        raise ProofError(f"could not reach the SMTP server {where}: {error}") from error
    except smtplib.SMTPException as error:
        raise ProofError(f"the SMTP server {where} refused the proof: {error}") from error
    if refused:
        accepted = [address for address in recipients if address not in refused]
        raise ProofError(
            f"the proof was sent to {', '.join(accepted)} only; the SMTP server {where} "
            f"refused {_refusals(refused)}"
        )
    return recipients


def _refusals(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {reply.decode('utf-8', 'replace')})"
        for address, (code, reply) in sorted(refused.items())
    )
