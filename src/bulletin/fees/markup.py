"""Fee tables and the fee calculator in Markdown: ``[[fee-table]]`` and ``[[fee-calculator]]``.

A line holding only ``[[fee-table]]`` becomes the table of the schedule in force on the
extension's date (the newest schedule when it has none); ``[[fee-table 2019/20]]`` names a
year. A line holding only ``[[fee-calculator]]`` becomes the calculator form and the fee data
its script reads. The HTML is stashed, so no later Markdown stage re-parses it, and it is
well-formed XML without inline styles, so the email stage can parse and style it.
"""

from __future__ import annotations

import difflib
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Sequence
from datetime import date
from typing import Any

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

from bulletin.errors import Problem
from bulletin.fees import (
    MAX_REPRESENTATIVES,
    FeeSchedule,
    format_money,
    render_fee_data,
    schedule_for_year,
    select_schedule,
)
from bulletin.fences import lines_outside_fences
from bulletin.linescan import replace_code_spans

MARKER = re.compile(
    r"^[ ]{0,3}\[\[fee-(?P<kind>table|calculator)(?:[ \t]+(?P<year>[^\s\]]+))?[ \t]*\]\][ \t]*$",
    re.MULTILINE,
)
"""A marker: alone on its line, indented less than a code block."""

MARKER_WORDS = ("feetable", "feecalculator")
"""The markers' names in the letters only, to recognise one written slightly wrongly."""


# -- finding and checking markers -----------------------------------------------------------


def find_fee_markers(markdown_text: str) -> list[tuple[int, str | None]]:
    """Each ``[[fee-table]]`` marker's line number (from 1) and named year, if any."""
    found: list[tuple[int, str | None]] = []
    for number, line in lines_outside_fences(markdown_text):
        match = MARKER.match(line)
        if match and match["kind"] == "table":
            found.append((number, match["year"]))
    return found


def pin_fee_tables(markdown_text: str, schedules: Sequence[FeeSchedule], on: date) -> str:
    """Name the year in each bare ``[[fee-table]]``: the schedule in force on ``on``.

    A post's fee table is the one in force on the post's own date, so adding next year's
    fees never rewrites an archived newsletter. Before the first schedule, the first.
    """
    bare = {number for number, year in find_fee_markers(markdown_text) if year is None}
    if not bare or not schedules:
        return markdown_text
    in_force = [schedule for schedule in schedules if schedule.effective <= on]
    if in_force:
        chosen = max(in_force, key=lambda schedule: schedule.effective)
    else:
        chosen = min(schedules, key=lambda schedule: schedule.effective)
    lines = markdown_text.split("\n")
    for number in bare:
        lines[number - 1] = lines[number - 1].replace(
            "[[fee-table", f"[[fee-table {chosen.year}", 1
        )
    return "\n".join(lines)


def check_fee_markers(
    markdown_text: str, schedules: Sequence[FeeSchedule], path: str, first_line: int = 1
) -> list[Problem]:
    """Problems with the fee markers of one page; ``first_line`` is the body's line in the file."""
    problems: list[Problem] = []
    calculators = 0
    for number, line in lines_outside_fences(markdown_text):
        where = number + first_line - 1
        match = MARKER.match(line)
        if match is None:
            if is_near_miss(line):
                shown = line.strip() if len(line.strip()) <= 60 else line.strip()[:59] + "…"
                message = (
                    f"{shown!r} is not a fee marker; write [[fee-table]], "
                    "[[fee-table 2019/20]] or [[fee-calculator]] alone on the line"
                )
                problems.append(Problem(path, where, "fee marker", message))
            continue
        year = match["year"]
        if match["kind"] == "calculator":
            calculators += 1
            if year is not None:
                message = "[[fee-calculator]] takes no year; it offers every year in fees.yml"
                problems.append(Problem(path, where, "fee marker", message))
            elif calculators > 1:
                message = "only one [[fee-calculator]] fits on a page; remove this one"
                problems.append(Problem(path, where, "fee marker", message))
        elif year is not None:
            try:
                schedule_for_year(schedules, year)
            except ValueError as error:
                message = f"{error}; add the year to content/fees.yml or correct the marker"
                problems.append(Problem(path, where, "fee marker", message))
    return problems


def is_near_miss(line: str) -> bool:
    """Whether a line that is not a marker was meant as one, and would publish as written.

    ``[[`` and then ``fee`` anywhere outside code (``[[ fee-table ]]``, ``[[fee table]]``,
    ``[[fee-tabel]]``, a marker with words beside it), or a line that is only a bracketed
    name close to a marker's (``[fee-table]``). Linear: splits and slices, no pattern.
    """
    text = line.lstrip(" ")
    if len(line) - len(text) > 3:
        return False  # indented code
    prose = replace_code_spans(text, lambda code: "").lower()  # `[[fee-table]]` explained
    if any(part.lstrip().startswith("fee") for part in prose.split("[[")[1:]):
        return True
    bare = prose.strip()
    if bare[:1] not in ("[", "{") or bare[-1:] not in ("]", "}"):
        return False
    letters = "".join(char for char in bare[:40] if char.isalpha())
    return bool(difflib.get_close_matches(letters, MARKER_WORDS, n=1, cutoff=0.75))


# -- HTML -----------------------------------------------------------------------------------


def render_fee_table_html(schedule: FeeSchedule) -> str:
    """An accessible, inline-style-free table of one schedule, then the advertising note.

    Well-formed XML (one ``div`` root, no named entities) so the email stage can parse it.
    """
    rows = [
        f'<tr><th scope="row">Up to {tier.up_to}</th>'
        f"<td>{format_money(tier.price)}</td><td>{format_money(tier.per_person)}</td></tr>"
        for tier in schedule.tiers
    ]
    extra = format_money(schedule.each_extra_representative)
    rows.append(
        f'<tr><th scope="row">Each representative above {schedule.top.up_to}</th>'
        f"<td>{extra} each</td><td>{extra}</td></tr>"
    )
    starts = f"{schedule.effective.day} {schedule.effective:%B %Y}"
    caption = f"Membership fees for {html.escape(schedule.year)}, from {starts}"
    return "\n".join(
        [
            '<div class="fee-schedule">',
            f'<div class="bulletin-table" role="region" aria-label="{caption}" tabindex="0">',
            '<table class="fee-table">',
            f"<caption>{caption}</caption>",
            '<thead><tr><th scope="col">Representatives</th>'
            '<th scope="col">Fee for the year</th>'
            '<th scope="col">Equivalent per person</th></tr></thead>',
            "<tbody>",
            *rows,
            "</tbody>",
            "</table>",
            "</div>",
            f'<p class="fee-note">{html.escape(render_advert_note(schedule))}</p>',
            "</div>",
        ]
    )


def render_advert_note(schedule: FeeSchedule) -> str:
    """The vacancy advertising prices in one sentence."""
    member = schedule.vacancy_advert_member
    for_members = f"{format_money(member)} for members" if member else "free for members"
    non_member = format_money(schedule.vacancy_advert_non_member)
    return (
        f"Advertising a vacancy on our website is {for_members} "
        f"and {non_member} an advertisement for non-members."
    )


def render_fee_calculator_html(
    schedules: Sequence[FeeSchedule], default_year: str, maximum: int = MAX_REPRESENTATIVES
) -> str:
    """The calculator form (hidden until its script runs), carrying the fee data it reads.

    The data is an attribute, not a ``<script>`` data block, so the page passes the website's
    HTML allow-list (``sanitise``) like any other content.
    """
    esc = html.escape
    data = esc(render_fee_data(schedules, default_year, maximum), quote=True)
    parts = [
        '<div class="fee-calculator">',
        '<form class="fee-calculator-form" id="fee-calculator" hidden="hidden" '
        f'autocomplete="off" data-fees="{data}">',
        '<p class="fee-field">',
        '<label for="fee-representatives">Number of representatives</label>',
        '<input id="fee-representatives" name="representatives" type="number" min="1" '
        f'max="{maximum}" step="1" inputmode="numeric" value="5" '
        'aria-describedby="fee-representatives-hint" />',
        '<span class="fee-hint" id="fee-representatives-hint">'
        f"A whole number from 1 to {maximum:,}.</span>",
        "</p>",
    ]
    if len(schedules) > 1:
        newest_first = sorted(schedules, key=lambda schedule: schedule.effective, reverse=True)
        parts += [
            '<p class="fee-field">',
            '<label for="fee-year">Membership year</label>',
            '<select id="fee-year" name="year">',
            *(
                f'<option value="{esc(schedule.year)}"'
                + (' selected="selected"' if schedule.year == default_year else "")
                + f">{esc(schedule.year)}</option>"
                for schedule in newest_first
            ),
            "</select>",
            "</p>",
        ]
    parts += [
        '<p class="fee-result"><output id="fee-result" for="fee-representatives" '
        'aria-live="polite" aria-atomic="true"></output></p>',
        "</form>",
        "</div>",
    ]
    return "\n".join(parts)


def render_marker_error_html(message: str) -> str:
    return f'<p class="fee-marker-error"><strong>Fee marker:</strong> {html.escape(message)}</p>'


# -- the Markdown extension -----------------------------------------------------------------


class FeeMarkerProcessor(BlockProcessor):
    """Replace a marker line with stashed HTML, leaving the text around it to the parser."""

    def __init__(
        self, parser: BlockParser, md: Markdown, schedules: Sequence[FeeSchedule], on: date | None
    ) -> None:
        super().__init__(parser)
        self.md = md
        self.schedules = tuple(schedules)
        self.on = on

    def test(self, parent: etree.Element, block: str) -> bool:
        return MARKER.search(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        match = MARKER.search(block)
        if match is None:  # test() said yes; keep the block if it changed meanwhile
            blocks.insert(0, block)
            return False
        before, after = block[: match.start()].rstrip("\n"), block[match.end() :].lstrip("\n")
        if before.strip():
            self.parser.parseBlocks(parent, [before])
        placeholder = etree.SubElement(parent, "p")
        placeholder.text = self.md.htmlStash.store(self.render(match["kind"], match["year"]))
        if after.strip():
            blocks.insert(0, after)
        return True

    def render(self, kind: str, year: str | None) -> str:
        try:
            if kind == "calculator":
                default_year = select_schedule(self.schedules, on=self.on).year
                return render_fee_calculator_html(self.schedules, default_year)
            if year is not None:
                return render_fee_table_html(schedule_for_year(self.schedules, year))
            return render_fee_table_html(select_schedule(self.schedules, on=self.on))
        except ValueError as error:  # validation was skipped; show it rather than crash
            return render_marker_error_html(str(error))


class FeeTableExtension(Extension):
    """Python-Markdown extension expanding ``[[fee-table]]`` and ``[[fee-calculator]]``."""

    def __init__(
        self, *, schedules: Sequence[FeeSchedule] = (), on: date | None = None, **kwargs: Any
    ) -> None:
        # Kept as attributes, not Python-Markdown config: its setConfig turns a None-default
        # option into a bool, which would lose the date.
        self.schedules = tuple(schedules)
        self.on = on
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:
        processor = FeeMarkerProcessor(md.parser, md, self.schedules, self.on)
        # Above the paragraph (10) and headers, below indented code (80): an indented
        # marker stays code, as in any Markdown.
        md.parser.blockprocessors.register(processor, "fee_marker", 75)
