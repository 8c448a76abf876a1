"""The parser over messages the tests build: encodings, nesting, broken parts. No app."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from app.mail.mime import normalize_newlines, parse, safe_filename
from tests.factories import build_eml
from tests.work import count_calls, parse_budget


def test_plain_message_fields():
    parsed = parse(build_eml(to="Bob <bob@mayfly.test>", sender="Alice <alice@example.org>",
                             subject="Hello", text="Hi Bob."))
    assert parsed.sender is not None
    assert (parsed.sender.name, parsed.sender.address) == ("Alice", "alice@example.org")
    assert [(a.name, a.address) for a in parsed.to] == [("Bob", "bob@mayfly.test")]
    assert parsed.subject == "Hello"
    assert parsed.date == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert parsed.text.strip() == "Hi Bob."
    assert parsed.html == ""
    assert parsed.message_id.endswith("@example.org>")
    assert ("Subject", "Hello") in parsed.headers


@pytest.mark.parametrize(("header", "expected"), [
    ("=?utf-8?q?J=C3=BCrgen_M=C3=BCller?=", "Jürgen Müller"),
    ("=?iso-8859-1?q?caf=E9?= au lait", "café au lait"),
    ("=?utf-8?b?8J+Ygw==?= smile", "😃 smile"),
    ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # RFC 2047: space between encoded words vanishes
    ("=?x-unknown?q?abc?=", "abc"),
    ("=?utf-8?b?!!!not-base64?=", "=?utf-8?b?!!!not-base64?="),
    ("=?koi8-r?b?8NLJ18XU?=", "Привет"),
    ("plain\r\n folded", "plain folded"),
    ("tab\there", "tab here"),
])
def test_subject_decoding(header, expected):
    raw = b"From: a@b.c\r\nSubject: " + header.encode() + b"\r\n\r\nbody\r\n"
    assert parse(raw).subject == expected


def test_raw_utf8_headers_read_as_utf8():
    raw = "From: Zoë <zoë@例え.jp>\r\nSubject: Grüße\r\n\r\nbody\r\n".encode()
    parsed = parse(raw)
    assert parsed.subject == "Grüße"
    assert parsed.sender is not None
    assert parsed.sender.name == "Zoë"


def test_display_name_with_comma_survives_decoding():
    raw = b'To: "Doe, Jane" <jane@x.org>, =?utf-8?q?Smith=2C_J?= <j@x.org>\r\n\r\nx'
    assert [a.name for a in parse(raw).to] == ["Doe, Jane", "Smith, J"]


@pytest.mark.parametrize(("charset", "body", "expected"), [
    ("utf-8", "naïve".encode(), "naïve"),
    ("iso-8859-1", "naïve".encode("latin-1"), "naïve"),
    ("us-ascii", "naïve".encode(), "naïve"),  # lying charset, UTF-8 bytes
    ("x-no-such-charset", "naïve".encode(), "naïve"),
    ("utf-8", b"na\xefve", "na\ufffdve"),  # broken UTF-8 degrades to replacement
    ("hex", b"abc", "abc"),  # a codec that is not a text encoding
    ("windows-1252", b"\x93quoted\x94", "\u201cquoted\u201d"),
])
def test_body_charsets(charset, body, expected):
    raw = (b"Content-Type: text/plain; charset=" + charset.encode() +
           b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)
    assert parse(raw).text == expected


def test_quoted_printable_and_base64_bodies():
    qp = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =\r\nsoft"
    assert parse(qp).text == "café soft"
    b64 = (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           + base64.b64encode("héllo".encode()))
    assert parse(b64).text == "héllo"


@pytest.mark.parametrize("payload", [b"aGVsbG8", b"aGVs!!bG8=", b"====", b"\x00\xff"])
def test_broken_base64_never_raises(payload):
    raw = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" + payload
    assert isinstance(parse(raw).text, str)


def test_broken_quoted_printable_keeps_text():
    raw = b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nbad =ZZ end"
    assert "bad" in parse(raw).text
    assert "end" in parse(raw).text


def test_html_only_gets_derived_text():
    parsed = parse(build_eml(text=None, html="<h1>Welcome</h1><p>Your code is <b>123456</b></p>"
                                             "<style>p{color:red}</style>"))
    assert parsed.html.startswith("<h1>Welcome</h1>")
    assert parsed.text == "Welcome\n\nYour code is 123456"
    assert parsed.text_from_html


def test_alternative_with_attachments_and_inline_image():
    raw = build_eml(text="plain", html='<img src="cid:logo">',
                    attachments=[("report.pdf", "application/pdf", b"%PDF-1.4")])
    parsed = parse(raw)
    assert parsed.text.strip() == "plain"
    assert not parsed.text_from_html
    assert "cid:logo" in parsed.html
    assert [(a.filename, a.content_type, a.data) for a in parsed.attachments] == [
        ("report.pdf", "application/pdf", b"%PDF-1.4")]


def test_inline_cid_part():
    raw = (b"Content-Type: multipart/related; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: text/html\r\n\r\n<img src=\"cid:logo@x\">\r\n--B\r\n"
           b"Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"iVBORw0KGgo=\r\n--B--\r\n")
    (image,) = parse(raw).attachments
    assert image.content_id == "logo@x"
    assert image.inline is True
    assert image.data == b"\x89PNG\r\n\x1a\n"
    assert image.filename == "attachment-1.png"


def test_attached_message_is_an_attachment_not_a_body():
    inner = build_eml(subject="Inner", text="inner body")
    raw = (b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nouter\r\n"
           b"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--B--\r\n")
    parsed = parse(raw)
    assert parsed.text.strip() == "outer"
    (attached,) = parsed.attachments
    assert attached.filename == "Inner.eml"
    assert attached.content_type == "message/rfc822"
    assert b"inner body" in attached.data


def test_rfc2231_filename():
    raw = (b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
           b"Content-Type: application/octet-stream\r\n"
           b"Content-Disposition: attachment; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\nx\r\n--B--\r\n")
    assert parse(raw).attachments[0].filename == "€ rates.txt"


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Windows\\evil.exe", "evil.exe"),
    ("a\x00b\x1fc.txt", "a_b_c.txt"),
    ("  ..  ", "attachment-3.bin"),
    ("", "attachment-3.bin"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),  # capped at 120 characters
])
def test_safe_filename(name, expected):
    assert safe_filename(name, "application/x-unknown-type", 3) == expected


def test_duplicate_filenames_become_unique():
    raw = build_eml(attachments=[("a.txt", "text/plain", b"1"), ("A.txt", "text/plain", b"2"),
                                 ("a.txt", "text/plain", b"3")])
    assert [a.filename for a in parse(raw).attachments] == ["a.txt", "A (2).txt", "a (3).txt"]


def test_bare_lf_and_bare_cr_are_line_ends():
    assert normalize_newlines(b"a\rb\nc\r\nd") == b"a\nb\nc\nd"
    parsed = parse(b"Subject: one\rX-Smuggled: yes\n\nbody")
    assert parsed.subject == "one"
    assert ("X-Smuggled", "yes") in parsed.headers


def test_nul_bytes_removed_from_text():
    parsed = parse(b"Subject: a\x00b\r\n\r\nbo\x00dy")
    assert parsed.subject == "ab"
    assert parsed.text == "body"


@pytest.mark.parametrize("raw", [
    b"",
    b"\r\n\r\n",
    b"not a header line at all",
    b"Content-Type: multipart/mixed\r\n\r\nno boundary",
    b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n--B\r\n",
    b"Content-Type: ////\r\n\r\nx",
    b"Date: not a date\r\nFrom: <<<>>>\r\n\r\n",
    b"Content-Type: text/plain; charset*=''\r\n\r\nx",
    b"\xff\xfe\x00garbage\x80" * 100,
])
def test_malformed_input_degrades(raw):
    parsed = parse(raw)
    assert isinstance(parsed.text, str)
    assert parsed.date is None


def test_deep_nesting_is_bounded():
    depth = 60  # past MAX_DEPTH, below MAX_BOUNDARIES
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                    for i in range(depth))
    raw = head + b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    parsed = parse(raw)
    assert "NestingTooDeep" in parsed.defects


def test_too_many_boundaries_parse_headers_only_and_cheaply():
    depth = 1000
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
                    for i in range(depth))
    raw = b"Subject: very deep\r\n" + head + b"Content-Type: text/plain\r\n\r\nx\r\n"
    parsed, calls = count_calls(parse, raw)
    assert calls <= parse_budget(raw)  # work counted, not timed: linear, not the boundary scan
    assert parsed.subject == "very deep"
    assert "TooManyBoundaries" in parsed.defects
    assert "raw source is kept" in parsed.text
    assert not parsed.attachments and not parsed.html  # headers only: no part was parsed
