"""Send one built .eml as a proof through SMTP; settings from the environment only.

``BULLETIN_SMTP_HOST`` (required), ``BULLETIN_SMTP_PORT`` (587), ``BULLETIN_SMTP_USER`` and
``BULLETIN_SMTP_PASSWORD`` (both or neither). STARTTLS is used whenever the server offers
it, and required when a password is to be sent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP


class ProofError(Exception):
    """The proof could not be sent; the message says why and what to check."""


def send_proof(eml: bytes, to: str, environ: Mapping[str, str], timeout: float = 30) -> None:
    """Send the message to one address, with To set to it and the rest left as built."""
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
    message["To"] = to
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
            smtp.send_message(message, to_addrs=[to])
    except (TimeoutError, OSError) as error:
        raise ProofError(f"could not reach the SMTP server {where}: {error}") from error
    except smtplib.SMTPException as error:
        raise ProofError(f"the SMTP server {where} refused the proof: {error}") from error
