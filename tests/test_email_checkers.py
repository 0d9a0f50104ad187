"""Outside checkers on the sample email: MJML's strict validator and html-validate's WCAG rules.

They run under node from tests/node (``npm ci --prefix tests/node``); without it the tests
skip and say so, since MRML, our compiler, accepts invalid MJML silently.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

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
