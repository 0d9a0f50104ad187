"""Authors without pictures: initials avatars, Material's authors patch, `bulletin new author`."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError

from bulletin.authoring.scaffold import add_author
from bulletin.avatars import (
    BLACK,
    MIN_CONTRAST,
    WHITE,
    contrast_ratio,
    initials,
    parse_colour,
    render_avatar,
    text_colour,
)
from bulletin.cli import main
from bulletin.errors import ContentError
from bulletin.site import patches
from bulletin.site.config import blog_plugin, sources_from_config
from bulletin.site.patches.blog import fill_in_avatars
from bulletin.sources import load_site
from conftest import replace_in, run_bulletin

ALISON_AVATAR = "    avatar: assets/avatars/alison.svg\n"


# -- initials and colours --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Alison Carter", "AC"),
        ("Mary-Jane O'Neil", "MO"),
        ("Cher", "C"),
        ("Ludwig van Beethoven", "LB"),
        ("  alison   carter  ", "AC"),
        ("Alison (Ali) Carter", "AC"),
        ("Zoë Østergaard", "ZØ"),
        ("Éowyn", "É"),
        ("42", ""),
        ("", ""),
    ],
)
def test_initials_are_the_first_letters_of_the_first_and_last_words(
    name: str, expected: str
) -> None:
    assert initials(name) == expected


def test_contrast_ratios_are_wcag_s() -> None:
    assert contrast_ratio(WHITE, BLACK) == pytest.approx(21)
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21)
    assert contrast_ratio("#1d4f91", "#1d4f91") == pytest.approx(1)
    assert contrast_ratio(WHITE, "#767676") == pytest.approx(4.54, abs=0.01)  # the AA grey
    assert contrast_ratio(WHITE, "#777777") == pytest.approx(4.48, abs=0.01)  # just fails AA
    assert contrast_ratio(WHITE, "#1d4f91") == pytest.approx(8.14, abs=0.01)


@pytest.mark.parametrize(
    ("circle", "text"),
    [("#1d4f91", WHITE), ("#000000", WHITE), ("#ffcc00", "#111111"), ("#ffffff", "#111111")],
)
def test_the_text_is_white_where_white_reads_well_else_dark(circle: str, text: str) -> None:
    assert text_colour(circle) == text


def test_every_circle_colour_gets_text_of_contrast_at_least_4_5() -> None:
    for red in range(0, 256, 15):
        for green in range(0, 256, 15):
            for blue in range(0, 256, 15):
                circle = f"#{red:02x}{green:02x}{blue:02x}"
                assert contrast_ratio(text_colour(circle), circle) >= MIN_CONTRAST, circle


def test_a_colour_must_be_hex() -> None:
    assert parse_colour("#1D4F91") == (0x1D, 0x4F, 0x91)
    for bad in ("blue", "#fff", "1d4f91", "#1d4f9g"):
        with pytest.raises(ValueError, match="expected a colour like #1d4f91"):
            parse_colour(bad)


def test_the_avatar_is_a_circle_with_the_initials() -> None:
    svg = render_avatar("Alison & Co Carter", "#1D4F91")
    assert '<circle cx="32" cy="32" r="32" fill="#1d4f91"/>' in svg
    assert re.search(r'<text [^>]*fill="#ffffff"[^>]*>AC</text>', svg)
    assert "<title>Alison &amp; Co Carter</title>" in svg
    assert "<text" not in render_avatar("42", "#1d4f91")  # no letters: the circle alone


# -- the authors file ------------------------------------------------------------------


def load(site: Path) -> None:
    config = load_config(config_file=str(site / "mkdocs.yml"))
    load_site(sources_from_config(config, config.plugins["bulletin"].config))


def test_an_author_without_an_avatar_is_valid(scratch_site: Path) -> None:
    replace_in(scratch_site / "content/authors.yml", ALISON_AVATAR, "")
    load(scratch_site)


def test_an_avatar_file_that_does_not_exist_is_an_error_with_its_line(scratch_site: Path) -> None:
    replace_in(
        scratch_site / "content/authors.yml",
        "assets/avatars/richard.svg",
        "assets/avatars/ian.png",
    )
    with pytest.raises(ContentError) as caught:
        load(scratch_site)
    assert [str(problem) for problem in caught.value.problems] == [
        "content/authors.yml:11: richard.avatar: assets/avatars/ian.png does not exist in "
        "content/; put the picture at content/assets/avatars/ian.png or correct the path, or "
        "leave the avatar line out for a picture of the initials"
    ]


def test_an_avatar_outside_the_docs_folder_is_refused_and_a_web_address_is_not_checked(
    scratch_site: Path,
) -> None:
    authors = scratch_site / "content/authors.yml"
    replace_in(authors, "assets/avatars/richard.svg", "https://example.org/richard.png")
    replace_in(authors, "assets/avatars/alison.svg", "../mkdocs.yml")
    with pytest.raises(ContentError) as caught:
        load(scratch_site)
    assert [str(problem) for problem in caught.value.problems] == [
        "content/authors.yml:7: alison.avatar: ../mkdocs.yml is not a file inside content/ nor "
        "an http(s) address; write the picture's path inside content/, avatar: "
        "assets/avatars/alison.png (a file inside the docs folder) or an https:// address; or "
        "leave the avatar line out for a picture of the initials"
    ]


# -- Material's blog, given the generated avatars --------------------------------------


def test_material_gets_the_generated_avatar_and_keeps_the_rest(scratch_site: Path) -> None:
    authors = scratch_site / "content/authors.yml"
    replace_in(authors, ALISON_AVATAR, "    slug: alison-carter\n")
    config = load_config(config_file=str(scratch_site / "mkdocs.yml"))
    blog = blog_plugin(config)
    with pytest.raises(PluginError, match="avatar"):  # Material alone refuses the file
        blog._resolve_authors(config)
    generated = {"alison": "assets/avatars/generated/alison.svg"}
    fill_in_avatars(blog, generated)
    resolved = blog._resolve_authors(config)
    assert resolved["alison"].avatar == "assets/avatars/generated/alison.svg"
    assert resolved["alison"].slug == "alison-carter"
    assert resolved["richard"].avatar == "assets/avatars/richard.svg"
    fill_in_avatars(blog, {})  # nobody needs one any more: Material's own
    assert "_resolve_authors" not in vars(blog)


def test_a_changed_material_switches_the_patch_off_with_one_warning(
    scratch_site: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    replace_in(scratch_site / "content/authors.yml", ALISON_AVATAR, "")
    changed = dataclasses.replace(patches.BY_NAME["authors-avatars"], fingerprint="0" * 16)
    monkeypatch.setitem(patches.BY_NAME, "authors-avatars", changed)
    config = load_config(config_file=str(scratch_site / "mkdocs.yml"))
    plugin = config.plugins["bulletin"]
    plugin.on_startup(command="email", dirty=False)  # "email": nothing staged
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.bulletin"):
        plugin.on_config(config)
    warnings = [r.getMessage() for r in caplog.records if r.name == "mkdocs.plugins.bulletin"]
    assert warnings == [
        "bulletin: patch authors-avatars is off "
        "(material.plugins.blog.plugin.BlogPlugin._resolve_authors has changed since the "
        "version bulletin knows), so authors without an avatar cannot be given their "
        "initials: give each an avatar in the authors file, or update bulletin"
    ]
    assert "_resolve_authors" not in vars(blog_plugin(config))


def test_an_avatar_colour_that_is_not_a_colour_is_refused_with_its_line(
    scratch_site: Path,
) -> None:
    replace_in(
        scratch_site / "mkdocs.yml",
        "      output_dir: build\n",
        "      output_dir: build\n      avatar_colour: blue\n",
    )
    config = load_config(config_file=str(scratch_site / "mkdocs.yml"))
    plugin = config.plugins["bulletin"]
    plugin.on_startup(command="email", dirty=False)
    with pytest.raises(PluginError) as caught:
        plugin.on_config(config)
    line = (scratch_site / "mkdocs.yml").read_text("utf-8").splitlines().index(
        "      avatar_colour: blue"
    ) + 1
    assert str(caught.value).splitlines()[0] == (
        f"mkdocs.yml:{line}: bulletin.avatar_colour: expected a colour like #1d4f91, got 'blue'"
    )


# -- bulletin new author ---------------------------------------------------------------


def new_author(site: Path, *args: str) -> int:
    return main(["-f", str(site / "mkdocs.yml"), "new", "author", *args])


def test_new_author_appends_to_the_file_and_keeps_everything_else(
    scratch_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    authors = scratch_site / "content/authors.yml"
    before = authors.read_text("utf-8")
    assert new_author(scratch_site, "ian", "--name", "Ian O'Neil", "--role", "Chair: north") == 0
    assert authors.read_text("utf-8") == before + (
        '  ian:\n    name: Ian O\'Neil\n    description: "Chair: north"\n'
    )
    assert capsys.readouterr().out.splitlines() == [
        "Added Ian O'Neil (Chair: north) to content/authors.yml:12 as author 'ian'",
        "Avatar: a picture of the initials (assets/avatars/generated/ian.svg, made at each build)",
        "A post names them with: authors: [ian]",
    ]


def test_new_author_refuses_a_taken_or_unsafe_key_and_a_missing_picture(
    scratch_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    authors = scratch_site / "content/authors.yml"
    before = authors.read_text("utf-8")
    assert new_author(scratch_site, "richard", "--name", "R", "--role", "Chair") == 1
    assert new_author(scratch_site, ".hidden", "--name", "R", "--role", "Chair") == 2
    assert new_author(scratch_site, "ian", "--name", "I", "--role", "C", "--avatar", "ian.png") == 2
    assert capsys.readouterr().err.splitlines() == [
        "bulletin new author: 'richard' is already an author in content/authors.yml; "
        "choose another key",
        "bulletin new author: '.hidden' cannot be an author key: it names the author's page "
        "and feeds (author/<key>/); use letters, digits, '-', '_' and '.' (not first), e.g. ian",
        "bulletin new author: --avatar: ian.png does not exist in content/; put the picture at "
        "content/ian.png or correct the path, or leave the avatar line out for a picture of "
        "the initials",
    ]
    assert authors.read_text("utf-8") == before


def test_new_post_names_the_authors_file_s_problems_not_an_unknown_author(
    scratch_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace_in(scratch_site / "content/authors.yml", "    name: Alison Carter\n", "")
    status = main(["-f", str(scratch_site / "mkdocs.yml"), "new", "post", "--title", "X"])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        "content/authors.yml:4: alison.name: missing: give the person's name",
        "bulletin new: cannot use author 'alison': the authors file has the problems above; "
        "fix them and run the command again",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "authors:\n  ian:\n    name: Ian\n    description: Chair\n"),
        ("# who\nauthors:\n", "# who\nauthors:\n  ian:\n    name: Ian\n    description: Chair\n"),
        (
            "authors: {}  # none\n",
            "authors:  # none\n  ian:\n    name: Ian\n    description: Chair\n",
        ),
        (
            "authors:\n    a:\n        name: A\n        description: B\n# the end\nother: 1",
            "authors:\n    a:\n        name: A\n        description: B\n"
            "    ian:\n        name: Ian\n        description: Chair\n# the end\nother: 1\n",
        ),
    ],
)
def test_add_author_follows_the_file_s_layout(text: str, expected: str) -> None:
    assert add_author(text, "ian", "Ian", "Chair")[0] == expected


def test_add_author_quotes_only_what_yaml_would_misread() -> None:
    added, line = add_author("authors:\n", "yes", "No", "1.5", "https://x.org/a.png")
    assert added == (
        'authors:\n  "yes":\n    name: "No"\n    description: "1.5"\n'
        "    avatar: https://x.org/a.png\n"
    )
    assert line == 2


# -- a whole build ---------------------------------------------------------------------


def test_authors_without_pictures_get_initials_in_the_built_site(scratch_site: Path) -> None:
    replace_in(scratch_site / "content/authors.yml", ALISON_AVATAR, "")
    added = run_bulletin(
        scratch_site, "new", "author", "ian", "--name", "Ian Smith", "--role", "Scrutineer"
    )
    assert added.returncode == 0, added.stderr
    made = run_bulletin(
        scratch_site, "new", "post", "--title", "Hello from Ian", "--author", "ian",
        "--date", "2024-03-08",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    replace_in(scratch_site / "content/posts/hello-from-ian.md", "draft: true\n", "")
    result = run_bulletin(scratch_site, "build")
    assert result.returncode == 0, result.stderr
    site = scratch_site / "build/site"
    for page, name, letters in (
        ("author/alison/index.html", "Alison Carter", "AC"),
        ("2024/03/hello-from-ian/index.html", "Ian Smith", "IS"),
        ("author/ian/index.html", "Ian Smith", "IS"),
    ):
        html = (site / page).read_text("utf-8")
        sources = re.findall(rf'<img src="([^"]+)" alt="{name}">', html)
        assert sources, page
        for src in sources:
            picture = ((site / page).parent / src).resolve()
            assert picture.parent == (site / "assets/avatars/generated").resolve()
            svg = picture.read_text("utf-8")
            assert svg.startswith("<svg") and f">{letters}</text>" in svg
    assert "assets/avatars/richard.svg" in (site / "author/richard/index.html").read_text("utf-8")
