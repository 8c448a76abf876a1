"""Verification codes and links in a message: what sign-up tests look for. Pure, no Flask.

A code is a 4 to 8 character token with a digit: digits ("482913", also shown in groups as
"482 913" or "7730 41"), or upper-case letters and digits ("A7K9Q2", "7K4-QX9"); a short
letter prefix ("G-204713") is not part of it. It counts only near a word that announces one,
in the subject or the text or the HTML (table cells included): on the same line, or one or
two lines after. "Code", "OTP", "PIN", "TAN", "código", "Bestätigungscode", "код", "验证码",
"認証コード" announce any code; weaker words ("confirm", "verify", "login") only digits.
Not codes: digit runs longer than 8 (phone, account, tracking numbers, however grouped),
dates, times, years without a code word beside them, and anything on a line that talks of
promotions, orders, invoices or tracking without a code word. Links come from the HTML's
anchors (with their text) and from bare URLs in the text, each once, tracking wrappers kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from app.mail.text import html_to_text

# The word patterns are lower case, matched against lower-cased lines (see _words).
STRONG = re.compile(
    r"code|\botp\b|passcode|\bpin\b|\btan\b|one[- ]time|c[oó]digo|codice|\bkod|клю|код|"
    r"验证码|校验码|コード|ワンタイム|인증번호|clave|einmal")
WEAK = re.compile(
    r"verif|confirm|security|sign[- ]?in|log[- ]?in|token|bestätig|anmeld|v[eé]rif|"
    r"weryfik|подтвержд|вход|確認|認証|登录|验证|인증|acesso|acceso|accesso|sicherheit")
# A line about promotions holds discount codes, never one-time codes; a line about orders,
# invoices or parcels holds references, unless a code word says otherwise.
# Postal codes and customer numbers are codes of another kind.
PROMOTION = re.compile(
    r"promo|coupon|cup[oó]n|cupom|gutschein|voucher|discount|sconto|rabatt|réduction|"
    r"descuento|desconto|gift|скидк|优惠|割引|クーポン|postal|\bzip\b|postleitzahl|"
    r"(codice|c[oó]digo|num[eé]ro) (de )?cliente?|customer (code|number|id)|kunden(nummer|code)")
REFERENCE = re.compile(
    r"order|commande|pedido|bestell|ordine|zamówieni|заказ|订单|注文|invoice|rechnung|"
    r"factur|fattura|tracking|sendung|n[°º]|\bnr\b|iban|kundennummer")
DATES_AND_TIMES = re.compile(
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}:\d{2}|\d+[.,]\d+")
# Digit groups separated by one space or dash, or an upper-case token, at the edges of Latin
# words (Chinese and Japanese write a code right after its word: 验证码为558201).
TOKEN = re.compile(
    r"(?<![A-Za-z0-9_/.@#=?&%+-])(?:[A-Z]{1,3}-(?=\d))?"
    r"(\d+(?:[ -]\d+)*|[A-Z0-9]{3,4}-[A-Z0-9]{3,4}|[A-Z0-9]{4,8})"
    r"(?![A-Za-z0-9_/@%+]|-[A-Za-z0-9])")
URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
YEAR = re.compile(r"^(19|20)\d\d$")
DIGIT = re.compile(r"\d")
REACH = 2  # lines after a code word a code may stand on (after a weaker word, one)


@dataclass(frozen=True)
class Code:
    value: str
    context: str  # the line it was found on


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def extract_codes(text: str, html: str = "", subject: str = "") -> list[Code]:
    """Likely one-time codes, best first: nearest its announcing word, digits before letters,
    six characters before other lengths."""
    found: dict[str, tuple[tuple[int, int, int], Code]] = {}
    sources = [[subject], text.splitlines(), html_to_text(html).splitlines() if html else []]
    for lines in sources:
        lines = [line.strip() for line in lines if line.strip()]
        for index, line in enumerate(lines):
            for value, distance in _candidates(lines, index):
                rank = (distance, 0 if value.isdigit() else 1, 0 if len(value) == 6 else 1)
                if value not in found or rank < found[value][0]:
                    found[value] = (rank, Code(value, line[:200]))
    return [code for _, code in sorted(found.values(), key=lambda item: item[0])]


@lru_cache(maxsize=8192)
def _words(line: str) -> tuple[bool, bool, bool, bool]:
    """Whether a line speaks of a promotion, a reference, a code (strongly), a check (weakly).
    Lines repeat within a mail (text and HTML) and across mails (footers): asked once each."""
    lowered = line.lower()  # the patterns are lower case: faster than re.IGNORECASE
    return (PROMOTION.search(lowered) is not None, REFERENCE.search(lowered) is not None,
            STRONG.search(lowered) is not None, WEAK.search(lowered) is not None)


def _candidates(lines: list[str], index: int) -> list[tuple[str, int]]:
    """(value, distance to the announcing word) of the codes line `index` holds."""
    line = lines[index]
    if not DIGIT.search(line):
        return []  # every code holds a digit: most lines of a mail are done here, cheaply
    promotion, reference, strong_here, _ = _words(line)
    if promotion or (reference and not strong_here):
        return []
    # A discount code's line announces nothing after it either.
    announced = [(d, _words(lines[index - d])) for d in range(REACH + 1)
                 if index - d >= 0 and not _words(lines[index - d])[0]]
    strong = next((d for d, words in announced if words[2]), None)
    weak = next((d for d, words in announced[:2] if words[3]), None)
    if strong is None and weak is None:
        return []
    out = []
    for match in TOKEN.finditer(DATES_AND_TIMES.sub(" ", URL.sub(" ", line))):
        value = match.group(1).replace(" ", "").replace("-", "")
        digits = value.isdigit()
        distance = strong if strong is not None else (weak if digits else None)
        if distance is None or not _plausible(value, match.group(1)):
            continue
        if YEAR.match(value) and not STRONG.search(line[max(0, match.start() - 16):
                                                         match.start()].lower()):
            continue  # a year, unless right after a code word ("code: 1947")
        out.append((value, distance))
    return out


def _plausible(value: str, shown: str) -> bool:
    if not 4 <= len(value) <= 8 or not any(ch.isdigit() for ch in value):
        return False
    if " " in shown or ("-" in shown and shown.replace("-", "").isdigit()):
        groups = re.split(r"[ -]", shown)
        if not all(2 <= len(group) <= 4 for group in groups):
            return False  # "8 800 555", "1 2026": not one code shown in groups
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


# What a sign-up, login or reset mail asks the reader to click.
_ACTION = re.compile(r"confirm|verif|activat|reset|magic|sign[ -]?in|log[ -]?in|validat|"
                     r"bestätig|confirmer|verifica|conferma|potwierd", re.IGNORECASE)


def primary_link(links: list[Link]) -> Link | None:
    """The one link that matters (confirm, verify, reset, sign in…), if exactly one does."""
    acting = [link for link in links if _ACTION.search(link.text) or _ACTION.search(link.url)]
    return acting[0] if len(acting) == 1 else None
