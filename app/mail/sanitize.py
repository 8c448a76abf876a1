"""Make mail HTML safe to show: an allow-list made for email, remote content blocked.

Every bleach call lives here. bleach is deprecated upstream (security fixes only); if
Mayfly moves to nh3, this is the one file that changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

import bleach
import bleach.linkifier
import tinycss2
from bleach.css_sanitizer import ALLOWED_CSS_PROPERTIES, CSSSanitizer
from bleach.html5lib_shim import Filter

from app.mail.codes import URL

ALLOWED_TAGS = frozenset({
    "a", "abbr", "address", "article", "b", "big", "blockquote", "br", "caption", "center",
    "cite", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "figcaption",
    "figure", "font", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
    "img", "ins", "kbd", "li", "main", "mark", "ol", "p", "pre", "q", "s", "section",
    "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "tt", "u", "ul",
})
# Let through the sanitizer only so that _MailFilter can drop them with their content;
# stripped by bleach alone, their text (CSS, script source) would show as body text.
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "title", "template", "noscript"})

_COMMON_ATTRIBUTES = ["style", "dir", "lang", "title", "align", "valign", "class"]
ALLOWED_ATTRIBUTES: dict[str, list[str]] = {
    "*": _COMMON_ATTRIBUTES,
    "a": ["href"],
    "img": ["src", "alt", "width", "height", "border"],
    "table": ["width", "height", "border", "cellpadding", "cellspacing", "bgcolor"],
    "td": ["width", "height", "colspan", "rowspan", "bgcolor", "nowrap"],
    "th": ["width", "height", "colspan", "rowspan", "bgcolor", "nowrap"],
    "tr": ["bgcolor"],
    "col": ["width", "span"],
    "font": ["color", "face", "size"],
    "ol": ["start", "type"],
    "li": ["value"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel", "cid", "data"})
ALLOWED_CSS = frozenset(ALLOWED_CSS_PROPERTIES) | {
    "background", "background-image", "background-position", "background-repeat",
    "background-size", "border", "border-bottom", "border-left", "border-right", "border-top",
    "border-radius", "border-spacing", "border-style", "border-width", "box-sizing",
    "list-style-type", "margin", "margin-bottom", "margin-left", "margin-right", "margin-top",
    "max-height", "max-width", "min-height", "min-width", "opacity", "padding",
    "padding-bottom", "padding-left", "padding-right", "padding-top", "table-layout",
    "text-transform", "word-break", "word-wrap", "overflow-wrap",
}
# CSS functions that fetch something, or ran script in old browsers.
_FETCHING_CSS = frozenset({"url", "image", "image-set", "-webkit-image-set", "cross-fade",
                           "element", "expression", "src"})
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:", "#")
_SAFE_DATA_IMAGE = ("data:image/png", "data:image/gif", "data:image/jpeg", "data:image/webp")


@dataclass(frozen=True)
class CleanedHtml:
    html: str
    remote_blocked: bool


def clean_html(html: str, *, allow_remote_images: bool = False,
               cid_url: Callable[[str], str | None] | None = None) -> CleanedHtml:
    """Sanitized HTML; remote images and CSS fetches removed unless allowed; cid: rewritten."""
    state = _State(allow_remote_images, cid_url)

    class _Bound(_MailFilter):
        shared = state

    cleaner = bleach.Cleaner(
        tags=ALLOWED_TAGS | _DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        css_sanitizer=_MailCSSSanitizer(state),
        filters=[_Bound],
    )
    return CleanedHtml(cleaner.clean(html), state.remote_blocked)


@dataclass
class _State:
    allow_remote: bool
    cid_url: Callable[[str], str | None] | None
    remote_blocked: bool = False

    def image_source(self, src: str) -> str | None:
        """What an image may load: its cid part, a data image, or remote only when allowed."""
        lowered = src.strip().lower()
        if lowered.startswith("cid:"):
            return self.cid_url(src.strip()[4:].strip("<>")) if self.cid_url else None
        if lowered.startswith(_SAFE_DATA_IMAGE):
            return src
        if lowered.startswith(("http:", "https:", "//")):
            if self.allow_remote:
                return src
            self.remote_blocked = True
        return None


class _MailCSSSanitizer(CSSSanitizer):
    """bleach's property allow-list, and no declaration that fetches unless allowed."""

    def __init__(self, state: _State) -> None:
        super().__init__(allowed_css_properties=ALLOWED_CSS, allowed_svg_properties=())
        self.state = state

    def sanitize_css(self, style: str) -> str:
        kept = []
        for decl in tinycss2.parse_declaration_list(style, skip_comments=True,
                                                    skip_whitespace=True):
            if decl.type != "declaration":
                continue
            if _fetches(decl.value) and not self._may_fetch(decl.value):
                continue
            kept.append(decl.serialize())
        return str(super().sanitize_css("; ".join(kept)))

    def _may_fetch(self, tokens: list[tinycss2.ast.Node]) -> bool:
        urls = list(_urls(tokens))
        if not urls or len(urls) != sum(1 for _ in _fetch_nodes(tokens)):
            return False  # expression(), image-set() and friends: never
        if all(u.lower().startswith(_SAFE_DATA_IMAGE) for u in urls):
            return True
        allowed = self.state.allow_remote and all(
            u.lower().startswith(("http:", "https:")) for u in urls)
        self.state.remote_blocked |= not allowed
        return allowed


def _fetch_nodes(tokens: list[tinycss2.ast.Node]) -> Iterator[tinycss2.ast.Node]:
    for token in tokens:
        if token.type == "url" or (
                token.type == "function" and token.lower_name in _FETCHING_CSS):
            yield token
        elif token.type in ("function", "() block", "[] block", "{} block"):
            yield from _fetch_nodes(token.arguments if token.type == "function"
                                    else token.content)


def _fetches(tokens: list[tinycss2.ast.Node]) -> bool:
    return any(True for _ in _fetch_nodes(tokens))


def _urls(tokens: list[tinycss2.ast.Node]) -> Iterator[str]:
    for node in _fetch_nodes(tokens):
        if node.type == "url":
            yield node.value
        elif node.lower_name == "url":
            strings = [a.value for a in node.arguments if a.type == "string"]
            if len(strings) == 1:
                yield strings[0]


class _MailFilter(Filter):
    """After bleach: drop script/style with their text, fix images, open links safely."""

    shared: _State

    def __iter__(self) -> Iterator[dict[str, Any]]:
        dropping = 0
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if name in _DROPPED_WITH_CONTENT and kind in ("StartTag", "EndTag"):
                dropping += 1 if kind == "StartTag" else -1
                dropping = max(dropping, 0)
                continue
            if dropping:
                continue
            if kind in ("StartTag", "EmptyTag") and name == "img":
                token = self._image(token)
            elif kind == "StartTag" and name == "a":
                token = self._link(token)
            yield token

    def _link(self, token: dict[str, Any]) -> dict[str, Any]:
        attrs = token["data"]
        href = attrs.get((None, "href"), "")
        # Only absolute links out, or in-page anchors; "data" is allowed for images alone.
        if href and not href.strip().lower().startswith(_LINK_SCHEMES):
            del attrs[(None, "href")]
        attrs[(None, "target")] = "_blank"
        attrs[(None, "rel")] = "noopener noreferrer"
        return token

    def _image(self, token: dict[str, Any]) -> dict[str, Any]:
        attrs = token["data"]
        src = attrs.pop((None, "src"), None)
        allowed = self.shared.image_source(src) if src else None
        if allowed:
            attrs[(None, "src")] = allowed
        return token


def linkify_text(text: str) -> str:
    """A plain-text body as safe HTML: everything escaped, http(s) URLs made links with the
    same rel and target rules as links in HTML mail."""
    return str(_TEXT_LINKER.linkify(escape(text)))


def _new_window(attrs: dict[tuple[str | None, str], str],
                new: bool = False) -> dict[tuple[str | None, str], str]:
    attrs[(None, "target")] = "_blank"
    attrs[(None, "rel")] = "noopener noreferrer"
    return attrs


# The same http(s) URLs the link extractor finds, whatever their top-level domain (.test too).
_TEXT_LINKER = bleach.linkifier.Linker(url_re=URL, callbacks=[_new_window], parse_email=False)
