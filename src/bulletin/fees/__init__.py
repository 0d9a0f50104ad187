"""Membership fees: the schedules in ``content/fees.yml``, the fee function and its outputs.

A schedule prices a partnership by its number of representatives. Tiers are flat: a
partnership pays the price of the smallest tier that covers it, so 1 to 5 representatives
all pay the "up to 5" price. Above the largest tier each extra representative adds a fixed
amount to the largest tier's price (26 pay £4,375 + £50 in 2019/20).

Money is ``Decimal`` at the edges and whole pence inside, so the Python function and the
calculator's JavaScript do the same integer arithmetic and round the same way (half up).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml

from bulletin import yamlsafe
from bulletin.errors import ContentError, Problem

CURRENCY = "GBP"
MAX_REPRESENTATIVES = 1000
"""The largest count the calculator and the CLI accept; larger memberships are negotiated."""
MAX_AMOUNT = Decimal("10000000.00")
"""The largest amount fees.yml may give: larger is surely a typo, and with at most
MAX_REPRESENTATIVES every sum the calculator's JavaScript does stays an exact whole number."""


@dataclass(frozen=True, slots=True)
class Tier:
    """A flat price for a partnership with up to ``up_to`` representatives."""

    up_to: int
    price: Decimal

    @property
    def per_person(self) -> Decimal:
        """The price shared by a full tier, to the penny (half up)."""
        return pounds(divide_pence(pence(self.price), self.up_to))


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """One membership year's fees, checked: tiers ascend and prices never fall."""

    year: str  # like "2019/20"
    effective: date  # the first day these fees apply
    currency: str  # always "GBP" for now
    tiers: tuple[Tier, ...]  # smallest first, at least one
    each_extra_representative: Decimal  # added per representative above the largest tier
    vacancy_advert_member: Decimal
    vacancy_advert_non_member: Decimal

    @property
    def top(self) -> Tier:
        return self.tiers[-1]


@dataclass(frozen=True, slots=True)
class Quote:
    """What a partnership of a given size pays in one membership year."""

    representatives: int
    year: str
    total: Decimal
    tier: int | None  # the covering tier's up_to; None above the largest tier
    tier_per_person: Decimal | None  # the covering tier's price / up_to; None above it
    per_representative: Decimal  # total / representatives, to the penny (half up)
    base: Tier  # the tier whose price is charged: the covering one, or the largest
    extra_representatives: int  # how many above the largest tier (0 inside a tier)
    each_extra_representative: Decimal

    @property
    def spare_places(self) -> int:
        """How many more representatives the same fee would cover."""
        return self.tier - self.representatives if self.tier is not None else 0


def pence(amount: Decimal) -> int:
    """Whole pence of an amount that has at most two decimal places."""
    return int(amount.scaleb(2))


def pounds(amount_pence: int) -> Decimal:
    """Pounds with exactly two decimal places."""
    return Decimal(amount_pence).scaleb(-2)


def divide_pence(amount_pence: int, count: int) -> int:
    """``amount_pence / count`` rounded half up, in integers (the JavaScript does the same)."""
    return (2 * amount_pence + count) // (2 * count)


def format_money(amount: Decimal) -> str:
    """En-GB pounds with pence, like £4,425.00."""
    whole, part = divmod(pence(amount), 100)
    return f"£{whole:,}.{part:02d}"


# -- reading -------------------------------------------------------------------------------


_YEAR = re.compile(r"([0-9]{4})/([0-9]{2})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{2})?")
_COUNT = re.compile(r"[0-9]+")

_SCHEDULE_FIELDS = {
    "year": "year: 2020/21",
    "effective": "effective: 2020-04-01",
    "currency": "currency: GBP",
    "tiers": "tiers: (a list of '- up_to: 5' and 'price: 1500.00' pairs)",
    "each_extra_representative": "each_extra_representative: 50.00",
    "vacancy_advert": "vacancy_advert: (with member: 0 and non_member: 650.00)",
}
_TIER_FIELDS = {"up_to": "up_to: 5", "price": "price: 1500.00"}
_ADVERT_FIELDS = {"member": "member: 0", "non_member": "non_member: 650.00"}


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a group of fields"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{node.value!r}" if node.value else "nothing"


class _Reader:
    """Walk a composed YAML tree, converting scalars explicitly and collecting problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def report(self, node: yaml.Node | int, field: str, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.problems.append(Problem(self.path, line, field, message))

    def fields(
        self, node: yaml.Node, field: str, expected: dict[str, str], what: str
    ) -> dict[str, yaml.Node] | None:
        """A mapping's values by key, after reporting wrong, repeated and missing keys."""
        if not isinstance(node, yaml.MappingNode):
            self.report(node, field, f"expected {what}, got {_kind(node)}")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            if key in found:
                self.report(
                    key_node, key, f"given twice (also on line {_line(found[key])}); keep one"
                )
            elif key not in expected:
                close = difflib.get_close_matches(key, expected, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "expected one of: "
                hint += "" if close else ", ".join(expected)
                self.report(key_node, key or field, f"unknown field; {hint}")
            else:
                found[key] = value_node
        for key, example in expected.items():
            if key not in found:
                self.report(node, key, f"missing from {what}; add a line like '{example}'")
        return found

    def scalar(self, node: yaml.Node, field: str, example: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.value.strip():
            return node.value.strip()
        self.report(node, field, f"expected a value like {example}, got {_kind(node)}")
        return None

    def amount(self, node: yaml.Node, field: str, *, free_ok: bool = False) -> Decimal | None:
        text = self.scalar(node, field, "1500.00")
        if text is None:
            return None
        if not _AMOUNT.fullmatch(text):
            self.report(
                node,
                field,
                f"expected an amount in pounds like 1500 or 1500.00 "
                f"(digits, no £ sign or commas, pence as two digits), got {text!r}",
            )
            return None
        if Decimal(text) > MAX_AMOUNT:  # exact: Decimal() rounds nothing, quantize() would fail
            self.report(
                node,
                field,
                f"{text} is more than {format_money(MAX_AMOUNT)}, the most a fee can be; check "
                "for a typo (amounts are in pounds, like 1500.00)",
            )
            return None
        value = Decimal(text).quantize(Decimal("0.01"))
        if not value and not free_ok:
            self.report(node, field, "must be more than 0; write the price in pounds")
            return None
        return value

    def count(self, node: yaml.Node, field: str) -> int | None:
        text = self.scalar(node, field, "5")
        if text is None:
            return None
        if not _COUNT.fullmatch(text) or not int(text):
            self.report(
                node, field, f"expected a whole number of representatives like 5, got {text!r}"
            )
            return None
        return int(text)

    def year(self, node: yaml.Node) -> str | None:
        text = self.scalar(node, "year", "2019/20")
        if text is None:
            return None
        match = _YEAR.fullmatch(text)
        if not match:
            self.report(node, "year", f"expected a membership year like 2019/20, got {text!r}")
            return None
        first, second = match.groups()
        if (int(first) + 1) % 100 != int(second):
            following = f"{first}/{(int(first) + 1) % 100:02d}"
            self.report(
                node, "year", f"{text} is not two following years; did you mean {following}?"
            )
            return None
        return text

    def effective(self, node: yaml.Node) -> date | None:
        text = self.scalar(node, "effective", "2019-04-01")
        if text is None:
            return None
        if not _DATE.fullmatch(text):
            self.report(node, "effective", f"expected a date like 2019-04-01, got {text!r}")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.report(node, "effective", f"{text} is not a real date")
            return None

    def tiers(self, node: yaml.Node) -> tuple[Tier, ...] | None:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            message = "expected a list of tiers, each '- up_to: 5' with 'price: 1500.00' below it"
            self.report(node, "tiers", message)
            return None
        tiers: list[Tier | None] = []
        for item in node.value:
            fields = self.fields(item, "tiers", _TIER_FIELDS, "a tier")
            if fields is None:
                tiers.append(None)
                continue
            up_to = self.count(fields["up_to"], "up_to") if "up_to" in fields else None
            price = self.amount(fields["price"], "price") if "price" in fields else None
            tiers.append(Tier(up_to, price) if up_to and price else None)
            # Compare with the previous tier that was read in full.
            previous = next((tier for tier in reversed(tiers[:-1]) if tier), None)
            if previous is None:
                continue
            if up_to is not None and up_to <= previous.up_to:
                self.report(
                    fields["up_to"],
                    "up_to",
                    f"{up_to} is not more than the tier before (up to {previous.up_to}); "
                    "list tiers from the smallest to the largest",
                )
            if price is not None and price < previous.price:
                self.report(
                    fields["price"],
                    "price",
                    f"{format_money(price)} is less than the tier before "
                    f"({format_money(previous.price)} for up to {previous.up_to}); "
                    "a larger tier must not cost less",
                )
        if not all(tiers):
            return None
        return tuple(tier for tier in tiers if tier)

    def schedule(self, fields: dict[str, yaml.Node]) -> FeeSchedule | None:
        year = self.year(fields["year"]) if "year" in fields else None
        effective = self.effective(fields["effective"]) if "effective" in fields else None
        currency = None
        if "currency" in fields:
            currency = self.scalar(fields["currency"], "currency", CURRENCY)
            if currency is not None and currency != CURRENCY:
                message = f"only {CURRENCY} is supported, got {currency!r}"
                self.report(fields["currency"], "currency", message)
                currency = None
        tiers = self.tiers(fields["tiers"]) if "tiers" in fields else None
        extra = None
        if "each_extra_representative" in fields:
            extra = self.amount(fields["each_extra_representative"], "each_extra_representative")
        member = non_member = None
        if "vacancy_advert" in fields:
            advert = self.fields(
                fields["vacancy_advert"], "vacancy_advert", _ADVERT_FIELDS, "vacancy_advert"
            )
            if advert is not None:
                if "member" in advert:
                    member = self.amount(advert["member"], "member", free_ok=True)
                if "non_member" in advert:
                    non_member = self.amount(advert["non_member"], "non_member", free_ok=True)
        if (
            year is None
            or effective is None
            or currency is None
            or tiers is None
            or extra is None
            or member is None
            or non_member is None
        ):
            return None
        return FeeSchedule(year, effective, currency, tiers, extra, member, non_member)

    def document(self, root: yaml.Node | None) -> tuple[FeeSchedule, ...]:
        if root is None:
            self.report(1, "", "the file is empty; it needs a 'schedules:' list")
            return ()
        fields = self.fields(root, "", {"schedules": "schedules:"}, "the fees file")
        if fields is None or "schedules" not in fields:
            return ()
        items = fields["schedules"]
        if not isinstance(items, yaml.SequenceNode) or not items.value:
            self.report(items, "schedules", "expected a list of schedules, each starting '- year:'")
            return ()
        schedules = []
        first_line: dict[object, int] = {}
        for item in items.value:
            fields = self.fields(item, "schedules", _SCHEDULE_FIELDS, "a schedule")
            schedule = self.schedule(fields) if fields is not None else None
            if fields is None or schedule is None:
                continue
            schedules.append(schedule)
            for key, value, field in (
                ("year", schedule.year, "year"),
                ("effective", schedule.effective, "effective"),
            ):
                line = _line(fields[key])
                seen = first_line.setdefault((key, value), line)
                if seen != line:
                    what = "year" if key == "year" else "effective date"
                    self.report(
                        line,
                        field,
                        f"{value} is already the {what} of the schedule on line {seen}; "
                        f"each schedule needs its own {what}",
                    )
        return tuple(schedules)


def parse_fees(text: str, path: str) -> tuple[FeeSchedule, ...]:
    """Parse and check a fees file; raise one ContentError naming every problem."""
    reader = _Reader(path)
    root, problems = yamlsafe.compose(text, path)
    if problems:
        raise ContentError(problems)
    schedules = reader.document(root)
    if reader.problems:
        raise ContentError(sorted(set(reader.problems)))
    return tuple(sorted(schedules, key=lambda schedule: (schedule.effective, schedule.year)))


def load_fees(path: Path, display_path: str) -> tuple[FeeSchedule, ...]:
    """Read a fees file (UTF-8) and parse it; errors name ``display_path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = Problem(display_path, 0, "", "file not found; create it from the example")
        raise ContentError([problem]) from None
    except OSError as error:  # e.g. permission denied: say so, with the file, not a traceback
        message = f"cannot read the file ({error.strerror or error}); check that you may read it"
        raise ContentError([Problem(display_path, 0, "", message)]) from None
    except UnicodeDecodeError as error:
        message = f"not UTF-8 text (byte {error.start}); save the file as UTF-8"
        raise ContentError([Problem(display_path, 0, "", message)]) from None
    return parse_fees(text, display_path)


# -- choosing a schedule --------------------------------------------------------------------


def known_years(schedules: Sequence[FeeSchedule]) -> str:
    return ", ".join(schedule.year for schedule in schedules) or "none"


def schedule_for_year(schedules: Sequence[FeeSchedule], year: str) -> FeeSchedule:
    """The schedule of one membership year, or ValueError naming the known years."""
    for schedule in schedules:
        if schedule.year == year:
            return schedule
    raise ValueError(f"no fee schedule for {year!r}; known years: {known_years(schedules)}")


def current_schedule(schedules: Sequence[FeeSchedule], on: date) -> FeeSchedule:
    """The schedule in force on a day: the latest whose effective date is not after it."""
    in_force = [schedule for schedule in schedules if schedule.effective <= on]
    if not in_force:
        if not schedules:
            raise ValueError("there are no fee schedules")
        first = min(schedules, key=lambda schedule: schedule.effective)
        raise ValueError(
            f"no fee schedule is in force on {on.isoformat()}; the earliest, {first.year}, "
            f"starts on {first.effective.isoformat()}"
        )
    return max(in_force, key=lambda schedule: schedule.effective)


def select_schedule(
    schedules: Sequence[FeeSchedule], year: str | None = None, on: date | None = None
) -> FeeSchedule:
    """A named year's schedule, else the one in force on a day, else the newest."""
    if year is not None and on is not None:
        raise ValueError("give a membership year or a date, not both")
    if year is not None:
        return schedule_for_year(schedules, year)
    if on is not None:
        return current_schedule(schedules, on)
    if not schedules:
        raise ValueError("there are no fee schedules")
    return max(schedules, key=lambda schedule: schedule.effective)


# -- the fee function -----------------------------------------------------------------------


def quote(
    schedules: Sequence[FeeSchedule],
    representatives: int,
    year: str | None = None,
    on: date | None = None,
) -> Quote:
    """What ``representatives`` pay: the covering tier's flat price, or the largest plus extras."""
    if isinstance(representatives, bool) or not isinstance(representatives, int):
        raise TypeError(f"representatives must be an int, got {representatives!r}")
    if representatives < 1:
        raise ValueError(f"a membership needs at least 1 representative, got {representatives}")
    schedule = select_schedule(schedules, year, on)
    covering = next((tier for tier in schedule.tiers if representatives <= tier.up_to), None)
    if covering is not None:
        total = pence(covering.price)
        base, extra = covering, 0
    else:
        base = schedule.top
        extra = representatives - base.up_to
        total = pence(base.price) + extra * pence(schedule.each_extra_representative)
    return Quote(
        representatives=representatives,
        year=schedule.year,
        total=pounds(total),
        tier=covering.up_to if covering else None,
        tier_per_person=covering.per_person if covering else None,
        per_representative=pounds(divide_pence(total, representatives)),
        base=base,
        extra_representatives=extra,
        each_extra_representative=schedule.each_extra_representative,
    )


def format_quote(fee: Quote) -> str:
    """One readable line; the calculator page shows exactly the same words."""
    count = fee.representatives
    people = "representative" if count == 1 else "representatives"
    head = f"{count} {people} in {fee.year}: {format_money(fee.total)}"
    each = format_money(fee.per_representative)
    if fee.tier is not None and fee.tier_per_person is not None:
        detail = (
            f"up to {fee.tier} tier, {format_money(fee.tier_per_person)} a head in the tier; "
            f"{each} per representative"
        )
    else:
        detail = (
            f"up to {fee.base.up_to} tier {format_money(fee.base.price)} plus "
            f"{fee.extra_representatives} extra at "
            f"{format_money(fee.each_extra_representative)} each; {each} per representative"
        )
    note = f" You could register up to {fee.tier} for the same fee." if fee.spare_places else ""
    return f"{head} ({detail}).{note}"


_WHOLE = re.compile(r"-?[0-9]+")


def parse_representatives(text: str, maximum: int = MAX_REPRESENTATIVES) -> int:
    """A count typed by a person (CLI, calculator), or ValueError with a message to show.

    The calculator's script words its messages the same way; the browser test checks it.
    """
    text = text.strip()
    limit = f"{maximum:,}"
    if not text:
        raise ValueError(f"Enter the number of representatives, a whole number from 1 to {limit}.")
    if not _WHOLE.fullmatch(text):
        raise ValueError(
            f"That is not a whole number. Enter the number of representatives, from 1 to {limit}."
        )
    count = int(text)
    if count < 1:
        raise ValueError(
            f"A membership needs at least 1 representative. Enter a number from 1 to {limit}."
        )
    if count > maximum:
        raise ValueError(
            f"For more than {limit} representatives, please contact us to agree a fee."
        )
    return count


# -- the data the calculator page embeds ---------------------------------------------------


def render_fee_data(
    schedules: Sequence[FeeSchedule], default_year: str, maximum: int = MAX_REPRESENTATIVES
) -> str:
    """The schedules as JSON for the calculator: amounts in whole pence, read by the calculator."""
    data = {
        "currency": CURRENCY,
        "default_year": default_year,
        "max_representatives": maximum,
        "schedules": [
            {
                "year": schedule.year,
                "effective": schedule.effective.isoformat(),
                "currency": schedule.currency,
                "tiers": [
                    {"up_to": tier.up_to, "price_pence": pence(tier.price)}
                    for tier in schedule.tiers
                ],
                "each_extra_representative_pence": pence(schedule.each_extra_representative),
                "vacancy_advert_member_pence": pence(schedule.vacancy_advert_member),
                "vacancy_advert_non_member_pence": pence(schedule.vacancy_advert_non_member),
            }
            for schedule in schedules
        ],
    }
    text = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    # "</script>" or "<!--" inside the data must not end the script element early.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def parse_fee_data(text: str) -> tuple[FeeSchedule, ...]:
    """Read back what render_fee_data wrote (for tests and tools)."""
    data = json.loads(text)
    return tuple(
        FeeSchedule(
            year=item["year"],
            effective=date.fromisoformat(item["effective"]),
            currency=item["currency"],
            tiers=tuple(Tier(tier["up_to"], pounds(tier["price_pence"])) for tier in item["tiers"]),
            each_extra_representative=pounds(item["each_extra_representative_pence"]),
            vacancy_advert_member=pounds(item["vacancy_advert_member_pence"]),
            vacancy_advert_non_member=pounds(item["vacancy_advert_non_member_pence"]),
        )
        for item in data["schedules"]
    )
