"""A warm build must be a cold build: same bytes, same warnings, whatever was edited.

Each test edits a scratch site the way an author, an administrator or a maintainer of
bulletin would, builds it warm (with the render cache the builds before left) and compares
the result with a cold build of a fresh copy of the same sources (no cache at all).
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from pymdownx.slugs import slugify

from bulletin import digests
from bulletin.digests import Undescribable, stable_repr
from conftest import BUILD_ENV, ROOT, copy_site, replace_in, run_bulletin, snapshot

POSTS = Path("content/posts")
LINKING = POSTS / "when-the-board-asks-the-questions.md"
LINKED = POSTS / "summer-learning-from-reviews.md"
HEADING = "## What practitioners told us"
NEW_POST = """---
title: "Autumn update"
date: 2024-10-04
authors: [richard]
categories: [Chair blog]
description: "A short autumn update."
---

A new post.

<!-- more -->

## More

The rest of it.
"""


@dataclass(frozen=True)
class Build:
    status: int
    files: dict[str, bytes]
    log: list[str]


def build(site: Path, pythonpath: Path | None = None) -> Build:
    """``bulletin build`` of ``site``: its exit status, output files and log, the log with
    the folder, the staging folder's random name, timings and the page cache's tally taken
    out."""
    env = dict(BUILD_ENV)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    result = run_bulletin(site, "build", env=env)
    text = (result.stdout + result.stderr).replace(str(site), "<site>")
    text = re.sub(r"\.bulletin-staging-\w+", ".bulletin-staging", text)
    text = re.sub(r"\d+(\.\d+)? (s|seconds)\b", "<time>", text)
    text = re.sub(r"Reused \d+ of", "Reused <n> of", text)  # the cache's own tally
    files = snapshot(site / "build") if (site / "build").is_dir() else {}
    return Build(result.returncode, files, text.splitlines())


def cold_build(site: Path, pythonpath: Path | None = None) -> Build:
    """The same sources built in a fresh copy with no cache: the reference."""
    fresh = site.parent / "cold"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".bulletin-cache", "build"))
    try:
        result = build(fresh, pythonpath)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return result


def assert_same(warm: Build, cold: Build, step: str) -> None:
    assert warm.log == cold.log, f"after {step!r} the warm build says other things"
    assert warm.status == cold.status, step
    assert warm.files.keys() == cold.files.keys(), step
    differing = [path for path in cold.files if warm.files[path] != cold.files[path]]
    assert not differing, f"after {step!r} the warm build differs from a cold one: {differing}"


def warm_equals_cold(site: Path, step: str, pythonpath: Path | None = None) -> Build:
    warm = build(site, pythonpath)
    cold = cold_build(site, pythonpath)
    assert_same(warm, cold, step)
    return warm


# The edits: each keeps the site buildable.


def edit_body(site: Path) -> None:
    replace_in(site / LINKED, "## What happens next", "A sentence added.\n\n## What happens next")


def link_to_heading(site: Path) -> None:
    replace_in(
        site / LINKING,
        "## Why it matters",
        "See [what practitioners told us](summer-learning-from-reviews.md"
        "#what-practitioners-told-us).\n\n## Why it matters",
    )


def rename_linked_heading(site: Path) -> None:
    replace_in(site / LINKED, HEADING, "## What we heard from practitioners")


def edit_override(site: Path) -> None:
    path = site / "overrides/partials/copyright.html"
    path.write_text(path.read_text("utf-8") + "<!-- footer edited -->\n", "utf-8")


def edit_markdown_options(site: Path) -> None:
    replace_in(site / "mkdocs.yml", "      permalink: true", '      permalink: "#"')


def edit_glossary(site: Path) -> None:
    replace_in(
        site / "content/glossary.yml",
        "CQC: Care Quality Commission",
        "CQC: The Care Quality Commission",
    )


def edit_fees(site: Path) -> None:
    replace_in(site / "content/fees.yml", "price: 2500.00", "price: 2600.00")


def edit_authors(site: Path) -> None:
    replace_in(site / "content/authors.yml", "name: Alison Carter", "name: Alison Carter-Jones")


def edit_page_meta(site: Path) -> None:
    replace_in(
        site / "content/fees.md",
        "title: Membership fees\n",
        "title: Membership fees\nicon: material/cash\nsubtitle: What it costs\nstatus: new\n",
    )


def add_and_delete_posts(site: Path) -> None:
    (site / POSTS / "autumn-update.md").write_text(NEW_POST, "utf-8")
    (site / POSTS / "scrutiny-that-makes-a-difference.md").unlink()


EDITS: list[tuple[str, Callable[[Path], None]]] = [
    ("post body", edit_body),
    ("a link to another post's heading", link_to_heading),
    ("the linked heading renamed", rename_linked_heading),
    ("an override template", edit_override),
    ("mkdocs.yml Markdown options", edit_markdown_options),
    ("glossary", edit_glossary),
    ("fees", edit_fees),
    ("authors", edit_authors),
    ("a page's icon, subtitle and status", edit_page_meta),
    ("a post added, another deleted", add_and_delete_posts),
]


def test_every_edit_builds_warm_as_cold(scratch_site: Path) -> None:
    """One site edited step by step, its cache carried along: after each edit the warm
    build gives the bytes and the log of a cold build of the same sources."""
    first = build(scratch_site)
    assert first.status == 0, first.log
    warm_equals_cold(scratch_site, "nothing")
    for step, edit in EDITS:
        edit(scratch_site)
        warm_equals_cold(scratch_site, step)


def test_a_one_post_edit_rebuilds_few_pages_and_reuses_the_rest(scratch_site: Path) -> None:
    """`bulletin build` reads unchanged finished pages back from the site it replaces."""
    assert build(scratch_site).status == 0
    edit_body(scratch_site)
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    found = re.search(r"Reused (\d+) of (\d+) finished pages", result.stderr)
    assert found, result.stderr
    reused, total = int(found[1]), int(found[2])
    assert total > 20 and total - reused <= 3, (reused, total)  # the post, and its neighbours
    warm_equals_cold(scratch_site, "a one-post edit")


def test_a_page_changed_by_hand_in_the_site_is_rendered_again(scratch_site: Path) -> None:
    """A reused page is checked against its digest: the site's copy is never trusted blindly."""
    assert build(scratch_site).status == 0
    page = scratch_site / "build/site/index.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- changed -->", encoding="utf-8")
    warm = warm_equals_cold(scratch_site, "a page changed by hand")
    assert b"<!-- changed -->" not in warm.files["site/index.html"]


def test_a_reused_email_warns_as_a_fresh_one(scratch_site: Path) -> None:
    """Emails come from the cache folder on a warm build, with the warnings they gave."""
    replace_in(
        scratch_site / "mkdocs.yml",
        "        x_unsent: true\n",
        "        x_unsent: true\n        size_warning: 2000\n",
    )
    first = build(scratch_site)
    assert first.status == 0 and any("Gmail clips" in line for line in first.log), first.log
    warm = warm_equals_cold(scratch_site, "an email over its size warning")
    assert warm.log == first.log


def test_a_damaged_page_index_is_only_a_slower_build(scratch_site: Path) -> None:
    assert build(scratch_site).status == 0
    (scratch_site / ".bulletin-cache" / "pages.json").write_text("[]", encoding="utf-8")
    warm_equals_cold(scratch_site, "a page index that is a list")


def test_stored_memos_start_empty_for_other_code_or_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "memo.json"
    memo = digests.StoredMemo(path, "code 1")
    memo.put(digests.digest("a"), {"files": {"x": "é"}, "warnings": []})
    memo.next_build()
    memo.save()
    assert digests.StoredMemo(path, "code 1").get(digests.digest("a")) == {
        "files": {"x": "é"},
        "warnings": [],
    }
    assert digests.StoredMemo(path, "code 2").get(digests.digest("a")) is None
    path.write_text('{"format": 1, "context": "code 1", "entries": [1]}', encoding="utf-8")
    assert digests.StoredMemo(path, "code 1").entries == {}
    path.write_bytes(b"\xff not json")
    assert digests.StoredMemo(path, "code 1").entries == {}


# The four ways the caches used to go wrong, one test each.


def test_a_change_to_bulletins_own_code_reaches_a_warm_build(tmp_path: Path) -> None:
    """Case 1: the key held bulletin's version number, which a change to its code leaves
    as it was; the warm build kept the old fee table caption."""
    package = tmp_path / "package"
    shutil.copytree(
        ROOT / "src" / "bulletin",
        package / "bulletin",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    site = copy_site(tmp_path / "site")
    assert build(site, package).status == 0
    replace_in(
        package / "bulletin" / "fees" / "markup.py",
        "Membership fees for {html.escape(schedule.year)}",
        "Member fees for {html.escape(schedule.year)}",
    )
    warm = warm_equals_cold(site, "bulletin's fee_markup.py", package)
    page = warm.files["site/fees/index.html"].decode()
    assert "<caption>Member fees for" in page and "Membership fees for 2" not in page


def test_package_digest_covers_every_file_of_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "bulletin"
    shutil.copytree(ROOT / "src" / "bulletin", package)
    monkeypatch.setattr(digests, "PACKAGE", package)
    before = digests.package_digest.__wrapped__()
    assert digests.package_digest.__wrapped__() == before
    for name in ("fees/markup.py", "templates/preview.html.j2"):
        path = package / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert digests.package_digest.__wrapped__() != before, name
        path.write_bytes(original)
    assert digests.package_digest.__wrapped__() == before


class _Holder:
    def __init__(self, **attributes: object) -> None:
        vars(self).update(attributes)


class _Slotted:
    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def test_stable_repr_tells_apart_what_it_used_to_summarise() -> None:
    """Case 2: every partial was ``functools.partial({})``, attributes starting with
    ``md`` were dropped and anything nested deeper than 8 was cut short."""
    lower = functools.partial(slugify, case="lower")
    assert stable_repr(lower) == stable_repr(functools.partial(slugify, case="lower"))
    assert stable_repr(lower) != stable_repr(functools.partial(slugify, case="none"))
    assert stable_repr(_Holder(mdx="a")) != stable_repr(_Holder(mdx="b"))
    assert stable_repr(_Slotted(1)) != stable_repr(_Slotted(2))

    def nested(leaf: str, depth: int) -> object:
        return [nested(leaf, depth - 1)] if depth else leaf

    assert stable_repr(nested("a", 10)) != stable_repr(nested("b", 10))
    assert stable_repr({"a": 1, "b": (1, "1")}) == stable_repr({"b": (1, "1"), "a": 1})
    assert stable_repr([1]) != stable_repr((1,)) != stable_repr(["1"])


@pytest.mark.parametrize(
    "value",
    [
        lambda text: text,
        functools.partial(lambda text: text),
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["too deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
        io.StringIO("state in C"),
        iter([1]),
    ],
    ids=["lambda", "partial-of-lambda", "too-deep", "c-object", "iterator"],
)
def test_stable_repr_refuses_what_it_cannot_describe(value: object) -> None:
    with pytest.raises(Undescribable):
        stable_repr(value)


def test_stable_repr_refuses_a_cycle_and_a_local_function() -> None:
    looped: list[object] = []
    looped.append(looped)

    def local(text: str) -> str:
        return text

    for value in (looped, local, _Holder(call=local)):
        with pytest.raises(Undescribable):
            stable_repr(value)


def test_a_different_slugify_partial_is_a_different_key(scratch_site: Path) -> None:
    """Case 2 end to end: the table of contents' slugify changed from one partial to
    another; the headings' ids change in a cold build, and so in a warm one."""
    replace_in(
        scratch_site / "mkdocs.yml",
        "      permalink: true\n",
        "      permalink: true\n"
        "      slugify: !!python/object/apply:pymdownx.slugs.slugify {kwds: {case: lower}}\n",
    )
    assert build(scratch_site).status == 0
    replace_in(scratch_site / "mkdocs.yml", "{case: lower}", "{case: none}")
    warm = warm_equals_cold(scratch_site, "slugify: lower to none")
    page = warm.files["site/2024/07/summer-learning-from-reviews/index.html"].decode()
    assert 'id="What-practitioners-told-us"' in page


def test_an_undescribable_setting_builds_without_the_cache(scratch_site: Path) -> None:
    """A setting no key can describe (here a slugify written as a lambda in a hook) turns
    the cache off for the build, says so, and leaves the last build's cache as it was."""
    assert build(scratch_site).status == 0
    cache = scratch_site / ".bulletin-cache" / "render.json"
    kept = cache.read_bytes()
    (scratch_site / "hooks.py").write_text(
        "def on_config(config):\n"
        "    config.mdx_configs['toc']['slugify'] = lambda text, sep: text.lower()\n"
        "    return config\n",
        "utf-8",
    )
    replace_in(scratch_site / "mkdocs.yml", "plugins:\n", "hooks: [hooks.py]\n\nplugins:\n")
    warm = build(scratch_site)
    assert warm.status == 0, warm.log
    assert any("Render cache not used for this build" in line for line in warm.log), warm.log
    assert cache.read_bytes() == kept


def test_a_renamed_heading_warns_warm_as_cold(scratch_site: Path) -> None:
    """Case 3: a cache hit forgot the page's links to other pages' anchors, so after the
    heading a post links to was renamed, only the cold build warned (and failed, strict)."""
    replace_in(
        scratch_site / "mkdocs.yml",
        "plugins:\n",
        "strict: true\nvalidation:\n  anchors: warn\n\nplugins:\n",
    )
    link_to_heading(scratch_site)
    assert build(scratch_site).status == 0
    rename_linked_heading(scratch_site)
    warm = warm_equals_cold(scratch_site, "the linked heading renamed")
    assert warm.status != 0
    assert any(
        "does not contain an anchor '#what-practitioners-told-us'" in line for line in warm.log
    )


# A random sequence of edits: warm equals cold after each.

TOGGLES: dict[str, tuple[Path, str, str]] = {
    "heading": (LINKED, HEADING, "## What we heard from practitioners"),
    "glossary": (
        Path("content/glossary.yml"),
        "CQC: Care Quality Commission",
        "CQC: The Care Quality Commission",
    ),
    "markdown options": (Path("mkdocs.yml"), "      permalink: true", '      permalink: "#"'),
    "page meta": (
        Path("content/fees.md"),
        "title: Membership fees\n",
        "title: Membership fees\nicon: material/cash\nsubtitle: What it costs\n",
    ),
    "fees": (Path("content/fees.yml"), "price: 2500.00", "price: 2600.00"),
}


class EditSequence(RuleBasedStateMachine):
    """Edits toggled on and off in any order, the cache carried from each build to the next."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="bulletin-edits-"))
        self.site = copy_site(self.root / "site")
        link_to_heading(self.site)
        self.on: set[str] = set()
        self.steps: list[str] = []

    @rule(name=st.sampled_from(sorted(TOGGLES)))
    def toggle(self, name: str) -> None:
        path, old, new = TOGGLES[name]
        if name in self.on:
            replace_in(self.site / path, new, old)
            self.on.discard(name)
        else:
            replace_in(self.site / path, old, new)
            self.on.add(name)
        self.steps.append(name)

    @rule(text=st.sampled_from(["One more line.", "*Emphasis* and a [link](#more)."]))
    def append_to_a_post(self, text: str) -> None:
        path = self.site / LINKED
        path.write_text(path.read_text("utf-8") + f"\n{text}\n", "utf-8")
        self.steps.append("body")

    @rule()
    def add_or_delete_a_post(self) -> None:
        path = self.site / POSTS / "autumn-update.md"
        if path.exists():
            path.unlink()
        else:
            path.write_text(NEW_POST, "utf-8")
        self.steps.append("post")

    @invariant()
    def warm_build_is_a_cold_build(self) -> None:
        warm_equals_cold(self.site, " then ".join(self.steps) or "nothing")

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


test_random_edit_sequences_build_warm_as_cold = EditSequence.TestCase
test_random_edit_sequences_build_warm_as_cold.settings = settings(
    max_examples=2,
    stateful_step_count=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk
)
