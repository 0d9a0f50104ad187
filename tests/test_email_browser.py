"""The sample email in headless Chromium at 600 and 375 px, light and dark.

No sideways scrolling on a phone, readable text size, axe-core clean (colour contrast
included) when tests/node is installed; screenshots go to test-output/email-screenshots/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emailkit import ROOT, render_sample

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "node" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-output" / "email-screenshots"


@pytest.fixture(scope="module")
def html():
    return render_sample().html


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [600, 375])
def test_email_fits_and_reads(browser, html, width, scheme):
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    # offline: the email must not need the network, so block anything it asks for
    page.route("**/*", lambda route: route.abort())
    page.set_content(html, wait_until="domcontentloaded")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"sample-{width}-{scheme}.png"), full_page=True)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('p, li, td, th, h1, h2, h3')]
            .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim()))
            .map(el => parseFloat(getComputedStyle(el).fontSize)))"""
    )
    assert smallest >= 13
    heading = page.locator("h2", has_text="TASP update")
    assert heading.is_visible()
    box = page.locator(".em-members").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width

    if AXE.exists():
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        # WCAG A/AA rules, colour contrast included; axe's "best-practice" landmark rules
        # (one <main>, content in regions) are for web pages: an email client supplies those
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"""
        )
        violations = [(v["id"], len(v["nodes"])) for v in result["violations"]]
        assert violations == [], json.dumps(result["violations"], indent=1)[:4000]
    page.close()
