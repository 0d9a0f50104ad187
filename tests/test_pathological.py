"""Bounded work on any input: no line makes a scan slow, and a huge post is refused unread.

Each line below once cost seconds to minutes (a pattern backtracked, or searched to the end
of the line again from every place a match could start). A test here fails by its timeout
(pytest-timeout), never by a measured time, so a slow machine does not fail it: each takes a
fraction of a second now, and each line is long enough that quadratic work would overrun the
timeout several times over. The scans that replaced the patterns are held to the patterns
themselves on short lines, where the patterns are quick.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin import linescan
from bulletin.authoring.checks import _unique, check_site
from bulletin.errors import ContentError
from bulletin.glossary import expand_first_use
from bulletin.model import MAX_POST_BYTES
from bulletin.outputs.email.personal_data import CASE_REFERENCE, find_personal_data
from bulletin.sources import load_site
from conftest import copy_site
from test_sources import problems_of, sources_for

LINE_TIMEOUT = 30  # seconds for one line through load_site, check_site and the glossary
FRONT = """---
title: "A long line"
date: 2024-03-01
authors: [alison]
categories: [Manager blog]
description: "One pathological line."
---

Opening.

<!-- more -->

"""

# The lines reported (first five) and their kin; each took the old patterns a minute or more.
PATHOLOGICAL = {
    "unclosed ignore marker and spaces": "<!-- check: ignore" + " " * 12_000,
    "a and backticks": "a" + "`" * 40_000,
    "unclosed tags": "<a " * 60_000,
    "link address of spaces": "[a](" + " " * 80_000,
    "case reference and spaces": "case ref" + " " * 80_000,
    "heading of spaces": "# a" + " " * 80_000 + "b",
    "heading of tabs": "# a" + "\t" * 80_000 + "b",
    "one long word": "a" * 100_000,
    "unclosed comments": "<!--" * 40_000,
    "ids without quotes": "<a id=" * 20_000,
    "unclosed emphasis in a heading": "# " + "*a " * 40_000,
    "unclosed abbreviations": "<abbr title=x>" * 20_000,
    "link titles never closed": "[](x (" * 30_000 + ")a",
    "a block line of slashes": "/" * 100_000,
    "a block name of spaces": "/// " + " " * 80_000 + "spotlite",
    "fee brackets": "[[ " * 40_000 + "fee",
    "a bracketed line of spaces": "[" + " " * 80_000 + "fee-table]",
    "word bullets": "•" * 100_000,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site(tmp_path_factory.mktemp("pathological") / "site")
    shutil.rmtree(root / "newsletters")
    for post in (root / "content" / "posts").glob("*.md"):
        post.unlink()
    return root


def check_line(site: Path, line: str) -> None:
    """What `bulletin check` and the build's validation do with a post holding ``line``."""
    (site / "content" / "posts" / "long-line.md").write_text(FRONT + line + "\n", "utf-8")
    for raw_html in (False, True):
        sources = replace(sources_for(site), raw_html=raw_html)
        try:
            loaded = load_site(sources)
        except ContentError as error:
            assert error.problems
            continue
        check_site(loaded, sources, known_acronyms=loaded.glossary)
    expand_first_use(line, {"LSCB": "Local Safeguarding Children Board", "DfE": "Department"})


@pytest.mark.timeout(LINE_TIMEOUT)
@pytest.mark.parametrize("line", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_pathological_line_is_checked_in_linear_time(site: Path, line: str) -> None:
    check_line(site, line)


# -- the size limit ---------------------------------------------------------------------------


def test_a_post_over_the_size_limit_is_refused_unread(
    scratch_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = scratch_site / "content" / "posts" / "huge.md"
    post.write_bytes(FRONT.encode() + b"x" * (MAX_POST_BYTES - len(FRONT) + 1))
    read_bytes = Path.read_bytes

    def refuse_huge(path: Path) -> bytes:
        assert path != post, "the size is known from stat(): the file need not be read"
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse_huge)
    assert problems_of(scratch_site) == [
        "content/posts/huge.md: size: the file is 2.0 MB (2,000,001 bytes), over the limit of "
        "2.0 MB (2,000,000 bytes) for one post or page; split it into shorter ones, or if it "
        "must be this long raise 'max_post_bytes' under the bulletin plugin in mkdocs.yml"
    ]


def test_the_limit_is_a_setting_for_posts_newsletters_and_pages(scratch_site: Path) -> None:
    limit = 1_100
    sources = replace(sources_for(scratch_site), max_post_bytes=limit)
    with pytest.raises(ContentError) as caught:
        load_site(sources)
    markdown = [*scratch_site.glob("content/**/*.md"), *scratch_site.glob("newsletters/*.md")]
    over = {
        path.relative_to(scratch_site).as_posix()
        for path in markdown
        if path.stat().st_size > limit
    }
    assert {"content/accessibility.md", "newsletters/tasp-newsletter-october-2019.md"} < over
    assert {problem.path for problem in caught.value.problems} == over
    assert {problem.field for problem in caught.value.problems} == {"size"}
    load_site(replace(sources, max_post_bytes=MAX_POST_BYTES))


def test_mkdocs_yml_sets_the_limit(scratch_site: Path) -> None:
    from mkdocs.config import load_config

    from bulletin.site.config import sources_from_config

    config = load_config(config_file=str(scratch_site / "mkdocs.yml"))
    assert sources_from_config(config, config.plugins["bulletin"].config).max_post_bytes == (
        MAX_POST_BYTES
    )
    mkdocs_yml = scratch_site / "mkdocs.yml"
    text = mkdocs_yml.read_text("utf-8")
    mkdocs_yml.write_text(
        text.replace("  - bulletin:\n", "  - bulletin:\n      max_post_bytes: 9\n")
    )
    config = load_config(config_file=str(mkdocs_yml))
    assert sources_from_config(config, config.plugins["bulletin"].config).max_post_bytes == 9


# -- the scans find what the patterns found ---------------------------------------------------

CODE_SPAN = re.compile(r"(`+)(.+?)\1")
COMMENT = re.compile(r"<!--.*?-->")
IGNORE = re.compile(r"<!--\s*check:\s*ignore\s+(.*?)\s*-->")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
RAW_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^>]*>")
TOKEN = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
ABBR = re.compile(r"<abbr\b([^>]*)>(.*?)</abbr>", re.DOTALL | re.IGNORECASE)
HTML_ID = re.compile(r"""<[a-zA-Z][^>]*?\bid=["']([^"']+)["']""")
INLINE = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?"
    r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)"""
)
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(\S.*?\S|\S)\1")
OLD_CASE_REFERENCE = re.compile(
    CASE_REFERENCE.pattern.replace(r"\s*+[:#]?\s*+", r"\s*[:#]?\s*"), re.IGNORECASE
)
"""The patterns the scans replaced, as they were: the oracle for short lines."""

SAME = settings(max_examples=300, deadline=None)


def short(*fragments: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(fragments), max_size=14).map("".join)


@SAME
@given(short("`", "``", "a", " ", "\u00a0"))
def test_code_spans_are_the_pattern_s(line: str) -> None:
    expected = CODE_SPAN.sub(lambda match: f"<{match.group(2)}>", line)
    assert linescan.replace_code_spans(line, lambda code: f"<{code}>") == expected


@SAME
@given(short("<!--", "-->", "-", ">", " ", "\t", "check:", "ignore", "x", ",", "<", "!"))
def test_comments_and_ignore_markers_are_the_pattern_s(line: str) -> None:
    assert linescan.replace_comments(line, "#") == COMMENT.sub("#", line)
    assert linescan.ignore_markers(line) == IGNORE.findall(line)


@SAME
@given(short("<", ">", "/", "a", " ", "<a", "-", "1", "!--", "-->", "\n", "\u2003"))
def test_tags_are_the_pattern_s(text: str) -> None:
    assert linescan.replace_tags(text, "#") == TAG.sub("#", text)
    raw_start = re.compile(r"<[A-Za-z][A-Za-z0-9-]*(?=[\s/>])")
    assert list(linescan.tag_spans(text, raw_start)) == [m.span() for m in RAW_TAG.finditer(text)]
    assert linescan.replace_tags(text, "", linescan.ANY_TAG_START) == re.sub("<[^>]*>", "", text)
    assert list(linescan.html_tokens(text)) == [m.span() for m in TOKEN.finditer(text)]


@SAME
@given(short("<abbr", "<ABBR", "</abbr>", "</Abbr>", ">", " x", "<", "abbr", "\n"))
def test_abbreviations_are_the_pattern_s(html: str) -> None:
    expected = [(m.start(), m.end(), m.group(1), m.group(2)) for m in ABBR.finditer(html)]
    assert list(linescan.abbr_elements(html)) == expected


@SAME
@given(short("<a", "<", ">", " ", "id=", "'", '"', "x", "aid", "b"))
def test_html_ids_are_the_pattern_s(line: str) -> None:
    assert linescan.html_ids(line) == HTML_ID.findall(line)


@SAME
@given(short("[", "]", "(", ")", "!", " ", "<", ">", '"', "'", "a", "](", "\t"))
def test_inline_links_are_the_pattern_s(line: str) -> None:
    found = [
        (link.start, link.end, link.bang, link.text, link.target)
        for link in linescan.inline_links(line)
    ]
    assert found == [(m.start(), m.end(), *m.groups()) for m in INLINE.finditer(line)]


@SAME
@given(short("#", "##", " ", "\t", "a"))
def test_atx_headings_are_the_pattern_s(line: str) -> None:
    match = ATX.match(line)
    expected = (len(match.group(1)), match.group(2) or "") if match else None
    assert linescan.atx_heading(line) == expected


@SAME
@given(short("*", "**", "_", " ", "a"))
def test_emphasis_is_the_pattern_s(text: str) -> None:
    assert linescan.replace_emphasis(text) == EMPHASIS.sub(lambda match: match.group(2), text)


@SAME
@given(short("case", " ref", " no", " ", "\t", ":", "#", ".", "1", "a", "/", "-"))
def test_case_references_are_the_pattern_s(line: str) -> None:
    assert [m.span() for m in CASE_REFERENCE.finditer(line)] == [
        m.span() for m in OLD_CASE_REFERENCE.finditer(line)
    ]


@SAME
@given(st.lists(st.sampled_from(["a", "a_1", "a_2", "", "_1", "a_1_1", "b", "a_01"]), max_size=12))
def test_heading_ids_are_python_markdown_s(slugs: list[str]) -> None:
    taken: set[str] = set()
    ids: set[str] = set()
    next_free: dict[str, str] = {}
    for slug in slugs:
        expected = slug  # Python-Markdown's toc.unique before it kept counters
        while expected in taken or not expected:
            match = re.match(r"^(.*)_([0-9]+)$", expected)
            expected = f"{match[1]}_{int(match[2]) + 1}" if match else f"{expected}_1"
        taken.add(expected)
        assert _unique(slug, ids, next_free) == expected


@pytest.mark.timeout(LINE_TIMEOUT)
def test_thousands_of_equal_headings_are_numbered_in_linear_time(site: Path) -> None:
    body = "## Notes\n\n" * 20_000  # Python-Markdown's unique() walked every taken suffix again
    check_line(site, body)


def test_personal_data_in_a_long_line_is_still_found() -> None:
    line = " " * 50_000 + "case ref 12345 " + "a" * 50_000 + " jo.bloggs@example.org"
    assert [suspect.kind for suspect in find_personal_data(line)] == [
        "a case reference",
        "a personal email address",
    ]
