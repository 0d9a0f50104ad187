"""The feeds and emails of the built sample site, read back with real parsers."""

from __future__ import annotations

import email
import email.policy
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from conftest import BuiltSite, replace_in, run_bulletin

SITE_URL = "https://news.tasp.example.org/"
FEED_COUNTS = {
    "feeds": 6,
    "feeds/category/manager-blog": 3,
    "feeds/category/chair-blog": 2,
    "feeds/category/newsletter": 1,
    "feeds/author/alison": 3,
    "feeds/author/richard": 3,
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.alternates: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value or "" for name, value in attrs if name in ("href", "src")]
        if tag == "link" and values.get("rel") == "alternate":
            self.alternates.append(values)


def links_of(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("folder", sorted(FEED_COUNTS))
@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_every_feed_parses_with_the_expected_items(
    built_site: BuiltSite, folder: str, name: str
) -> None:
    data = (built_site.site / folder / name).read_bytes()
    if name == "feed.json":
        import json

        items = json.loads(data)["items"]
        assert len(items) == FEED_COUNTS[folder]
        return
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert len(feed.entries) == FEED_COUNTS[folder]
    for entry in feed.entries:
        assert entry.link.startswith(SITE_URL)
        assert entry.title and entry.summary and entry.content[0].value
        for url in links_of(entry.content[0].value).urls:
            assert url.startswith(("https://", "http://", "mailto:")), (entry.link, url)


def test_the_site_feed_has_the_posts_newest_first_with_london_offsets(
    built_site: BuiltSite,
) -> None:
    rss = (built_site.site / "feeds" / "rss.xml").read_text("utf-8")
    feed = feedparser.parse(rss)
    assert [entry.link for entry in feed.entries] == [
        SITE_URL + "2024/07/summer-learning-from-reviews/",
        SITE_URL + "2024/06/scrutiny-that-makes-a-difference/",
        SITE_URL + "2024/04/when-the-board-asks-the-questions/",
        SITE_URL + "2024/02/priorities-in-practice-february/",
        SITE_URL + "2024/01/new-year-new-safeguarding-directions/",
        SITE_URL + "2019/10/tasp-newsletter-october-2019/",
    ]
    assert "<pubDate>Fri, 05 Jul 2024 00:00:00 +0100</pubDate>" in rss
    assert "<pubDate>Fri, 12 Jan 2024 00:00:00 +0000</pubDate>" in rss
    assert "Winter pressures" not in rss
    assert feed.feed.language == "en-GB"


def test_pages_announce_their_feeds(built_site: BuiltSite) -> None:
    home = links_of((built_site.site / "index.html").read_text("utf-8")).alternates
    assert {link["href"] for link in home} >= {
        SITE_URL + "feeds/rss.xml",
        SITE_URL + "feeds/atom.xml",
    }
    series = (built_site.site / "category" / "newsletter" / "index.html").read_text("utf-8")
    hrefs = {link["href"] for link in links_of(series).alternates}
    assert SITE_URL + "feeds/category/newsletter/rss.xml" in hrefs
    assert 'href="../../feeds/category/newsletter/rss.xml"' in series


def test_the_newsletter_email_is_a_complete_message(built_site: BuiltSite) -> None:
    folder = built_site.root / "build" / "email"
    slug = "tasp-newsletter-october-2019"
    assert sorted(path.name for path in folder.iterdir()) == [
        f"{slug}.eml",
        f"{slug}.html",
        f"{slug}.txt",
    ]
    message = email.message_from_bytes(
        (folder / f"{slug}.eml").read_bytes(), policy=email.policy.default
    )
    assert message["Subject"] == "TASP newsletter – October 2019"
    assert message["List-Id"] == "TASP member newsletter <newsletter.tasp.example.org>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert html.get_content().replace("\r\n", "\n") == (folder / f"{slug}.html").read_text("utf-8")
    body = (folder / f"{slug}.html").read_text("utf-8")
    for needed in ("Welcome to our newest members", "Guernsey", "Spotlight on", "£4,375"):
        assert needed in body


def test_email_only_blocks_stay_out_of_the_web_page(scratch_site: Path) -> None:
    issue = scratch_site / "newsletters" / "tasp-newsletter-october-2019.md"
    text = issue.read_text("utf-8").replace(
        "## Welcome\n",
        "/// email-only\nYou are reading the email edition.\n///\n\n/// web-only\nYou are reading the web edition.\n///\n\n## Welcome\n",
    )
    issue.write_text(text, "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    page = (scratch_site / "build/site/2019/10/tasp-newsletter-october-2019/index.html").read_text(
        "utf-8"
    )
    mail = (scratch_site / "build/email/tasp-newsletter-october-2019.html").read_text("utf-8")
    feed = (scratch_site / "build/site/feeds/rss.xml").read_text("utf-8")
    assert "web edition" in page and "email edition" not in page
    assert "email edition" in mail and "web edition" not in mail
    assert "email edition" not in feed


def test_markup_in_titles_and_descriptions_is_text_everywhere(scratch_site: Path) -> None:
    from xml.etree import ElementTree

    issue = scratch_site / "newsletters" / "tasp-newsletter-october-2019.md"
    hostile = '<script>alert(1)</script> Tom & Jerry \\"quoted\\" <img src=x onerror=alert(2)>'
    text = issue.read_text("utf-8")
    text = text.replace('title: "TASP newsletter – October 2019"', f'title: "{hostile}"')
    text = text.replace('description: "', f'description: "{hostile} ', 1)
    issue.write_text(text, "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    build = scratch_site / "build"
    outputs = [
        build / "site/2019/10/tasp-newsletter-october-2019/index.html",
        build / "site/index.html",
        build / "email/tasp-newsletter-october-2019.html",
    ]
    for path in outputs:
        html = path.read_text("utf-8")
        assert "<script>alert(1)" not in html, path
        assert "<img src=x onerror" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    for feed in ("rss.xml", "atom.xml", "category/newsletter/rss.xml"):
        ElementTree.parse(build / "site/feeds" / feed)  # still well-formed XML
        parsed = feedparser.parse((build / "site/feeds" / feed).read_bytes())
        assert not parsed.bozo
        assert any("<script>alert(1)</script>" in entry.title for entry in parsed.entries)
    message = email.message_from_bytes(
        (build / "email/tasp-newsletter-october-2019.eml").read_bytes(), policy=email.policy.default
    )
    assert message["Subject"].strip().startswith("<script>alert(1)</script> Tom & Jerry")


def test_raw_html_reaches_the_website_only_when_allowed_and_never_feeds_or_email(
    scratch_site: Path,
) -> None:
    issue = scratch_site / "newsletters" / "tasp-newsletter-october-2019.md"
    issue.write_text(
        issue.read_text("utf-8").replace(
            "## Welcome\n",
            '## Welcome\n\n<p class="raw">Raw <b>bold</b></p>\n\n<script>alert(1)</script>\n',
        ),
        "utf-8",
    )
    refused = run_bulletin(scratch_site, "build")
    assert refused.returncode == 1
    assert (
        "newsletters/tasp-newsletter-october-2019.md:14: html: raw HTML '<p class=\"raw\">' is not allowed"
        in refused.stderr
    )
    replace_in(
        scratch_site / "mkdocs.yml",
        "      newsletters_dir: newsletters\n",
        "      newsletters_dir: newsletters\n      raw_html: true\n",
    )
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    page = (scratch_site / "build/site/2019/10/tasp-newsletter-october-2019/index.html").read_text(
        "utf-8"
    )
    assert '<p class="raw">Raw <b>bold</b></p>' in page
    for path in ("build/site/feeds/rss.xml", "build/email/tasp-newsletter-october-2019.html"):
        text = (scratch_site / path).read_text("utf-8")
        assert "<script>alert(1)</script>" not in text, path
