"""Markdown to safe HTML: markdown-it renders without raw HTML, then nh3 keeps only harmless tags."""

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {"p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3", "h4",
         "table", "thead", "tbody", "tr", "th", "td", "hr"}


def sanitise_markdown(text: str) -> str:
    """Clean Markdown source on the way in: strips any HTML a user typed into it.

    nh3 escapes ">" and "&" as it goes; both are restored because Markdown needs them (quotes, entities)
    and neither can open a tag. Rendering escapes again on the way out.
    """
    cleaned = nh3.clean(text or "", tags=set(), strip_comments=True)
    return cleaned.replace("&gt;", ">").replace("&amp;", "&").strip()


def render_markdown(text: str) -> Markup:
    html = _md.render(text or "")
    clean = nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704  (nh3 output is safe by construction)
