"""Initials avatars for authors without a picture: a circle in the site's colour.

Pure functions: the plugin adds each generated SVG to the site at ``generated_path(key)``,
and ``sources`` gives such an author that path as their avatar, so every page, feed and
email that shows an avatar shows this one.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

GENERATED_DIR = "assets/avatars/generated"  # inside the site; never a file an author writes
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
DARK = "#111111"
BLACK = "#000000"
MIN_CONTRAST = 4.5  # WCAG 2 level AA for normal text (1.4.3)


def generated_path(key: str) -> str:
    """Where an author's generated avatar is in the site, e.g. assets/avatars/generated/ian.svg."""
    return f"{GENERATED_DIR}/{key}.svg"


def initials(name: str) -> str:
    """The first letter of the first and last words: "Mary-Jane O'Neil" -> "MO".

    One word gives one letter; a word's first letter is its first alphabetic character,
    so "(Ali)" gives "A". A name without letters gives "".
    """
    firsts = []
    for word in unicodedata.normalize("NFC", name).split():
        letter = next((char for char in word if char.isalpha()), "")
        if letter:
            firsts.append(letter.upper()[0])  # "ß".upper() is "SS": one letter
    if len(firsts) > 2:
        firsts = [firsts[0], firsts[-1]]
    return "".join(firsts)


def parse_colour(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` as its red, green and blue (0-255); ValueError for anything else."""
    if not HEX_COLOUR.match(colour):
        raise ValueError(f"expected a colour like #1d4f91, got {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in parse_colour(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two colours, 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(background: str) -> str:
    """White if it reaches a contrast of 4.5 on ``background``, else a dark colour that does.

    Black always does when white does not, so the result always passes.
    """
    for candidate in (WHITE, DARK, BLACK):
        if contrast_ratio(candidate, background) >= MIN_CONTRAST:
            return candidate
    return BLACK  # unreachable: white or black always reaches 4.58


def render_avatar(name: str, colour: str) -> str:
    """An SVG of ``name``'s initials on a circle of ``colour``, text of enough contrast."""
    letters = initials(name)
    size = 28 if len(letters) < 2 else 24
    text = (
        f'  <text x="32" y="32" dy=".35em" text-anchor="middle" fill="{text_colour(colour)}" '
        "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, "
        f'sans-serif" font-size="{size}" font-weight="600">{escape(letters)}</text>\n'
        if letters
        else ""
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64" '
        'role="img">\n'
        f"  <title>{escape(name)}</title>\n"
        f'  <circle cx="32" cy="32" r="32" fill="{colour.lower()}"/>\n'
        f"{text}"
        "</svg>\n"
    )
