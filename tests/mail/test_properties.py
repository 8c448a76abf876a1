"""Property tests (Hypothesis): the parser never raises, the sanitizer never lets script out."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.mail.mime import parse
from app.mail.sanitize import clean_html

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER_NAMES = st.sampled_from(["Subject", "From", "To", "Cc", "Date", "Content-Type",
                                "Content-Transfer-Encoding", "Content-Disposition", "X-Any"])
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["multipart/mixed; boundary=B", "text/html; charset=utf-8", "base64",
                     "quoted-printable", "attachment; filename*=UTF-8''%E2%82%AC.txt",
                     "=?utf-8?b?w6k=?=", "=?x?q?=ZZ?=", "message/rfc822"]))
MESSAGES = st.builds(
    lambda headers, body: "".join(f"{k}: {v}\r\n" for k, v in headers).encode(
        "utf-8", "surrogateescape") + b"\r\n" + body,
    st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8),
    st.binary(max_size=400) | st.sampled_from([b"--B\r\n\r\nx\r\n--B--", b"=\r\n", b"@@@"]))

TAGS = ["script", "img", "a", "svg", "iframe", "style", "form", "object", "math", "base", "meta",
        "div", "p", "table", "td", "body", "embed", "link", "video", "source", "input"]
ATTRS = ["onerror", "onload", "onclick", "href", "src", "style", "srcset", "action",
         "formaction", "xlink:href", "background", "data", "http-equiv", "content"]
VALUES = ["javascript:alert(1)", "JaVaScRiPt:x", "vbscript:x", "data:text/html,x",
          "https://t.example/p.gif", "x", "url(https://t.example/a)", "expression(x)",
          "&#106;avascript:x", " javascript:x", "cid:a", "alert(1)"]
FRAGMENTS = st.one_of(
    st.text(max_size=20),
    st.builds(lambda t, a, v: f"<{t} {a}='{v}'>", st.sampled_from(TAGS), st.sampled_from(ATTRS),
              st.sampled_from(VALUES)),
    st.builds(lambda t: f"</{t}>", st.sampled_from(TAGS)),
    st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<", ">", "'", '"', "&", "`"]))
HTML = st.lists(FRAGMENTS, max_size=25).map("".join)


@FAST
@given(st.binary(max_size=2000))
def test_parse_never_raises_on_bytes(raw):
    parsed = parse(raw)
    assert "\x00" not in parsed.text + parsed.subject


@FAST
@given(MESSAGES)
def test_parse_never_raises_on_message_shapes(raw):
    parsed = parse(raw)
    assert all(0 < len(a.filename) <= 120 for a in parsed.attachments)


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.fetched: list[str] = []  # what the page would load by itself (not links)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "iframe", "object", "embed", "form", "base", "meta", "link", "style",
                   "svg", "math", "input"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            lowered = (value or "").strip().lower()
            if name.startswith("on") or name in {"srcset", "action", "formaction", "background"}:
                self.problems.append(f"{tag} {name}")
            if name in {"href", "src"} and not lowered.startswith(
                    ("https:", "http:", "mailto:", "tel:", "#", "/parts/", "data:image/")):
                self.problems.append(f"{tag} {name}={value}")
            if name == "style" and any(f in lowered for f in ("url(", "expression", "image-set")):
                self.problems.append(f"{tag} style={value}")
            if name in {"src", "style", "srcset", "background"} or (tag == "link"):
                self.fetched.append(value or "")


@FAST
@given(HTML)
def test_sanitized_html_has_no_script_no_handlers_no_remote(html):
    out = clean_html(html, cid_url=lambda cid: f"/parts/{cid}").html
    audit = _Audit()
    audit.feed(out)
    assert audit.problems == [], (html, out)
    # Remote content is blocked unless the reader asks; a link to it may stay (it is clicked,
    # never loaded by itself).
    assert not any("t.example" in value for value in audit.fetched), (html, out)
