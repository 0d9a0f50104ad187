"""The fee schedules, the fee function, the fee markers and the calculator page."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as etree
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import markdown
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulletin.errors import ContentError
from bulletin.fees import (
    FeeSchedule,
    Tier,
    current_schedule,
    format_money,
    format_quote,
    load_fees,
    parse_fee_data,
    parse_fees,
    parse_representatives,
    quote,
    render_fee_data,
    schedule_for_year,
)
from bulletin.fees.markup import (
    FeeTableExtension,
    check_fee_markers,
    find_fee_markers,
    render_fee_calculator_html,
    render_fee_table_html,
)

ROOT = Path(__file__).resolve().parents[1]
FEES_FILE = ROOT / "content" / "fees.yml"

GOOD = textwrap.dedent(
    """\
    schedules:
      - year: 2019/20
        effective: 2019-04-01
        currency: GBP
        tiers:
          - up_to: 5
            price: 1500.00
          - up_to: 10
            price: 2500.00
          - up_to: 15
            price: 3375.00
        each_extra_representative: 50.00
        vacancy_advert:
          member: 0
          non_member: 650.00
    """
)
SCHEDULE_BLOCK = GOOD.split("schedules:\n")[1]
FOOTER = "1 problem found; nothing was built and the previous output is unchanged."


@pytest.fixture(scope="module")
def schedules() -> tuple[FeeSchedule, ...]:
    return load_fees(FEES_FILE, "content/fees.yml")


def problems_of(text: str) -> str:
    with pytest.raises(ContentError) as caught:
        parse_fees(text, "content/fees.yml")
    return caught.value.report()


# -- the data file ---------------------------------------------------------------------------


def test_the_real_file_holds_the_2019_20_scale(schedules: tuple[FeeSchedule, ...]) -> None:
    (schedule,) = schedules
    assert schedule.year == "2019/20"
    assert schedule.effective == date(2019, 4, 1)
    assert schedule.currency == "GBP"
    assert [(tier.up_to, tier.price) for tier in schedule.tiers] == [
        (5, Decimal("1500")),
        (10, Decimal("2500")),
        (15, Decimal("3375")),
        (20, Decimal("4000")),
        (25, Decimal("4375")),
    ]
    assert [tier.per_person for tier in schedule.tiers] == [
        Decimal(value) for value in ("300", "250", "225", "200", "175")
    ]
    assert schedule.each_extra_representative == Decimal("50")
    assert schedule.vacancy_advert_member == 0
    assert schedule.vacancy_advert_non_member == Decimal("650")


def test_amounts_are_decimals_even_where_yaml_would_make_floats() -> None:
    (schedule,) = parse_fees(GOOD.replace("50.00", "0.10"), "fees.yml")
    assert schedule.each_extra_representative == Decimal("0.10")
    assert isinstance(schedule.each_extra_representative, Decimal)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD.replace("3375.00", "2000"),
            "content/fees.yml:11: price: £2,000.00 is less than the tier before "
            "(£2,500.00 for up to 10); a larger tier must not cost less",
            id="decreasing price",
        ),
        pytest.param(
            GOOD.replace("up_to: 15", "up_to: 10"),
            "content/fees.yml:10: up_to: 10 is not more than the tier before (up to 10); "
            "list tiers from the smallest to the largest",
            id="tier not increasing",
        ),
        pytest.param(
            GOOD + SCHEDULE_BLOCK.replace("2019-04-01", "2020-04-01"),
            "content/fees.yml:16: year: 2019/20 is already the year of the schedule on line 2; "
            "each schedule needs its own year",
            id="duplicate year",
        ),
        pytest.param(
            GOOD + SCHEDULE_BLOCK.replace("2019/20", "2020/21"),
            "content/fees.yml:17: effective: 2019-04-01 is already the effective date of the "
            "schedule on line 3; each schedule needs its own effective date",
            id="duplicate effective date",
        ),
        pytest.param(
            GOOD.replace("    each_extra_representative: 50.00\n", ""),
            "content/fees.yml:2: each_extra_representative: missing from a schedule; "
            "add a line like 'each_extra_representative: 50.00'",
            id="missing field",
        ),
        pytest.param(
            GOOD.replace("2500.00", "2500.5"),
            "content/fees.yml:9: price: expected an amount in pounds like 1500 or 1500.00 "
            "(digits, no £ sign or commas, pence as two digits), got '2500.5'",
            id="float-looking price",
        ),
        pytest.param(
            GOOD.replace("2500.00", "2,500"),
            "content/fees.yml:9: price: expected an amount in pounds like 1500 or 1500.00 "
            "(digits, no £ sign or commas, pence as two digits), got '2,500'",
            id="price with a comma",
        ),
        pytest.param(
            GOOD.replace("1500.00", "0"),
            "content/fees.yml:7: price: must be more than 0; write the price in pounds",
            id="zero price",
        ),
        pytest.param(
            GOOD.replace("2500.00", "12345678901234567890123456789"),
            "content/fees.yml:9: price: 12345678901234567890123456789 is more than "
            "£10,000,000.00, the most a fee can be; check for a typo (amounts are in pounds, "
            "like 1500.00)",
            id="29-digit price",
        ),
        pytest.param(
            GOOD.replace("650.00", "10000000.01"),
            "content/fees.yml:15: non_member: 10000000.01 is more than £10,000,000.00, the most "
            "a fee can be; check for a typo (amounts are in pounds, like 1500.00)",
            id="price over the largest",
        ),
        pytest.param(
            GOOD.replace("currency: GBP", "currency: GBP\n    currency: GBP"),
            "content/fees.yml:5: currency: given twice (also on line 4); keep one",
            id="repeated key",
        ),
        pytest.param(
            GOOD.replace("GBP", "EUR"),
            "content/fees.yml:4: currency: only GBP is supported, got 'EUR'",
            id="currency",
        ),
        pytest.param(
            GOOD.replace("2019/20", "2019/21"),
            "content/fees.yml:2: year: 2019/21 is not two following years; did you mean 2019/20?",
            id="year",
        ),
        pytest.param(
            GOOD.replace("2019-04-01", "2019-02-30"),
            "content/fees.yml:3: effective: 2019-02-30 is not a real date",
            id="impossible date",
        ),
        pytest.param(
            GOOD.replace("1500.00", "!!float 1500"),
            "content/fees.yml:7: YAML tags like '!!float' are not allowed; write the plain value",
            id="tag",
        ),
        pytest.param(
            "",
            "content/fees.yml:1: the file is empty; it needs a 'schedules:' list",
            id="empty file",
        ),
        pytest.param(
            "schedules:\n  - year: [2019\n",
            "content/fees.yml:3: cannot read the YAML: expected ',' or ']', but got "
            "'<stream end>'; check the indentation and the colons",
            id="not YAML",
        ),
    ],
)
def test_one_mistake_is_named_with_its_line(text: str, expected: str) -> None:
    assert problems_of(text) == f"{expected}\n{FOOTER}"


def test_aliases_are_refused_where_both_ends_are() -> None:
    text = GOOD.replace("member: 0\n", "member: &free 0\n").replace("650.00", "*free")
    message = "YAML anchors and aliases (&name, *name) are not allowed; write the value out"
    assert problems_of(text).splitlines() == [
        f"content/fees.yml:14: {message}",
        f"content/fees.yml:15: {message}",
        "2 problems found; nothing was built and the previous output is unchanged.",
    ]


def test_a_python_tag_is_refused_not_run() -> None:
    report = problems_of(GOOD.replace("1500.00", "!!python/object/apply:os.system [ls]"))
    assert report.startswith(
        "content/fees.yml:7: YAML tags like '!!python/object/apply:os.system' are not allowed"
    )


def test_every_problem_is_collected_in_line_order() -> None:
    text = GOOD.replace("price: 1500.00", "prise: 1500.00").replace("up_to: 15", "up_to: 14.5")
    assert problems_of(text).splitlines() == [
        "content/fees.yml:6: price: missing from a tier; add a line like 'price: 1500.00'",
        "content/fees.yml:7: prise: unknown field; did you mean 'price'?",
        "content/fees.yml:10: up_to: expected a whole number of representatives like 5, got '14.5'",
        "3 problems found; nothing was built and the previous output is unchanged.",
    ]


def test_load_fees_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"^content/fees.yml: file not found"):
        load_fees(tmp_path / "fees.yml", "content/fees.yml")


def test_load_fees_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "fees.yml").mkdir()  # unreadable as a file, as one without permission is
    with pytest.raises(ContentError) as caught:
        load_fees(tmp_path / "fees.yml", "content/fees.yml")
    assert caught.value.report().splitlines()[0] == (
        "content/fees.yml: cannot read the file (Is a directory); check that you may read it"
    )


# -- choosing a schedule ---------------------------------------------------------------------


def two_years() -> tuple[FeeSchedule, ...]:
    later = SCHEDULE_BLOCK.replace("2019/20", "2020/21").replace("2019-04-01", "2020-04-01")
    return parse_fees(GOOD + later.replace("1500.00", "1600.00"), "fees.yml")


def test_the_schedule_in_force_on_a_day() -> None:
    schedules = two_years()
    assert current_schedule(schedules, date(2020, 3, 31)).year == "2019/20"
    assert current_schedule(schedules, date(2020, 4, 1)).year == "2020/21"
    with pytest.raises(ValueError, match="no fee schedule is in force on 2019-03-31; the earliest"):
        current_schedule(schedules, date(2019, 3, 31))


def test_an_unknown_year_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        schedule_for_year(two_years(), "2031/32")
    assert str(caught.value) == "no fee schedule for '2031/32'; known years: 2019/20, 2020/21"


def test_quote_uses_the_named_year_or_the_newest() -> None:
    schedules = two_years()
    assert quote(schedules, 3).total == Decimal("1600")
    assert quote(schedules, 3, year="2019/20").total == Decimal("1500")
    assert quote(schedules, 3, on=date(2019, 12, 1)).year == "2019/20"


# -- the fee function ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("representatives", "total", "tier"),
    [
        (1, "1500", 5),
        (5, "1500", 5),
        (6, "2500", 10),
        (10, "2500", 10),
        (11, "3375", 15),
        (20, "4000", 20),
        (25, "4375", 25),
        (26, "4425", None),
        (100, "8125", None),
    ],
)
def test_totals_at_the_tier_boundaries(
    schedules: tuple[FeeSchedule, ...], representatives: int, total: str, tier: int | None
) -> None:
    fee = quote(schedules, representatives)
    assert (fee.total, fee.tier) == (Decimal(total), tier)


@pytest.mark.parametrize(
    ("representatives", "line"),
    [
        (
            1,
            "1 representative in 2019/20: £1,500.00 (up to 5 tier, £300.00 a head in the tier; "
            "£1,500.00 per representative). You could register up to 5 for the same fee.",
        ),
        (
            7,
            "7 representatives in 2019/20: £2,500.00 (up to 10 tier, £250.00 a head in the tier; "
            "£357.14 per representative). You could register up to 10 for the same fee.",
        ),
        (
            15,
            "15 representatives in 2019/20: £3,375.00 (up to 15 tier, £225.00 a head in the tier; "
            "£225.00 per representative).",
        ),
        (
            26,
            "26 representatives in 2019/20: £4,425.00 (up to 25 tier £4,375.00 plus 1 extra at "
            "£50.00 each; £170.19 per representative).",
        ),
    ],
)
def test_format_quote(schedules: tuple[FeeSchedule, ...], representatives: int, line: str) -> None:
    assert format_quote(quote(schedules, representatives)) == line


def test_quote_fields_above_the_top(schedules: tuple[FeeSchedule, ...]) -> None:
    fee = quote(schedules, 26)
    assert fee.tier is None and fee.tier_per_person is None
    assert fee.extra_representatives == 1
    assert fee.base == Tier(25, Decimal("4375"))
    assert fee.per_representative == Decimal("170.19")


@pytest.mark.parametrize("representatives", [0, -3])
def test_no_representatives_is_a_clear_error(
    schedules: tuple[FeeSchedule, ...], representatives: int
) -> None:
    with pytest.raises(ValueError, match="a membership needs at least 1 representative, got"):
        quote(schedules, representatives)


def test_quote_refuses_a_non_integer(schedules: tuple[FeeSchedule, ...]) -> None:
    with pytest.raises(TypeError):
        quote(schedules, 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the number of representatives, a whole number from 1 to 1,000."),
        ("  ", "Enter the number of representatives, a whole number from 1 to 1,000."),
        (
            "abc",
            "That is not a whole number. Enter the number of representatives, from 1 to 1,000.",
        ),
        (
            "2.5",
            "That is not a whole number. Enter the number of representatives, from 1 to 1,000.",
        ),
        ("0", "A membership needs at least 1 representative. Enter a number from 1 to 1,000."),
        ("-3", "A membership needs at least 1 representative. Enter a number from 1 to 1,000."),
        ("1000000000", "For more than 1,000 representatives, please contact us to agree a fee."),
    ],
)
def test_typed_counts_that_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_representatives(text)
    assert str(caught.value) == message


def test_typed_counts_that_are_accepted() -> None:
    assert [parse_representatives(text) for text in ("12", " 7 ", "007", "1000")] == [
        12,
        7,
        7,
        1000,
    ]


def test_money_is_formatted_en_gb() -> None:
    assert format_money(Decimal("1234567.5")) == "£1,234,567.50"
    assert format_money(Decimal("0")) == "£0.00"


# -- properties ------------------------------------------------------------------------------


@st.composite
def fee_schedules(draw: st.DrawFn, year: int = 2019) -> FeeSchedule:
    sizes = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=8)))
    steps = draw(st.lists(st.integers(0, 500_000), min_size=len(sizes), max_size=len(sizes)))
    prices, price = [], 0
    for step in steps:
        price += step
        prices.append(max(price, 1))
    return FeeSchedule(
        year=f"{year}/{(year + 1) % 100:02d}",
        effective=date(year, 4, 1),
        currency="GBP",
        tiers=tuple(
            Tier(up_to, Decimal(p).scaleb(-2)) for up_to, p in zip(sizes, prices, strict=True)
        ),
        each_extra_representative=Decimal(draw(st.integers(1, 100_000))).scaleb(-2),
        vacancy_advert_member=Decimal(draw(st.integers(0, 100_000))).scaleb(-2),
        vacancy_advert_non_member=Decimal(draw(st.integers(0, 100_000))).scaleb(-2),
    )


@given(fee_schedules(), st.integers(1, 200))
def test_total_never_falls_as_representatives_rise(schedule: FeeSchedule, count: int) -> None:
    assert quote([schedule], count + 1).total >= quote([schedule], count).total


@given(fee_schedules(), st.integers(1, 10**6))
def test_cost_per_representative_tends_to_the_extra_price(
    schedule: FeeSchedule, beyond: int
) -> None:
    top, each = schedule.top, schedule.each_extra_representative
    count = top.up_to + beyond
    fee = quote([schedule], count)
    # total / n = each + (top price - top size * each) / n: the gap shrinks like 1/n.
    exact = Fraction(each) + Fraction(top.price - top.up_to * each) / count
    assert abs(Fraction(fee.per_representative) - exact) <= Fraction(1, 200)
    assert fee.total == top.price + beyond * each


@given(fee_schedules())
def test_the_table_and_the_function_agree_for_every_tier(schedule: FeeSchedule) -> None:
    table = etree.fromstring(render_fee_table_html(schedule)).find(".//table")  # in its region
    assert table is not None
    rows = table.findall("tbody/tr")
    for tier, row in zip(schedule.tiers, rows, strict=False):
        fee = quote([schedule], tier.up_to)
        assert [cell.text for cell in row] == [
            f"Up to {tier.up_to}",
            format_money(fee.total),
            format_money(fee.tier_per_person or Decimal(0)),
        ]
    above = quote([schedule], schedule.top.up_to + 1)
    assert rows[-1][1].text == f"{format_money(above.total - schedule.top.price)} each"


@given(
    st.lists(fee_schedules(), min_size=1, max_size=4).map(
        lambda items: tuple(
            replace(item, year=f"{2000 + i}/{(i + 1) % 100:02d}", effective=date(2000 + i, 4, 1))
            for i, item in enumerate(items)
        )
    )
)
def test_the_calculator_data_round_trips(schedules: tuple[FeeSchedule, ...]) -> None:
    assert parse_fee_data(render_fee_data(schedules, schedules[-1].year)) == schedules


def test_the_calculator_data_cannot_close_its_script_element() -> None:
    (schedule,) = parse_fees(GOOD, "fees.yml")
    data = render_fee_data([replace(schedule, year="</script><!--")], "x")
    assert "<" not in data and ">" not in data
    assert parse_fee_data(data)[0].year == "</script><!--"


# -- Markdown markers ------------------------------------------------------------------------


def convert(text: str, schedules: tuple[FeeSchedule, ...], on: date | None = None) -> str:
    md = markdown.Markdown(
        extensions=[
            FeeTableExtension(schedules=schedules, on=on),
            "tables",
            "md_in_html",
            "attr_list",
            "toc",
            "pymdownx.blocks.admonition",
            "pymdownx.blocks.details",
        ]
    )
    return md.convert(text)


def test_a_year_marker_renders_that_table(schedules: tuple[FeeSchedule, ...]) -> None:
    html = convert("Our scale:\n\n[[fee-table 2019/20]]\n\nThanks.", schedules)
    assert html == (
        "<p>Our scale:</p>\n" + render_fee_table_html(schedules[0]) + "\n<p>Thanks.</p>"
    )


def test_the_table_is_accessible_markup(schedules: tuple[FeeSchedule, ...]) -> None:
    root = etree.fromstring(render_fee_table_html(schedules[0]))
    # the table scrolls in its own region, which a keyboard reaches and the caption names
    region = root.find("div")
    assert region is not None and region.get("role") == "region"
    assert region.get("tabindex") == "0"
    assert region.get("aria-label") == "Membership fees for 2019/20, from 1 April 2019"
    table = region.find("table")
    assert table is not None and table.get("class") == "fee-table"
    assert table.findtext("caption") == "Membership fees for 2019/20, from 1 April 2019"
    assert [th.get("scope") for th in table.iter("th")] == ["col"] * 3 + ["row"] * 6
    assert table.findall("tbody/tr")[-1][0].text == "Each representative above 25"
    assert root.findtext("p") == (
        "Advertising a vacancy on our website is free for members "
        "and £650.00 an advertisement for non-members."
    )
    assert "style=" not in render_fee_table_html(schedules[0])


def test_a_bare_marker_uses_the_schedule_in_force() -> None:
    schedules = two_years()
    assert "£1,600.00" in convert("[[fee-table]]", schedules)
    assert "£1,600.00" not in convert("[[fee-table]]", schedules, on=date(2019, 6, 1))


def test_a_marker_inside_a_paragraph_or_block_still_renders(
    schedules: tuple[FeeSchedule, ...],
) -> None:
    html = convert(
        "Before\n[[fee-table]]\nafter\n\n/// details | Fees\n[[fee-table]]\n///", schedules
    )
    assert html.count('<table class="fee-table">') == 2
    assert html.startswith("<p>Before</p>\n<div")
    assert "<p>after</p>" in html


def test_an_indented_marker_is_code(schedules: tuple[FeeSchedule, ...]) -> None:
    assert convert("    [[fee-table]]", schedules) == "<pre><code>[[fee-table]]\n</code></pre>"
    assert find_fee_markers("    [[fee-table]]\n```\n[[fee-table]]\n```\n") == []


def test_an_unknown_year_renders_an_escaped_error(schedules: tuple[FeeSchedule, ...]) -> None:
    assert convert("[[fee-table 2020/21<b>]]", schedules) == (
        '<p class="fee-marker-error"><strong>Fee marker:</strong> no fee schedule for '
        "&#x27;2020/21&lt;b&gt;&#x27;; known years: 2019/20</p>"
    )


def test_markers_are_found_and_checked(schedules: tuple[FeeSchedule, ...]) -> None:
    text = (
        "Intro\n\n[[fee-table]]\n\n[[fee-table 2020/21]]\n\n[[fee-tabel]]\n\n[[fee-calculator]]\n"
    )
    assert find_fee_markers(text) == [(3, None), (5, "2020/21")]
    assert [str(problem) for problem in check_fee_markers(text, schedules, "x.md", 10)] == [
        "x.md:14: fee marker: no fee schedule for '2020/21'; known years: 2019/20; "
        "add the year to content/fees.yml or correct the marker",
        "x.md:16: fee marker: '[[fee-tabel]]' is not a fee marker; write [[fee-table]], "
        "[[fee-table 2019/20]] or [[fee-calculator]] alone on the line",
    ]


def test_the_newsletter_marker_is_valid(schedules: tuple[FeeSchedule, ...]) -> None:
    for path in sorted((ROOT / "newsletters").glob("*.md")):
        assert check_fee_markers(path.read_text(encoding="utf-8"), schedules, path.name) == []


def test_changing_a_price_in_the_file_changes_the_rendered_table(tmp_path: Path) -> None:
    changed = tmp_path / "fees.yml"
    changed.write_text(
        FEES_FILE.read_text(encoding="utf-8").replace("3375.00", "3400.00"), encoding="utf-8"
    )
    html = convert("[[fee-table 2019/20]]", load_fees(changed, "fees.yml"))
    assert "£3,400.00" in html and "£3,375.00" not in html


def test_the_calculator_marker(schedules: tuple[FeeSchedule, ...]) -> None:
    html = convert("[[fee-calculator]]", schedules)
    assert html == render_fee_calculator_html(schedules, "2019/20")
    form = etree.fromstring(html)
    field = form.find(".//input")
    assert field is not None and field.get("type") == "number" and field.get("min") == "1"
    assert field.get("inputmode") == "numeric"
    assert form.find(".//label").get("for") == field.get("id")  # type: ignore[union-attr]
    assert form.find(".//output").get("aria-live") == "polite"  # type: ignore[union-attr]
    assert form.find(".//select") is None  # one schedule, nothing to choose
    assert convert("[[fee-calculator]]", two_years()).count("<option") == 2
