"""Verification codes and links in a message: what sign-up tests look for. Pure, no Flask.

A code is a 4 to 8 character token with at least one digit (or all digits), found near a
word that announces one ("code", "verification", "OTP", "código", "Bestätigungscode", "код",
"验证码", …): on the same line, or on the line after it. Links come from the HTML's anchors
(with their text) and from bare URLs in the text, deduplicated, tracking wrappers untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from app.mail.text import html_to_text

KEYWORDS = re.compile(
    r"code|verif|one[- ]time|\botp\b|passcode|pin\b|security|confirm|token|sign[- ]?in|login|"
    r"log[- ]in|c[oó]digo|v[eé]rification|bestätigung|sicherheitscode|\bcodice\b|verifica|"
    r"kod\b|weryfik|код|подтвержд|验证码|認証コード|確認コード|인증",
    re.IGNORECASE)
# An optional short prefix ("G-204713") is dropped; tokens inside URLs, emails, ids are not codes.
CANDIDATE = re.compile(
    r"(?<![\w/.@#:=?&%-])(?:[A-Z]{1,3}-)?(\d{3}[ -]\d{3}|[A-Z0-9]{4,8}|\d{4,8})(?![\w/@%-])")
URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
YEAR = re.compile(r"^(19|20)\d\d$")


@dataclass(frozen=True)
class Code:
    value: str
    context: str  # the line it was found on


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def extract_codes(text: str, html: str = "") -> list[Code]:
    """Likely one-time codes, best first (the closest to its keyword, digits before letters)."""
    body = text if text.strip() else html_to_text(html)
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    found: dict[str, tuple[int, Code]] = {}
    for index, line in enumerate(lines):
        # The keyword on the same line, or on the line before (a code often stands alone).
        for distance, source in ((0, line), (1, lines[index - 1] if index else "")):
            if not KEYWORDS.search(source):
                continue
            for match in CANDIDATE.finditer(URL.sub(" ", line)):
                value = match.group(1).replace(" ", "").replace("-", "")
                if not _plausible(value):
                    continue
                rank = distance * 10 + (0 if value.isdigit() else 1) + (0 if len(value) == 6 else 2)
                if value not in found or rank < found[value][0]:
                    found[value] = (rank, Code(value, line[:200]))
    return [code for _, code in sorted(found.values(), key=lambda item: item[0])]


def _plausible(value: str) -> bool:
    if not any(ch.isdigit() for ch in value) or YEAR.match(value):
        return False
    return len(set(value)) > 1  # "0000" is a placeholder, not a code


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append(Link(self._href.strip(), " ".join("".join(self._text).split())))
            self._href = None


def extract_links(text: str, html: str = "") -> list[Link]:
    """http(s) links, in order of appearance, each once (the first anchor text wins)."""
    anchors = _Anchors()
    try:
        anchors.feed(html)
        anchors.close()
    except Exception:  # noqa: S110 - hostile markup yields fewer links, never an error
        pass
    candidates = [a for a in anchors.links if URL.fullmatch(a.url)]
    candidates += [Link(m.group(0).rstrip(".,;:!?"), "") for m in URL.finditer(text)]
    seen: dict[str, Link] = {}
    for link in candidates:
        if link.url not in seen:
            seen[link.url] = link
    return list(seen.values())
