"""`bulletin serve` reuses finished pages, search entries, reading times and emails between
rebuilds. Whatever the author edits, the preview must be exactly what a fresh build gives."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import BUILD_ENV, copy_site, replace_in, snapshot

HERE = Path(__file__).resolve().parent
POSTS = Path("content/posts")
NEWSLETTER = Path("newsletters/tasp-newsletter-october-2019.md")
NEW_POST = """---
title: "Autumn update & next steps"
date: 2024-10-04
authors: [richard]
categories: [Chair blog]
tags: [Leadership]
description: "A short autumn update."
---

A new post, written while the preview runs.

<!-- more -->

## More

The rest of it.
"""


def _edit_body(site: Path) -> None:
    post = site / POSTS / "priorities-in-practice-february.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nA sentence added at the end.\n")
    news = site / NEWSLETTER
    news.write_text(news.read_text(encoding="utf-8") + "\nOne more line for members.\n")


def _edit_opening_and_title(site: Path) -> None:
    post = site / POSTS / "scrutiny-that-makes-a-difference.md"
    replace_in(post, 'title: "Scrutiny that makes a difference"', 'title: "Scrutiny that helps"')
    replace_in(post, "Since Working Together", "Ever since Working Together")


def _edit_tags_and_author(site: Path) -> None:
    post = site / POSTS / "new-year-new-safeguarding-directions.md"
    replace_in(post, "categories: [Manager blog]", "categories: [Chair blog]")
    replace_in(post, "tags: [Working Together 2023, Priorities, DfE]", "tags: [Priorities, Audit]")
    replace_in(site / "content/authors.yml", "name: Alison Carter", "name: Alison Carter-Jones")


def _edit_template_and_config(site: Path) -> None:
    (site / "overrides/partials/copyright.html").write_text(
        (site / "overrides/partials/copyright.html").read_text(encoding="utf-8")
        + "<!-- footer edited -->\n",
        encoding="utf-8",
    )
    replace_in(site / "mkdocs.yml", "site_name: TASP news and blogs", "site_name: TASP news")


def _edit_fees(site: Path) -> None:
    replace_in(site / "content/fees.yml", "price: 2500.00", "price: 2600.00")


def _edit_page_meta(site: Path) -> None:
    replace_in(
        site / "content/fees.md",
        "title: Membership fees\n",
        "title: Membership fees\nicon: material/cash\nsubtitle: What it costs\nstatus: new\n",
    )


def _add_and_delete_posts(site: Path) -> None:
    (site / POSTS / "autumn-update.md").write_text(NEW_POST, encoding="utf-8")
    (site / POSTS / "summer-learning-from-reviews.md").unlink()


EDITS: list[tuple[str, Callable[[Path], None] | None]] = [
    ("first", None),
    ("unchanged", None),
    ("body", _edit_body),
    ("opening-and-title", _edit_opening_and_title),
    ("category-tags-author", _edit_tags_and_author),
    ("template-and-config", _edit_template_and_config),
    ("fees", _edit_fees),
    ("icon-subtitle-status", _edit_page_meta),
    ("add-and-delete", _add_and_delete_posts),
]


def _serve_builds(site: Path, out: Path, names: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "serve_rebuilds.py"), str(site), str(out)],
        env=BUILD_ENV,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cold_build(site: Path, out: Path, name: str) -> Path:
    """The same sources built by a fresh process with no cache: the reference."""
    fresh = out / f"sources-{name}"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns(".bulletin-cache", "build"))
    result = subprocess.run(
        [sys.executable, str(HERE / "serve_rebuilds.py"), str(fresh), str(out / "cold")],
        env=BUILD_ENV,
        input=f"{name}\n",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out / "cold" / name


@pytest.mark.parametrize(
    "edits",
    [EDITS, [("first", None), ("icon-subtitle-status", _edit_page_meta)]],
    ids=["edit-sequence", "navigation-page-meta"],
)
def test_each_rebuild_matches_a_fresh_build(
    tmp_path: Path, edits: list[tuple[str, Callable[[Path], None] | None]]
) -> None:
    site = copy_site(tmp_path / "site")
    out = tmp_path / "out"
    server = _serve_builds(site, out, [name for name, _ in edits])
    assert server.stdin is not None and server.stdout is not None
    try:
        for name, edit in edits:
            if edit is not None:
                edit(site)
            server.stdin.write(f"{name}\n")
            server.stdin.flush()
            answer = server.stdout.readline().strip()
            if answer != name:
                server.kill()
                pytest.fail(f"the rebuild after {name!r} failed:\n{server.stderr.read()[-3000:]}")
            warm = snapshot(out / name)
            cold = snapshot(_cold_build(site, out, name))
            assert warm.keys() == cold.keys(), name
            differing = [path for path in cold if warm[path] != cold[path]]
            assert not differing, (
                f"after {name!r} the preview differs from a fresh build: {differing}"
            )
    finally:
        server.stdin.close()
        server.wait(timeout=60)
        assert server.returncode == 0, server.stderr.read()[-3000:] if server.stderr else ""


def test_unchanged_rebuild_reuses_every_page(tmp_path: Path) -> None:
    """The cache is not only correct but used: an unchanged rebuild renders no template."""
    site = copy_site(tmp_path / "site")
    server = _serve_builds(site, tmp_path / "out", ["one", "two"])
    stdout, stderr = server.communicate("one\ntwo\n", timeout=300)
    assert server.returncode == 0, stderr[-3000:]
    assert stdout.split() == ["one", "two"]
    reused = [line for line in stderr.splitlines() if "finished pages" in line]
    assert len(reused) == 2, stderr[-3000:]
    assert "Reused 0 of" in reused[0]
    total = reused[1].split(" of ")[1].split()[0]
    assert f"Reused {total} of {total} finished pages" in reused[1]


def test_problems_are_reported_at_every_rebuild_until_mended(tmp_path: Path) -> None:
    """Posts whose files have not changed keep their last result, their problems included;
    a change to the settings they are checked against (the authors) checks them again."""
    site = copy_site(tmp_path / "site")
    out = tmp_path / "out"
    broken = site / POSTS / "priorities-in-practice-february.md"
    steps: list[tuple[str, Callable[[], None] | None]] = [
        ("first", None),
        ("typo", lambda: replace_in(broken, "authors: [alison]", "authors: [alisn]")),
        ("typo-again", None),
        (
            "chair-removed",
            lambda: replace_in(site / "content/authors.yml", "  richard:", "  rich:"),
        ),
        (
            "chair-restored",
            lambda: replace_in(site / "content/authors.yml", "  rich:", "  richard:"),
        ),
        ("mended", lambda: replace_in(broken, "authors: [alisn]", "authors: [alison]")),
    ]
    server = _serve_builds(site, out, [name for name, _ in steps])
    answers = []
    assert server.stdin is not None and server.stdout is not None
    try:
        for name, edit in steps:
            if edit is not None:
                edit()
            server.stdin.write(f"{name}\n")
            server.stdin.flush()
            answers.append(server.stdout.readline().strip())
    finally:
        stderr = server.communicate(timeout=60)[1]
    assert server.returncode == 0, stderr[-3000:]
    assert answers == [
        "first",
        "typo failed",
        "typo-again failed",
        "chair-removed failed",
        "chair-restored failed",
        "mended",
    ], stderr[-3000:]

    def errors(name: str) -> str:
        return (out / f"{name}.errors").read_text(encoding="utf-8")

    typo = "content/posts/priorities-in-practice-february.md:4: authors: unknown author 'alisn'"
    for name in ("typo", "typo-again", "chair-removed", "chair-restored"):
        assert typo in errors(name), errors(name)
    assert errors("typo") == errors("typo-again")
    assert "scrutiny-that-makes-a-difference.md" not in errors("typo")
    assert (
        "content/posts/scrutiny-that-makes-a-difference.md:4: authors: unknown author "
        "'richard'" in errors("chair-removed")
    ), errors("chair-removed")
    assert errors("chair-restored") == errors("typo")
    warm = snapshot(out / "mended")
    cold = snapshot(_cold_build(site, out, "mended"))
    assert warm == cold


def test_bulletin_serve_rebuilds_once_per_save(tmp_path: Path) -> None:
    """The real server: reading the sources during a build is not a change, so an idle
    preview stays idle; a save rebuilds once, and the page then shows the edit."""
    site = copy_site(tmp_path / "site")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = tmp_path / "serve.log"

    def log() -> str:
        return log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(builds: int, deadline: float = 120) -> None:
        stop = time.monotonic() + deadline
        while log().count("Documentation built in") < builds:
            assert server.poll() is None, log()[-3000:]
            assert time.monotonic() < stop, log()[-3000:]
            time.sleep(0.1)

    with log_path.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "bulletin.cli", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=site,
            env=BUILD_ENV,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(1)
            time.sleep(4)  # an idle preview: several builds' time, were it to loop
            assert log().count("Documentation built in") == 1, log()[-3000:]
            assert "Detected file changes" not in log()
            post = site / POSTS / "priorities-in-practice-february.md"
            post.write_text(post.read_text(encoding="utf-8") + "\nSaved while previewing.\n")
            wait_for(2)
            time.sleep(4)
            assert log().count("Documentation built in") == 2, log()[-3000:]
            url = f"http://127.0.0.1:{port}/2024/02/priorities-in-practice-february/"
            with urllib.request.urlopen(url, timeout=30) as response:
                assert "Saved while previewing." in response.read().decode("utf-8")
        finally:
            server.terminate()
            server.wait(timeout=60)
