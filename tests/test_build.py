"""End-to-end: the sample site built by ``bulletin build`` and by ``mkdocs build``, page by page."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from textwrap import dedent

import feedparser
import pytest

from conftest import BUILD_ENV, BuiltSite, copy_site, replace_in, run_bulletin, run_mkdocs, snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "bad"
PUBLISHED = {
    "2024/01/new-year-new-safeguarding-directions/": (
        "New year, new safeguarding directions",
        "12 January 2024",
        "Alison Carter",
    ),
    "2024/02/priorities-in-practice-february/": (
        "Priorities in practice",
        "9 February 2024",
        "Alison Carter",
    ),
    "2024/04/when-the-board-asks-the-questions/": (  # no description, no <!-- more -->
        "When the board asks the questions",
        "18 April 2024",
        "Richard Blake",
    ),
    "2024/06/scrutiny-that-makes-a-difference/": (
        "Scrutiny that makes a difference",
        "20 June 2024",
        "Richard Blake",
    ),
    "2024/07/summer-learning-from-reviews/": ("Summer", "5 July 2024", "Alison Carter"),
    "2019/10/tasp-newsletter-october-2019/": (
        "TASP newsletter – October 2019",
        "14 October 2019",
        "Richard Blake",
    ),
}


class PageText(HTMLParser):
    """The visible text, <title> and <html lang> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.lang = ""
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang") or ""
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def read_page(path: Path) -> PageText:
    page = PageText()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_build_writes_the_site_into_build(built_site: BuiltSite) -> None:
    assert (built_site.site / "index.html").is_file()
    leftovers = [
        path.name for path in built_site.root.iterdir() if path.name.startswith(".bulletin-staging")
    ]
    assert leftovers == []


@pytest.mark.parametrize("url", sorted(PUBLISHED))
def test_each_post_has_its_own_page_with_title_date_and_author(
    built_site: BuiltSite, url: str
) -> None:
    title, date, author = PUBLISHED[url]
    page = read_page(built_site.site / url / "index.html")
    text = " ".join(page.text)
    assert page.lang == "en-GB"
    assert title in page.title
    assert date in text
    assert author in text


def test_drafts_are_not_published(built_site: BuiltSite) -> None:
    assert not list(built_site.site.rglob("winter-pressures-draft*"))
    for path in built_site.site.rglob("*.html"):
        assert "Winter pressures" not in path.read_text(encoding="utf-8"), path


def test_series_authors_and_tags_have_pages(built_site: BuiltSite) -> None:
    for url in (
        "category/manager-blog/",
        "category/chair-blog/",
        "category/newsletter/",
        "author/alison/",
        "author/richard/",
        "tags/",
        "archive/2024/01/",
    ):
        assert (built_site.site / url / "index.html").is_file(), url
    newsletters = " ".join(read_page(built_site.site / "category/newsletter/index.html").text)
    assert "TASP newsletter – October 2019" in newsletters
    alison = " ".join(read_page(built_site.site / "author/alison/index.html").text)
    assert "New year, new safeguarding directions" in alison
    assert "Scrutiny that makes a difference" not in alison
    chair = " ".join(
        read_page(built_site.site / "2024/06/scrutiny-that-makes-a-difference/index.html").text
    )
    assert "Independent Chair and Scrutineer" in chair


def test_the_newsletter_blocks_render_as_styled_admonitions(built_site: BuiltSite) -> None:
    html = (built_site.site / "2019/10/tasp-newsletter-october-2019/index.html").read_text("utf-8")
    assert '<div class="admonition members">' in html
    assert '<div class="admonition spotlight">' in html


def test_mkdocs_build_gives_the_same_site(built_site: BuiltSite, tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site")
    result = run_mkdocs(root, "build", "--quiet")
    assert result.returncode == 0, result.stderr
    assert snapshot(root / "build" / "site") == snapshot(built_site.site)


def test_two_builds_give_identical_bytes(built_site: BuiltSite, tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site")
    assert run_bulletin(root, "build").returncode == 0
    assert snapshot(root / "build") == snapshot(built_site.root / "build")


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    root = copy_site(tmp_path_factory.mktemp("previous") / "site")
    assert run_bulletin(root, "build").returncode == 0
    return root, snapshot(root / "build")


@pytest.mark.parametrize("case", sorted(path.stem for path in FIXTURES.glob("*.md")))
def test_bad_input_fails_the_build_and_leaves_build_unchanged(
    previous_build: tuple[Path, dict[str, bytes]], case: str
) -> None:
    root, before = previous_build
    bad = root / "content" / "posts" / f"{case}.md"
    shutil.copy(FIXTURES / f"{case}.md", bad)
    try:
        result = run_bulletin(root, "build")
    finally:
        bad.unlink()
    assert result.returncode == 1
    assert f"content/posts/{case}.md" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(root / "build") == before
    assert not list(root.glob(".bulletin-staging-*"))


def test_mkdocs_build_reports_bad_input_too(scratch_site: Path) -> None:
    shutil.copy(
        FIXTURES / "impossible-date.md", scratch_site / "content" / "posts" / "impossible-date.md"
    )
    result = run_mkdocs(scratch_site, "build")
    assert result.returncode == 1
    assert (
        "content/posts/impossible-date.md:3: date: 2024-02-30 is not a real date" in result.stderr
    )
    assert not (scratch_site / "build").exists()


def test_a_post_dated_in_the_future_waits_for_its_day(scratch_site: Path) -> None:
    post = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    post.write_text(
        post.read_text("utf-8").replace("date: 2024-07-05", "date: 2099-07-05"), "utf-8"
    )
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert not list((scratch_site / "build" / "site").rglob("summer-learning-from-reviews"))
    result = run_bulletin(scratch_site, "build", env={**BUILD_ENV, "BULLETIN_NOW": "2099-07-05"})
    assert result.returncode == 0, result.stderr
    assert (scratch_site / "build/site/2099/07/summer-learning-from-reviews/index.html").is_file()


def test_an_expired_post_comes_down(scratch_site: Path) -> None:
    post = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    text = post.read_text("utf-8").replace(
        "date: 2024-07-05", "date: 2024-07-05\nexpires: 2024-08-01"
    )
    post.write_text(text, "utf-8")
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert not list((scratch_site / "build" / "site").rglob("summer-learning-from-reviews"))


def test_a_warm_build_from_the_render_cache_gives_the_same_site(scratch_site: Path) -> None:
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert (scratch_site / ".bulletin-cache" / "render.json").is_file()
    cold = snapshot(scratch_site / "build")
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert snapshot(scratch_site / "build") == cold

    post = scratch_site / "content/posts/summer-learning-from-reviews.md"
    post.write_text(post.read_text("utf-8").replace("## ", "## Edited heading\n\n## ", 1), "utf-8")
    fees = scratch_site / "content/fees.yml"
    fees.write_text(fees.read_text("utf-8").replace("2500.00", "2600.00"), "utf-8")
    assert run_bulletin(scratch_site, "build").returncode == 0
    page = (scratch_site / "build/site/2024/07/summer-learning-from-reviews/index.html").read_text(
        "utf-8"
    )
    assert ">Edited heading<" in page
    newsletter = (
        scratch_site / "build/site/2019/10/tasp-newsletter-october-2019/index.html"
    ).read_text("utf-8")
    assert "£2,600.00" in newsletter and "£2,500.00" not in newsletter

    fresh = copy_site(scratch_site.parent / "fresh")
    (fresh / "content/posts/summer-learning-from-reviews.md").write_bytes(post.read_bytes())
    (fresh / "content/fees.yml").write_bytes(fees.read_bytes())
    assert run_bulletin(fresh, "build").returncode == 0
    assert snapshot(fresh / "build") == snapshot(scratch_site / "build")


def test_search_still_drops_what_an_author_excludes(scratch_site: Path) -> None:
    """bulletin lets Material's search skip its attribute scan on pages with no
    ``data-search-`` attribute; on a page with one, Material's handler runs as ever."""
    post = scratch_site / "content/posts/summer-learning-from-reviews.md"
    post.write_text(
        post.read_text("utf-8")
        + '\nA paragraph kept out of search.\n{ data-search-exclude="yes" }\n',
        "utf-8",
    )
    assert run_bulletin(scratch_site, "build").returncode == 0
    site = scratch_site / "build/site"
    page = (site / "2024/07/summer-learning-from-reviews/index.html").read_text("utf-8")
    assert "A paragraph kept out of search." in page
    assert "data-search-exclude" not in page
    index = (site / "search/search_index.json").read_text("utf-8")
    assert "kept out of search" not in index
    assert "Summer" in index


def test_the_search_scan_is_skipped_with_this_material(tmp_path: Path) -> None:
    """If Material's search handler changes shape, the speed-up stops: say so here."""
    from material.plugins.search.plugin import SearchPlugin
    from mkdocs.config import load_config

    site = copy_site(tmp_path / "site")
    config = load_config(config_file=str(site / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    handlers = config.plugins.events["page_context"]
    assert not [h for h in handlers if getattr(h, "__func__", None) is SearchPlugin.on_page_context]
    assert any(h.__qualname__.startswith("_scan_only_if_needed") for h in handlers)


# -- posts as they were written: no <!-- more -->, no description: -----------------------------

PASTED = dedent("""\
    ---
    title: "Pasted as written"
    date: 2024-05-02
    authors: [alison]
    categories: [Manager blog]
    ---

    Our partners met in May to agree the year's training offer. It was a full morning, with
    [the plan](https://www.gov.uk/) on the table and every agency in the room.

    The rest of the post, which the blog's front page leaves out.

    ## Next steps

    More text.
    """)
PASTED_DESCRIPTION = (
    "Our partners met in May to agree the year's training offer. It was a full morning, "
    "with the plan on the table and every agency in the room."
)
NEWSLETTER_DESCRIPTION = "What does a good new safeguarding arrangement look like?"


def meta_description(page: str) -> str:
    found = re.search(r'<meta name="description" content="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))


def blog_excerpts(page: str) -> dict[str, str]:
    """Each post on a blog page: its address -> the text of its excerpt."""
    excerpts = {}
    pattern = r'<div class="md-post__content md-typeset">(.*?)<nav class="md-post__action">'
    for article in re.findall(pattern, page, re.S):
        link = re.search(r'<a class="toclink" href="([^"]+)"', article)
        assert link is not None
        excerpts[link.group(1)] = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())
    return excerpts


@pytest.fixture(scope="module")
def pasted_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with a post pasted as written, and the newsletter without its description
    and <!-- more -->, built."""
    root = copy_site(tmp_path_factory.mktemp("pasted") / "site")
    (root / "content/posts/pasted-as-written.md").write_text(PASTED, "utf-8")
    issue = root / "newsletters/tasp-newsletter-october-2019.md"
    text = issue.read_text("utf-8")
    text = re.sub(r"(?m)^description: .*\n", "", text, count=1)
    issue.write_text(text.replace("<!-- more -->\n\n", "", 1), "utf-8")
    result = run_bulletin(root, "build")
    assert result.returncode == 0, result.stderr
    return root / "build"


def test_a_pasted_post_builds_with_its_description_in_the_page(pasted_site: Path) -> None:
    page = (pasted_site / "site/2024/05/pasted-as-written/index.html").read_text("utf-8")
    assert meta_description(page) == PASTED_DESCRIPTION
    assert f'<meta property="og:description" content="{html.escape(PASTED_DESCRIPTION)}">' in page
    assert "The rest of the post, which the blog" in page  # the whole post on its own page


def test_a_pasted_post_shows_its_opening_paragraph_on_the_blog(pasted_site: Path) -> None:
    excerpts = blog_excerpts((pasted_site / "site/index.html").read_text("utf-8"))
    shown = excerpts["2024/05/pasted-as-written/"]
    assert shown == (
        "Pasted as written Our partners met in May to agree the year's training offer. It was "
        "a full morning, with the plan on the table and every agency in the room."
    )
    # The issue opens with a heading, then a paragraph of over 80 words: cut at a sentence.
    issue = excerpts["2019/10/tasp-newsletter-october-2019/"]
    assert issue.startswith("TASP newsletter – October 2019 Welcome What does a good new")
    assert issue.endswith("the ten or so JTAIs carried out each year.")
    home = (pasted_site / "site/index.html").read_text("utf-8")
    assert "carried out each year.</p>" in home  # the paragraph closed where it was cut
    page = (pasted_site / "site/2019/10/tasp-newsletter-october-2019/index.html").read_text("utf-8")
    assert "carried out each year.<!-- more --> That should give us" in page  # whole on its page


def test_a_pasted_post_carries_its_description_into_the_feeds(pasted_site: Path) -> None:
    for name in ("rss.xml", "atom.xml"):
        feed = feedparser.parse((pasted_site / "site/feeds" / name).read_bytes())
        summaries = {entry.link: entry.summary for entry in feed.entries}
        site = "https://news.tasp.example.org/"
        assert summaries[site + "2024/05/pasted-as-written/"] == PASTED_DESCRIPTION
        issue = summaries[site + "2019/10/tasp-newsletter-october-2019/"]
        assert issue == NEWSLETTER_DESCRIPTION
    items = json.loads((pasted_site / "site/feeds/feed.json").read_text("utf-8"))["items"]
    by_url = {item["url"]: item.get("summary") for item in items}
    assert by_url["https://news.tasp.example.org/2024/05/pasted-as-written/"] == (
        PASTED_DESCRIPTION
    )


def test_a_newsletter_without_a_description_has_one_in_its_email(pasted_site: Path) -> None:
    email_html = (pasted_site / "email/tasp-newsletter-october-2019.html").read_text("utf-8")
    hidden = re.search(r'<div style="display:none;[^"]*">(.*?)</div>', email_html, re.S)
    assert hidden is not None and hidden.group(1).startswith(NEWSLETTER_DESCRIPTION + "&")
    text = (pasted_site / "email/tasp-newsletter-october-2019.txt").read_text("utf-8")
    assert f"\n{NEWSLETTER_DESCRIPTION}\n" in text


MATERIAL_POSTS = {
    "hello-world.md": """\
        ---
        title: Hello world!
        date:
          created: 2024-01-31
        authors:
          - alison
        categories:
          - Manager blog
        ---

        Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nulla et euismod nulla.

        ## A section

        Curabitur feugiat, tortor non consequat finibus.
        """,
    "an-update.md": """\
        ---
        title: An update
        date: 2024-02-14
        authors: [richard]
        categories: [Chair blog]
        tags: [Leadership]
        readtime: 3
        ---

        - The first point of the update.
        - The second point.

        Then some prose, after the list.
        """,
}


def test_posts_written_for_a_default_material_blog_build(tmp_path: Path) -> None:
    root = copy_site(tmp_path / "site")
    posts = root / "content/posts"
    shutil.rmtree(posts)
    posts.mkdir()
    for name, text in MATERIAL_POSTS.items():
        (posts / name).write_text(dedent(text), "utf-8")
    result = run_bulletin(root, "build")
    assert result.returncode == 0, result.stderr
    site = root / "build/site"
    hello = (site / "2024/01/hello-world/index.html").read_text("utf-8")
    assert meta_description(hello) == (
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nulla et euismod nulla."
    )
    update = (site / "2024/02/an-update/index.html").read_text("utf-8")
    assert meta_description(update) == "Then some prose, after the list."
    excerpts = blog_excerpts((site / "index.html").read_text("utf-8"))
    assert excerpts["2024/02/an-update/"] == (
        "An update The first point of the update. The second point."
    )
    assert excerpts["2024/01/hello-world/"].endswith("Nulla et euismod nulla.")


def test_required_descriptions_stop_the_build_again(scratch_site: Path) -> None:
    replace_in(
        scratch_site / "mkdocs.yml",
        "      output_dir: build\n",
        "      output_dir: build\n      require: [description, excerpt]\n",
    )
    post = "content/posts/when-the-board-asks-the-questions.md"
    for command, severity in (("build", ""), ("check", "error: ")):
        result = run_bulletin(scratch_site, command)
        assert result.returncode == 1
        output = result.stdout + result.stderr
        assert (
            f"{post}:1: {severity}description: missing: add 'description:' with a one-line "
            "summary in double quotes"
        ) in output
        assert f"{post}:9: {severity}text: no excerpt marker: put a line '<!-- more -->'" in output
    assert not (scratch_site / "build").exists()


def test_require_accepts_only_description_and_excerpt(scratch_site: Path) -> None:
    replace_in(
        scratch_site / "mkdocs.yml",
        "      output_dir: build\n",
        "      output_dir: build\n      require: [summary]\n",
    )
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert "require" in result.stderr and "summary" in result.stderr
    assert "Traceback" not in result.stderr
