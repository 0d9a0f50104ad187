"""``/// web-only`` and ``/// email-only``: how they render and how each channel drops the other."""

from __future__ import annotations

import textwrap

import markdown
import pytest

from bulletin.blocks import check_blocks, configured_blocks, strip_channel

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


# -- checking the /// lines ------------------------------------------------------------------

SAMPLE_EXTENSIONS = ["pymdownx.blocks.admonition", "pymdownx.blocks.details", "bulletin.blocks"]
SAMPLE_CONFIGS = {"pymdownx.blocks.admonition": {"types": ["note", "members", "spotlight"]}}


def test_the_known_blocks_are_the_configured_ones() -> None:
    assert configured_blocks(SAMPLE_EXTENSIONS, SAMPLE_CONFIGS) == (
        *("admonition", "details", "email-only", "members", "note", "spotlight", "web-only"),
    )
    more = [*SAMPLE_EXTENSIONS, "pymdownx.blocks.tab", "pymdownx.blocks.html"]
    assert {"tab", "html"} < set(configured_blocks(more, SAMPLE_CONFIGS) or ())
    assert configured_blocks(["tables"], {}) == ()
    assert configured_blocks(["no.such.extension"], {}) is None  # MkDocs reports it


def problems(
    text: str, known: tuple[str, ...] | None = ("note", "details", "members")
) -> list[str]:
    return [str(problem) for problem in check_blocks(textwrap.dedent(text), known, "x.md", 10)]


def test_blocks_nest_and_close_as_pymdownx_reads_them() -> None:
    found = problems(
        """\
        //// note | Outer
        /// details | Inner, same slashes as the next
        /// note
        Text.
        ///
        ///
        ////

        ```
        /// not checked: code
        ```
           /// Members | three spaces, any case
        ///
        """
    )
    assert found == []


def test_an_unclosed_block_and_a_stray_closer_are_named_with_their_lines() -> None:
    assert problems(
        """\
        //// note
        /// details
        ////
        ///
        /// members
        """
    ) == [
        "x.md:11: block: the '/// details' block is never closed, so it takes in the rest of "
        "the text; put a line '///' where it ends",
        "x.md:13: block: '///' closes no open block, so it shows on the page as written; delete "
        "it, or start the block it should close with a line such as '/// note'",
        "x.md:14: block: the '/// members' block is never closed, so it takes in the rest of "
        "the text; put a line '///' where it ends",
    ]


def test_names_are_checked_only_when_known() -> None:
    text = "/// spotlite\n///\n/// | Title\n///\n"
    assert problems(text, known=None) == []
    assert problems(text) == [
        "x.md:10: block: '/// spotlite' is not a block this site knows (details, members, "
        "note), so its lines would show on the page as written",
        "x.md:12: block: '/// | Title' names no block; write its name first, e.g. "
        "'/// note | Title'",
    ]


@pytest.mark.timeout(30)
def test_many_blocks_are_checked_in_linear_time() -> None:
    strays = "/// note\n" * 50_000 + "////\n" * 50_000 + "///\n" * 50_000
    assert len(check_blocks(strays, ("note",), "x.md")) == 50_000  # each '////': none open
    unclosed = "//// note\n" * 50_000 + "///\n" * 50_000
    assert len(check_blocks(unclosed, ("note",), "x.md")) == 100_000


def test_a_table_scrolls_in_its_own_labelled_focusable_region():
    source = "| Day | Venue |\n|---|---|\n| Tuesday | Margaret McMillan House |\n"
    html = markdown.Markdown(extensions=["tables", "bulletin.blocks"]).convert(source)
    assert html == (
        '<div aria-label="Table: Day, Venue" class="bulletin-table" role="region" tabindex="0">\n'
        "<table>\n<thead>\n<tr>\n<th>Day</th>\n<th>Venue</th>\n</tr>\n</thead>\n<tbody>\n"
        "<tr>\n<td>Tuesday</td>\n<td>Margaret McMillan House</td>\n</tr>\n</tbody>\n"
        "</table>\n</div>"
    )
