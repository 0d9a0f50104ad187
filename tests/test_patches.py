"""Every patch of third-party code: its canary, its switch, and the bytes it must not change.

The canaries fail when an installed MkDocs, Material or watchdog no longer has the code a
patch was written for: re-read the patch (bulletin/site/patches/) against the new code, bring
it up to date or drop it, then record the new fingerprint printed by the failure.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin.site import patches
from bulletin.site.patches import PATCHES, PatchChanged, Patches, fingerprint
from conftest import copy_site, replace_in, run_bulletin, snapshot
from test_bench import load_bench

SRC = Path(__file__).resolve().parent.parent / "src" / "bulletin"
# The core: reading and validating, the fees, the feeds and the emails.
CORE = (
    "errors",
    "model",
    "sources",
    "fees",
    "glossary",
    "outputs.feeds",
    "outputs.email.newsletter",
)


@pytest.mark.parametrize("patch", PATCHES, ids=[patch.name for patch in PATCHES])
def test_canary_the_patched_code_is_the_code_the_patch_was_written_for(
    patch: patches.Patch,
) -> None:
    installed = fingerprint(patch.guards)
    assert installed == patch.fingerprint, (
        f"{patch.name}: {', '.join(patch.guards)} changed (fingerprint now {installed}); "
        "re-read the patch against the new code, then record the new fingerprint"
    )


def test_every_patch_in_the_list_is_applied_through_its_guard_and_no_other() -> None:
    """The list is the whole story: each entry is asked for by name, each name is listed."""
    plugin = (SRC / "site" / "plugin.py").read_text(encoding="utf-8")
    asked = set(re.findall(r'allows\("([a-z-]+)"\)', plugin))
    assert asked == {patch.name for patch in PATCHES}


def test_no_module_outside_the_patch_package_imports_third_party_internals() -> None:
    """Material's and MkDocs' internals are patched from bulletin/site/patches/ only."""
    internals = re.compile(r"material\.plugins\.\w+\.(?:structure|plugin|readtime)|livereload")
    for path in SRC.rglob("*.py"):
        if "patches" in path.relative_to(SRC).parts:
            continue
        assert not internals.search(path.read_text(encoding="utf-8")), path


def test_a_changed_speed_patch_is_left_off_with_one_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    changed = dataclasses.replace(patches.BY_NAME["blog-view-index"], fingerprint="0" * 16)
    monkeypatch.setitem(patches.BY_NAME, "blog-view-index", changed)
    chosen = Patches()
    with caplog.at_level("INFO", logger="mkdocs.plugins.bulletin"):
        assert not chosen.allows("blog-view-index")
        assert not chosen.allows("blog-view-index")  # asked again: no second line
        assert chosen.allows("blog-post-index")
    assert [record.getMessage() for record in caplog.records] == [
        "bulletin: patch blog-view-index is off "
        "(material.plugins.blog.plugin.BlogPlugin._resolve_views has changed since the "
        "version bulletin knows); the output is the same, a little slower"
    ]


def test_a_changed_safety_patch_stops_the_build_rather_than_publish_uncleaned_pages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = dataclasses.replace(patches.BY_NAME["excerpt-sanitise"], fingerprint="0" * 16)
    monkeypatch.setitem(patches.BY_NAME, "excerpt-sanitise", changed)
    with pytest.raises(PatchChanged, match="might not be cleaned"):
        Patches(speedups=False).allows("excerpt-sanitise")


def test_speedups_false_leaves_every_speed_patch_off_and_the_rest_on() -> None:
    chosen = Patches(speedups=False)
    for patch in PATCHES:
        assert chosen.allows(patch.name) == (patch.kind != "speed"), patch.name


def _build(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_bulletin(site, "build", *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _speedups_off(site: Path) -> None:
    replace_in(
        site / "mkdocs.yml",
        "      output_dir: build\n",
        "      output_dir: build\n      speedups: false\n",
    )


def test_the_sample_is_the_same_bytes_with_and_without_the_speedups(tmp_path: Path) -> None:
    fast = copy_site(tmp_path / "fast")
    slow = copy_site(tmp_path / "slow")
    _speedups_off(slow)
    _build(fast)
    _build(fast)  # warm: the render cache answers
    _build(slow)
    assert snapshot(fast / "build") == snapshot(slow / "build")


def test_the_benchmark_corpus_is_the_same_bytes_with_and_without_the_speedups(
    tmp_path: Path,
) -> None:
    bench = load_bench()
    corpus = bench.generate_corpus(40)
    fast = bench.write_sites(corpus, tmp_path / "fast").ours
    slow = bench.write_sites(corpus, tmp_path / "slow").ours
    _speedups_off(slow)
    _build(fast)
    _build(slow)
    assert snapshot(fast / "build") == snapshot(slow / "build")


def test_build_verbose_lists_each_patch_as_applied_or_off(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    _speedups_off(site)
    result = _build(site, "-v")
    listed = dict(
        re.findall(
            r"bulletin: patch ([a-z-]+): (applied|off \([^)]*\)|not used(?: \(serve only\))?)",
            result.stderr,
        )
    )
    assert set(listed) == {patch.name for patch in PATCHES}
    assert listed["blog-post-index"] == "off (speedups: false)"
    assert listed["authors-avatars"] in ("applied", "not used")
    assert listed["excerpt-sanitise"] == "applied"
    assert listed["search-memo"] == "off (speedups: false)"
    assert listed["serve-gc"] == "not used (serve only)"


def test_the_core_imports_neither_mkdocs_nor_the_patches() -> None:
    """The core (read, model, fees, feeds, email) stands without MkDocs, in a new interpreter."""
    code = (
        "import sys\n"
        + "".join(f"import bulletin.{name}\n" for name in CORE)
        + "print(sorted(n for n in sys.modules if n.split('.')[0] in ('mkdocs', 'material')"
        " or n.startswith('bulletin.site')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"
