"""Lines of Markdown outside fenced code blocks, where markup means something."""

from __future__ import annotations

import re

FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")


def lines_outside_fences(markdown_text: str) -> list[tuple[int, str]]:
    """Numbered lines (from 1) outside fenced code blocks; a fence closes on a like, long fence."""
    lines: list[tuple[int, str]] = []
    fence = ""
    for number, line in enumerate(markdown_text.splitlines(), start=1):
        opening = FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        lines.append((number, line))
    return lines
