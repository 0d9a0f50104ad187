"""Validation of posts, newsletters and authors: fixture pairs and focused unit tests."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from bulletin.errors import ContentError
from bulletin.model import LONDON, SiteSources
from bulletin.sources import load_site

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
    )


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
