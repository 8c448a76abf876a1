"""Verification codes in a message: what sign-up tests look for. Pure, no Flask.

A code is a 4 to 8 character token: digits ("482913", also shown in groups as "482 913" or
"7730 41"), upper-case letters and digits ("A7K9Q2", "7K4-QX9"), or upper-case letters alone
("KXQM-TRVA", "HTRKWMZD"); a short letter prefix ("G-204713") is not part of it. It counts
only near a word that announces one, in the subject or the text or the HTML (table cells
included): on the same line, or one or two lines after. "Code", "OTP", "PIN", "TAN",
"código", "Bestätigungscode", "код", "验证码", "認証コード" announce any code; weaker words
("confirm", "verify", "login") only digits. A code of letters alone could be any capitalised
word, so it counts only where codes stand: alone on its line after a code word, or right after
a code word and a colon; and never when it reads like a word (many vowels).
Not codes: digit runs longer than 8 (phone, account, tracking numbers, however grouped),
dates, times, years without a code word beside them, and anything on a line that talks of
promotions, orders, invoices or tracking without a code word. Links are app.mail.links'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.mail.links import URL, Link, extract_links, primary_link
from app.mail.text import html_to_text

# Links live in app.mail.links; importers of this module's link names keep working.
__all__ = ["URL", "Code", "Link", "extract_codes", "extract_links", "primary_link"]

# The word patterns are lower case, matched against lower-cased lines (see _words).
STRONG = re.compile(
    r"code|\botp\b|passcode|\bpin\b|\btan\b|one[- ]time|c[oó]digo|codice|\bkod|kod\b|kód|"
    r"клю|код|κωδικ|验证码|校验码|代码|代碼|コード|ワンタイム|인증번호|코드|clave|einmal")
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
    r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{1,2}:\d{2}|(?<!\d)\d+[.,]\d+")
# Digit groups separated by one space or dash, or an upper-case token, at the edges of Latin
# words (Chinese and Japanese write a code right after its word: 验证码为558201).
TOKEN = re.compile(
    r"(?<![A-Za-z0-9_/.@#=?&%+-])(?:[A-Z]{1,3}-(?=\d))?"
    r"(\d+(?:[ -]\d+)*|[A-Z0-9]{3,4}-[A-Z0-9]{3,4}|[A-Z0-9]{4,8})"
    r"(?![A-Za-z0-9_/@%+]|-[A-Za-z0-9])")
# Letters alone: django-allauth's "KXQM-TRVA" (RFC 8628 user codes), Authelia's "HTRKWMZD".
_LETTERS = r"([A-Z]{4,8}|[A-Z]{3,4}-[A-Z]{3,4})"
LETTERS_ALONE = re.compile(r"[\s*\"'«»“”„`.:()\[\]]*" + _LETTERS + r"[\s*\"'«»“”„`.()\[\]]*")
LETTERS_AFTER_COLON = re.compile(r"[:：]\s*" + _LETTERS + r"(?![\w-])")  # noqa: RUF001 - CJK's full-width colon
VOWELS = frozenset("AEIOU")
YEAR = re.compile(r"^(19|20)\d\d$")
DIGIT = re.compile(r"\d")
REACH = 2  # lines after a code word a code may stand on (after a weaker word, one)
# Characters of the text and of the HTML read: a code or an action link stands near the top
# of the mail that sends it, and reading no further bounds the work per message whatever
# its size (a newsletter's HTML rarely passes 100 kB).
MAX_SCAN = 256 * 1024


@dataclass(frozen=True)
class Code:
    value: str
    context: str  # the line it was found on


def extract_codes(text: str, html: str = "", subject: str = "") -> list[Code]:
    """Likely one-time codes, best first: nearest its announcing word, digits before letters,
    six characters before other lengths."""
    found: dict[str, tuple[tuple[int, int, int], Code]] = {}
    text, html, subject = text[:MAX_SCAN], html[:MAX_SCAN], subject[:MAX_SCAN]
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
    return _letter_candidates(lines, index) + _digit_candidates(lines, index)


def _digit_candidates(lines: list[str], index: int) -> list[tuple[str, int]]:
    """Codes with a digit on line `index`, announced on it or on a line before."""
    line = lines[index]
    if not DIGIT.search(line):
        return []  # most lines of a mail are done here, cheaply
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


def _letter_candidates(lines: list[str], index: int) -> list[tuple[str, int]]:
    """A code of letters alone on line `index`: alone on the line, announced on one of the
    lines before it, or after a code word and a colon on the line itself."""
    line = lines[index]
    if len(line) <= 24:  # cheap: most lines of a mail are longer, or hold no colon
        alone = LETTERS_ALONE.fullmatch(line)
        if alone is None or _reads_like_a_word(alone.group(1)):
            return []
        for distance in range(1, REACH + 1):
            if index - distance < 0:
                break
            promotion, _, strong, _ = _words(lines[index - distance])
            if promotion:
                break
            if strong:
                return [(alone.group(1).replace("-", ""), distance)]
        return []
    if ":" not in line and "：" not in line:  # noqa: RUF001 - the full-width colon of CJK text
        return []
    promotion, reference, strong, _ = _words(line)
    if promotion or reference or not strong:
        return []
    return [(match.group(1).replace("-", ""), 0) for match in LETTERS_AFTER_COLON.finditer(line)
            if STRONG.search(line[max(0, match.start() - 40):match.start()].lower())
            and not _reads_like_a_word(match.group(1))]


def _reads_like_a_word(letters: str) -> bool:
    """Random codes hold few vowels (allauth's alphabet none); "HELLO", "WELCOME" many."""
    return sum(ch in VOWELS for ch in letters) * 5 >= 2 * len(letters.replace("-", ""))


def _plausible(value: str, shown: str) -> bool:
    if not 4 <= len(value) <= 8 or not any(ch.isdigit() for ch in value):
        return False
    if " " in shown or ("-" in shown and shown.replace("-", "").isdigit()):
        groups = re.split(r"[ -]", shown)
        if not all(2 <= len(group) <= 4 for group in groups):
            return False  # "8 800 555", "1 2026": not one code shown in groups
    return len(set(value)) > 1  # "0000" is a placeholder, not a code
