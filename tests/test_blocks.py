"""``/// web-only`` and ``/// email-only``: how they render and how each channel drops the other."""

from __future__ import annotations

import textwrap

import markdown
import pytest

from bulletin.blocks import strip_channel

SOURCE = textwrap.dedent(
    """\
    Before.

    /// web-only
    Watch the **recording**.

    <div>nested</div>
    ///

    /// email-only
    Reply to this email.
    ///

    After.
    """
)


def render(source: str) -> str:
    return markdown.Markdown(
        extensions=["md_in_html", "pymdownx.blocks.html", "bulletin.blocks"]
    ).convert(source)


def test_blocks_render_as_classed_divs():
    assert render(SOURCE) == textwrap.dedent(
        """\
        <p>Before.</p>
        <div class="web-only">
        <p>Watch the <strong>recording</strong>.</p>
        <div>nested</div>
        </div>
        <div class="email-only">
        <p>Reply to this email.</p>
        </div>
        <p>After.</p>"""
    )


def test_web_page_drops_email_only():
    assert strip_channel(render(SOURCE), "email-only") == textwrap.dedent(
        """\
        <p>Before.</p>
        <div class="web-only">
        <p>Watch the <strong>recording</strong>.</p>
        <div>nested</div>
        </div>
        <p>After.</p>"""
    )


def test_email_drops_web_only_including_nested_divs():
    assert strip_channel(render(SOURCE), "web-only") == textwrap.dedent(
        """\
        <p>Before.</p>
        <div class="email-only">
        <p>Reply to this email.</p>
        </div>
        <p>After.</p>"""
    )


def test_other_html_is_left_byte_for_byte():
    html = '<p title="a &amp; b">x</p>\n<div class="admonition note"><p>y</p></div>'
    assert strip_channel(html, "web-only") == html


def test_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="drop: expected one of web-only, email-only"):
        strip_channel("", "print-only")
