"""Validation of posts, newsletters and authors: fixture pairs and focused unit tests."""

from __future__ import annotations

import dataclasses
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bulletin.blocks import configured_blocks
from bulletin.errors import ContentError
from bulletin.model import LONDON, Post, SiteSources
from bulletin.sources import load_site, load_site_with_problems

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
BAD_CASES = sorted(path.stem for path in FIXTURES.glob("*.md"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def sources_for(site: Path) -> SiteSources:
    docs = site / "content"
    return SiteSources(
        root=site,
        docs_dir=docs,
        posts_dir=docs / "posts",
        newsletters_dir=site / "newsletters",
        authors_file=docs / "authors.yml",
        categories=("Manager blog", "Chair blog", "Newsletter"),
        post_uri_prefix="posts",
        url_format="{date}/{file}",
        fees_file=docs / "fees.yml",
        block_names=blocks_of(site / "mkdocs.yml"),
    )


def blocks_of(config_file: Path) -> tuple[str, ...] | None:
    """The ``///`` blocks a site's mkdocs.yml configures, as the plugin finds them."""
    if not config_file.is_file():
        return None
    settings = yaml.safe_load(config_file.read_text("utf-8"))
    names: list[str] = []
    configs: dict[str, object] = {}
    for item in settings.get("markdown_extensions", []):
        name = item if isinstance(item, str) else next(iter(item))
        names.append(name)
        if isinstance(item, dict) and item[name]:
            configs[name] = item[name]
    return configured_blocks(names, configs)


def problems_of(site: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_site(sources_for(site))
    return [str(problem) for problem in caught.value.problems]


def test_the_sample_content_is_valid(scratch_site: Path) -> None:
    site = load_site(sources_for(scratch_site))
    titles = [post.title for post in site.posts]
    assert "TASP newsletter – October 2019" in titles
    assert len(site.published) == len(site.posts) - 1  # one draft
    assert [post.date for post in site.posts] == sorted((p.date for p in site.posts), reverse=True)
    assert site.warnings == ()


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_reported_with_file_line_and_field(scratch_site: Path, case: str) -> None:
    shutil.copy(FIXTURES / f"{case}.md", scratch_site / "content" / "posts" / f"{case}.md")
    report = "\n".join(problems_of(scratch_site)) + "\n"
    expected = FIXTURES / f"{case}.expected.err"
    if UPDATE:
        expected.write_text(report, encoding="utf-8")
    assert report == expected.read_text(encoding="utf-8")


def test_every_problem_of_a_run_is_reported_at_once(scratch_site: Path) -> None:
    for case in ("impossible-date", "unknown-author", "empty-file"):
        shutil.copy(FIXTURES / f"{case}.md", scratch_site / "content" / "posts" / f"{case}.md")
    problems = problems_of(scratch_site)
    assert [line.split(":")[0] for line in problems] == [
        "content/posts/empty-file.md",
        "content/posts/impossible-date.md",
        "content/posts/unknown-author.md",
    ]


def test_a_bom_and_windows_line_endings_are_accepted(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "new-year-new-safeguarding-directions.md"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    site = load_site(sources_for(scratch_site))
    post = next(post for post in site.posts if post.slug == "new-year-new-safeguarding-directions")
    assert post.title == "New year, new safeguarding directions"
    assert "\r" not in post.body


def test_dates_are_calendar_days_in_london(scratch_site: Path) -> None:
    site = load_site(sources_for(scratch_site))
    summer = next(post for post in site.posts if post.slug == "summer-learning-from-reviews")
    assert summer.date == datetime(2024, 7, 5, tzinfo=LONDON)
    assert summer.date.utcoffset().total_seconds() == 3600


def test_the_url_comes_from_the_file_name_not_the_title(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'title: "Typo '), "utf-8")
    site = load_site(sources_for(scratch_site))
    urls = {post.url for post in site.posts}
    assert "2024/07/summer-learning-from-reviews/" in urls


def test_an_explicit_slug_sets_the_url(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    text = path.read_text(encoding="utf-8").replace("---\n", "---\nslug: reviews-2024\n", 1)
    path.write_text(text, "utf-8")
    site = load_site(sources_for(scratch_site))
    assert "2024/07/reviews-2024/" in {post.url for post in site.posts}


def test_unknown_keys_are_warnings_with_a_suggestion(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    text = path.read_text(encoding="utf-8").replace("---\n", "---\ncategory: [Chair blog]\n", 1)
    path.write_text(text, "utf-8")
    site = load_site(sources_for(scratch_site))
    assert site.warnings == (
        "content/posts/summer-learning-from-reviews.md:2: category: not a key bulletin knows, "
        "so it is ignored; did you mean 'categories'? Known: authors, categories, date, "
        "description, draft, edition, expires, issue, slug, tags, title",
    )


def test_a_newsletter_must_be_in_the_newsletter_series(scratch_site: Path) -> None:
    path = scratch_site / "newsletters" / "tasp-newsletter-october-2019.md"
    path.write_text(path.read_text("utf-8").replace("[Newsletter]", "[Chair blog]"), "utf-8")
    assert problems_of(scratch_site) == [
        "newsletters/tasp-newsletter-october-2019.md:5: categories: a newsletter issue belongs "
        "to the series 'Newsletter': categories: [Newsletter]"
    ]


def test_an_unknown_author_in_the_authors_file_is_named(scratch_site: Path) -> None:
    authors = scratch_site / "content" / "authors.yml"
    authors.write_text(authors.read_text("utf-8").replace("    name: Richard Blake\n", ""), "utf-8")
    problems = problems_of(scratch_site)
    assert problems[0] == "content/authors.yml:8: richard.name: missing: give the person's name"


def test_a_yaml_bomb_is_refused_quickly(scratch_site: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 30)]
    path = scratch_site / "content" / "posts" / "bomb.md"
    path.write_text("---\n" + "\n".join(lines) + "\n---\n\ntext\n", "utf-8")
    problems = problems_of(scratch_site)
    assert any("anchors and aliases" in problem for problem in problems)


def test_an_author_key_that_would_name_a_folder_elsewhere_is_refused(scratch_site: Path) -> None:
    authors = scratch_site / "content" / "authors.yml"
    extra = "  ../evil:\n    name: Eve\n    description: Nobody\n    avatar: assets/logo.svg\n"
    authors.write_text(authors.read_text("utf-8") + extra, "utf-8")
    assert problems_of(scratch_site) == [
        "content/authors.yml:12: authors: '../evil' cannot be an author key: it names the "
        "author's page and feeds (author/<key>/); use letters, digits, '-', '_' and '.' "
        "(not first), e.g. alison"
    ]


def test_links_out_of_the_project_and_special_files_are_refused(
    scratch_site: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.md").write_text("---\ntitle: x\n---\n", "utf-8")
    content = scratch_site / "content"
    (content / "assets" / "elsewhere").symlink_to(outside)
    (scratch_site / "newsletters" / "leak.md").symlink_to(outside / "notes.md")
    (content / "gone.png").symlink_to("missing.png")
    os.mkfifo(content / "pipe")
    extra = scratch_site / "extra"  # inside the project: linking to it is fine, and it is checked
    extra.mkdir()
    (extra / "env.txt").symlink_to("/proc/self/environ")
    (content / "more").symlink_to(extra)
    (content / "assets" / "config.yml").symlink_to(scratch_site / "mkdocs.yml")
    (content / ".#index.md").symlink_to("someone@host.1234:5678")  # an editor's lock file
    assert problems_of(scratch_site) == [
        f"content/assets/elsewhere: symlink: points outside the project ({outside}); "
        "replace the link with a copy of the folder",
        "content/gone.png: symlink: points to nothing that exists (missing.png); delete the link",
        "content/more/env.txt: symlink: points outside the project (/proc/self/environ); "
        "replace the link with a copy of the file",
        "content/pipe: file: is not a regular file (a pipe, socket or device) and cannot be "
        "published; delete it",
        f"newsletters/leak.md: symlink: points outside the project ({outside / 'notes.md'}); "
        "replace the link with a copy of the file",
    ]


def test_words_manual_line_break_in_a_post_is_a_new_line(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    text = path.read_text("utf-8").replace("<!-- more -->", "One\x0btwo.\n\n<!-- more -->")
    path.write_text(text, "utf-8")
    site = load_site(sources_for(scratch_site))
    post = next(post for post in site.posts if post.slug == "summer-learning-from-reviews")
    assert "One\ntwo." in post.body and "\x0b" not in post.body


def test_a_post_that_cannot_be_read_is_named_with_what_to_do(
    scratch_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path == locked:  # as a file without read permission (the tests run as root)
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert problems_of(scratch_site) == [
        "content/posts/summer-learning-from-reviews.md: cannot read the file: permission "
        "denied; give your account permission to read it (or close the program that has it "
        "locked) and try again"
    ]


def test_a_folder_named_like_a_post_is_reported(scratch_site: Path) -> None:
    (scratch_site / "content" / "posts" / "notes.md").mkdir()
    assert problems_of(scratch_site) == [
        "content/posts/notes.md: is a folder, not a Markdown file; rename the folder so its "
        "name does not end in .md"
    ]


def test_a_post_in_a_hidden_folder_is_left_out_with_a_warning(scratch_site: Path) -> None:
    hidden = scratch_site / "content" / "posts" / ".drafts"
    hidden.mkdir()
    shutil.copy(scratch_site / "content" / "posts" / "summer-learning-from-reviews.md", hidden)
    site = load_site(sources_for(scratch_site))
    assert [post.path for post in site.posts if ".drafts" in post.path] == []
    assert site.warnings == (
        "content/posts/.drafts/summer-learning-from-reviews.md: file name: left out, as MkDocs "
        "publishes no file whose name or folder starts with '.'; to publish it, move it into "
        "content/posts/ under a name without the '.' (to keep a post unpublished, give it "
        "draft: true instead)",
    )


# -- what a post may leave out ------------------------------------------------------------------

PASTED = """\
---
title: "Pasted as written"
date: 2024-03-08
authors: [alison]
categories: [Manager blog]
---

Our board met last week, and it went well. The [minutes](minutes.md) follow.

More text.
"""


def load_pasted(site: Path, **settings: object) -> Post:
    (site / "content" / "posts" / "pasted.md").write_text(PASTED, "utf-8")
    loaded = load_site(dataclasses.replace(sources_for(site), **settings))  # type: ignore[arg-type]
    return next(post for post in loaded.posts if post.slug == "pasted")


def test_a_post_without_a_description_gets_one_from_its_opening(scratch_site: Path) -> None:
    post = load_pasted(scratch_site)
    assert post.description == "Our board met last week, and it went well. The minutes follow."
    assert "description" in post.derived


def test_a_post_without_an_excerpt_marker_is_accepted(scratch_site: Path) -> None:
    post = load_pasted(scratch_site)
    assert "<!-- more -->" not in post.body
    assert "excerpt" in post.derived


def test_a_post_that_gives_both_has_nothing_derived(scratch_site: Path) -> None:
    site = load_site(sources_for(scratch_site))
    summer = next(post for post in site.posts if post.slug == "summer-learning-from-reviews")
    assert summer.derived == frozenset()


def test_required_descriptions_are_reported_missing_again(scratch_site: Path) -> None:
    (scratch_site / "content" / "posts" / "pasted.md").write_text(PASTED, "utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(dataclasses.replace(sources_for(scratch_site), require=("description",)))
    assert [str(problem) for problem in caught.value.problems if "pasted" in problem.path] == [
        "content/posts/pasted.md:1: description: missing: add 'description:' with a one-line "
        "summary in double quotes"
    ]


def test_required_excerpt_markers_are_reported_missing_again(scratch_site: Path) -> None:
    (scratch_site / "content" / "posts" / "pasted.md").write_text(PASTED, "utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(dataclasses.replace(sources_for(scratch_site), require=("excerpt",)))
    assert [str(problem) for problem in caught.value.problems if "pasted" in problem.path] == [
        "content/posts/pasted.md:8: text: no excerpt marker: put a line '<!-- more -->' after "
        "the opening paragraph, to say how much of the post the blog's front page shows"
    ]


def test_an_empty_description_is_still_an_error(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "pasted.md"
    path.write_text(PASTED.replace("---\n\n", 'description: ""\n---\n\n', 1), "utf-8")
    assert problems_of(scratch_site) == [
        "content/posts/pasted.md:6: description: the summary is empty"
    ]


def test_a_refused_post_has_its_text_checked_in_the_same_run(scratch_site: Path) -> None:
    (scratch_site / "content" / "posts" / "two-kinds.md").write_text(
        '---\ntitle: "Two kinds of mistake"\nauthors: [alison]\ncategories: [Manager blog]\n'
        "Draft: true\n---\n\nOpening.\n\n/// spotlite | A feature\nText.\n",
        "utf-8",
    )
    assert [problem.split(": ")[0:2] for problem in problems_of(scratch_site)] == [
        ["content/posts/two-kinds.md:1", "date"],
        ["content/posts/two-kinds.md:5", "Draft"],
        ["content/posts/two-kinds.md:10", "block"],  # the name, and never closed
        ["content/posts/two-kinds.md:10", "block"],
    ]


def test_load_site_with_problems_keeps_what_it_could_read(scratch_site: Path) -> None:
    shutil.copy(FIXTURES / "missing-date.md", scratch_site / "content" / "posts")
    site, problems = load_site_with_problems(sources_for(scratch_site))
    assert [str(problem) for problem in problems] == problems_of(scratch_site)
    assert site is not None and len(site.posts) == 7  # the sample's, all valid
    assert site.unvalidated == (("content/posts/missing-date.md", "posts/missing-date.md"),)
    # A link out of the project: nothing is read through it, nor anything else.
    (scratch_site / "content" / "posts" / "elsewhere.md").symlink_to("/etc/hostname")
    site, problems = load_site_with_problems(sources_for(scratch_site))
    assert site is None and [problem.field for problem in problems] == ["symlink"]
