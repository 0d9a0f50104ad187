"""Send one built .eml as a proof through SMTP; settings from the environment only.

``BULLETIN_SMTP_HOST`` (required), ``BULLETIN_SMTP_PORT`` (587), ``BULLETIN_SMTP_USER`` and
``BULLETIN_SMTP_PASSWORD`` (both or neither). STARTTLS is used whenever the server offers
it, and required when a password is to be sent. A proof goes to every address given, and is
reported sent only when the server has accepted every one of them.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP


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


def send_proof(eml: bytes, to: str, environ: Mapping[str, str], timeout: float = 30) -> list[str]:
    """Send the message to every address in ``to``, with To set to them and the rest as built.

    Returns the addresses, each of which the server accepted; a ProofError otherwise.
    """
    recipients = parse_recipients(to)
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
    message = BytesParser(policy=SMTP).parsebytes(eml)
    assert isinstance(message, EmailMessage)
    del message["X-Unsent"]  # a draft marker, not for a message actually sent
    del message["To"]
    message["To"] = ", ".join(recipients)
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
