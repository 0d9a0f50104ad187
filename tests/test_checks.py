"""``bulletin check``'s rules: fixture pairs per rule, the personal-data corpus, the report."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import markdown
import pytest
from lxml import html as lxml_html

from bulletin.authoring.checks import (
    RULES,
    Document,
    Finding,
    check_site,
    format_report,
    scan_document,
)
from bulletin.model import LONDON
from bulletin.outputs.email.personal_data import find_personal_data
from bulletin.sources import load_site
from test_sources import sources_for

FIXTURES = Path(__file__).parent / "fixtures" / "check"
CASES = sorted(path.stem for path in FIXTURES.glob("*.md"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
SAMPLE_ACRONYMS = frozenset(
    {"CASPAR", "CQC", "HMI", "ICB", "JTAI", "LSCB", "MASA", "NSPCC", "TASP"}
)
"""The acronyms of the sample content: the glossary (content/glossary.yml) must know them."""
FIXTURE_ACRONYMS = SAMPLE_ACRONYMS | {"DOB", "LCSPR", "SCR"}
ORGANISATION_PHONE = "01632 960 123"  # mkdocs.yml: bulletin: organisation: phone


def findings_of(site_root: Path, *, suggestions: bool = False, **options: object) -> list[Finding]:
    """The check's findings for a site; its suggestions (never failures) only if asked for."""
    sources = sources_for(site_root)
    site = load_site(sources)
    options.setdefault("known_acronyms", SAMPLE_ACRONYMS)
    options.setdefault("allowed_phones", {ORGANISATION_PHONE})
    found = check_site(site, sources, **options)  # type: ignore[arg-type]
    return [item for item in found if suggestions or item.severity != "suggestion"]


# -- fixture pairs ------------------------------------------------------------------------------


def test_every_rule_has_a_positive_and_a_negative_fixture() -> None:
    by_fixture = {case.rsplit("-", 1)[0] for case in CASES}
    assert by_fixture == set(RULES) - {"email-size"}  # the caller measures emails: unit tests
    assert all(
        f"{rule}-{kind}" in CASES for rule in by_fixture for kind in ("positive", "negative")
    )


# The fixtures themselves run through `bulletin check` in test_workflow.py.


def test_the_sample_content_gives_no_findings(scratch_site: Path) -> None:
    assert findings_of(scratch_site) == []


def test_the_sample_post_without_description_or_marker_gets_suggestions(
    scratch_site: Path,
) -> None:
    path = "content/posts/when-the-board-asks-the-questions.md"
    assert [str(item) for item in findings_of(scratch_site, suggestions=True)] == [
        f'{path}:1: suggestion: no description: given, so the site uses "Our partnership board '
        "met last week, and for the first time the three safeguarding partners brought their "
        'own questions instead of waiting for mine." (from the opening) on the blog, in feeds, '
        'emails and link previews; to write your own, add description: "…" to the front matter',
        f"{path}:9: suggestion: no <!-- more --> line, so the blog's pages show the post up to "
        'here ("…says something about where independent scrutiny is heading."); to end the '
        "excerpt elsewhere, put a line <!-- more --> where it should end",
    ]


def test_an_automatic_excerpt_of_a_whole_block_is_named_by_the_block(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "a-list.md"
    front = '---\ntitle: "A list"\ndate: 2024-03-01\nauthors: [alison]\n'
    path.write_text(
        f'{front}categories: [Manager blog]\ndescription: "Lists."\n---\n\n- one\n- two\n'
    )
    found = [
        str(item) for item in findings_of(scratch_site, suggestions=True) if "a-list" in item.path
    ]
    assert found == [
        "content/posts/a-list.md:10: suggestion: no <!-- more --> line, so the blog's pages show "
        "the post up to here (the list it opens with); to end the excerpt elsewhere, put a line "
        "<!-- more --> where it should end"
    ]


def test_suggestions_never_fail_the_check_even_strict(scratch_site: Path) -> None:
    found = findings_of(scratch_site, suggestions=True)
    text, status = format_report(found, [], strict=True)
    assert status == 0
    assert text.startswith(
        "No problems found.\n\n"
        "Suggestions (bulletin filled these in; write your own to replace them):\n"
        "content/posts/when-the-board-asks-the-questions.md:1: suggestion: no description: "
    )


def test_without_a_glossary_only_the_sample_acronyms_are_reported(scratch_site: Path) -> None:
    findings = findings_of(scratch_site, known_acronyms=frozenset())
    assert {finding.rule for finding in findings} == {"acronym"}
    named = {finding.message.split('"')[1] for finding in findings}
    assert named == SAMPLE_ACRONYMS


def test_the_organisation_phone_is_personal_data_unless_allowed(scratch_site: Path) -> None:
    findings = findings_of(scratch_site, allowed_phones=frozenset())
    assert [str(finding).split(": ")[0] for finding in findings] == [
        "newsletters/tasp-newsletter-october-2019.md:100"
    ]
    assert "looks like a phone number" in findings[0].message


def test_an_email_over_the_budget_is_an_error(scratch_site: Path) -> None:
    slug = "tasp-newsletter-october-2019"
    findings = findings_of(scratch_site, email_sizes={slug: 120 * 1024})
    assert [str(finding) for finding in findings] == [
        "newsletters/tasp-newsletter-october-2019.md: error: the email is 120.0 KiB, over the "
        "100 KiB budget: Gmail clips longer emails, hiding the end and the unsubscribe link; "
        "shorten the issue or move items to the website"
    ]
    assert findings_of(scratch_site, email_sizes={slug: 100 * 1024}) == []
    assert findings_of(scratch_site, email_sizes={slug: 50_000}, email_budget=40_000) != []


def test_line_numbers_count_blank_lines_after_the_front_matter(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "scrutiny-that-makes-a-difference.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n\nSince", "---\n\n\n\nSince", 1), encoding="utf-8")
    findings = findings_of(scratch_site, known_acronyms=SAMPLE_ACRONYMS - {"ICB"})
    assert [f"{finding.path}:{finding.line}" for finding in findings] == [
        "content/posts/scrutiny-that-makes-a-difference.md:18",  # "the ICB chief executive"
        "content/posts/when-the-board-asks-the-questions.md:15",  # "The ICB asked"
    ]
    assert "ICB" in path.read_text(encoding="utf-8").split("\n")[17]


def test_a_copied_issue_keeping_its_number_and_edition_is_reported(scratch_site: Path) -> None:
    october = scratch_site / "newsletters" / "tasp-newsletter-october-2019.md"
    copy = scratch_site / "newsletters" / "tasp-newsletter-november-2019.md"
    copy.write_text(
        october.read_text("utf-8").replace("date: 2019-10-14", "date: 2019-11-11"), "utf-8"
    )
    assert [str(finding) for finding in findings_of(scratch_site)] == [
        "newsletters/tasp-newsletter-november-2019.md:8: error: issue 1 is also the number of "
        "newsletters/tasp-newsletter-october-2019.md:8 (14 October 2019): each issue needs its "
        "own number; the issues before this one go up to 1, so write issue: 2",
        'newsletters/tasp-newsletter-november-2019.md:9: warning: edition "2019-10" is not the '
        'month of the issue\'s date, 11 November 2019; write edition: "2019-11", or correct the '
        "date",
    ]
    # A draft has no number yet to clash: it takes one when it is published.
    copy.write_text(
        copy.read_text("utf-8").replace("issue: 1\n", "issue: 1\ndraft: true\n"), "utf-8"
    )
    assert [finding.rule for finding in findings_of(scratch_site)] == ["edition-month"]


# -- anchors are the ones Python-Markdown makes ------------------------------------------------


def rendered_heading_ids(body: str) -> list[str]:
    md = markdown.Markdown(
        extensions=[
            *("abbr", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc"),
            *("pymdownx.blocks.admonition", "pymdownx.blocks.details", "pymdownx.blocks.html"),
        ],
        extension_configs={
            "pymdownx.blocks.admonition": {"types": ["note", "members", "spotlight"]}
        },
    )
    tree = lxml_html.fragment_fromstring(md.convert(body), create_parent="div")
    return [element.get("id") for element in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]


@pytest.mark.parametrize(
    "path",
    [
        "newsletters/tasp-newsletter-october-2019.md",
        "content/posts/new-year-new-safeguarding-directions.md",
        "content/fees.md",
        "tests/fixtures/check/broken-anchor-negative.md",
        "tests/fixtures/check/heading-level-negative.md",
    ],
)
def test_heading_anchors_match_python_markdown(path: str) -> None:
    text = (Path(__file__).parent.parent / path).read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
    doc = scan_document(Document(path, "posts/x.md", "x/", None), body, 1)
    assert [heading.id for heading in doc.headings] == rendered_heading_ids(body)


# -- the personal-data corpus -------------------------------------------------------------------

PERSONAL = [
    ("DOB 12/03/2012", "a date of birth"),
    ("d.o.b. 3.3.15, lives with mother", "a date of birth"),
    ("Date of birth: 2012-03-12", "a date of birth"),
    ("She was born on 3 March 2015 in Leeds.", "a date of birth"),
    ("born 14th February 2011", "a date of birth"),
    ("Child B (DOB: March 3rd, 2015) was seen.", "a date of birth"),
    ("NI number AB123456C", "a National Insurance number"),
    ("ni: ce 12 34 56 a", "a National Insurance number"),
    ("Call her on 07700 900123.", "a phone number"),
    ("Mobile: 07700900123", "a phone number"),
    ("Ring +44 7700 900 123 after six.", "a phone number"),
    ("+44 (0)20 7946 0000", "a phone number"),
    ("The foster carer's landline is (0113) 496 0000.", "a phone number"),
    ("Tel 0300-123-4567", "a phone number"),
    ("Email jane.smith@example.gov.uk for the notes.", "a personal email address"),
    ("write to j.bloggs99@gmail.com", "a personal email address"),
    ("Case ref 12345", "a case reference"),
    ("case no. LA/2023/17 was closed", "a case reference"),
    ("Reference CR-2023-0045 on the system", "a case reference"),
    ("The SCR/2019/03 family was moved.", "a case reference"),
    ("see LCSPR 2022-07 for details", "a case reference"),
    ("NHS number 943 476 5919", "an NHS number"),
]
NOT_PERSONAL = [
    "Child A was known to five agencies.",
    "The review of Family B was published on 12 March 2023.",
    "Record the date of birth in the case file, never in a briefing.",
    "Babies born in 2015 are now at primary school.",
    "Meet on 12/03/2024 at 10am.",
    "Call the association on 01632 960 123.",
    "Our helpline is 0808 800 5000; Childline is 0800 1111.",
    "Email safeguarding@example.org or membership@example.org.",
    "Write to hello@example.org, info@lscp.example.org or lscp.business.unit@example.gov.uk.",
    "The 2019/20 fee is £650 per advertisement.",
    "In June 120 colleagues came to 3 events over 15 working days.",
    "The SCR 2019 report and two SARs were discussed.",
    "QQ123456C is HMRC's example number, and its prefixes never start with Q.",
    "GB123456A is not allocated.",
    "The NHS and the DfE published 1,234,567 words.",
    "Section 17 of the Children Act 1989, section 47 enquiries.",
    "COVID-19 changed practice in 2020-2021.",
    "Version 2.0.1 of the form, page 12 of 30.",
    "https://www.gov.uk/government/publications/working-together-to-safeguard-children--2",
    "The year 2023-24 and the quarter 2024/Q1.",
    "Ofsted's number is 0300 123 1231.",
]


@pytest.mark.parametrize(("line", "kind"), PERSONAL)
def test_the_guard_finds_personal_data(line: str, kind: str) -> None:
    assert [suspect.kind for suspect in find_personal_data(line)] == [kind]


@pytest.mark.parametrize("line", NOT_PERSONAL)
def test_the_guard_leaves_safe_lines_alone(line: str) -> None:
    allowed = {"01632 960 123", "0300 123 1231"}
    assert find_personal_data(line, allowed_phones=allowed) == []


def test_allowed_emails_are_not_personal() -> None:
    line = "Write to alison.jones@example.org."
    assert [s.kind for s in find_personal_data(line)] == ["a personal email address"]
    assert find_personal_data(line, allowed_emails={"Alison.Jones@example.org"}) == []


# -- the report ---------------------------------------------------------------------------------


def finding(path: str, line: int, rule: str, message: str) -> Finding:
    return Finding(path, line, RULES[rule], rule, message)


FINDINGS = [
    finding("newsletters/b.md", 0, "email-size", "the email is too big"),
    finding("content/posts/a.md", 14, "link-text", 'link text "here" says nothing'),
    finding("content/posts/a.md", 9, "broken-link", 'link "x.md" goes nowhere'),
]


def test_the_report_groups_by_file_and_counts() -> None:
    text, status = format_report(FINDINGS, [], strict=False)
    assert text == (
        "content/posts/a.md (1 error, 1 warning)\n"
        'content/posts/a.md:9: error: link "x.md" goes nowhere\n'
        'content/posts/a.md:14: warning: link text "here" says nothing\n'
        "\n"
        "newsletters/b.md (1 error)\n"
        "newsletters/b.md: error: the email is too big\n"
        "\n"
        "2 errors, 1 warning in 2 files\n"
        "\n"
        "Scheduled: nothing\n"
    )
    assert status == 1


def test_warnings_fail_only_when_strict() -> None:
    warnings = FINDINGS[1:2]
    assert format_report(warnings, [], strict=False)[1] == 0
    text, status = format_report(warnings, [], strict=True)
    assert status == 1
    assert "1 warning in 1 file (--strict: warnings count as errors)\n" in text
    assert format_report([], [], strict=True) == ("No problems found.\n\nScheduled: nothing\n", 0)


def test_the_report_lists_scheduled_posts_with_their_dates(scratch_site: Path) -> None:
    site = load_site(sources_for(scratch_site), now=datetime(2024, 3, 1, tzinfo=LONDON))
    text, status = format_report([], list(site.scheduled), strict=True)
    assert status == 0
    assert text.split("\n\n")[1] == (
        "Scheduled:\n"
        'content/posts/when-the-board-asks-the-questions.md: "When the board asks the '
        'questions" publishes on 18 April 2024\n'
        'content/posts/scrutiny-that-makes-a-difference.md: "Scrutiny that makes a difference" '
        "publishes on 20 June 2024\n"
        'content/posts/summer-learning-from-reviews.md: "Summer learning: reviews & what we '
        'heard" publishes on 5 July 2024\n'
    )


def test_one_marker_can_silence_several_rules_on_its_line_only(scratch_site: Path) -> None:
    path = scratch_site / "content" / "posts" / "priorities-in-practice-february.md"
    text = path.read_text(encoding="utf-8")
    extra = (
        "Ring the LADO on 01632 960 999. <!-- check: ignore personal-data acronym -->\n"
        "Ring the LADO on 01632 960 999.\n"
    )
    path.write_text(text.replace("Alison\n", extra + "\nAlison\n"), encoding="utf-8")
    findings = findings_of(scratch_site)
    assert [(finding.line, finding.rule) for finding in findings] == [
        (52, "acronym"),
        (52, "personal-data"),
    ]
