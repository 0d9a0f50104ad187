"""Outside checkers on the sample email: MJML's strict validator, html-validate's WCAG rules
and caniemail's client-support data.

They run under node from tests/node (``npm ci --prefix tests/node``); without it the tests
skip and say so, since MRML, our compiler, accepts invalid MJML silently.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from bulletin.outputs.email.newsletter import compile_mjml
from emailkit import render_sample

NODE_DIR = Path(__file__).resolve().parent / "node"
BIN = NODE_DIR / "node_modules" / ".bin"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (BIN / "mjml").exists(),
    reason="node checkers not installed: run `npm ci --prefix tests/node`",
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_mjml_passes_strict_validation(tmp_path):
    source = tmp_path / "issue.mjml"
    source.write_text(render_sample().mjml, encoding="utf-8")
    result = run(str(BIN / "mjml"), "--validate", str(source))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "illegal" not in result.stdout + result.stderr


def test_mjml_validator_catches_what_mrml_lets_through(tmp_path):
    """The check above is only worth having if it can fail."""
    source = tmp_path / "bad.mjml"
    source.write_text(
        '<mjml><mj-body><mj-section><mj-text foo="x">a</mj-text></mj-section></mj-body></mjml>',
        encoding="utf-8",
    )
    assert run(str(BIN / "mjml"), "--validate", str(source)).returncode != 0


def test_html_validate_wcag_rules(tmp_path):
    page = tmp_path / "issue.html"
    page.write_text(render_sample().html, encoding="utf-8")
    config = str(NODE_DIR / "htmlvalidate.email.json")
    result = run(str(BIN / "html-validate"), "--config", config, "--formatter", "text", str(page))
    assert result.returncode == 0, result.stdout + result.stderr


BARE_MJML = (
    "<mjml><mj-body><mj-section><mj-column><mj-text>Hello</mj-text>"
    "</mj-column></mj-section></mj-body></mjml>"
)

# Client-support errors (a feature the client's latest version lacks entirely, in caniemail's
# data) that the newsletter adds to a bare MJML document's, by feature: the clients, and why
# the error is harmless or unavoidable. Every entry comes from MJML's own markup for
# <mj-image href> or <mj-preview>, not from our styles.
GMAILS = ("gmail.desktop-webmail", "gmail.mobile-webmail", "gmail.ios", "gmail.android")
ALLOWED_ERRORS = {
    "target attribute": (
        (*GMAILS, "outlook.outlook-com"),
        # MJML writes target="_blank" on the linked logo (target="" still writes the
        # attribute); these clients ignore it because they force target="_blank" themselves.
        "the linked logo's target=_blank: the clients force _blank on every link anyway",
    ),
    "display:none": (
        ("gmail.mobile-webmail",),
        "hides the <mj-preview> preheader; max-height:0, font-size:1px and the white colour "
        "still shrink it, and its text is the issue's summary, harmless if shown; it also "
        'hides the column headings repeated in a stackable table\'s cells ("Day: "), which '
        "read sensibly if shown",
    ),
    "white-space": (
        ("outlook.windows",),
        "white-space:nowrap keeps an amount or a time on one line; Outlook for Windows' Word "
        "engine ignores it, but it breaks a line only at spaces, so amounts stay whole there too",
    ),
    "opacity": (
        ("gmail.mobile-webmail", "outlook.windows"),
        "opacity:0 is one of <mj-preview>'s belt-and-braces hiding rules; Outlook for Windows "
        "hides the preheader by display:none, which it supports",
    ),
    "overflow": (
        ("outlook.windows",),
        "overflow:hidden is another <mj-preview> hiding rule; display:none already hides it",
    ),
    "border-spacing": (
        ("outlook.windows",),
        'MJML\'s <mj-image> wrapper table sets border-spacing:0 and also cellspacing="0", '
        "which Outlook for Windows honours",
    ),
}


def client_support(tmp_path: Path, name: str, html: str) -> dict:
    page = tmp_path / f"{name}.html"
    page.write_text(html, encoding="utf-8")
    result = run("node", str(NODE_DIR / "client-support.mjs"), str(page))
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def kinds(rows: list[dict]) -> set[tuple[str, str]]:
    return {(row["client"], row["title"]) for row in rows}


@pytest.mark.skipif(
    not (NODE_DIR / "node_modules" / "caniemail").exists(),
    reason="caniemail not installed: run `npm ci --prefix tests/node`",
)
def test_client_support_adds_no_error_beyond_bare_mjml(tmp_path):
    """caniemail's data for Gmail, Outlook (Windows, .com) and Apple Mail (macOS, iOS)."""
    bare = client_support(tmp_path, "bare", compile_mjml(BARE_MJML))
    issue = client_support(tmp_path, "issue", render_sample().html)
    # The checker sees things (a bare MJML page already has errors in Outlook and Gmail's
    # mobile web client), Outlook.com included, which the library's client list leaves out.
    assert bare["errors"], bare
    assert "outlook.outlook-com" in {row["client"] for row in issue["errors"] + issue["warnings"]}

    allowed = {
        (client, title) for title, (clients, _) in ALLOWED_ERRORS.items() for client in clients
    }
    added = kinds(issue["errors"]) - kinds(bare["errors"])
    unexpected = sorted(added - allowed)
    assert not unexpected, "client-support errors the email adds: " + ", ".join(
        f"{title} in {client}" for client, title in unexpected
    )
    stale = sorted(allowed - added)
    assert not stale, f"no longer needed, remove from ALLOWED_ERRORS: {stale}"
