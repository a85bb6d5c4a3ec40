"""Model cards as safe HTML: CommonMark through markdown-it-py with raw HTML turned off.

With `html: False` every tag in the Markdown (`<script>`, `<img onerror=...>`, `<iframe>`) is
escaped into visible text, and markdown-it's link validation refuses `javascript:`,
`vbscript:`, `file:` and non-image `data:` URLs, so the page can insert the result as is.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render(markdown: str) -> str:
    """HTML for a model card; never contains a tag the Markdown spelled out itself."""
    return _md.render(markdown or "")
