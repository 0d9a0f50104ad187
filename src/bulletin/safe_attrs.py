"""attr_list with harmless attributes only: ``{ #id .class width=300 }``, not ``{ onclick=… }``.

Used in place of Python-Markdown's ``attr_list`` when ``raw_html`` is false. The website's
HTML is cleaned after rendering anyway (``sanitise``); this keeps what the author asked
for and the cleaned page the same, and keeps unsafe attributes out of the table of contents.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Markdown
from markdown.extensions.attr_list import AttrListExtension, AttrListTreeprocessor

ALLOWED = frozenset(
    {
        *("id", "class", "title", "lang", "dir", "role", "width", "height", "loading"),
        *("align", "target", "rel", "alt", "hidden", "tabindex", "scope"),
    }
)
"""Attributes an author may set; ``data-*`` and ``aria-*`` are allowed too."""


def is_allowed(name: str) -> bool:
    lowered = name.lower()
    return lowered in ALLOWED or lowered.startswith(("data-", "aria-"))


class SafeAttrListTreeprocessor(AttrListTreeprocessor):
    def assign_attrs(self, elem: etree.Element, attrs_string: str, *, strict: bool = False) -> str:
        before = dict(elem.attrib)
        remainder = super().assign_attrs(elem, attrs_string, strict=strict)
        for name in list(elem.attrib):
            if is_allowed(name):
                continue
            if name in before:
                elem.set(name, before[name])  # set by another extension: keep theirs
            else:
                del elem.attrib[name]
        return remainder


class SafeAttrListExtension(AttrListExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(SafeAttrListTreeprocessor(md), "attr_list", 8)
        md.registerExtension(self)
