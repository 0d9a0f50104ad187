"""Fee tables in the built outputs come from content/fees.yml, and nowhere else.

Through the real ``bulletin build``: the newsletter's ``[[fee-table 2019/20]]`` on the website
and in its email (HTML, plain text and the .eml), and the /fees/ page's table and calculator
data, all follow one changed price; a bad fees file or a marker naming an unknown year stops
the build with the file and line named and the previous output left alone; and every row
of every built fee table agrees with the fee function.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
import shutil
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bulletin.fees import FeeSchedule, format_money, load_fees, quote
from conftest import BuiltSite, replace_in, run_bulletin, snapshot

SLUG = "tasp-newsletter-october-2019"
NEWSLETTER = f"newsletters/{SLUG}.md"
PAGES = {
    "newsletter page": f"build/site/2019/10/{SLUG}/index.html",
    "fees page": "build/site/fees/index.html",
    "email HTML": f"build/email/{SLUG}.html",
    "email text": f"build/email/{SLUG}.txt",
}


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the only line holding ``needle``."""
    lines = [n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def eml_text(path: Path) -> str:
    """Every text part of a built .eml, decoded."""
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
    )


@pytest.fixture
def built_copy(built_site: BuiltSite, tmp_path: Path) -> Path:
    """A private copy of the built sample site, sources and build/ both, to break and rebuild."""
    root = tmp_path / "site"
    shutil.copytree(built_site.root, root)
    return root


# -- one price changed in the file changes every output -------------------------------------


def test_changing_one_price_changes_the_site_and_the_email(scratch_site: Path) -> None:
    fees = scratch_site / "content" / "fees.yml"
    text = fees.read_text(encoding="utf-8")
    assert text.count("price: 2500.00\n") == 1, "the up-to-10 tier is no longer 2500.00"
    fees.write_text(text.replace("price: 2500.00\n", "price: 2600.00\n"), encoding="utf-8")

    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr

    for what, relative in PAGES.items():
        built = (scratch_site / relative).read_text(encoding="utf-8")
        assert "£2,600.00" in built, f"{what} lacks the new price"
        assert "£260.00" in built, f"{what} lacks the new per-person figure"
        assert "£2,500" not in built and "£250.00" not in built, f"{what} keeps the old price"
    eml = eml_text(scratch_site / "build" / "email" / f"{SLUG}.eml")
    assert "£2,600.00" in eml and "£2,500" not in eml
    # The calculator computes from the data embedded in the page, so it follows too.
    fees_page = html.unescape((scratch_site / PAGES["fees page"]).read_text(encoding="utf-8"))
    assert '"price_pence":260000' in fees_page and "250000" not in fees_page


def test_a_post_keeps_the_fee_table_of_its_own_date(scratch_site: Path) -> None:
    """Next year's fees never rewrite an archived newsletter: web page, email HTML and text."""
    replace_in(scratch_site / NEWSLETTER, "[[fee-table 2019/20]]", "[[fee-table]]")
    fees = scratch_site / "content" / "fees.yml"
    text = fees.read_text(encoding="utf-8")
    start = text.index("  - year: 2019/20")
    next_year = (
        text[start:]
        .replace("year: 2019/20", "year: 2020/21")
        .replace("effective: 2019-04-01", "effective: 2020-04-01")
        .replace("price: 2500.00\n", "price: 2750.00\n")
    )
    fees.write_text(text + next_year, encoding="utf-8")

    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    for what in ("newsletter page", "email HTML", "email text"):
        built = (scratch_site / PAGES[what]).read_text(encoding="utf-8")
        assert "£2,500.00" in built and "£2,750" not in built, f"{what} shows next year's fees"
    fees_page = (scratch_site / PAGES["fees page"]).read_text(encoding="utf-8")
    assert "£2,750.00" in fees_page, "the fees page shows the schedule in force today"


# -- a bad fees file or marker stops the build, naming the file and line --------------------


def test_a_decreasing_price_stops_the_build(built_copy: Path) -> None:
    before = snapshot(built_copy / "build")
    fees = built_copy / "content" / "fees.yml"
    text = fees.read_text(encoding="utf-8")
    assert text.count("price: 3375.00\n") == 1
    fees.write_text(text.replace("price: 3375.00\n", "price: 2400.00\n"), encoding="utf-8")
    line = line_of(fees, "price: 2400.00")

    result = run_bulletin(built_copy, "build")

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"content/fees.yml:{line}: price: £2,400.00 is less than the tier before" in (
        result.stderr
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(built_copy / "build") == before


def test_a_marker_naming_an_unknown_year_stops_the_build(built_copy: Path) -> None:
    before = snapshot(built_copy / "build")
    newsletter = built_copy / NEWSLETTER
    text = newsletter.read_text(encoding="utf-8")
    assert text.count("[[fee-table 2019/20]]") == 1
    newsletter.write_text(text.replace("2019/20]]", "2031/32]]"), encoding="utf-8")
    line = line_of(newsletter, "[[fee-table 2031/32]]")

    result = run_bulletin(built_copy, "build")

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{NEWSLETTER}:{line}: fee marker: no fee schedule for '2031/32'" in result.stderr, (
        result.stderr
    )
    assert "known years: 2019/20" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(built_copy / "build") == before


# -- the built tables agree with the fee function, row by row --------------------------------


class FeeTables(HTMLParser):
    """The data rows (cell texts) of every table, with its caption.

    A data row is one with a <td>: the header row has only <th scope="col">. The email keeps
    no <thead>/<tbody> and sits inside layout tables, so rows go to the innermost table.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._open: list[int] = []  # indexes into self.tables, innermost last
        self._caption: list[str] | None = None
        self._row: list[str] | None = None
        self._row_has_td = False
        self._cell: list[str] | None = None
        self._saved: list[tuple[list[str] | None, bool, list[str] | None]] = []
        self._label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":  # an inner table starts afresh; the outer row resumes after it
            self._saved.append((self._row, self._row_has_td, self._cell))
            self._row, self._row_has_td, self._cell = None, False, None
            self.tables.append(([], []))
            self._open.append(len(self.tables) - 1)
        elif tag == "caption" and self._open:
            self._caption = self.tables[self._open[-1]][0]
        elif tag == "tr" and self._open:
            self._row, self._row_has_td = [], False
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []
            self._row_has_td |= tag == "td"
        elif tag == "span" and ("class", "em-label") in attrs:
            self._label = True  # the heading the email repeats for a phone, not the cell's data

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._open:
            self._open.pop()
            self._row, self._row_has_td, self._cell = self._saved.pop()
        elif tag == "span" and self._label:
            self._label = False
        elif tag == "caption":
            self._caption = None
        elif tag in ("th", "td") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._open:
            if self._row_has_td:
                self.tables[self._open[-1]][1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._label:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def html_fee_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    parser = FeeTables()
    parser.feed(path.read_text(encoding="utf-8"))
    tables = [(" ".join("".join(caption).split()), rows) for caption, rows in parser.tables]
    return [table for table in tables if table[0].startswith("Membership fees for")]


def text_fee_tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    """The plain-text email's tables: caption, header, dashes, then rows to a blank line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tables = []
    for number, line in enumerate(lines):
        if not line.startswith("Membership fees for"):
            continue
        assert set(lines[number + 2].replace(" ", "")) == {"-"}, lines[number : number + 3]
        rows = []
        for row in lines[number + 3 :]:
            if not row.strip():
                break
            rows.append(re.split(r" {2,}", row.strip()))
        tables.append((line.strip(), rows))
    return tables


def money(text: str) -> Decimal:
    match = re.fullmatch(r"£([0-9,]+\.[0-9]{2})( each)?", text)
    assert match, text
    return Decimal(match[1].replace(",", ""))


def assert_table_agrees(
    schedules: tuple[FeeSchedule, ...], caption: str, rows: list[list[str]], where: str
) -> None:
    year = re.match(r"Membership fees for (\S+), from ", caption)
    assert year, caption
    (schedule,) = [s for s in schedules if s.year == year[1]]
    assert len(rows) == len(schedule.tiers) + 1, (where, rows)
    previous = 0
    for row, tier in zip(rows, schedule.tiers, strict=False):
        label, price, per_person = row
        assert label == f"Up to {tier.up_to}", (where, row)
        # Everyone from the tier below's top + 1 up to this tier's top pays this row's price.
        for count in range(previous + 1, tier.up_to + 1):
            fee = quote(schedules, count, year=schedule.year)
            assert fee.total == money(price) and fee.tier == tier.up_to, (where, row, count)
        assert format_money(quote(schedules, tier.up_to, year=schedule.year).total) == price
        assert money(per_person) == quote(schedules, tier.up_to, year=schedule.year).tier_per_person
        previous = tier.up_to
    label, each, per_person = rows[-1]
    top = schedule.top.up_to
    assert label == f"Each representative above {top}", (where, rows[-1])
    for count in (top + 1, top + 2, top + 35):
        step = quote(schedules, count, year=schedule.year).total
        step -= quote(schedules, count - 1, year=schedule.year).total
        assert step == money(each) == money(per_person), (where, count)


def test_every_built_fee_table_agrees_with_the_fee_function(built_site: BuiltSite) -> None:
    schedules = load_fees(built_site.root / "content" / "fees.yml", "content/fees.yml")
    found = 0
    for what, relative in PAGES.items():
        path = built_site.root / relative
        tables = text_fee_tables(path) if path.suffix == ".txt" else html_fee_tables(path)
        assert len(tables) == 1, (what, tables)
        for caption, rows in tables:
            assert_table_agrees(schedules, caption, rows, what)
            found += 1
    assert found == len(PAGES)
