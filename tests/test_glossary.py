"""The glossary: loading and its errors, abbr tooltips on the site, first-use expansion in email."""

from __future__ import annotations

import textwrap
from pathlib import Path

import markdown
import pytest

from bulletin.errors import ContentError
from bulletin.glossary import (
    ACRONYM,
    abbreviation_markdown,
    expand_first_use,
    known_acronyms,
    load_glossary,
    parse_glossary,
)
from bulletin.outputs.email.newsletter import Email, render_email
from conftest import ROOT, BuiltSite, run_bulletin
from emailkit import AUTHORS, SAMPLE, WEB_URL, make_post, page_html, render_sample, settings

SAMPLE_GLOSSARY = ROOT / "content" / "glossary.yml"
SHOWN = "content/glossary.yml"


def glossary() -> dict[str, str]:
    return load_glossary(SAMPLE_GLOSSARY, SHOWN)


def problems(text: str) -> list[str]:
    with pytest.raises(ContentError) as caught:
        parse_glossary(textwrap.dedent(text), SHOWN)
    return [str(problem) for problem in caught.value.problems]


# -- loading -------------------------------------------------------------------------------


def test_sample_glossary_knows_the_issues_acronyms_and_the_samples():
    known = known_acronyms(glossary())
    issue = {"LSCB", "MASA", "JTAI", "SCR", "CSE", "DSP", "LSP", "KCSIE", "MASH"}
    sample = {"DfE", "JTAIs", "LSCB", "HMICFRS", "CQC", "HMI", "ICB", "NSPCC", "CASPAR", "TASP"}
    assert issue | sample <= known
    assert glossary()["JTAI"] == "Joint targeted area inspection"
    assert list(glossary()) == sorted(glossary())


def test_meanings_are_text_on_one_line():
    text = """\
    LSCB: Local Safeguarding
      Children Board
    HMICFRS: "His Majesty's Inspectorate of Constabulary and Fire & Rescue Services"
    NO: National Office
    """
    assert parse_glossary(textwrap.dedent(text), SHOWN) == {
        "HMICFRS": "His Majesty's Inspectorate of Constabulary and Fire & Rescue Services",
        "LSCB": "Local Safeguarding Children Board",
        "NO": "National Office",  # a key read as text, never as False
    }


def test_empty_file_is_an_empty_glossary():
    assert parse_glossary("# nothing yet\n", SHOWN) == {}


def test_every_problem_is_reported_with_its_line():
    assert problems(
        """\
        # comment
        LSCB: Local Safeguarding Children Board
        Ofsted: Office for Standards in Education
        LSCB: Local Safeguarding Children Boards
        MASA:
        CSE: "*Child* sexual exploitation"
        KCSIE: <b>Keeping</b> children safe in education
        DSP: "[Delegated] safeguarding partner"
        local authority: LA
        MASH:
          - Multi-agency safeguarding hub
        """
    ) == [
        "content/glossary.yml:3: Ofsted: expected an acronym of capital letters, "
        "as written in posts (such as LSCB, DfE or JTAIs)",
        "content/glossary.yml:4: LSCB: given twice (also on line 2); keep one",
        "content/glossary.yml:5: MASA: give what it stands for, "
        "such as 'MASA: Local Safeguarding Children Board'",
        "content/glossary.yml:6: CSE: write the meaning as plain text, without Markdown or "
        "HTML (no *, _, [, ], `, < or >): the website shows it as a tooltip",
        "content/glossary.yml:7: KCSIE: write the meaning as plain text, without Markdown or "
        "HTML (no *, _, [, ], `, < or >): the website shows it as a tooltip",
        "content/glossary.yml:8: DSP: write the meaning as plain text, without Markdown or "
        "HTML (no *, _, [, ], `, < or >): the website shows it as a tooltip",
        "content/glossary.yml:9: local authority: expected an acronym of capital letters, "
        "as written in posts (such as LSCB, DfE or JTAIs)",
        "content/glossary.yml:11: MASH: give what it stands for, "
        "such as 'MASH: Local Safeguarding Children Board'",
    ]


def test_yaml_syntax_error_names_the_line():
    assert problems(
        """\
        LSCB: Local Safeguarding Children Board
        MASA: Multi-agency: safeguarding arrangements
        """
    ) == [
        "content/glossary.yml:2: MASA: cannot read the YAML: mapping values are not allowed here; "
        "write one 'ACRONYM: What it stands for' a line, and put a meaning containing ': ' "
        "or ' #' in double quotes"
    ]


def test_anchors_tags_and_lists_are_refused():
    assert problems(
        """\
        LSCB: &board Local Safeguarding Children Board
        LSCP: !!str Local safeguarding children partnership
        """
    ) == [
        "content/glossary.yml:1: YAML anchors and aliases (&name, *name) are not allowed; "
        "write the value out",
        "content/glossary.yml:2: YAML tags like '!!str' are not allowed; write the plain value",
    ]
    assert problems("- LSCB\n- MASA\n") == [
        "content/glossary.yml:1: expected one 'ACRONYM: What it stands for' a line, "
        "such as 'LSCB: Local ...'"
    ]


def test_unreadable_files(tmp_path: Path):
    with pytest.raises(ContentError) as caught:
        load_glossary(tmp_path / "glossary.yml", SHOWN)
    assert str(caught.value.problems[0]) == "content/glossary.yml: file not found"
    latin = tmp_path / "latin.yml"
    latin.write_bytes(b"HMI: His Majesty\x92s Inspectorate\n")
    with pytest.raises(ContentError) as caught:
        load_glossary(latin, SHOWN)
    assert str(caught.value.problems[0]) == (
        "content/glossary.yml: not UTF-8 text (byte 16); save the file as UTF-8"
    )


@pytest.mark.parametrize("word", ["LSCB", "DfE", "JTAIs", "GCP2", "HMICFRS", "NO"])
def test_acronyms(word: str):
    assert ACRONYM.fullmatch(word)


@pytest.mark.parametrize("word", ["Ofsted", "L", "lscb", "GOV.UK", "LSCB 2", "2FA", ""])
def test_not_acronyms(word: str):
    assert not ACRONYM.fullmatch(word)


# -- the site ------------------------------------------------------------------------------


def test_abbreviation_markdown_gives_every_use_a_title():
    lines = abbreviation_markdown({"MASA": "Multi-agency safeguarding arrangements", "DfE": "D"})
    assert lines == "\n\n*[DfE]: D\n*[MASA]: Multi-agency safeguarding arrangements\n"
    html = markdown.markdown("MASA and MASA's aims; not MASAs." + lines, extensions=["abbr"])
    title = 'title="Multi-agency safeguarding arrangements"'
    assert html == (
        f"<p><abbr {title}>MASA</abbr> and <abbr {title}>MASA</abbr>'s aims; not MASAs.</p>"
    )
    assert abbreviation_markdown({}) == ""


def test_built_pages_have_abbreviation_titles_and_the_email_expands(built_site: BuiltSite):
    page = built_site.site / "2019" / "10" / "tasp-newsletter-october-2019" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert '(<abbr title="Joint targeted area inspections">JTAIs</abbr>)' in html
    assert '<abbr title="Local Safeguarding Children Board">LSCB</abbr>' in html
    hmicfrs = "His Majesty's Inspectorate of Constabulary and Fire &amp; Rescue Services"
    assert f'<abbr title="{hmicfrs}">HMICFRS</abbr>' in html
    post = built_site.site / "2024" / "01" / "new-year-new-safeguarding-directions" / "index.html"
    assert '(<abbr title="Department for Education">DfE</abbr>)' in post.read_text("utf-8")
    assert not (built_site.site / "glossary.yml").exists()
    email = built_site.root / "build" / "email" / "tasp-newsletter-october-2019"
    email_html = email.with_suffix(".html").read_text(encoding="utf-8")
    assert "<abbr" not in email_html
    assert email_html.count("LSCB (Local Safeguarding Children Board)") == 1
    text = " ".join(email.with_suffix(".txt").read_text(encoding="utf-8").split())
    assert text.count("LSCB (Local Safeguarding Children Board)") == 1


def test_a_broken_glossary_stops_the_build_with_its_line(scratch_site: Path):
    glossary_file = scratch_site / "content" / "glossary.yml"
    glossary_file.write_text(
        glossary_file.read_text(encoding="utf-8") + "Ofsted: Office for Standards\n",
        encoding="utf-8",
    )
    lines = len(glossary_file.read_text(encoding="utf-8").splitlines())
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert (
        f"content/glossary.yml:{lines}: Ofsted: expected an acronym of capital letters, "
        "as written in posts (such as LSCB, DfE or JTAIs)\n"
        "1 problem found; nothing was built and the previous output is unchanged."
    ) in result.stderr
    assert not (scratch_site / "build").exists()


@pytest.mark.browser
def test_tooltip_shows_the_expansion_on_hover(browser, site_url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(site_url + "2019/10/tasp-newsletter-october-2019/")
        abbr = page.locator("article abbr", has_text="MASA").first
        # before Material takes it over, the title is there for assistive technology
        assert abbr.get_attribute("title") == "Multi-agency safeguarding arrangements"
        abbr.hover()
        tooltip = page.locator(".md-tooltip2[role=tooltip]", has_text="Multi-agency")
        tooltip.wait_for(state="visible", timeout=5000)
        assert tooltip.inner_text().strip() == "Multi-agency safeguarding arrangements"
        # and it stays the abbreviation's accessible description
        assert abbr.get_attribute("aria-describedby") == tooltip.get_attribute("id")
    finally:
        page.close()


# -- email ---------------------------------------------------------------------------------

GLOSSARY = {
    "DfE": "Department for Education",
    "JTAI": "Joint targeted area inspection",
    "LSCB": "Local Safeguarding Children Board",
    "NSPCC": "National Society for the Prevention of Cruelty to Children",
    "TASP": "The Association of Safeguarding Partners",
}


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            '<p><abbr title="Local Safeguarding Children Board">LSCB</abbr> and '
            '<abbr title="Local Safeguarding Children Board">LSCB</abbr></p>',
            "<p>LSCB (Local Safeguarding Children Board) and LSCB</p>",
            id="first abbr expanded, later plain",
        ),
        pytest.param(
            "<p>A JTAI.</p><ul><li>Another JTAI, and the LSCB.</li></ul>",
            "<p>A JTAI (Joint targeted area inspection).</p>"
            "<ul><li>Another JTAI, and the LSCB (Local Safeguarding Children Board).</li></ul>",
            id="plain uses from the glossary",
        ),
        pytest.param(
            "<h2>TASP update</h2><p>TASP is growing; TASP welcomes you.</p>",
            "<h2>TASP update</h2>"
            "<p>TASP (The Association of Safeguarding Partners) is growing; TASP welcomes you.</p>",
            id="headings stay short and do not count",
        ),
        pytest.param(
            "<p><code>LSCB</code> <pre><code>LSCB</code></pre> LSCB</p>",
            "<p><code>LSCB</code> <pre><code>LSCB</code></pre> "
            "LSCB (Local Safeguarding Children Board)</p>",
            id="code is literal",
        ),
        pytest.param(
            '<p>Department for Education (<abbr title="Department for Education">DfE</abbr>)'
            " and DfE; the LSCB (the old board) and LSCB.</p>",
            "<p>Department for Education (DfE) and DfE; the LSCB (the old board) and LSCB.</p>",
            id="the author already bracketed it",
        ),
        pytest.param(
            "<p>The NSPCC\u2019s guidance and the NSPCC.</p>",
            "<p>The NSPCC\u2019s (National Society for the Prevention of Cruelty to Children) "
            "guidance and the NSPCC.</p>",
            id="possessive",
        ),
        pytest.param(
            '<p><abbr title="Graded Care Profile 2 &amp; more">GCP2</abbr>, GCP2, '
            "<abbr>DfE</abbr>; TASPs and LSCBA are other words.</p>",
            "<p>GCP2 (Graded Care Profile 2 &amp; more), GCP2, "
            "DfE (Department for Education); TASPs and LSCBA are other words.</p>",
            id="an author's own abbr, escaping, whole words only",
        ),
    ],
)
def test_expand_first_use(html: str, expected: str):
    assert expand_first_use(html, GLOSSARY) == expected


SERIOUS_CASE_REVIEWS = {"SCR": "Serious case review", "SCRs": "Serious case reviews"}


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        pytest.param(
            "<p>Serious case reviews (SCRs) came first; each SCR was published.</p>",
            "<p>Serious case reviews (SCRs) came first; each SCR was published.</p>",
            id="the author spelt out the plural, then the singular",
        ),
        pytest.param(
            "<p>A serious case review (SCR) and two SCRs.</p>",
            "<p>A serious case review (SCR) and two SCRs.</p>",
            id="the author spelt out the singular, then the plural",
        ),
        pytest.param(
            "<p>Two SCRs, then one SCR.</p>",
            "<p>Two SCRs (Serious case reviews), then one SCR.</p>",
            id="spelt out once for singular and plural alike",
        ),
    ],
)
def test_singular_and_plural_are_explained_together(html: str, expected: str):
    assert expand_first_use(html, SERIOUS_CASE_REVIEWS) == expected


def test_a_bracketed_plural_without_its_own_line_explains_the_singular():
    html = "<p>Joint targeted area inspections (JTAIs) and one JTAI.</p>"
    assert expand_first_use(html, GLOSSARY) == html
    # a plural the glossary has no line for is still left as written
    assert expand_first_use("<p>Two JTAIs, one JTAI.</p>", GLOSSARY) == (
        "<p>Two JTAIs, one JTAI (Joint targeted area inspection).</p>"
    )


def test_without_a_glossary_abbr_is_still_spelt_out():
    html = '<p><abbr title="Joint targeted area inspection">JTAI</abbr> and JTAI</p>'
    assert expand_first_use(html, {}) == "<p>JTAI (Joint targeted area inspection) and JTAI</p>"
    assert expand_first_use("<p>JTAI</p>", {}) == "<p>JTAI</p>"


def sample_email(words: dict[str, str]) -> Email:
    """The sample issue rendered as the built site renders it: abbr lines appended."""
    post = make_post(SAMPLE.read_text(encoding="utf-8"))
    html = page_html(post.body + abbreviation_markdown(words))
    return render_email(post, html, settings(), AUTHORS, WEB_URL, glossary=words)


def test_email_expands_the_first_use_only_in_html_and_text():
    words = glossary()
    email = sample_email(words)
    assert "<abbr" not in email.html
    assert email.html.count("TASP (The Association of Safeguarding Partners)") == 1
    assert email.html.count("LSCB (Local Safeguarding Children Board)") == 1
    # the author wrote "joint targeted area inspections (JTAIs)": nothing to add
    assert "(JTAIs)" in email.html and "JTAIs (" not in email.html
    flat = " ".join(email.text.split())
    assert flat.count("TASP (The Association of Safeguarding Partners)") == 1
    assert flat.count("LSCB (Local Safeguarding Children Board)") == 1
    assert "(JTAIs)" in flat and "JTAIs (" not in flat
    # the first TASP in the body is the expanded one; the "TASP update" heading is left short
    first = flat.index("TASP (The")
    assert "TASP" not in flat[flat.index("Welcome =======") : first]
    assert "TASP update" in flat


def test_email_glossary_is_optional_and_renders_are_byte_identical():
    words = glossary()
    assert sample_email(words).eml == sample_email(words).eml
    plain = render_sample()  # no glossary: the sample as before (the golden text holds)
    assert "TASP (The" not in plain.html and "TASP (The" not in plain.text


def test_glossary_problems_are_reported_with_the_other_sources(scratch_site: Path):
    (scratch_site / "content" / "glossary.yml").write_text("MASA:\n", encoding="utf-8")
    post = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    post.write_text(post.read_text(encoding="utf-8").replace("date:", "dated:", 1), "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert "content/glossary.yml:1: MASA: give what it stands for" in result.stderr
    assert "content/posts/summer-learning-from-reviews.md:" in result.stderr
