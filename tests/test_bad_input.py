"""Bad input of every kind ends in ``path:line: field: message``, never a traceback.

Each case breaks one thing in a scratch copy of the sample site and runs the command an
editor would: the build must stop with the file, line and field named (and `bulletin check`
must find the same), or, where the input is only odd (a damaged cache, Word's line break),
build as if it were fine.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bulletin.site.patches.render_cache import RenderCache
from conftest import BUILD_ENV, replace_in, run_bulletin, snapshot

POST = Path("content/posts/summer-learning-from-reviews.md")
NEWSLETTER = Path("newsletters/tasp-newsletter-october-2019.md")
TEXT_FILES = (".html", ".xml", ".json", ".txt", ".eml")


def assert_reported(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    """Failed, without a traceback, and said each of ``expected`` on stdout or stderr."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output, output
    for text in expected:
        assert text in output, output


def add_front_matter(path: Path, line: str) -> None:
    """Put ``line`` first in the front matter of ``path``: on line 2 of the file."""
    text = path.read_text("utf-8")
    assert text.startswith("---\n")
    path.write_text(f"---\n{line}\n{text[4:]}", "utf-8")


def check_and_build(site: Path, where: str, message: str) -> None:
    """`bulletin check` finds the problem at ``where`` (path:line), and the build stops on it."""
    assert_reported(run_bulletin(site, "check"), f"{where}: error: {message}")
    assert_reported(run_bulletin(site, "build"), f"{where}: {message}")
    assert not (site / "build").exists()


# -- header injection and control characters ----------------------------------------------


def test_a_line_break_in_a_newsletter_title_is_refused(scratch_site: Path) -> None:
    replace_in(
        scratch_site / NEWSLETTER,
        'title: "TASP newsletter – October 2019"',
        'title: "TASP newsletter\\r\\nBcc: everyone@example.org"',
    )
    check_and_build(
        scratch_site,
        f"{NEWSLETTER.as_posix()}:2",
        "title: must be one line of text, but holds a line break at character 16",
    )


@pytest.mark.parametrize(
    ("setting", "line"),
    [("from_name", 81), ("from_address", 82), ("reply_to", 83), ("list_id", 85)],
)
def test_a_line_break_in_an_email_setting_is_refused_with_its_line(
    scratch_site: Path, setting: str, line: int
) -> None:
    config = scratch_site / "mkdocs.yml"
    lines = config.read_text("utf-8").split("\n")
    indent, value = lines[line - 1].split(f"{setting}: ")
    lines[line - 1] = f'{indent}{setting}: "{value}\\r\\nBcc: everyone@example.org"'
    config.write_text("\n".join(lines), "utf-8")
    message = f"mkdocs.yml:{line}: bulletin.email.{setting}: must be one line of text"
    assert_reported(run_bulletin(scratch_site, "check"), message)
    assert_reported(run_bulletin(scratch_site, "build"), message)


def test_a_control_character_in_a_post_is_refused_with_line_and_column(
    scratch_site: Path,
) -> None:
    replace_in(scratch_site / POST, "<!-- more -->", "Pasted\x07 text.\n\n<!-- more -->")
    line = scratch_site.joinpath(POST).read_text("utf-8").split("\n").index("Pasted\x07 text.") + 1
    check_and_build(
        scratch_site,
        f"{POST.as_posix()}:{line}",
        "text: the invisible control character U+0007 at column 7; delete it",
    )


def test_words_manual_line_break_becomes_a_new_line(scratch_site: Path) -> None:
    replace_in(scratch_site / POST, "<!-- more -->", "First line\x0bsecond line.\n\n<!-- more -->")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    built = snapshot(scratch_site / "build")
    texts = {path: data for path, data in built.items() if path.endswith(TEXT_FILES)}
    assert not [path for path, data in texts.items() if b"\x0b" in data]
    page = built["site/2024/07/summer-learning-from-reviews/index.html"].decode("utf-8")
    assert "First line\nsecond line." in page
    assert "First line\nsecond line." in built["site/feeds/rss.xml"].decode("utf-8")


# -- front matter of the wrong type -------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("image: 5", 'image: expected text, e.g. image: "assets/photo.png"'),
        ("links: 5", "links: expected a list of pages or addresses"),
        ("hide: toc", "hide: expected a list; write it in square brackets: hide: [toc]"),
        ("search: 5", "search: expected 'search: {exclude: true}' or 'search: {boost: 2}'"),
        ("template: 5", 'template: expected text, e.g. template: "blog-post.html"'),
        ("icon: [star]", 'icon: expected text, e.g. icon: "material/star"'),
        ("status: no", 'status: expected text, e.g. status: "new"'),
        ('subtitle: "a\\nb"', "subtitle: must be one line of text"),
        ("pin: maybe", "pin: expected true or false, e.g. pin: true"),
        ("readtime: five", "readtime: expected the reading time in whole minutes"),
        ("comments: 1", "comments: expected true or false, e.g. comments: true"),
        ("author: [alison]", 'author: expected text, e.g. author: "Alison Smith"'),
    ],
)
def test_a_material_key_of_the_wrong_type_is_refused(
    scratch_site: Path, line: str, message: str
) -> None:
    add_front_matter(scratch_site / POST, line)
    check_and_build(scratch_site, f"{POST.as_posix()}:2", message)


def test_a_post_in_a_hidden_folder_is_left_out_with_a_warning(scratch_site: Path) -> None:
    hidden = scratch_site / "content" / "posts" / ".hidden"
    hidden.mkdir()
    shutil.copy(scratch_site / POST, hidden / "notes.md")
    warning = "content/posts/.hidden/notes.md: file name: left out, as MkDocs publishes no file"
    check = run_bulletin(scratch_site, "check")
    assert (check.returncode, "Traceback" in check.stderr) == (0, False), check.stderr
    assert warning.replace("md: file", "md: warning: file") in check.stdout
    result = run_bulletin(scratch_site, "build")
    assert (result.returncode, "Traceback" in result.stderr) == (0, False), result.stderr
    assert warning in result.stderr
    assert not list((scratch_site / "build" / "site").rglob("notes*"))


# -- fees ---------------------------------------------------------------------------------


def test_a_fee_of_29_digits_is_refused_with_its_line(scratch_site: Path) -> None:
    fees = scratch_site / "content" / "fees.yml"
    text = fees.read_text("utf-8")
    fees.write_text(text.replace("price: 4375.00", "price: 12345678901234567890123456789", 1))
    line = fees.read_text("utf-8").split("\n").index("        price: 12345678901234567890123456789")
    where = f"content/fees.yml:{line + 1}"
    message = (
        "price: 12345678901234567890123456789 is more than £10,000,000.00, the most a fee can "
        "be; check for a typo"
    )
    check_and_build(scratch_site, where, message)
    fee = run_bulletin(scratch_site, "fee", "22", "--year", "2019/20")
    assert_reported(fee, f"{where}: {message}")


# -- the render cache ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[1, 2]",
        '{"format": 1, "entries": [1]}',
        '{"format": 1, "entries": {"a": 5}}',
        '{"format": 1, "entries": {"a": {"content": 5',
        "[" * 100_000,
        "\xff\xfe",
        "",
    ],
    ids=["list", "entries-list", "entry-number", "truncated", "deep", "binary", "empty"],
)
def test_a_cache_file_of_any_shape_loads_as_an_empty_cache(tmp_path: Path, text: str) -> None:
    path = tmp_path / "render.json"
    path.write_bytes(text.encode("latin-1"))
    cache = RenderCache(path, "context")
    assert cache.get("a") is None
    assert cache.misses == 1


def test_cache_entries_of_the_wrong_shape_are_rendered_again(scratch_site: Path) -> None:
    assert run_bulletin(scratch_site, "build").returncode == 0
    cold = snapshot(scratch_site / "build" / "site")
    path = scratch_site / ".bulletin-cache" / "render.json"
    data = json.loads(path.read_text("utf-8"))
    assert data["entries"]
    shapes = [
        {"content": 5, "toc": [], "title": None, "anchors": []},
        {"content": "<p>x</p>", "toc": "toc", "title": None, "anchors": []},
        {"content": "<p>x</p>", "toc": [{"level": 1}], "title": None, "anchors": []},
        {"content": "<p>x</p>", "toc": [{"level": "1", "id": "a", "name": "A", "children": []}]},
        {"content": "<p>x</p>", "toc": None, "title": 5, "anchors": [None]},
        [],
        None,
    ]
    for number, key in enumerate(sorted(data["entries"])):
        data["entries"][key] = shapes[number % len(shapes)]
    path.write_text(json.dumps(data), "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert (result.returncode, "Traceback" in result.stderr) == (0, False), result.stderr
    assert snapshot(scratch_site / "build" / "site") == cold


# -- a full disk, a folder it may not write to ---------------------------------------------

FAILING_BUILD = textwrap.dedent("""\
    import errno, sys
    import mkdocs.utils
    from bulletin.cli import main

    def write_file(content, output_path):
        {failure}

    mkdocs.utils.write_file = write_file
    sys.exit(main(["build"]))
    """)


def run_failing_build(site: Path, failure: str) -> subprocess.CompletedProcess[str]:
    """`bulletin build` in which MkDocs' writing of each page fails as ``failure`` says."""
    code = FAILING_BUILD.format(failure=failure)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=site,
        env=BUILD_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_full_disk_is_reported_and_the_previous_output_kept(scratch_site: Path) -> None:
    assert run_bulletin(scratch_site, "build").returncode == 0
    before = snapshot(scratch_site / "build")
    # /dev/full fails every write with ENOSPC, as a full disk does: no file name attached.
    result = run_failing_build(scratch_site, 'open("/dev/full", "wb").write(content)')
    assert_reported(
        result,
        "bulletin: the disk is full; free some space on the disk and run the command again; "
        "nothing was published",
    )
    assert snapshot(scratch_site / "build") == before


def test_a_folder_it_may_not_write_to_is_named(scratch_site: Path) -> None:
    result = run_failing_build(
        scratch_site,
        'raise PermissionError(errno.EACCES, "Permission denied", output_path)',
    )
    assert_reported(result, "; check that your account may read and write there")
    # Named as the file it was to become: the staging folder it was written in is gone.
    assert re.search(r"bulletin: permission denied: build/site/\S+; check", result.stderr)
    assert not (scratch_site / "build" / "site").exists()


# -- the command line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2024-13-01", "2024-13-01 is not a real date (month must be in 1..12); write it as "),
        ("2024-02-30", "2024-02-30 is not a real date (day is out of range for month); write "),
        ("1 March", "'1 March' is not a date written "),
    ],
)
def test_build_as_of_an_impossible_day_is_refused(
    scratch_site: Path, day: str, message: str
) -> None:
    result = run_bulletin(scratch_site, "build", "--as-of", day)
    assert (result.returncode, "Traceback" in result.stderr) == (2, False), result.stderr
    assert result.stderr.startswith(f"bulletin build: --as-of: {message}")
    assert result.stderr.endswith("YYYY-MM-DD, like 2024-03-08\n")
    assert not (scratch_site / "build").exists()


# -- the sitemap ----------------------------------------------------------------------------


def test_a_scheduled_post_does_not_date_the_sitemap(scratch_site: Path) -> None:
    future = scratch_site / "content" / "posts" / "next-year.md"
    shutil.copy(scratch_site / POST, future)
    replace_in(future, "date: 2024-07-05", "date: 2031-01-01")
    env = {key: value for key, value in BUILD_ENV.items() if key != "SOURCE_DATE_EPOCH"}
    env.pop("BULLETIN_SET_SOURCE_DATE_EPOCH", None)
    result = run_bulletin(scratch_site, "build", "--as-of", "2025-01-01", env=env)
    assert result.returncode == 0, result.stderr
    sitemap = (scratch_site / "build" / "site" / "sitemap.xml").read_text("utf-8")
    dates = re.findall(r"<lastmod>([0-9-]+)</lastmod>", sitemap)
    assert dates
    # The newest published post is summer-learning-from-reviews (2024-07-05); the draft
    # (2024-12-06) and the scheduled post (2031-01-01) are not published.
    assert max(dates) <= "2024-07-05", dates
