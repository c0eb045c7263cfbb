"""A read item's text: plain paragraphs or simple HTML in, sanitised HTML out (nh3), and back to
plain paragraphs for the editor when that is all it holds.

Every text reaches the database through clean() (kinds.Read.check), so pages show the stored HTML
as it is. Documents converted from .docx later go through it too.
"""

from __future__ import annotations

import html
import re

import nh3
from markupsafe import escape

# What a study text needs: paragraphs, headings, emphasis, lists, quotations, tables and links.
# No images (an outside address would be fetched by every reader), no styles, no scripts.
TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
    "blockquote", "hr", "a", "table", "caption", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[a-zA-Z/!]")
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
# What paragraphs() writes: <p> blocks of text and <br>, nothing else.
_PLAIN = re.compile(r"(?:<p>(?:[^<]|<br>)*</p>)+")


def clean(text: str) -> str:
    """Sanitised HTML: text with tags is cleaned, plain text becomes paragraphs."""
    text = text.strip()
    if not _TAG.search(text):
        return paragraphs(text)
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES).strip()


def paragraphs(text: str) -> str:
    """A paragraph per blank-line-separated block, its lines kept with <br>."""
    blocks = _BLANK_LINE.split(text.replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + "<br>".join(str(escape(line.strip())) for line in block.strip().splitlines()) + "</p>"
        for block in blocks
        if block.strip()
    )


def editable(body_html: str) -> str:
    """The text as its editor wrote it when paragraphs() made it; else the HTML itself."""
    if not _PLAIN.fullmatch(body_html):
        return body_html
    blocks = re.findall(r"<p>(.*?)</p>", body_html, flags=re.DOTALL)
    return "\n\n".join(html.unescape(block.replace("<br>", "\n")) for block in blocks)
