"""project.py: mkdocs.yml read without MkDocs gives what MkDocs gives, or steps aside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from mkdocs.config import load_config

from bulletin.project import BLOG_DEFAULTS, DEFAULTS, MKDOCS_DOCS_DIR, read_project
from bulletin.site.config import BulletinConfig, sources_from_config
from conftest import ROOT, copy_site, replace_in
from test_bench import load_bench


def test_material_blog_defaults_are_the_installed_materials() -> None:
    from material.plugins.blog.config import BlogConfig

    schema = dict(BlogConfig._schema)
    assert {key: schema[key].default for key in BLOG_DEFAULTS} == BLOG_DEFAULTS


def test_bulletin_defaults_are_the_schemas() -> None:
    schema = dict(BulletinConfig._schema)
    assert {key: schema[key].default for key in DEFAULTS} == DEFAULTS


def test_mkdocs_docs_dir_default() -> None:
    from mkdocs.config.defaults import MkDocsConfig

    assert dict(MkDocsConfig._schema)["docs_dir"].default == MKDOCS_DOCS_DIR


def _through_mkdocs(config_file: Path):
    config = load_config(config_file=str(config_file))
    return sources_from_config(config, config.plugins["bulletin"].config)


def test_the_sample_reads_the_same_with_and_without_mkdocs() -> None:
    project = read_project(ROOT / "mkdocs.yml")
    assert project is not None
    assert project.sources == _through_mkdocs(ROOT / "mkdocs.yml")


def test_blog_defaults_and_a_plugins_mapping_read_the_same(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    config = site / "mkdocs.yml"
    for line in ("      blog_dir: .\n", "      post_excerpt: required\n"):
        replace_in(config, line, "")
    replace_in(
        config, "      output_dir: build\n", "      output_dir: out\n      require: [excerpt]\n"
    )
    project = read_project(config)
    assert project is not None
    assert project.sources == _through_mkdocs(config)


def test_the_benchmark_corpus_reads_the_same(tmp_path: Path) -> None:
    bench = load_bench()
    site = bench.write_sites(bench.generate_corpus(3), tmp_path).ours
    project = read_project(site / "mkdocs.yml")
    assert project is not None
    assert project.sources == _through_mkdocs(site / "mkdocs.yml")


@pytest.mark.parametrize(
    "change",
    [
        ("site_name: TASP news and blogs\n", "INHERIT: base.yml\nsite_name: TASP news and blogs\n"),
        ("      output_dir: build\n", "      output_dir: !ENV [OUT, build]\n"),
        ("docs_dir: content\n", "docs_dir: !relative content\n"),
    ],
    ids=["inherit", "env-tag", "relative-tag"],
)
def test_what_only_mkdocs_can_read_is_left_to_mkdocs(
    tmp_path: Path, change: tuple[str, str]
) -> None:
    site = copy_site(tmp_path / "site")
    replace_in(site / "mkdocs.yml", *change)
    assert read_project(site / "mkdocs.yml") is None


def test_a_setting_behind_an_env_tag_still_works_through_mkdocs(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    replace_in(
        site / "mkdocs.yml",
        "      output_dir: build\n",
        "      output_dir: build\n      fees_file: !ENV [FEES, fees.yml]\n",
    )
    assert read_project(site / "mkdocs.yml") is None
    result = subprocess.run(
        [sys.executable, "-m", "bulletin.cli", "fee", "12", "--year", "2019/20"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "£" in result.stdout


def test_quick_commands_do_not_import_mkdocs(tmp_path: Path) -> None:
    """`fee` and `new` read mkdocs.yml themselves: MkDocs and Material stay unloaded."""
    site = copy_site(tmp_path / "site")
    code = (
        "import sys\n"
        "from bulletin.cli import main\n"
        "assert main(sys.argv[1:]) == 0\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] == 'material'"
        " or n.startswith('mkdocs.config') or n.startswith('mkdocs.commands'))\n"
        "print(loaded, file=sys.stderr)\n"
    )
    for args in (["fee", "12", "--year", "2019/20"], ["new", "post", "--title", "Quick one"]):
        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=site,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip().splitlines()[-1] == "[]", (args, result.stderr)
