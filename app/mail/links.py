"""Links in a message, and its main link: the one a sign-up, login or reset mail asks the
reader to follow. Pure, no Flask.

Links come from the HTML's anchors (with their text) and from bare URLs in the text, each
once, tracking wrappers kept. Each link keeps the words just before it ("click the link
below to reset your password"), since text mail and many HTML buttons say what a link does
only there. The main link is chosen by what its text, those words and its URL say, never by
position: templates open with a logo linking to the home page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# A URL ends at white space, quotes, brackets, and at CJK and Hangul script and full-width
# punctuation: Korean and Japanese write particles right after a URL ("…/confirm/을").
URL = re.compile(r"https?://[^\s<>\"')\]\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]+",
                 re.IGNORECASE)
CONTEXT = 160  # characters of text before a link that may say what it does
MAX_SCAN = 256 * 1024  # characters read of each part, as for codes (app.mail.codes)


@dataclass(frozen=True)
class Link:
    url: str
    text: str  # the anchor's text ("" for a bare URL)
    context: str = ""  # the words just before it


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._href: str | None = None
        self._text: list[str] = []
        self._before = ""  # the last CONTEXT characters of text outside anchors

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []
        elif tag in ("style", "script", "title"):
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        elif self.lasttag not in ("style", "script", "title"):
            self._before = " ".join((self._before + " " + data).split())[-CONTEXT:]

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = " ".join("".join(self._text).split())
            self.links.append(Link(self._href.strip(), text[:CONTEXT], self._before))
            self._href = None


def extract_links(text: str, html: str = "") -> list[Link]:
    """http(s) links, in order of appearance, each once (the first anchor text wins), from
    the first MAX_SCAN characters of the text and of the HTML."""
    text, html = text[:MAX_SCAN], html[:MAX_SCAN]
    anchors = _Anchors()
    try:
        anchors.feed(html)
        anchors.close()
    except Exception:  # noqa: S110 - hostile markup yields fewer links, never an error
        pass
    candidates = [a for a in anchors.links if URL.fullmatch(a.url)]
    candidates += _bare_links(text)
    seen: dict[str, Link] = {}
    for link in candidates:
        if link.url not in seen:
            seen[link.url] = link
    return list(seen.values())


def _bare_links(text: str) -> list[Link]:
    """URLs written in the text, each with the words before it on its line and the line above."""
    links = []
    previous = ""
    for line in text.splitlines():
        if not line.strip():
            continue
        start = 0
        for match in URL.finditer(line):
            before = " ".join((previous + " " + line[start:match.start()]).split())
            links.append(Link(match.group(0).rstrip(".,;:!?"), "", before[-CONTEXT:]))
            start = match.end()
        previous = line if start == 0 else line[start:]
    return links


# What the reader is asked to do: confirm, verify, activate, reset, sign in, accept…
ACTION = re.compile(
    r"confirm|verif|activat|reset|magic|sign[ -]?in|log[ -]?in|validat|recover|accept|"
    r"join|set (up )?(a |your )?(new )?password|choose (a )?(new )?password|password|"
    r"update (your )?account|claim|delete your account|"
    r"bestätig|verifizier|aktivier|zurücksetz|anmeld|passwort|"
    r"confirmer|vérifi|réinitialis|activer|connexion|mot de passe|"
    r"confirmar|verificar|restablecer|activar|iniciar sesi|contraseña|redefin|senha|"
    r"conferma|verifica|reimposta|attiva|accedi|password|"
    r"potwierd|aktywuj|resetuj|zaloguj|hasł|bevestig|activeer|herstel|inloggen|wachtwoord|"
    r"bekräfta|aktivera|återställ|logga in|lösenord|doğrula|onayla|sıfırla|giriş|şifre|"  # noqa: RUF001 - Turkish, Russian
    r"ověř|potvrď|aktivuj|obnov|přihlás|heslo|"
    r"подтверд|актив|сброс|восстанов|войти|вход|пароль|підтверд|віднов|"  # noqa: RUF001 - Turkish, Russian
    r"確認|認証|有効|再設定|ログイン|パスワード|验证|确认|激活|重置|登录|密码|"
    r"인증|확인|활성화|재설정|로그인|비밀번호",
    re.IGNORECASE)
# How a mail points at the link it means: "click the link below", "use this link".
POINTER = re.compile(
    r"link below|following link|this link|the link|button below|click|tap|go to|open|"
    r"folgenden link|diesen link|lien ci-dessous|ce lien|enlace|link abaixo|este link|"
    r"link qui sotto|questo link|poniższy link|link hieronder|länken|ссылк|посилан|"
    r"リンク|链接|링크",
    re.IGNORECASE)
# Links that are never the action: leaving, revoking, reporting, reading the small print.
NOT_ACTION = re.compile(
    r"unsubscribe|opt[ -]?out|abmelden|désabonner|desuscri|cancelar suscri|disiscri|"
    r"revoke|revocation|widerruf|révoquer|revocar|not you|wasn'?t you|report|"
    r"privacy|datenschutz|terms|conditions|support|help|contact|faq|"
    r"preferences|settings/notifications|powered by|view (it )?in (your )?browser",
    re.IGNORECASE)
SOCIAL = re.compile(r"//(www\.)?(twitter|x|facebook|instagram|linkedin|youtube|github|"
                    r"mastodon\.social|apps\.apple|play\.google)\.com", re.IGNORECASE)
# A one-time link carries a long random token in its path or query.
TOKEN = re.compile(r"[A-Za-z0-9_.:%-]{16,}")
HOME = re.compile(r"^https?://[^/?#]+/?$", re.IGNORECASE)


def primary_link(links: list[Link]) -> Link | None:
    """The link the mail asks the reader to follow (confirm, verify, reset, sign in…), if
    its words or its URL say so; the best of several, never a logo's home page."""
    best: tuple[int, int] | None = None
    chosen = None
    for index, link in enumerate(links):
        score = _score(link)
        if score >= 3 and (best is None or (score, -index) > best):
            best, chosen = (score, -index), link
    return chosen


def _score(link: Link) -> int:
    """How strongly a link reads as the mail's action; 3 and above is an action."""
    url_path = link.url.split("//", 1)[-1].partition("/")[2]
    if (NOT_ACTION.search(link.text) or NOT_ACTION.search(url_path) or SOCIAL.search(link.url)
            or HOME.match(link.url)):
        return 0
    near = link.context[-80:]
    score = 0
    score += 3 if ACTION.search(link.text) else 0
    score += 2 if ACTION.search(near) else 0
    score += 1 if POINTER.search(near) or POINTER.search(link.text) else 0
    score += 2 if ACTION.search(url_path) else 0
    score += 1 if TOKEN.search(url_path) else 0
    if NOT_ACTION.search(near[-40:]):
        score -= 3  # "to revoke the code, click the link below"
    return score
