"""Automatic excerpts and descriptions (summary.py): one behaviour per test, inline Markdown."""

from __future__ import annotations

from textwrap import dedent

import markdown
import pytest

from bulletin.summary import (
    DESCRIPTION_CHARS,
    derive_description,
    excerpt_cut,
    insert_excerpt_separator,
    plain_text,
)

MORE = "<!-- more -->"
SENTENCE = "The board heard from each of the three partners in turn about their plans. "  # 14 words


def excerpt(text: str) -> str:
    """The Markdown the blog's front page shows: everything before the separator."""
    inserted = insert_excerpt_separator(dedent(text), MORE)
    assert inserted.count(MORE) == 1
    return inserted.split(MORE)[0].strip()


def render(text: str) -> str:
    md = markdown.Markdown(
        extensions=["tables", "attr_list", "pymdownx.blocks.admonition", "admonition"],
        extension_configs={"pymdownx.blocks.admonition": {"types": ["note", "spotlight"]}},
    )
    return md.convert(text)


# -- the excerpt ------------------------------------------------------------------------------


def test_the_excerpt_is_the_first_paragraph() -> None:
    text = """\
        Our board met last week.
        It went well.

        The second paragraph.
        """
    assert excerpt(text) == "Our board met last week.\nIt went well."


def test_leading_blank_lines_are_skipped() -> None:
    assert excerpt("\n\n\nOpening words.\n\nMore.\n") == "Opening words."


def test_the_excerpt_stops_at_a_heading_right_under_the_paragraph() -> None:
    text = """\
        Text before the first heading.
        ## A heading

        More.
        """
    assert excerpt(text) == "Text before the first heading."


def test_the_excerpt_stops_at_an_underlined_heading() -> None:
    text = """\
        Opening words.
        A heading
        ---------

        More.
        """
    assert excerpt(text) == "Opening words."


def test_a_post_opening_with_a_heading_keeps_it_and_the_paragraph_under_it() -> None:
    text = """\
        ## Welcome

        What does a good arrangement look like?

        ## Next
        """
    assert excerpt(text) == "## Welcome\n\nWhat does a good arrangement look like?"


def test_a_picture_alone_brings_the_paragraph_after_it() -> None:
    text = """\
        ![The board in session](board.jpg)

        Our board met last week.

        More.
        """
    assert excerpt(text) == "![The board in session](board.jpg)\n\nOur board met last week."


def test_an_opening_list_is_taken_whole() -> None:
    text = """\
        - one
        - two

            a second paragraph of item two

        - three

        After the list.
        """
    assert excerpt(text) == ("- one\n- two\n\n    a second paragraph of item two\n\n- three")


def test_an_opening_fenced_code_block_is_taken_whole() -> None:
    text = """\
        ```text
        first

        ## not a heading
        ```

        After the code.
        """
    assert excerpt(text) == "```text\nfirst\n\n## not a heading\n```"


def test_an_opening_slash_block_is_taken_whole_with_blocks_inside() -> None:
    text = """\
        /// spotlight | Spotlight on… regional networks
        The feature's text.

        /// note | Inside
        Nested.
        ///

        More of the feature.
        ///

        After the block.
        """
    assert excerpt(text) == dedent("""\
        /// spotlight | Spotlight on… regional networks
        The feature's text.

        /// note | Inside
        Nested.
        ///

        More of the feature.
        ///""")


def test_an_opening_table_is_taken_whole() -> None:
    text = """\
        | Year | Fee |
        |------|----:|
        | 2019 | 10 |

        After the table.
        """
    assert excerpt(text) == "| Year | Fee |\n|------|----:|\n| 2019 | 10 |"


def test_an_opening_admonition_is_taken_whole() -> None:
    text = """\
        !!! note "Dates"
            The board meets in May.

            And in September.

        After the note.
        """
    assert excerpt(text) == (
        '!!! note "Dates"\n    The board meets in May.\n\n    And in September.'
    )


def test_a_long_paragraph_is_cut_after_the_last_sentence_within_80_words() -> None:
    paragraph = SENTENCE * 6 + "The last sentence."  # 84 + 3 words
    assert excerpt(paragraph) == (SENTENCE * 5).strip()


def test_a_long_paragraph_is_cut_inside_the_paragraph_without_breaking_it() -> None:
    paragraph = SENTENCE * 6 + "The last sentence.\n"
    inserted = insert_excerpt_separator(paragraph, MORE)
    assert f"plans.{MORE} The board" in inserted
    assert render(inserted).replace(MORE, "") == render(paragraph)


def test_a_first_sentence_longer_than_80_words_is_kept_whole() -> None:
    long_sentence = "word " * 90 + "end. "
    assert excerpt(long_sentence + "Second sentence.") == (long_sentence.strip())


def test_an_abbreviation_is_no_sentence_end() -> None:
    paragraph = "Partners, e.g. Health, agreed. " + SENTENCE * 6
    cut = excerpt(paragraph)
    assert not cut.endswith("e.g.")
    assert cut.startswith("Partners, e.g. Health, agreed. The board")


def test_a_child_named_by_a_letter_ends_a_sentence() -> None:
    text = "The review of Child A. It found gaps in how agencies shared information.\n"
    assert derive_description(text) == text.strip()
    assert derive_description("The review of Child A. " + "It found gaps, " * 15 + "too.") == (
        "The review of Child A."
    )


def test_a_cut_never_falls_inside_a_link() -> None:
    linked = "[Read the plan. It is short](https://example.org/plan) and clear. "
    paragraph = SENTENCE * 5 + linked + SENTENCE * 2
    cut = excerpt(paragraph)
    assert cut == (SENTENCE * 5 + linked).strip()


def test_a_cut_never_falls_inside_emphasis() -> None:
    paragraph = SENTENCE * 5 + "*An aside. Another one.* " + SENTENCE * 2
    assert excerpt(paragraph) == (SENTENCE * 5 + "*An aside. Another one.*").strip()


def test_a_short_post_gets_the_separator_after_it() -> None:
    assert insert_excerpt_separator("One paragraph only.\n", MORE) == (
        f"One paragraph only.\n\n{MORE}\n\n"
    )


def test_between_blocks_the_separator_has_a_line_of_its_own() -> None:
    assert insert_excerpt_separator("First.\n\nSecond.\n", MORE) == (
        f"First.\n\n{MORE}\n\n\nSecond.\n"
    )


def test_a_post_with_no_text_has_no_cut() -> None:
    assert excerpt_cut("\n\n<!-- a comment -->\n\n") is None


def test_the_cut_names_the_line_it_falls_on() -> None:
    cut = excerpt_cut("\nFirst line\nsecond line.\n\nMore.\n")
    assert cut is not None
    assert (cut.line, cut.inline) == (2, False)


# -- the description ---------------------------------------------------------------------------


def test_the_description_is_the_first_two_sentences_when_they_fit() -> None:
    text = "Our board met last week. It went well. A third sentence.\n"
    assert derive_description(text) == "Our board met last week. It went well."


def test_the_description_is_the_first_sentence_when_two_do_not_fit() -> None:
    second = "It went well, " * 12 + "and so on."
    assert derive_description(f"Our board met last week. {second}\n") == (
        "Our board met last week."
    )


def test_a_long_first_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    sentence = "The partnership board, " + "meeting again, " * 20 + "agreed."
    description = derive_description(sentence)
    assert len(description) <= DESCRIPTION_CHARS
    assert description.endswith("meeting again…")
    assert sentence.startswith(description.removesuffix("…"))


def test_the_description_is_plain_text() -> None:
    text = """\
        Read **the plan** in [our report](report.md), `v2`, ![chart](c.png) *now* &amp; soon.
        """
    assert derive_description(dedent(text)) == "Read the plan in our report, v2, now & soon."


def test_abbreviations_are_kept_as_written() -> None:
    text = "The LSCB, e.g. its chair, met the ICB. Then it closed.\n"
    assert derive_description(text) == "The LSCB, e.g. its chair, met the ICB. Then it closed."


def test_a_number_starting_a_line_of_the_paragraph_is_kept() -> None:
    assert derive_description("The review began in\n2023. It ends soon.\n") == (
        "The review began in 2023. It ends soon."
    )


def test_headings_are_skipped() -> None:
    assert derive_description("## Welcome\n\nWhat does good look like?\n") == (
        "What does good look like?"
    )


def test_a_post_opening_with_a_block_is_described_from_inside_it() -> None:
    text = """\
        /// spotlight | Spotlight on… networks
        Regional networks met in May.
        ///
        """
    assert derive_description(dedent(text)) == "Regional networks met in May."


def test_an_email_only_block_does_not_describe_the_post() -> None:
    text = """\
        /// email-only
        You are receiving this because you are a member.
        ///

        Regional networks met in May.
        """
    assert derive_description(dedent(text)) == "Regional networks met in May."


def test_a_post_of_a_list_is_described_by_its_items() -> None:
    assert derive_description("- Harrow\n- Wakefield\n") == "Harrow; Wakefield"


def test_a_post_without_words_has_no_description() -> None:
    assert derive_description("![](picture.png)\n") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<https://example.org/a>", "https://example.org/a"),
        (r"2 \* 3", "2 * 3"),
        ("A note.[^1]", "A note."),
        ("Fees {: .lead }", "Fees"),
        ("[[fee-table]]", ""),
        ("A <abbr>tag</abbr>", "A tag"),
    ],
)
def test_plain_text_reduces_markup_to_what_a_reader_sees(text: str, expected: str) -> None:
    assert plain_text(text) == expected


def test_the_same_text_gives_the_same_results() -> None:
    text = SENTENCE * 9
    assert derive_description(text) == derive_description(text)
    assert excerpt_cut(text) == excerpt_cut(text)


PATHOLOGICAL = {
    "one paragraph of sentences": "Some words here. " * 60_000,
    "unclosed links": "[a. B](" * 150_000,
    "unclosed code": "`a. B " * 150_000,
    "unclosed emphasis": "*a. B " * 150_000,
    "unclosed comments": "<!-- a. B " * 100_000,
    "nested blocks never closed": "/// note\n" * 100_000,
    "nested quotations": "> " * 400_000 + "x\n",
    "a long list": "- a\n" * 200_000,
    "headings only": "# a\n" * 200_000,
    "pictures only": "![a](b.png)\n\n" * 80_000,
    "one underlined paragraph": "a\n" * 400_000 + "---\n",
}
"""About a megabyte each: quadratic work, or a recursion per level, would overrun the timeout."""


@pytest.mark.timeout(30)
@pytest.mark.parametrize("text", list(PATHOLOGICAL.values()), ids=list(PATHOLOGICAL))
def test_any_post_is_summarised_in_bounded_time(text: str) -> None:
    assert len(derive_description(text)) <= DESCRIPTION_CHARS
    assert insert_excerpt_separator(text, MORE).count(MORE) == 1


def test_a_huge_paragraph_is_cut_after_its_opening_sentences() -> None:
    cut = excerpt_cut(SENTENCE * 100_000)
    assert cut is not None and cut.inline
    assert cut.offset == len(SENTENCE * 5) - 1
