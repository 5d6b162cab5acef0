"""Markdown → sanitised HTML for news and pages.

Markdown may contain raw HTML, so everything it renders goes through nh3 with an explicit
allow-list: no <script>/<style>/<iframe>, no event-handler attributes (only the attributes
listed below survive), links and images only with http(s)/mailto/tel or relative URLs, and
every link gets rel="noopener noreferrer".
"""

import markdown as _markdown
import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "mark",
    "sub",
    "sup",
    "small",
    "blockquote",
    "q",
    "cite",
    "abbr",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "code",
    "pre",
    "kbd",
    "samp",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
    "code": {"class"},  # fenced code language: class="language-python"
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Dropped with their content (not just unwrapped): what is inside is never meant as text.
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
EXTENSIONS = ["extra", "sane_lists"]


def render_markdown(text: str) -> str:
    """The sanitised HTML of ``text`` (Markdown, possibly with inline HTML)."""
    if not text:
        return ""
    html = _markdown.markdown(text, extensions=EXTENSIONS, output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=CLEAN_CONTENT_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
