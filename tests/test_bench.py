"""scripts/bench: its corpus is valid for both sites, and the script runs end to end.

Nothing here is timed: the figures are the script's to print, not the suite's to assert.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from mkdocs.config import load_config

from bulletin.site.config import sources_from_config
from bulletin.sources import load_site

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scripts" / "bench"


def load_bench() -> ModuleType:
    """Import scripts/bench (a file without .py) as a module."""
    loader = importlib.machinery.SourceFileLoader("bench", str(BENCH))
    spec = importlib.util.spec_from_loader("bench", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # dataclasses look their module up while the class is made
    loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_bench()


def test_the_corpus_is_the_same_for_the_same_seed(bench: ModuleType) -> None:
    assert bench.generate_corpus(5, seed=1) == bench.generate_corpus(5, seed=1)
    assert bench.generate_corpus(5, seed=1) != bench.generate_corpus(5, seed=2)


def test_posts_are_600_to_900_words_with_every_kind_of_markdown(bench: ModuleType) -> None:
    corpus = bench.generate_corpus(30, fee_table=False)
    assert len(corpus.posts) == 30
    assert len(corpus.newsletters) == 4  # one a month: 30 posts span four months
    for name, text in corpus.posts.items():
        body = text.split("---\n", 2)[2]
        words = re.findall(r"[A-Za-z0-9']+", re.sub(r"\(.*?\)|<.*?>|\|", " ", body))
        assert 600 <= len(words) <= 950, name  # 600-900 of prose, plus table cells
        assert "<!-- more -->" in body
        assert re.search(r"^## ", body, re.M)
        assert re.search(r"^- ", body, re.M) and re.search(r"^1\. ", body, re.M)
        assert "| --- |" in body
        assert "![" in body and "](https://" in body
    authors = {re.search(r"authors: \[(\w+)", text)[1] for text in corpus.posts.values()}
    assert authors <= set(bench.AUTHORS)
    for text in corpus.newsletters.values():
        assert "/// members | Welcome to our newest members" in text
        assert "/// spotlight | " in text
        assert "[[fee-table]]" not in text


def test_newsletters_carry_the_fee_table_only_when_asked(bench: ModuleType) -> None:
    corpus = bench.generate_corpus(10, fee_table=True)
    assert all("\n[[fee-table]]\n" in text for text in corpus.newsletters.values())


def test_both_sites_have_the_same_pages_and_ours_validates(
    bench: ModuleType, tmp_path: Path
) -> None:
    corpus = bench.generate_corpus(5)
    sites = bench.write_sites(corpus, tmp_path)
    assert sites.pages == 5 + len(corpus.newsletters)
    ours = sorted(p.name for p in (sites.ours / "content" / "posts").rglob("*.md"))
    ours += sorted(p.name for p in (sites.ours / "newsletters").glob("*.md"))
    plain = sorted(p.name for p in (sites.plain / "content" / "posts").glob("*.md"))
    plain += sorted(p.name for p in (sites.plain / "content" / "posts" / "newsletters").glob("*"))
    assert ours == plain

    config = load_config(config_file=str(sites.ours / "mkdocs.yml"))
    site = load_site(sources_from_config(config, config.plugins["bulletin"].config))
    assert len(site.posts) == sites.pages
    assert {author for post in site.posts for author in post.authors} <= set(bench.AUTHORS)
    assert len({category for post in site.posts for category in post.categories}) == 3
    assert site.warnings == ()

    plain_config = load_config(config_file=str(sites.plain / "mkdocs.yml"))
    assert list(plain_config.plugins) == ["material/search", "material/blog"]


def test_the_script_runs_at_a_tiny_n(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    options = ["--posts", "3", "--repeat", "2", "--preview", "--keep", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, str(BENCH), *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "N = 3 posts + 1 newsletters" in done.stdout
    for row in ("time, median", "CPU time", "per post", "peak memory", "validate", "ours, total"):
        assert row in done.stdout
    assert "edit-to-preview under bulletin serve (median of 2 saves)" in done.stdout
    for output in ("page", "feed", "email"):
        assert re.search(rf"^  {output} updated +\d+\.\d\d s$", done.stdout, re.M), done.stdout
    assert done.stderr.count("edit-to-preview, save") == 2, done.stderr
    assert (tmp_path / "n3" / "bulletin" / "build" / "site" / "index.html").exists()
    assert (tmp_path / "n3" / "material" / "build" / "site" / "index.html").exists()


def test_profile_groups_go_by_import_folder_not_by_name(bench: ModuleType, tmp_path: Path) -> None:
    import material

    site = tmp_path / "bulletin"  # a site folder that happens to be called bulletin
    prefixes = bench.package_prefixes(site)
    material_file = str(Path(material.__file__).resolve().parent / "templates" / "base.html")
    assert bench.group_of((material_file, 4, "root"), prefixes) == "material"
    assert (
        bench.group_of((str(site / "overrides" / "main.html"), 4, "root"), prefixes) == "bulletin"
    )
    assert bench.group_of((str(site / "material" / "x.py"), 1, "f"), prefixes) is None
    assert bench.group_of(("~", 0, "<built-in method mjml.mjml.mjml2html>"), prefixes) == "mjml"
