"""Property tests: any source file gives a valid site or a ContentError, never a traceback."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.errors import ContentError
from bulletin.sources import load_site
from conftest import copy_site
from test_sources import sources_for

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


def load(site: Path, data: bytes) -> None:
    (site / "content" / "posts" / "fuzz.md").write_bytes(data)
    started = time.perf_counter()
    try:
        load_site(sources_for(site))
    except ContentError as error:
        assert error.problems and all(problem.path for problem in error.problems)
    assert time.perf_counter() - started < 2


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
    load(site, ('---\ntitle: "' + "x" * 5_000_000 + '"\n---\ntext\n').encode())
