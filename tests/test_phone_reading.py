"""Newsletters that read on a phone, in headless Chromium: tables and boxes.

Tables: no word or amount split inside a word, in every email of the sample and of an issue
with a four-column events table at 600 and 375 px, and on the website's newsletter pages at
375 px. A word is a run without spaces or hyphens; it is broken when its
``Range.getClientRects()`` lie on more than one line (a break at a space or hyphen is fine).
Boxes (``/// members``, ``/// spotlight``): body-size text on the web and in the email.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import copy_site, run_bulletin
from emailkit import ROOT, render_sample, render_text_source

pytestmark = pytest.mark.browser

EVENTS = Path(__file__).resolve().parent / "fixtures" / "email" / "events-table.md"
AXE = Path(__file__).resolve().parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output" / "email-screenshots"

# The words of every table cell (the caption too) that the browser laid over two lines.
BROKEN_WORDS = """() => {
  const broken = [];
  // data tables only: an email's layout tables are all role="presentation"
  const cells = 'table:not([role="presentation"]) :is(td, th, caption)';
  for (const cell of document.querySelectorAll(cells)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-\\u2010-\\u2014]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => r.top);
        if (tops.length && Math.max(...tops) - Math.min(...tops) > 2) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def emails() -> dict[str, str]:
    return {
        "sample": render_sample().html,
        "events": render_text_source(EVENTS.read_text(encoding="utf-8")).html,
    }


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("name", ["sample", "events"])
def test_email_tables_break_only_between_words(browser, emails, name, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.route("**/*", lambda route: route.abort())
    page.set_content(emails[name], wait_until="domcontentloaded")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"tables-{name}-{width}.png"), full_page=True)
    assert page.locator("table.em-table").count() >= 1
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if AXE.exists():  # the stacked table keeps its cells' headings for a screen reader too
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
        )
        assert [(v["id"], len(v["nodes"])) for v in result["violations"]] == []
    page.close()


def test_events_table_stacks_into_labelled_rows_on_a_phone(browser, emails):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.route("**/*", lambda route: route.abort())
    page.set_content(emails["events"], wait_until="domcontentloaded")
    events = page.locator("table.em-stack").first
    assert events.locator("tr.em-head").is_hidden()
    assert events.locator("td", has_text="Tuesday").first.inner_text() == "Day: Tuesday"
    page.set_viewport_size({"width": 600, "height": 800})
    assert events.locator("tr.em-head").is_visible()
    assert events.locator("td", has_text="Tuesday").first.inner_text() == "Tuesday"
    page.close()


@pytest.fixture(scope="module")
def website(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site with the events issue added, built with ``bulletin build``."""
    root = copy_site(tmp_path_factory.mktemp("tables") / "site")
    shutil.copy2(EVENTS, root / "newsletters" / "tasp-newsletter-december-2019.md")
    result = run_bulletin(root, "build")
    assert result.returncode == 0, result.stderr
    return root / "build" / "site"


@pytest.mark.parametrize(
    "url", ["2019/10/tasp-newsletter-october-2019/", "2019/12/tasp-newsletter-december-2019/"]
)
def test_website_newsletter_tables_fit_a_phone(browser, website, url):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.route("http*://**", lambda route: route.abort())  # offline: the built files only
    page.goto((website / url / "index.html").as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate(BROKEN_WORDS) == []
    tables = page.locator("article table")
    assert tables.count() >= 1
    for index in range(tables.count()):
        # each table scrolls inside its own region, which a keyboard can reach and names
        region = tables.nth(index).locator("xpath=ancestor::div[@role='region'][1]")
        assert region.get_attribute("tabindex") == "0"
        assert (region.get_attribute("aria-label") or "").strip()
    page.close()


# The font size of body paragraphs and of the text in each newsletter box.
TEXT_SIZES = """([body, box]) => {
  const size = el => parseFloat(getComputedStyle(el).fontSize);
  const outside = [...document.querySelectorAll(body)].filter(p => !p.closest(box));
  return {body: size(outside[0]), boxes: [...document.querySelectorAll(box)].map(b =>
    [...b.querySelectorAll('p, li')].map(size))};
}"""


def test_email_boxes_use_the_body_text_size_on_a_phone(browser, emails):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.route("**/*", lambda route: route.abort())
    page.set_content(emails["sample"], wait_until="domcontentloaded")
    sizes = page.evaluate(TEXT_SIZES, [".em-card p", ".em-box"])
    title_and_text = [size for box in sizes["boxes"] for size in box]
    assert len(sizes["boxes"]) == 2 and min(title_and_text) >= sizes["body"] == 16
    # the spotlight's text keeps most of a phone's width: at least 40 characters a line
    cell = page.locator(".em-spotlight td").first.bounding_box()
    assert cell is not None and cell["width"] >= 320
    text = page.locator(".em-spotlight p").last.bounding_box()
    assert text is not None and text["width"] >= 290
    page.close()


def test_website_boxes_use_the_body_text_size(browser, website):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.route("http*://**", lambda route: route.abort())
    url = website / "2019/10/tasp-newsletter-october-2019/index.html"
    page.goto(url.as_uri(), wait_until="load")
    sizes = page.evaluate(TEXT_SIZES, ["article p", ".admonition.members, .admonition.spotlight"])
    assert len(sizes["boxes"]) == 2
    assert all(size == sizes["body"] for box in sizes["boxes"] for size in box), sizes
    page.close()
