"""Atomic, locked and reproducible builds: a killed build never leaves build/ half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import BUILD_ENV, copy_site, replace_in, run_bulletin, snapshot


def start_build(root: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bulletin.cli", "build"],
        cwd=root,
        env=env or BUILD_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def retitle(root: Path) -> None:
    post = root / "content" / "posts" / "summer-learning-from-reviews.md"
    post.write_text(post.read_text("utf-8").replace('title: "', 'title: "New: ', 1), "utf-8")


def test_a_build_killed_at_any_moment_leaves_the_old_or_the_new_output(tmp_path: Path) -> None:
    old_root, new_root = copy_site(tmp_path / "old"), copy_site(tmp_path / "new")
    retitle(new_root)
    assert run_bulletin(old_root, "build").returncode == 0
    assert run_bulletin(new_root, "build").returncode == 0
    before, after = snapshot(old_root / "build"), snapshot(new_root / "build")
    assert before != after

    retitle(old_root)
    outcomes = []
    for delay in (0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7):
        process = start_build(old_root)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = snapshot(old_root / "build")
        assert state in (before, after), f"build/ is mixed after a kill at {delay}s"
        outcomes.append("new" if state == after else "old")
    print("outcomes:", outcomes)
    assert "old" in outcomes, outcomes  # some kills landed before the swap

    result = run_bulletin(old_root, "build")  # the next build cleans up and completes
    assert result.returncode == 0, result.stderr
    assert snapshot(old_root / "build") == after
    assert not list(old_root.glob(".bulletin-staging-*"))


def test_a_stale_staging_folder_is_removed_by_the_next_build(scratch_site: Path) -> None:
    stale = scratch_site / ".bulletin-staging-left-by-a-crash"
    (stale / "site").mkdir(parents=True)
    (stale / "site" / "index.html").write_text("half", "utf-8")
    assert run_bulletin(scratch_site, "build").returncode == 0
    assert not stale.exists()


def test_two_builds_at_once_do_not_corrupt_each_other(scratch_site: Path, tmp_path: Path) -> None:
    reference = copy_site(tmp_path / "reference")
    assert run_bulletin(reference, "build").returncode == 0
    first, second = start_build(scratch_site), start_build(scratch_site)
    results = [(process.wait(timeout=300), process.communicate()) for process in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1])
    for code, (_, stderr) in results:
        if code == 1:
            assert "another build of this project is running" in stderr
    assert snapshot(scratch_site / "build") == snapshot(reference / "build")


def test_builds_at_different_times_give_identical_bytes(tmp_path: Path) -> None:
    """Without SOURCE_DATE_EPOCH, our outputs and MkDocs' sitemap take the newest post's date."""
    env = {key: value for key, value in BUILD_ENV.items() if key != "SOURCE_DATE_EPOCH"}
    one, two = copy_site(tmp_path / "one"), copy_site(tmp_path / "two")
    assert start_build(one, env).wait(timeout=300) == 0
    os.utime(two / "mkdocs.yml")  # a later build, from files touched later
    time.sleep(1.1)
    assert start_build(two, env).wait(timeout=300) == 0
    assert snapshot(one / "build") == snapshot(two / "build")


def test_a_5_mb_post_and_a_200_section_newsletter_build(scratch_site: Path) -> None:
    paragraph = "Partnership learning from reviews shapes multi-agency practice for children. " * 12
    sections = [f"## Part {n}\n\n{paragraph}" for n in range(5_000_000 // (len(paragraph) + 12))]
    huge = scratch_site / "content/posts/huge-post.md"
    huge.write_text(
        '---\ntitle: "A very long post"\ndate: 2024-05-01\nauthors: [alison]\n'
        'categories: [Manager blog]\ndescription: "Five megabytes of text."\n---\n\n'
        "Opening.\n\n<!-- more -->\n\n" + "\n\n".join(sections) + "\n",
        "utf-8",
    )
    assert huge.stat().st_size > 5_000_000
    # Over the 2 MB default: a project that means to publish such a post raises the limit.
    replace_in(
        scratch_site / "mkdocs.yml",
        "      output_dir: build\n",
        "      output_dir: build\n      max_post_bytes: 6000000\n",
    )
    issue = scratch_site / "newsletters/tasp-newsletter-october-2019.md"
    news = "\n\n".join(
        f"## Item {n}\n\nNews item {n}: [the item {n} report](https://www.gov.uk/item-{n})."
        for n in range(200)
    )
    issue.write_text(issue.read_text("utf-8") + "\n\n" + news + "\n", "utf-8")

    # 200 sections are far over Gmail's clipping size: the build refuses, saying why.
    refused = run_bulletin(scratch_site, "build")
    assert refused.returncode == 1
    assert "over the 100 KiB limit (Gmail clips long emails)" in refused.stderr

    replace_in(
        scratch_site / "mkdocs.yml",
        "        x_unsent: true\n",
        "        x_unsent: true\n        size_limit: 2000000\n        size_warning: 1900000\n",
    )
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    page = (scratch_site / "build/site/2024/05/huge-post/index.html").read_text("utf-8")
    assert f'id="part-{len(sections) - 1}">Part {len(sections) - 1}<' in page
    email = (scratch_site / "build/email/tasp-newsletter-october-2019.html").read_text("utf-8")
    assert "News item 199" in email
