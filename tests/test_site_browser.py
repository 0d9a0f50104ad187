"""The built sample site in Debian's chromium: every post is reachable by links from home."""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urljoin

import pytest

from test_build import PUBLISHED

pytestmark = pytest.mark.browser


def crawl(page, start: str, limit: int = 200) -> dict[str, str]:
    """Follow same-site links breadth-first from ``start``; map each page URL to its <h1>."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        response = page.goto(url)
        assert response is not None and response.ok, url
        seen[url] = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target, _ = urldefrag(href)
            if target.startswith(start) and target.endswith("/") and target not in seen:
                queue.append(target)
    return seen


def test_every_post_and_the_newsletter_is_reachable_from_home(browser, site_url: str) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    pages = crawl(page, site_url)
    for url, (title, _, _) in PUBLISHED.items():
        assert urljoin(site_url, url) in pages, f"{url} is not linked from the home page"
        assert title in pages[urljoin(site_url, url)]
    assert not any("winter-pressures" in url for url in pages)
    assert errors == []


def test_the_home_page_lists_the_newest_posts_with_en_gb_dates(browser, site_url: str) -> None:
    page = browser.new_page()
    page.goto(site_url)
    assert page.locator("html").get_attribute("lang") == "en-GB"
    first = page.locator("article").first
    assert "Summer" in first.inner_text()
    assert "5 July 2024" in first.inner_text()


def test_a_phone_width_page_has_no_sideways_scrolling(browser, site_url: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 812})
    page.goto(urljoin(site_url, "2019/10/tasp-newsletter-october-2019/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
