"""Nothing outside its place is removed, written or published.

A build replaces its output folder as a whole, writes files named after keys from the
sources and copies whatever content/ holds. Each test points one of these at something
that is not bulletin's and checks that it is refused before anything changes.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bulletin.outputs import publish
from bulletin.writing import UnsafePath, write_file
from conftest import copy_site, replace_in, run_bulletin, run_mkdocs, snapshot

OUTPUT_DIR = "      output_dir: build\n"
SRC = Path(__file__).resolve().parent.parent / "src" / "bulletin"
FILE_WRITE = re.compile(
    r"\.write_(?:bytes|text)\(|\bopen\([^)]*['\"][wax]|os\.open\(|mkstemp|shutil\.copy|\.touch\("
)


def line_of(path: Path, start: str) -> int:
    """The number of the first line of ``path`` that starts with ``start`` once unindented."""
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.lstrip().startswith(start))


def mkdocs_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_mkdocs(root, "build", *args)


# -- output_dir and site_dir -----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (".", "'.' is the project folder itself"),
        ('""', "'' is the project folder itself"),
        ("..", "'..' is outside the project folder"),
        ("content", "'content' is docs_dir (content), which holds sources"),
    ],
)
def test_an_output_dir_that_is_not_a_folder_of_its_own_is_refused(
    tmp_path: Path, value: str, reason: str
) -> None:
    root = copy_site(tmp_path / "parent" / "site")  # '..' is parent/, still inside tmp_path
    mkdocs_yml = root / "mkdocs.yml"
    replace_in(mkdocs_yml, OUTPUT_DIR, f"      output_dir: {value}\n")
    before = snapshot(tmp_path)
    result = run_bulletin(root, "build")
    assert result.returncode == 1
    line = line_of(mkdocs_yml, "output_dir:")
    assert f"mkdocs.yml:{line}: bulletin.output_dir: {reason}" in result.stderr
    assert "so give it a folder of its own, e.g. output_dir: build" in result.stderr
    assert snapshot(tmp_path) == before  # every file of the project and around it is there


@pytest.mark.parametrize("command", ["bulletin check", "mkdocs build"])
def test_every_command_refuses_the_project_folder_as_output(
    scratch_site: Path, command: str
) -> None:
    replace_in(scratch_site / "mkdocs.yml", OUTPUT_DIR, "      output_dir: .\n")
    before = snapshot(scratch_site.parent)
    if command == "bulletin check":
        result = run_bulletin(scratch_site, "check")
    else:
        result = mkdocs_build(scratch_site)
    assert result.returncode == 1
    assert "mkdocs.yml:70: bulletin.output_dir: '.' is the project folder itself" in result.stderr
    assert snapshot(scratch_site.parent) == before


def test_a_site_dir_outside_output_dir_is_refused(scratch_site: Path) -> None:
    mkdocs_yml = scratch_site / "mkdocs.yml"
    replace_in(mkdocs_yml, "site_dir: build/site\n", "site_dir: public\n")
    before = snapshot(scratch_site.parent)
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert (
        f"mkdocs.yml:{line_of(mkdocs_yml, 'site_dir:')}: site_dir: 'public' is not inside "
        "bulletin.output_dir ('build')"
    ) in result.stderr
    assert "e.g. site_dir: build/site" in result.stderr
    assert snapshot(scratch_site.parent) == before


def test_a_site_built_elsewhere_gets_no_emails(scratch_site: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = mkdocs_build(scratch_site, "--site-dir", str(elsewhere))
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "index.html").is_file()
    assert not (elsewhere / "email").exists()  # emails are published by the staged build only
    assert not (scratch_site / "build").exists()


# -- the marker: only a folder bulletin made is replaced ---------------------------------


def test_an_output_folder_bulletin_did_not_make_is_kept(scratch_site: Path) -> None:
    notes = scratch_site / "build" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text("my notes", "utf-8")
    before = snapshot(scratch_site.parent)
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert "build was not made by bulletin (it has no .bulletin-output file)" in result.stderr
    assert "delete or rename it, or choose another output_dir" in result.stderr
    assert snapshot(scratch_site.parent) == before


def test_an_output_folder_of_the_previous_release_is_replaced_and_marked(
    scratch_site: Path,
) -> None:
    old = scratch_site / "build"
    (old / "site").mkdir(parents=True)
    (old / "site" / "index.html").write_text("old site", "utf-8")
    (old / "email").mkdir()
    (old / "email" / "gone.html").write_text("old email", "utf-8")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    assert (old / publish.MARKER).is_file()
    assert not (old / "email" / "gone.html").exists()
    assert not (old / "site" / publish.MARKER).exists()  # never published with the site


def test_a_staging_folder_holding_someone_s_files_is_kept(tmp_path: Path) -> None:
    mine = tmp_path / ".bulletin-staging-notes"
    mine.mkdir()
    (mine / "draft.txt").write_text("keep me", "utf-8")
    crashed = tmp_path / ".bulletin-staging-crashed"
    (crashed / "site").mkdir(parents=True)
    (crashed / "site" / "index.html").write_text("half", "utf-8")
    (crashed / publish.MARKER).write_bytes(publish.MARKER_TEXT)
    staging = publish.begin(tmp_path / "build")
    staging.abandon()
    assert (mine / "draft.txt").read_text("utf-8") == "keep me"
    assert not crashed.exists()


def test_a_swap_never_deletes_a_folder_that_appeared_without_the_marker(tmp_path: Path) -> None:
    staging = publish.begin(tmp_path / "build")
    notes = tmp_path / "build" / "notes.txt"
    notes.parent.mkdir()
    notes.write_text("made during the build", "utf-8")
    with pytest.raises(publish.ForeignOutput):
        staging.publish()
    staging.abandon()
    assert notes.read_text("utf-8") == "made during the build"


# -- keys used in paths ----------------------------------------------------------------


def test_an_author_key_climbing_out_of_build_is_refused_before_anything_is_written(
    scratch_site: Path,
) -> None:
    key = "../../../../evil"  # feeds/author/<key>/ would be the project folder's evil/
    authors = scratch_site / "content" / "authors.yml"
    authors.write_text(
        authors.read_text("utf-8")
        + f"  {key}:\n    name: Eve\n    description: Nobody\n    avatar: assets/logo.svg\n",
        "utf-8",
    )
    post = scratch_site / "content" / "posts" / "summer-learning-from-reviews.md"
    replace_in(post, "authors: [alison]", f'authors: [alison, "{key}"]')
    before = snapshot(scratch_site.parent)
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert (
        f"content/authors.yml:{line_of(authors, key)}: authors: '{key}' cannot be an author key"
    ) in result.stderr
    assert snapshot(scratch_site.parent) == before


# -- links in content/ -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["a file beside the project", "/proc/self/environ"])
def test_a_link_in_content_to_a_file_outside_the_project_is_refused(
    scratch_site: Path, tmp_path: Path, target: str
) -> None:
    if not target.startswith("/"):
        secret = tmp_path / "secret.txt"
        secret.write_text("PASSWORD=hunter2\n", "utf-8")
        target = str(secret)
    (scratch_site / "content" / "assets" / "env.txt").symlink_to(target)
    message = (
        f"content/assets/env.txt: symlink: points outside the project ({target}); "
        "replace the link with a copy of the file"
    )
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 1
    assert message in result.stderr
    assert not (scratch_site / "build").exists()
    check = run_bulletin(scratch_site, "check", "--strict")
    assert check.returncode == 1
    assert message.replace(": symlink:", ": error: symlink:") in check.stdout


# -- the one writer --------------------------------------------------------------------


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "ABSOLUTE", "feeds\\..\\x", ""])
def test_write_file_refuses_a_path_out_of_its_folder(tmp_path: Path, relative: str) -> None:
    folder = tmp_path / "out"
    relative = relative.replace("ABSOLUTE", str(tmp_path / "x"))
    with pytest.raises(UnsafePath):
        write_file(folder, relative, b"x")
    assert snapshot(tmp_path) == {}


def test_write_file_refuses_a_folder_that_links_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "rss.xml").write_bytes(b"theirs")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "feeds").symlink_to(outside)
    with pytest.raises(UnsafePath):
        write_file(folder, "feeds/author/rss.xml", b"ours")
    with pytest.raises(UnsafePath):
        write_file(folder, "feeds/rss.xml", b"ours")
    # A link in the file's own place is replaced, never written through.
    (folder / "rss.xml").symlink_to(outside / "rss.xml")
    write_file(folder, "rss.xml", b"ours")
    assert snapshot(outside) == {"rss.xml": b"theirs"}
    assert (folder / "rss.xml").read_bytes() == b"ours"


def test_write_file_never_replaces_a_device_or_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UnsafePath):
        write_file(Path("/dev"), "null", b"x")  # e.g. BULLETIN_TIMINGS=/dev/null, as root
    assert Path("/dev/null").is_char_device()
    (tmp_path / "feeds").mkdir()
    with pytest.raises(UnsafePath):
        write_file(tmp_path, "feeds", b"x")
    assert (tmp_path / "feeds").is_dir()


def test_write_file_writes_inside_its_folder_whole(tmp_path: Path) -> None:
    path = write_file(tmp_path, "feeds/author/alison/rss.xml", b"one")
    assert path == tmp_path.resolve() / "feeds/author/alison/rss.xml"
    write_file(tmp_path, "feeds/author/alison/rss.xml", b"two")
    assert snapshot(tmp_path) == {"feeds/author/alison/rss.xml": b"two"}  # no temporary left
    with pytest.raises(FileExistsError):
        write_file(tmp_path, "feeds/author/alison/rss.xml", b"three", exclusive=True)
    assert path.read_bytes() == b"two"


def test_write_file_is_the_only_writer_of_files() -> None:
    """As writing.py says: every file bulletin writes goes through write_file."""
    found = [
        f"{path.relative_to(SRC).as_posix()}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "writing.py"
        for line in path.read_text("utf-8").splitlines()
        if FILE_WRITE.search(line)
    ]
    # The build lock is opened only to be locked; nothing is ever written into it.
    assert found == [
        'outputs/publish.py: lock = (parent / LOCK_NAME).open("a+", encoding="utf-8")',
    ]
