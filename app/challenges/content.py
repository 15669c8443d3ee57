"""Markdown written by organisers, rendered and sanitised once, when it is saved."""

from __future__ import annotations

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}


# A call's texts besides its title, each of which it may leave empty (and a translation too).
OPTIONAL_TEXTS = (
    "prompt",
    "description_md",
    "eligibility_text",
    "formats_text",
    "prizes_text",
    "recognition_text",
    "consent_text",
)


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: raw HTML is escaped by the renderer, and nh3
    keeps only plain formatting tags and http(s)/mailto links (opened without referrer)."""
    # The page's own title is the only h1; the organiser's top headings become h2.
    html = _markdown.render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def slugify(text: str, max_length: int = 80, separator: str = "-") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", separator, ascii_text.lower()).strip(separator)
    return slug[:max_length].strip(separator)
