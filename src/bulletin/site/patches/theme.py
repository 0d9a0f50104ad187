"""Material's script, asking only for files that exist: the patch ``material-sitemap-fetch``
in ``bulletin.site.patches.PATCHES``.

Material's script fetches sitemap.xml beside every ``<link rel="alternate">`` of a page,
meant for its language alternates: beside a feed's link that is feeds/sitemap.xml, which
no site has, asked three times by every page. Language alternates carry ``hreflang``;
feeds do not. The published copy of the script is changed, never Material's own file.
"""

from __future__ import annotations

from pathlib import Path

from bulletin.writing import write_file

ALTERNATE_FETCH = 'M("link[rel=alternate]")'
ALTERNATE_FETCH_FIXED = 'M("link[rel=alternate][hreflang]")'


def patch_alternate_fetch(site_dir: Path) -> bool:
    """Make Material's bundle fetch sitemaps only for language alternates; False if not found."""
    bundles = sorted((site_dir / "assets" / "javascripts").glob("bundle.*.min.js"))
    patched = False
    for bundle in bundles:
        code = bundle.read_text(encoding="utf-8")
        if ALTERNATE_FETCH_FIXED in code:
            patched = True  # `mkdocs serve` kept the patched copy
        elif code.count(ALTERNATE_FETCH) == 1:
            fixed = code.replace(ALTERNATE_FETCH, ALTERNATE_FETCH_FIXED).encode("utf-8")
            write_file(site_dir, bundle.relative_to(site_dir).as_posix(), fixed)
            patched = True
    return patched
