"""The fee calculator on the built site's /fees/ page, in Debian's chromium.

The Python fee function is the oracle: every count from 1 to 60 and a set of bad inputs
are typed into the real page (Material theme, the site's own script and styles, the fee
data embedded at build time) and the displayed result must be exactly what
``format_quote(quote(...))`` or ``parse_representatives`` says. The same page is checked
with axe-core, from the keyboard, without JavaScript, and photographed at phone and
desktop widths into ``test-output/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bulletin.fees import (
    MAX_AMOUNT,
    MAX_REPRESENTATIVES,
    FeeSchedule,
    Tier,
    format_quote,
    load_fees,
    parse_representatives,
    quote,
)
from conftest import (
    BuiltSite,
    _QuietHandler,
    copy_site,
    run_bulletin,
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
AXE = ROOT / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BAD_INPUTS = ["0", "-1", "-3", "2.5", "abc", "", "1001", "1000000000", "1e3", "1e", "+5", " 12 "]

FIELD = "#fee-representatives"
RESULT = "#fee-result"


@pytest.fixture(scope="module")
def schedules(built_site: BuiltSite) -> tuple[FeeSchedule, ...]:
    """The schedules the built site was made from: the oracle's data."""
    return load_fees(built_site.root / "content" / "fees.yml", "content/fees.yml")


@pytest.fixture(scope="module")
def fees_url(site_url: str) -> str:
    return site_url + "fees/"


@pytest.fixture(scope="module")
def page(browser: Browser, fees_url: str) -> Iterator[Page]:
    """One desktop page on the built /fees/, reused by the tests that only type into it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    # The page needs nothing from other hosts (Material may try site_url's sitemap; that is
    # not the calculator's): every request to the served site itself must succeed.
    page.on(
        "requestfailed",
        lambda request: (
            errors.append(f"failed: {request.url}")
            if request.url.startswith(fees_url.split("/fees/")[0])
            else None
        ),
    )
    page.goto(fees_url)
    expect(page.locator("#fee-calculator")).to_be_visible()
    yield page
    page.close()
    assert errors == [], errors


def expected_for_field(page: Page, schedules: tuple[FeeSchedule, ...], year: str | None) -> str:
    """What Python says for what the browser holds in the field."""
    value, bad_input = page.locator(FIELD).evaluate(
        "field => [field.value, field.validity.badInput]"
    )
    try:
        count = parse_representatives("not a number" if bad_input else value)
    except ValueError as error:
        return str(error)
    return format_quote(quote(schedules, count, year=year))


def assert_readable(text: str) -> None:
    assert text.strip(), "the result is blank"
    for junk in ("NaN", "undefined", "null", "Infinity", "[object"):
        assert junk not in text, text


def test_the_page_starts_with_an_answer(page: Page, schedules: tuple[FeeSchedule, ...]) -> None:
    expect(page.locator(FIELD)).to_have_value("5")
    expect(page.locator(RESULT)).to_have_text(format_quote(quote(schedules, 5)))
    expect(page.locator(RESULT)).to_have_attribute("aria-live", "polite")
    expect(page.get_by_label("Number of representatives")).to_have_count(1)


def test_every_count_from_1_to_60_matches_python(
    page: Page, schedules: tuple[FeeSchedule, ...]
) -> None:
    field, result = page.locator(FIELD), page.locator(RESULT)
    checked = 0
    for count in [*range(1, 61), 100, 999, 1000]:
        field.fill(str(count))
        expected = format_quote(quote(schedules, count))
        expect(result).to_have_text(expected)
        assert_readable(expected)
        expect(field).not_to_have_attribute("aria-invalid", "true")
        checked += 1
    assert checked == 63


def test_bad_input_gets_the_same_message_as_python(
    page: Page, schedules: tuple[FeeSchedule, ...]
) -> None:
    field, result = page.locator(FIELD), page.locator(RESULT)
    seen: dict[str, str] = {}
    for typed in BAD_INPUTS:
        field.fill("1")  # a good answer first, so a stale one cannot pass for the new one
        expect(result).to_have_text(format_quote(quote(schedules, 1)))
        field.fill("")
        field.press_sequentially(typed)  # as a person types: the browser may drop some keys
        expected = expected_for_field(page, schedules, None)
        expect(result, f"typed {typed!r}").to_have_text(expected)
        text = result.text_content() or ""
        assert_readable(text)
        seen[typed] = text
        if expected[0].isdigit():  # accepted, like " 12 "
            expect(field).not_to_have_attribute("aria-invalid", "true")
        else:
            expect(field).to_have_attribute("aria-invalid", "true")
            expect(result).to_have_class("fee-error")
    # The browser keeps what these look like, so Python's word on the typed text is the answer.
    for typed in ("0", "-1", "2.5", "", "1001", "1e3", " 12 "):
        try:
            python = format_quote(quote(schedules, parse_representatives(typed)))
        except ValueError as error:
            python = str(error)
        assert seen[typed] == python, typed
    # Letters never reach the script; whatever the field holds, the answer is a message.
    assert not seen["abc"][0].isdigit()


def test_the_year_selector_is_offered_only_for_several_years(page: Page) -> None:
    expect(page.locator("#fee-year")).to_have_count(0)  # the sample site has one schedule


# Sets every price and extra of the data the page embeds, as it is parsed, to ``pence``:
# fees no content/fees.yml can give (bulletin.fees.MAX_AMOUNT caps them) reach the script.
SET_FEES = """
pence => {
  const parse = JSON.parse;
  JSON.parse = function (text, reviver) {
    const data = parse(text, reviver);
    for (const schedule of (data && data.schedules) || []) {
      for (const tier of schedule.tiers) tier.price_pence = pence;
      schedule.each_extra_representative_pence = pence;
    }
    return data;
  };
}
"""


def page_with_fees(browser: Browser, fees_url: str, pence: float) -> Page:
    page = browser.new_page()
    page.add_init_script(f"({SET_FEES})({pence!r})")
    page.goto(fees_url)
    expect(page.locator("#fee-calculator")).to_be_visible()
    return page


def test_a_fee_too_large_to_add_up_exactly_is_never_shown(browser: Browser, fees_url: str) -> None:
    page = page_with_fees(browser, fees_url, 1.5e25)  # once shown as "£1.5e+23.XX"
    try:
        result = page.locator(RESULT)
        for typed in ("3", "5", "60"):
            page.locator(FIELD).fill(typed)
            expect(result).to_have_text(
                "This fee is too large for the calculator to work out; please contact us to "
                "agree a fee."
            )
            expect(result).to_have_class("fee-error")
    finally:
        page.close()


def test_the_largest_fees_fees_yml_allows_are_exact(
    browser: Browser, fees_url: str, schedules: tuple[FeeSchedule, ...]
) -> None:
    largest = tuple(
        dataclasses.replace(
            schedule,
            tiers=tuple(Tier(tier.up_to, MAX_AMOUNT) for tier in schedule.tiers),
            each_extra_representative=MAX_AMOUNT,
        )
        for schedule in schedules
    )
    page = page_with_fees(browser, fees_url, int(MAX_AMOUNT * 100))
    try:
        for count in (1, 7, 999, MAX_REPRESENTATIVES):
            page.locator(FIELD).fill(str(count))
            expected = format_quote(quote(largest, count))
            expect(page.locator(RESULT)).to_have_text(expected)
            assert "e+" not in expected
    finally:
        page.close()


def test_keyboard_only_use(page: Page, schedules: tuple[FeeSchedule, ...], fees_url: str) -> None:
    page.goto(fees_url)
    field = page.locator(FIELD)
    for _ in range(200):  # Tab through Material's header and navigation to the field
        page.keyboard.press("Tab")
        if field.evaluate("field => field === document.activeElement"):
            break
    expect(field).to_be_focused()
    outline = field.evaluate("field => getComputedStyle(field).outlineStyle")
    assert outline not in ("", "none"), "the focused field shows no focus ring"
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    expect(page.locator(RESULT)).to_have_text(format_quote(quote(schedules, 12)))
    page.keyboard.press("Enter")  # submitting must not reload or clear the answer
    page.keyboard.press("ArrowUp")
    expect(page.locator(RESULT)).to_have_text(format_quote(quote(schedules, 13)))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator(RESULT)).to_have_text(format_quote(quote(schedules, 11)))
    assert page.url == fees_url


def test_axe_finds_no_serious_or_critical_violation(
    page: Page, schedules: tuple[FeeSchedule, ...]
) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci --prefix tests/node' (./scripts/test does)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    serious: list[str] = []
    for typed, state in (("7", "a quote with its note"), ("abc", "an error message")):
        page.locator(FIELD).fill("")
        page.locator(FIELD).press_sequentially(typed)
        expect(page.locator(RESULT)).to_have_text(expected_for_field(page, schedules, None))
        result = page.evaluate(
            "async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        print(f"\naxe-core {result['testEngine']['version']} on /fees/ showing {state}:")
        print(f"  {len(result['passes'])} rules passed, {len(result['incomplete'])} to review")
        for violation in result["violations"]:
            impact = violation["impact"] or "unknown"
            counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
            targets = ", ".join(
                " ".join(map(str, node["target"])) for node in violation["nodes"][:5]
            )
            line = f"  {impact}: {violation['id']} ({violation['help']}) at {targets}"
            print(line)
            if impact in ("serious", "critical"):
                serious.append(line)
        if not result["violations"]:
            print("  no violations")
    print(f"  violations by impact: {json.dumps(counts, sort_keys=True) or '{}'}")
    assert not serious, "axe-core found serious or critical violations:\n" + "\n".join(serious)


def test_without_javascript_the_table_is_the_answer(
    browser: Browser, fees_url: str, schedules: tuple[FeeSchedule, ...]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(fees_url)
        expect(page.locator("#fee-calculator")).to_be_hidden()
        table = page.locator("table.fee-table")
        expect(table).to_be_visible()
        schedule = schedules[-1]
        expect(table.locator("caption")).to_have_text(
            f"Membership fees for {schedule.year}, from 1 April 2019"
        )
        expect(table.locator("tbody tr")).to_have_count(len(schedule.tiers) + 1)
        expect(table.locator("tbody tr").first).to_contain_text("£1,500.00")
    finally:
        context.close()


@pytest.mark.parametrize(("name", "width", "height"), [("phone", 375, 812), ("desktop", 1280, 900)])
def test_screenshots(browser: Browser, fees_url: str, name: str, width: int, height: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(fees_url)
        page.locator(FIELD).fill("7")
        expect(page.locator(RESULT)).to_contain_text("You could register up to 10")
        # Show the calculator under Material's sticky header, the way a reader finds it.
        page.evaluate(
            """() => { const h = document.getElementById('work-out-your-fee');
                       window.scrollTo(0, h.getBoundingClientRect().top + scrollY - 72); }"""
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"fee-calculator-{name}.png"), animations="disabled")
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert sideways <= 0, f"the page scrolls sideways by {sideways}px at {width}px"
        for selector in (FIELD, RESULT, "table.fee-table"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        field_box = page.locator(FIELD).bounding_box()
        assert field_box is not None and field_box["height"] >= 24  # WCAG 2.2 target size
    finally:
        page.close()


# -- several membership years: a second built site --------------------------------------------


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, tuple]]:
    """The sample site with a 2020/21 schedule added to fees.yml, built and served.

    Yields the /fees/ URL and the schedules read back from that fees.yml (the oracle).
    """
    root = copy_site(tmp_path_factory.mktemp("two-years") / "site")
    fees = root / "content" / "fees.yml"
    text = fees.read_text(encoding="utf-8")
    later = text.split("schedules:\n", 1)[1]
    later = later.replace("2019/20", "2020/21").replace("2019-04-01", "2020-04-01")
    later = later.replace("price: 1500.00", "price: 1650.00")
    later = later.replace("each_extra_representative: 50.00", "each_extra_representative: 60.00")
    fees.write_text(text + later, encoding="utf-8")
    result = run_bulletin(root, "build")
    assert result.returncode == 0, result.stderr
    handler = functools.partial(_QuietHandler, directory=str(root / "build" / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/fees/"
        yield url, load_fees(fees, "content/fees.yml")
    finally:
        server.shutdown()
        server.server_close()


def test_the_year_selector_switches_schedule(
    browser: Browser, two_years: tuple[str, tuple[FeeSchedule, ...]]
) -> None:
    url, schedules = two_years
    assert [schedule.year for schedule in schedules] == ["2019/20", "2020/21"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url)
        data = page.locator("#fee-calculator").get_attribute("data-fees") or ""
        assert "165000" in data and "150000" in data  # both years embedded from the file
        field, result, year = page.locator(FIELD), page.locator(RESULT), page.locator("#fee-year")
        expect(year).to_have_value("2020/21")  # the one in force, the newest, by default
        expect(page.get_by_label("Membership year")).to_have_count(1)
        expect(year.locator("option")).to_have_text(["2020/21", "2019/20"])
        expect(result).to_have_text(format_quote(quote(schedules, 5, year="2020/21")))
        for chosen in ("2019/20", "2020/21"):
            year.select_option(chosen)
            for count in (3, 5, 6, 25, 26, 40):
                field.fill(str(count))
                expect(result).to_have_text(format_quote(quote(schedules, count, year=chosen)))
        # From the keyboard: Tab from the field reaches the selector, arrows change the year.
        field.fill("26")
        field.focus()
        page.keyboard.press("Tab")
        expect(year).to_be_focused()
        page.keyboard.press("ArrowUp")  # 2019/20 -> 2020/21 (newest first)
        expect(year).to_have_value("2020/21")
        expect(result).to_have_text(format_quote(quote(schedules, 26, year="2020/21")))
    finally:
        page.close()
