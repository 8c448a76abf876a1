"""The sanitizer over tables of hostile and ordinary HTML. No app."""

from __future__ import annotations

import pytest

from app.mail.sanitize import clean_html


def clean(html: str, **kwargs) -> str:
    return clean_html(html, **kwargs).html


@pytest.mark.parametrize(("dirty", "expected"), [
    ("<p>hello <b>world</b></p>", "<p>hello <b>world</b></p>"),
    ("<script>alert(1)</script><p>x</p>", "<p>x</p>"),
    ("<SCRIPT SRC=//evil/x.js></SCRIPT>ok", "ok"),
    ("<style>p{color:red}</style><p>x</p>", "<p>x</p>"),
    ('<p onclick="alert(1)" onmouseover=alert(1)>x</p>', "<p>x</p>"),
    ('<a href="javascript:alert(1)">x</a>', '<a target="_blank" rel="noopener noreferrer">x</a>'),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', '<a target="_blank" rel="noopener noreferrer">x</a>'),
    ('<a href="vbscript:msgbox(1)">x</a>', '<a target="_blank" rel="noopener noreferrer">x</a>'),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>',
     '<a target="_blank" rel="noopener noreferrer">x</a>'),
    ('<form action="https://evil"><input name="p"><button>go</button></form>', "go"),
    ('<iframe src="https://evil"></iframe><object data=x></object><embed src=x>', ""),
    ('<base href="https://evil/"><meta http-equiv="refresh" content="0;url=https://evil">', ""),
    ("<svg onload=alert(1)><circle/></svg>", ""),
    ('<math><a xlink:href="javascript:alert(1)">x</a></math>',
     '<a target="_blank" rel="noopener noreferrer">x</a>'),
    ('<a href="/api/v1/domains">x</a>', '<a target="_blank" rel="noopener noreferrer">x</a>'),
    ("<!--<script>alert(1)</script>-->ok", "ok"),
    ("<p>unclosed <b>bold", "<p>unclosed <b>bold</b></p>"),
    ("<title>T</title><p>x</p>", "<p>x</p>"),
])
def test_dangerous_markup_removed(dirty, expected):
    assert clean(dirty) == expected


def test_links_open_in_new_window_without_opener():
    assert clean('<a href="https://example.org/x?a=1&b=2">x</a>') == (
        '<a href="https://example.org/x?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">x</a>')


def test_email_layout_kept():
    html = ('<table width="600" cellpadding="0" bgcolor="#fff"><tbody><tr><td colspan="2" '
            'style="padding: 8px; color: #333;">x</td></tr></tbody></table>')
    assert clean(html) == html


@pytest.mark.parametrize("style", [
    "background: url(https://t.example/p.gif)",
    "background-image: url('https://t.example/p.gif')",
    "background-image: image-set('https://t.example/p.gif' 1x)",
    "width: expression(alert(1))",
    "list-style-image: url(https://t.example/p.gif)",
    "behavior: url(x.htc)",
    "-moz-binding: url(x.xml#xss)",
])
def test_css_that_fetches_is_removed(style):
    out = clean(f'<div style="{style}; color: red">x</div>')
    assert "url" not in out
    assert "expression" not in out
    assert "image-set" not in out
    assert "color: red" in out


def test_remote_images_blocked_until_allowed():
    html = '<img src="https://t.example/pixel.gif" alt="p">'
    blocked = clean_html(html)
    assert blocked.html == '<img alt="p">'
    assert blocked.remote_blocked is True
    allowed = clean_html(html, allow_remote_images=True)
    assert allowed.html == '<img alt="p" src="https://t.example/pixel.gif">'
    assert allowed.remote_blocked is False


def test_remote_css_background_allowed_only_when_asked():
    html = '<table><tr><td style="background: url(https://t.example/bg.png)">x</td></tr></table>'
    assert "url" not in clean(html)
    assert "url(https://t.example/bg.png)" in clean(html, allow_remote_images=True)


def test_srcset_never_kept():
    out = clean('<img src="cid:a" srcset="https://t.example/p.gif 2x">',
                cid_url=lambda cid: f"/parts/{cid}")
    assert out == '<img src="/parts/a">'


def test_cid_images_rewritten_or_dropped():
    html = '<img src="cid:logo@x"><img src="cid:missing">'
    parts = {"logo@x": "/m/1/parts/abc"}
    assert clean(html, cid_url=parts.get) == '<img src="/m/1/parts/abc"><img>'
    assert clean(html) == "<img><img>"


def test_data_images_allowed_but_not_svg_or_html():
    assert clean('<img src="data:image/png;base64,AAAA">') == '<img src="data:image/png;base64,AAAA">'
    assert clean('<img src="data:image/svg+xml;base64,AAAA">') == "<img>"
    assert clean('<img src="data:text/html;base64,AAAA">') == "<img>"
