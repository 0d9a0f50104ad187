"""The author's workflow through the CLI: new, serve, scheduling."""

from __future__ import annotations

import email.policy
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from email.parser import BytesParser
from pathlib import Path

import feedparser
import pytest

from bulletin.authoring.scaffold import slugify
from bulletin.model import LONDON
from conftest import BUILD_ENV, add_draft_issue, replace_in, run_bulletin, serving


def test_new_post_makes_a_valid_draft_named_after_the_title(scratch_site: Path) -> None:
    result = run_bulletin(
        scratch_site,
        "new",
        "post",
        "--title",
        "March update: people & plans",
        "--date",
        "2024-03-08",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Created content/posts/march-update-people-plans.md",
        "It is a draft: `bulletin serve` shows it; delete `draft: true` to publish it.",
    ]
    path = scratch_site / "content/posts/march-update-people-plans.md"
    text = path.read_text("utf-8")
    assert text.startswith(
        '---\ntitle: "March update: people & plans"\ndate: 2024-03-08\nauthors: [alison]\ncategories: [Manager blog]\n'
    )
    path.write_text(text.replace("draft: true\n", ""), "utf-8")
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert (scratch_site / "build/site/2024/03/march-update-people-plans/index.html").is_file()


def test_help_answers_without_loading_mkdocs() -> None:
    """`bulletin --help` imports none of MkDocs or Material (the CLI imports them on use)."""
    code = (
        "import sys\nfrom bulletin.cli import main\ntry:\n    main(['--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'material')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=BUILD_ENV, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "usage: bulletin" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Ian's blog", "ians-blog"),
        ("Children’s services: what's next", "childrens-services-whats-next"),
        ("Spotlight on… Wakefield & York", "spotlight-on-wakefield-york"),
        ("'Quoted' words", "quoted-words"),
    ],
)
def test_a_title_makes_a_natural_web_address(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_new_newsletter_continues_the_numbering_and_builds_cleanly(scratch_site: Path) -> None:
    result = run_bulletin(
        scratch_site,
        "new",
        "newsletter",
        "--title",
        "TASP newsletter – November 2019",
        "--date",
        "2019-11-11",
    )
    assert result.returncode == 0, result.stderr
    path = scratch_site / "newsletters/tasp-newsletter-november-2019.md"
    text = path.read_text("utf-8")
    assert "issue: 2\n" in text and 'edition: "2019-11"\n' in text
    for section in (
        "## Welcome",
        "/// members |",
        "[[fee-table]]",
        "/// spotlight |",
        "## News from…",
        "## Contributions",
    ):
        assert section in text
    path.write_text(text.replace("draft: true\n", ""), "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    assert (scratch_site / "build/email/tasp-newsletter-november-2019.eml").is_file()


def test_new_refuses_an_unknown_author_or_category_and_an_existing_file(scratch_site: Path) -> None:
    result = run_bulletin(
        scratch_site,
        "new",
        "post",
        "--title",
        "X",
        "--author",
        "alsion",
        "--category",
        "Chair blogs",
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "bulletin new: unknown author 'alsion'; did you mean 'alison'? known: alison, richard",
        "bulletin new: unknown category 'Chair blogs'; known: Manager blog, Chair blog, Newsletter",
    ]
    result = run_bulletin(scratch_site, "new", "post", "--title", "Summer learning from reviews")
    assert result.returncode == 1
    assert "already exists" in result.stderr


def test_new_newsletter_takes_edition_and_number_from_its_date(scratch_site: Path) -> None:
    # An issue written ahead, for December, is already there as issue 3.
    october = scratch_site / "newsletters/tasp-newsletter-october-2019.md"
    december = october.read_text("utf-8")
    for old, new in (
        ("October 2019", "December 2019"),
        ("date: 2019-10-14", "date: 2019-12-09"),
        ("issue: 1", "issue: 3"),
        ('edition: "2019-10"', 'edition: "2019-12"'),
    ):
        assert old in december
        december = december.replace(old, new)
    (scratch_site / "newsletters/tasp-newsletter-december-2019.md").write_text(december, "utf-8")
    result = run_bulletin(
        scratch_site, "new", "newsletter", "--title", "Late October news", "--date", "2019-10-28"
    )
    assert result.returncode == 0, result.stderr
    text = (scratch_site / "newsletters/late-october-news.md").read_text("utf-8")
    # The month of --date, even with an October issue already; the number after October's.
    assert "issue: 2\n" in text and 'edition: "2019-10"\n' in text


def test_new_post_in_the_newsletter_series_is_refused(scratch_site: Path) -> None:
    result = run_bulletin(
        scratch_site, "new", "post", "--title", "November issue", "--category", "Newsletter"
    )
    assert (result.returncode, result.stderr) == (
        2,
        "bulletin new: a newsletter issue is made with `bulletin new newsletter --title ...` "
        "(it goes in the newsletters folder, numbered and with its sections); for a post, "
        "give --category one of: Manager blog, Chair blog\n",
    )
    assert not (scratch_site / "content/posts/november-issue.md").exists()


def test_a_misspelt_draft_key_stops_the_build_with_its_line(scratch_site: Path) -> None:
    published = scratch_site / "content/posts/summer-learning-from-reviews.md"
    copy = scratch_site / "content/posts/summer-learning-copy.md"
    text = published.read_text("utf-8")
    copy.write_text(text.replace("\n---\n", "\nDraft: true\n---\n", 1), "utf-8")
    assert copy.read_text("utf-8").split("\n")[7] == "Draft: true"
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert (
        "content/posts/summer-learning-copy.md:8: Draft: not a key bulletin knows, so as "
        "written it would be ignored; did you mean 'draft'? Write it exactly, in lower case: "
        "draft: true\n"
    ) in result.stderr
    assert not (scratch_site / "build").exists()  # nothing published, the copy least of all


def test_check_and_a_failed_build_report_everything_at_once(scratch_site: Path) -> None:
    post = scratch_site / "content/posts/everything-wrong.md"
    post.write_text(
        "---\n"
        'title: "Everything wrong at once"\n'
        "authors: [alison]\n"
        "categories: [Manager blog]\n"
        'description: "No date, a broken link, a picture without words and a date of birth."\n'
        "---\n"
        "\n"
        "See [the strategy](neglect-strategy.md).\n"
        "\n"
        "<!-- more -->\n"
        "\n"
        "![](../assets/logo.png)\n"
        "\n"
        "The child (DOB 12/03/2012) was known to services.\n",
        "utf-8",
    )
    result = run_bulletin(scratch_site, "check")
    assert result.returncode == 1
    path = "content/posts/everything-wrong.md"
    lines = result.stdout.splitlines()
    assert lines[: lines.index("")] == [
        f"{path} (3 errors, 1 warning)",
        f"{path}:1: error: date: missing: add 'date:' with the publication date, e.g. "
        "date: 2024-01-12",
        f'{path}:8: error: link "neglect-strategy.md" does not lead to a page of the site '
        "(looked for content/posts/neglect-strategy.md)",
        f'{path}:12: error: image "../assets/logo.png" has no description: say what it shows '
        "between the square brackets, e.g. ![Referrals by month, rising in winter]"
        "(../assets/logo.png)",
        f'{path}:14: warning: this looks like a date of birth ("DOB …"): details that could '
        "identify a child, a family or a colleague must not be published; remove it, or if it "
        "is safe to publish end the line with <!-- check: ignore personal-data -->",
    ]
    build = run_bulletin(scratch_site, "build")
    assert build.returncode == 1
    assert f"{path}:1: date: missing" in build.stderr
    assert f"{path}:8: broken-link: link " in build.stderr  # the check's errors, not warnings
    assert f"{path}:12: image-alt: image " in build.stderr
    assert "3 problems found; nothing was built" in build.stderr


def test_a_post_dated_tomorrow_appears_only_when_the_build_date_is_tomorrow(
    scratch_site: Path,
) -> None:
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    issue = scratch_site / "newsletters/tasp-newsletter-october-2019.md"
    issue.write_text(
        issue.read_text("utf-8").replace("date: 2019-10-14", f"date: {tomorrow.isoformat()}"),
        "utf-8",
    )
    url = f"{tomorrow:%Y/%m}/tasp-newsletter-october-2019/"

    def outputs() -> tuple[bool, bool, bool]:
        site = scratch_site / "build/site"
        feed = feedparser.parse((site / "feeds/rss.xml").read_bytes())
        return (
            (site / url / "index.html").is_file(),
            any(entry.link.endswith(url) for entry in feed.entries),
            (scratch_site / "build/email/tasp-newsletter-october-2019.eml").is_file(),
        )

    assert run_bulletin(scratch_site, "build").returncode == 0
    assert outputs() == (False, False, False)
    assert run_bulletin(scratch_site, "build", "--as-of", tomorrow.isoformat()).returncode == 0
    assert outputs() == (True, True, True)


@pytest.fixture
def served(scratch_site: Path):
    with serving(scratch_site) as url:
        yield scratch_site, url


@pytest.mark.browser
def test_serve_shows_drafts_the_email_preview_and_edits(served, browser) -> None:
    root, url = served
    page = browser.new_page()
    page.goto(url)
    assert page.locator(".md-draft").first.inner_text().strip() == "Draft"
    page.goto(url + "2024/12/winter-pressures-draft/")
    assert "Draft" in page.locator(".bulletin-preview").inner_text()

    page.goto(url + "2019/10/tasp-newsletter-october-2019/")
    page.get_by_role("link", name="Preview the email").click()
    assert page.locator("iframe").count() == 2
    assert "Welcome to our newest members" in page.locator("pre").inner_text()
    assert page.frame_locator("iframe[width='375']").locator("text=Guernsey").count() >= 1

    post = root / "content/posts/summer-learning-from-reviews.md"
    post.write_text(post.read_text("utf-8").replace('title: "', 'title: "Edited: ', 1), "utf-8")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.goto(url + "2024/07/summer-learning-from-reviews/")
        if "Edited:" in page.locator("h1").first.inner_text():
            break
        time.sleep(0.5)
    assert "Edited:" in page.locator("h1").first.inner_text()


@pytest.fixture
def draft_issue(scratch_site: Path) -> Path:
    return add_draft_issue(scratch_site)


@pytest.mark.browser
def test_serve_previews_the_email_of_a_draft_issue(draft_issue, served, browser) -> None:
    root, url = served
    assert draft_issue.parent.parent == root
    page = browser.new_page()
    page.goto(url + "2019/11/tasp-newsletter-november-2019/")
    assert "Draft" in page.locator(".bulletin-preview").inner_text()
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Preview the email").click()
    assert navigation.value.status == 200
    assert page.url == url + "email/tasp-newsletter-november-2019/"
    assert page.locator("h1").inner_text() == "Email preview: TASP newsletter – November 2019"
    assert "Draft" in page.get_by_role("note").inner_text()
    assert page.locator("iframe").count() == 2
    assert "Welcome to our newest members" in page.locator("pre").inner_text()
    phone = page.frame_locator("iframe[width='375']")
    assert phone.locator("text=November 2019").count() >= 1
    # The logo loads from the preview itself, not from the live site (unreachable here).
    logo = phone.locator("img").first
    logo.wait_for()
    assert logo.evaluate("image => image.complete && image.naturalWidth > 0")
    eml = page.request.get(url + "email/tasp-newsletter-november-2019.eml")
    assert eml.status == 200 and b"Subject: TASP newsletter" in eml.body()


CHECK_FIXTURES = Path(__file__).parent / "fixtures" / "check"
CHECK_CASES = sorted(path.stem for path in CHECK_FIXTURES.glob("*.md"))


def test_check_passes_the_sample_content(scratch_site: Path) -> None:
    result = run_bulletin(scratch_site, "check", "--strict")
    post = "content/posts/when-the-board-asks-the-questions.md"  # no description, no marker
    assert (result.returncode, result.stdout) == (
        0,
        "No problems found.\n\n"
        "Suggestions (bulletin filled these in; write your own to replace them):\n"
        f'{post}:1: suggestion: no description: given, so the site uses "Our partnership board '
        "met last week, and for the first time the three safeguarding partners brought their "
        'own questions instead of waiting for mine." (from the opening) on the blog, in feeds, '
        'emails and link previews; to write your own, add description: "…" to the front matter\n'
        f"{post}:9: suggestion: no <!-- more --> line, so the blog's pages show the post up to "
        'here ("…says something about where independent scrutiny is heading."); to end the '
        "excerpt elsewhere, put a line <!-- more --> where it should end\n\n"
        "Scheduled: nothing\n",
    )
    assert not (scratch_site / "build").exists()  # nothing written


@pytest.mark.parametrize("case", CHECK_CASES)
def test_check_through_the_command_line(scratch_site: Path, case: str) -> None:
    """Each rule's positive fixture gives its exact lines; its negative gives none."""
    text = (CHECK_FIXTURES / f"{case}.md").read_bytes()
    # A newsletter issue goes where issues live (its rules read issue: and edition:).
    folder = "newsletters" if b"\ncategories: [Newsletter]\n" in text else "content/posts"
    (scratch_site / folder / f"{case}.md").write_bytes(text)
    result = run_bulletin(scratch_site, "check")
    strict = run_bulletin(scratch_site, "check", "--strict")
    # The fixture's own lines: the sample has suggestions of its own.
    found = [line for line in result.stdout.splitlines() if line.startswith(f"{folder}/{case}.md:")]
    if case.endswith("-negative"):
        assert (result.returncode, result.stdout.splitlines()[0], found) == (
            0,
            "No problems found.",
            [],
        )
        return
    expected_file = CHECK_FIXTURES / f"{case}.expected.txt"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_file.write_text("".join(f"{line}\n" for line in found), "utf-8")
    expected = expected_file.read_text("utf-8").splitlines()
    assert found == expected
    has_error = any(": error: " in line for line in expected)
    has_warning = any(": warning: " in line for line in expected)
    assert result.returncode == (1 if has_error else 0)
    assert strict.returncode == (1 if has_error or has_warning else 0)  # suggestions never fail


def test_check_reports_broken_content_and_what_is_scheduled(scratch_site: Path) -> None:
    post = scratch_site / "content/posts/summer-learning-from-reviews.md"
    text = post.read_text("utf-8").replace("date: 2024-07-05", "date: 2099-07-05")
    text += "\n#### Too deep\n\nFor details [click here](new-year-new-safeguarding-directions.md#no-such-part).\n\n![](missing.png)\n"
    post.write_text(text, "utf-8")
    result = run_bulletin(scratch_site, "check")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert (
        lines[-1]
        == 'content/posts/summer-learning-from-reviews.md: "Summer learning from reviews" publishes on 5 July 2099'
        or any("publishes on 5 July 2099" in line for line in lines)
    )
    assert any(": error: " in line and "no-such-part" in line for line in lines)
    assert any("missing.png" in line for line in lines)
    assert any(
        line.endswith(
            ': warning: "#### Too deep" skips a level (the heading before it is level 2); '
            "use ###, so screen-reader users can follow the outline"
        )
        for line in lines
    )


def test_fee_answers_in_one_line(scratch_site: Path) -> None:
    result = run_bulletin(scratch_site, "fee", "26", "--year", "2019/20")
    assert (result.returncode, result.stdout) == (
        0,
        "26 representatives in 2019/20: £4,425.00 (up to 25 tier £4,375.00 plus 1 extra at £50.00 each; £170.19 per representative).\n",
    )
    unknown = run_bulletin(scratch_site, "fee", "12", "--year", "2031/32")
    assert (unknown.returncode, unknown.stderr) == (
        2,
        "bulletin fee: no fee schedule for '2031/32'; known years: 2019/20\n",
    )
    bad = run_bulletin(scratch_site, "fee", "twelve")
    assert bad.returncode == 2 and bad.stderr.startswith(
        "bulletin fee: That is not a whole number."
    )


def test_fee_without_a_year_says_when_the_newest_schedule_is_old(scratch_site: Path) -> None:
    result = run_bulletin(scratch_site, "fee", "12")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("12 representatives in 2019/20: £3,375.00")
    assert result.stderr == (
        "Note: this is the schedule in force today, and the newest in content/fees.yml: "
        "2019/20, from 2019-04-01, more than a year ago. If fees have changed since, add the "
        "new year's schedule.\n"
    )
    named = run_bulletin(scratch_site, "fee", "12", "--year", "2019/20")
    assert named.returncode == 0 and named.stderr == ""


def test_email_builds_one_issue_on_its_own(scratch_site: Path) -> None:
    result = run_bulletin(scratch_site, "email", "tasp-newsletter-october-2019", "--out", "out")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"out/tasp-newsletter-october-2019.{ext}" for ext in ("eml", "html", "txt")
    ]
    assert not (scratch_site / "build").exists()  # the site itself is not published
    missing = run_bulletin(scratch_site, "email", "tasp-newsletter-june-2031")
    assert missing.returncode == 1
    assert "no newsletter 'tasp-newsletter-june-2031'" in missing.stderr
    assert "known: tasp-newsletter-october-2019" in missing.stderr


def test_email_renders_a_draft_without_publishing_it(scratch_site: Path) -> None:
    add_draft_issue(scratch_site)
    slug = "tasp-newsletter-november-2019"
    result = run_bulletin(scratch_site, "email", slug, "--out", "out")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"out/{slug}.{ext}" for ext in ("eml", "html", "txt")]
    assert (
        f"bulletin: {slug} is a draft (not published until you delete draft: true); "
        "this email is a preview\n" in result.stderr
    )
    out = scratch_site / "out"
    assert "November 2019" in (out / f"{slug}.txt").read_text("utf-8")
    assert "Welcome to our newest members" in (out / f"{slug}.html").read_text("utf-8")
    eml = (out / f"{slug}.eml").read_bytes()
    message = BytesParser(policy=email.policy.default).parsebytes(eml)
    assert message["Subject"] == "TASP newsletter – November 2019"
    assert not (scratch_site / "build").exists()

    # Without --out, a draft's email goes to a new temporary folder, never into build/email.
    result = run_bulletin(scratch_site, "email", slug)
    assert result.returncode == 0, result.stderr
    made = [Path(line) for line in result.stdout.splitlines()]
    try:
        assert [path.name for path in made] == [f"{slug}.{ext}" for ext in ("eml", "html", "txt")]
        assert all(path.is_absolute() and path.is_file() for path in made)
        assert not made[0].is_relative_to(scratch_site)
    finally:
        shutil.rmtree(made[0].parent)
    assert not (scratch_site / "build").exists()

    assert run_bulletin(scratch_site, "build").returncode == 0
    emails = sorted(path.name for path in (scratch_site / "build/email").iterdir())
    assert emails == [f"tasp-newsletter-october-2019.{ext}" for ext in ("eml", "html", "txt")]


def test_email_renders_a_scheduled_issue_and_says_for_when(scratch_site: Path) -> None:
    tomorrow = datetime.now(LONDON).date() + timedelta(days=1)
    add_draft_issue(scratch_site)
    replace_in(
        scratch_site / "newsletters/tasp-newsletter-november-2019.md",
        "date: 2019-11-11\ndraft: true\n",
        f"date: {tomorrow.isoformat()}\n",
    )
    slug = "tasp-newsletter-november-2019"
    result = run_bulletin(scratch_site, "email", slug, "--out", "out")
    assert result.returncode == 0, result.stderr
    assert (scratch_site / "out" / f"{slug}.eml").is_file()
    day = f"{tomorrow.day} {tomorrow:%B %Y}"
    assert f"bulletin: {slug} is scheduled for {day} (published by the first build" in (
        result.stderr
    )
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert not (scratch_site / f"build/email/{slug}.eml").exists()


def test_build_reports_its_stages_with_counts(scratch_site: Path) -> None:
    result = run_bulletin(scratch_site, "build")
    lines = result.stderr.splitlines()
    assert any(
        line.startswith("Validated 7 posts and newsletters (6 published) in ") for line in lines
    )
    assert any(line.startswith("Wrote 19 feed files in ") for line in lines)
    assert any(line.startswith("Rendered 1 newsletter emails in ") for line in lines)
    quiet = run_bulletin(scratch_site, "build", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_check_reports_an_email_over_the_size_budget(scratch_site: Path) -> None:
    assert run_bulletin(scratch_site, "build").returncode == 0
    replace_in(
        scratch_site / "mkdocs.yml",
        "        x_unsent: true\n",
        "        x_unsent: true\n        size_limit: 20000\n        size_warning: 15000\n",
    )
    result = run_bulletin(scratch_site, "check")
    assert result.returncode == 1
    size = (scratch_site / "build/email/tasp-newsletter-october-2019.html").stat().st_size
    assert size > 20000
    assert (
        f"newsletters/tasp-newsletter-october-2019.md: error: the email is {size / 1024:.1f} KiB, "
        "over the 20 KiB budget" in result.stdout
    )


def test_new_refuses_a_date_as_build_and_import_do(scratch_site: Path) -> None:
    for given, said in (
        ("20240308", "'20240308' is not a date written YYYY-MM-DD, like 2024-03-08"),
        ("2024-02-30", "2024-02-30 is not a real date (day is out of range for month)"),
    ):
        result = run_bulletin(scratch_site, "new", "post", "--title", "Dated", "--date", given)
        assert result.returncode == 2
        assert result.stderr.startswith(f"bulletin new: --date: {said}"), result.stderr
    assert not (scratch_site / "content/posts/dated.md").exists()
