"""The fee calculator in a real browser, with the Python fee function as the oracle."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import markdown
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bulletin.fee_markup import FeeTableExtension
from bulletin.fees import (
    FeeSchedule,
    format_quote,
    load_fees,
    parse_fees,
    parse_representatives,
    quote,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>Membership fees</title>
<link rel="stylesheet" href="fee-calculator.css" />
</head>
<body>
<main class="md-typeset">
{body}
</main>
<script src="fee-calculator.js"></script>
</body>
</html>
"""


def render_page(folder: Path, schedules: tuple[FeeSchedule, ...]) -> None:
    """The fees page as the site renders its body, with the script and styles beside it."""
    text = (ROOT / "content" / "fees.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    md = markdown.Markdown(
        extensions=[FeeTableExtension(schedules=schedules), "tables", "md_in_html", "toc"]
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(PAGE.format(body=md.convert(text)), encoding="utf-8")
    for name in ("fee-calculator.js", "fee-calculator.css"):
        source = ROOT / "content" / "assets" / name
        (folder / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.fixture(scope="module")
def schedules() -> tuple[FeeSchedule, ...]:
    return load_fees(ROOT / "content" / "fees.yml", "content/fees.yml")


@pytest.fixture(scope="module")
def two_schedules(schedules: tuple[FeeSchedule, ...]) -> tuple[FeeSchedule, ...]:
    later = (ROOT / "content" / "fees.yml").read_text(encoding="utf-8").split("schedules:\n")[1]
    later = later.replace("2019/20", "2020/21").replace("2019-04-01", "2020-04-01")
    later = later.replace("1500.00", "1650.00").replace("50.00", "60.00")
    text = (ROOT / "content" / "fees.yml").read_text(encoding="utf-8") + later
    return parse_fees(text, "fees.yml")


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    schedules: tuple[FeeSchedule, ...],
    two_schedules: tuple[FeeSchedule, ...],
) -> Iterator[str]:
    """Both pages served from 127.0.0.1 on a free port; yields the base URL."""
    root = tmp_path_factory.mktemp("fee-site")
    render_page(root / "one", schedules)
    render_page(root / "two", two_schedules)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        yield page
    finally:
        page.close()


def expected_for_field(page: Page, schedules: tuple[FeeSchedule, ...], year: str | None) -> str:
    """What Python says for what the browser holds in the field."""
    value, bad_input = page.locator("#fee-representatives").evaluate(
        "field => [field.value, field.validity.badInput]"
    )
    try:
        count = parse_representatives("not a number" if bad_input else value)
    except ValueError as error:
        return str(error)
    return format_quote(quote(schedules, count, year=year))


def test_every_count_from_1_to_60_matches_python(
    site: str, page: Page, schedules: tuple[FeeSchedule, ...]
) -> None:
    page.goto(f"{site}/one/")
    field, result = page.locator("#fee-representatives"), page.locator("#fee-result")
    expect(result).to_have_text(format_quote(quote(schedules, 5)))  # the starting value
    for count in [*range(1, 61), 100, 1000]:
        field.fill(str(count))
        expect(result).to_have_text(format_quote(quote(schedules, count)))
    expect(page.locator("#fee-year")).to_have_count(0)


@pytest.mark.parametrize(
    "typed", ["0", "-3", "2.5", "abc", "", "1000000000", "1e3", "1e", "+5", " 12 "]
)
def test_bad_input_gets_the_same_message_as_python(
    site: str, page: Page, schedules: tuple[FeeSchedule, ...], typed: str
) -> None:
    page.goto(f"{site}/one/")
    field, result = page.locator("#fee-representatives"), page.locator("#fee-result")
    field.fill("")
    field.press_sequentially(typed)  # as a person types: the browser may drop some keys
    expected = expected_for_field(page, schedules, None)
    expect(result).to_have_text(expected)
    text = result.text_content() or ""
    assert text.strip() and "NaN" not in text and "undefined" not in text
    if not expected[0].isdigit():
        expect(field).to_have_attribute("aria-invalid", "true")


def test_the_year_selector_switches_schedule(
    site: str, page: Page, two_schedules: tuple[FeeSchedule, ...]
) -> None:
    page.goto(f"{site}/two/")
    field, result = page.locator("#fee-representatives"), page.locator("#fee-result")
    expect(page.locator("#fee-year")).to_have_value("2020/21")  # the newest by default
    for year in ("2020/21", "2019/20"):
        page.locator("#fee-year").select_option(year)
        for count in (3, 26, 40):
            field.fill(str(count))
            expect(result).to_have_text(format_quote(quote(two_schedules, count, year=year)))


def test_keyboard_only_use(site: str, page: Page, schedules: tuple[FeeSchedule, ...]) -> None:
    page.goto(f"{site}/one/")
    page.keyboard.press("Tab")
    expect(page.locator("#fee-representatives")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    page.keyboard.press("Enter")  # submitting must not reload or clear the answer
    page.keyboard.press("ArrowUp")
    expect(page.locator("#fee-result")).to_have_text(format_quote(quote(schedules, 13)))


def test_without_javascript_the_table_is_the_answer(
    site: str, browser: Browser, schedules: tuple[FeeSchedule, ...]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/one/")
        expect(page.locator("#fee-calculator")).to_be_hidden()
        expect(page.locator("table.fee-table")).to_be_visible()
        expect(page.locator("table.fee-table caption")).to_have_text(
            "Membership fees for 2019/20, from 1 April 2019"
        )
    finally:
        context.close()


@pytest.mark.parametrize(("name", "width", "height"), [("phone", 390, 844), ("desktop", 1280, 900)])
def test_screenshots(site: str, browser: Browser, name: str, width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(f"{site}/one/")
        page.locator("#fee-representatives").fill("7")
        expect(page.locator("#fee-result")).to_contain_text("You could register up to 10")
        no_sideways_scroll = page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"fee-calculator-{name}.png"), full_page=True)
        assert no_sideways_scroll
    finally:
        page.close()
