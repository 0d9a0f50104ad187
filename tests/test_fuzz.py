"""Property tests: any source file gives a valid site or a ContentError, never a traceback.

Every test runs under a timeout (pytest-timeout) rather than asserting a time, so a slow
machine passes and a pathological input that makes work quadratic again fails.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bulletin.authoring.checks import Document, check_site, scan_document
from bulletin.errors import ContentError
from bulletin.fees.markup import find_fee_markers
from bulletin.glossary import expand_first_use
from bulletin.outputs.email.personal_data import find_personal_data
from bulletin.sources import find_raw_html, load_site
from conftest import copy_site
from test_sources import sources_for

pytestmark = pytest.mark.timeout(120)  # each test takes seconds; a hang fails, never the clock

KEYS = [
    "title",
    "date",
    "authors",
    "categories",
    "tags",
    "description",
    "draft",
    "slug",
    "issue",
    "expires",
    "x",
]
SCALARS = st.one_of(
    st.text(max_size=40),
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            "2024-02-30",
            "2024-01-12",
            "yes",
            "!!python/object:os.system",
            "*a",
            "&a x",
            "'",
            '"',
            "{",
            "[",
            "\x00",
            "\ufeff",
            "–£“”",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_site(tmp_path_factory.mktemp("fuzz") / "site")
    shutil.rmtree(root / "newsletters")
    for post in (root / "content" / "posts").glob("*.md"):
        if post.stem != "new-year-new-safeguarding-directions":
            post.unlink()
    return root


def load(site: Path, data: bytes, *, raw_html: bool = False, check: bool = False) -> None:
    (site / "content" / "posts" / "fuzz.md").write_bytes(data)
    sources = replace(sources_for(site), raw_html=raw_html)
    try:
        loaded = load_site(sources)
    except ContentError as error:
        assert error.problems and all(problem.path for problem in error.problems)
    else:
        if check:
            check_site(loaded, sources, known_acronyms=loaded.glossary)


def yaml_line(key: str, value: object) -> str:
    import json

    return f"{key}: {json.dumps(value, ensure_ascii=False)}"


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes(site: Path, data: bytes) -> None:
    load(site, data)


@FUZZ
@given(
    fields=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8), body=st.text(max_size=300)
)
def test_random_front_matter(site: Path, fields: dict[str, object], body: str) -> None:
    matter = "\n".join(yaml_line(key, value) for key, value in fields.items())
    load(site, f"---\n{matter}\n---\n{body}\n<!-- more -->\n".encode("utf-8", "surrogatepass"))


@FUZZ
@given(
    raw=st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#\n \t?,%@`2024")), max_size=200)
)
def test_random_yaml_syntax(site: Path, raw: str) -> None:
    load(site, f"---\n{raw}\n---\ntext\n".encode())


@pytest.mark.parametrize("depth", [50, 5000])
def test_deep_nesting_is_refused_or_read_without_a_crash(site: Path, depth: int) -> None:
    load(site, ("---\ntags: " + "[" * depth + "]" * depth + "\n---\ntext\n").encode())


def test_a_huge_value_is_read(site: Path) -> None:
    load(site, ('---\ntitle: "' + "x" * 1_900_000 + '"\n---\ntext\n').encode())  # under 2 MB


# -- long repetitive lines ----------------------------------------------------------------------

FRAGMENTS = [
    *("`", "<a ", "<!-- check: ignore", "<!--", "-->", " ", "\t", "[", "]", "](", "(", ")"),
    *("*", "_", "1", "0", "@", "+44 ", "{:", "{: #", "///", "[[fee", "[[fee-table", "a", "A"),
    *("<", ">", "</", "<abbr>", '"', "'", "#", "# ", "-", "!", "id='", ".", ":", "/", "www."),
    *("http://", "case ref", "SCR ", "born ", "dob ", "x@y", "a.b", "**a", "`a", "[a]", "|"),
]
"""What pathological lines are made of: delimiters that may never close, and blanks."""
FRONT_MATTER = """---
title: "Long lines"
date: 2024-03-01
authors: [alison]
categories: [Manager blog]
description: "A line a pattern could backtrack on."
---

"""


@st.composite
def long_lines(draw: st.DrawFn) -> str:
    """One line of 15,000 to 20,000 characters: a fragment or two repeated, with an opening.

    Long, because most pathological lines cost little at a thousand characters.
    """
    unit = "".join(draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=2)))
    length = draw(st.integers(min_value=15_000, max_value=20_000))
    opening = draw(st.sampled_from(["", "a", "# ", "[a](", "<!-- check: ignore", "case ref"]))
    closing = draw(st.sampled_from(["", ")", "-->", ">", "`", "]", " x", "a@b.c"]))
    return opening + unit * (length // len(unit) + 1) + closing


LONG = settings(
    max_examples=40,
    deadline=None,
    # No shrinking: a line that overruns the timeout would be run again and again to shrink it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@LONG
@given(line=long_lines())
def test_long_repetitive_lines_are_scanned(line: str) -> None:
    scan_document(Document("x.md", "x.md", "x/", None), line, 1)
    find_personal_data(line)
    find_raw_html(line)
    find_fee_markers(line)
    expand_first_use(line, {"LSCB": "Local Safeguarding Children Board", "DfE": "Department"})


@LONG
@given(line=long_lines(), raw_html=st.booleans())
def test_long_repetitive_lines_are_loaded_and_checked(
    site: Path, line: str, raw_html: bool
) -> None:
    text = f"{FRONT_MATTER}{line}\n\n<!-- more -->\n\n{line}\n"
    load(site, text.encode(), raw_html=raw_html, check=True)
