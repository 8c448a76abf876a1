"""The message page, its sandboxed body, parts, raw source and actions, via the test client."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.web.helpers import post_form

HOSTILE_HTML = """<p>Hello</p><script>alert(1)</script>
<img src="https://tracker.example/p.gif"><img src="cid:logo@x">
<a href="javascript:alert(2)">click</a><form action="https://evil.example"><input></form>
<meta http-equiv="refresh" content="0;url=https://evil.example">"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def related_with_image(to: str, html: str, image_type: str = "image/png") -> bytes:
    return (f"From: Eve <eve@example.org>\r\nTo: {to}\r\nSubject: <script>alert('s')</script>\r\n"
            "Content-Type: multipart/related; boundary=B\r\n\r\n--B\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n--B\r\n"
            f"Content-Type: {image_type}\r\nContent-ID: <logo@x>\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + \
        __import__("base64").b64encode(PNG) + b"\r\n--B--\r\n"


@pytest.fixture
def hostile(client, send_mail):
    send_mail("view@mayfly.test", related_with_image("view@mayfly.test", HOSTILE_HTML))
    (summary,) = client.get("/api/v1/mailboxes/view@mayfly.test/messages").json["messages"]
    return summary["id"]


def test_page_escapes_mail_text_and_frames_the_body(client, hostile):
    page = client.get(f"/m/{hostile}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;s&#39;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    (frame,) = re.findall(r"<iframe[^>]*>", page)
    # Scripts only in an opaque origin (no allow-same-origin), and only Mayfly's own one.
    assert 'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"' in frame
    assert "allow-same-origin" not in frame
    assert f'src="/m/{hostile}/body"' in frame
    assert "Remote images are blocked" in page


def test_opening_marks_read(client, hostile):
    client.get(f"/m/{hostile}")
    assert client.get(f"/api/v1/messages/{hostile}").json["seen"] is True


def test_body_document_is_sanitized_with_its_own_csp(client, hostile):
    response = client.get(f"/m/{hostile}/body")
    body = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    (scripts,) = [d for d in csp.split("; ") if d.startswith("script-src")]
    inline = re.findall(r"<script>(.*?)</script>", body, re.S)
    assert len(inline) == 1  # the frame-sizing script, and nothing of the mail
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert scripts == f"script-src 'sha256-{digest}'"  # no 'self', no 'unsafe-inline'
    assert "sandbox allow-scripts allow-popups" in csp and "allow-same-origin" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert body.count("<script") == 1 and "javascript:" not in body and "<form" not in body
    assert "tracker.example" not in body and "http-equiv" not in body
    assert re.search(rf'<img src="/m/{hostile}/parts/[\w-]+">', body)


def test_show_images_allows_remote_images(client, hostile):
    page = client.get(f"/m/{hostile}?images=1").get_data(as_text=True)
    assert f'src="/m/{hostile}/body?images=1"' in page
    response = client.get(f"/m/{hostile}/body?images=1")
    assert "https://tracker.example/p.gif" in response.get_data(as_text=True)
    assert "img-src 'self' data: https: http:" in response.headers["Content-Security-Policy"]


def test_mail_html_is_sanitized_once_for_its_page_and_frame(client, hostile, monkeypatch):
    from app.web import messages as web_messages
    calls = []
    real_clean = web_messages.clean_html
    monkeypatch.setattr(web_messages, "clean_html",
                        lambda *a, **kw: calls.append(kw) or real_clean(*a, **kw))
    for _ in range(2):
        assert "Remote images are blocked" in client.get(f"/m/{hostile}").get_data(as_text=True)
        assert "tracker.example" not in client.get(f"/m/{hostile}/body").get_data(as_text=True)
    assert "tracker.example" in client.get(f"/m/{hostile}/body?images=1").get_data(as_text=True)
    assert [kw["allow_remote_images"] for kw in calls] == [False, True]


def test_inline_part_served_as_image(client, hostile):
    body = client.get(f"/m/{hostile}/body").get_data(as_text=True)
    part_url = re.search(r'<img src="(/m/\d+/parts/[\w-]+)">', body).group(1)
    part = client.get(part_url)
    assert part.data == PNG
    assert part.mimetype == "image/png"


def test_svg_part_is_never_served_inline(client, send_mail):
    send_mail("svg@mayfly.test", related_with_image("svg@mayfly.test", '<img src="cid:logo@x">',
                                                    "image/svg+xml"))
    (summary,) = client.get("/api/v1/mailboxes/svg@mayfly.test/messages").json["messages"]
    message = client.get(f"/api/v1/messages/{summary['id']}").json
    assert '<img src="/m/' not in client.get(f"/m/{summary['id']}/body").get_data(as_text=True)
    part_id = message["attachments"][0]["id"]
    assert client.get(f"/m/{summary['id']}/parts/{part_id}").status_code == 404


def test_text_and_source_tabs(client, hostile):
    text = client.get(f"/m/{hostile}?view=text").get_data(as_text=True)
    assert '<pre class="mail-text">' in text and "<iframe" not in text
    source = client.get(f"/m/{hostile}?view=source").get_data(as_text=True)
    assert "Content-ID: &lt;logo@x&gt;" in source


def test_raw_is_plain_text_never_html(client, hostile):
    response = client.get(f"/m/{hostile}/raw")
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert b"<script>alert(1)</script>" in response.data


def test_attachment_download(client, send_mail):
    from tests.factories import build_eml

    payload = b"\x00\x01binary\xff" * 100
    send_mail("files@mayfly.test", build_eml(
        to="files@mayfly.test", attachments=[("../../evil<name>.html", "text/html", payload)]))
    (summary,) = client.get("/api/v1/mailboxes/files@mayfly.test/messages").json["messages"]
    page = client.get(f"/m/{summary['id']}").get_data(as_text=True)
    link = re.search(r'<a href="(/m/\d+/attachments/[\w-]+)" download>([^<]+)</a>', page)
    assert link.group(2) == "evil_name_.html"
    response = client.get(link.group(1))
    assert response.data == payload
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_mark_unread_and_delete(client, hostile):
    client.get(f"/m/{hostile}")
    unread = post_form(client, f"/m/{hostile}/unread")
    assert unread.status_code == 303
    assert unread.headers["Location"] == "/inbox/view@mayfly.test"
    assert client.get(f"/api/v1/messages/{hostile}").json["seen"] is False
    deleted = post_form(client, f"/m/{hostile}/delete")
    assert deleted.status_code == 303
    assert client.get(f"/m/{hostile}").status_code == 404
    assert client.get(f"/api/v1/messages/{hostile}").status_code == 404


def test_protected_message_hidden_from_the_browser_without_token(client, send_mail):
    client.post("/api/v1/mailboxes", json={"local": "locked", "protected": True})
    send_mail("locked@mayfly.test")
    created = client.get("/api/v1/mailboxes/locked@mayfly.test/messages")
    assert created.status_code == 404
    from app.extensions import db
    from app.models import Message

    with client.application.app_context():
        public_id = db.session.execute(db.select(Message.public_id)).scalar_one()
    for path in (f"/m/{public_id}", f"/m/{public_id}/body", f"/m/{public_id}/raw"):
        assert client.get(path).status_code == 404


def test_error_pages_in_the_site_look(client):
    response = client.get("/m/12345")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Not here" in page and 'class="site-header"' in page
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "Not here" in missing.get_data(as_text=True)


def test_templates_have_no_inline_script_or_handlers():
    from app import ROOT

    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        if template.name == "body.html":  # the mail frame's one script, pinned by its hash
            text = text.replace("<script>{{ frame_script }}</script>", "")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+=", text), template
        assert "hx-on" not in text, template


def test_detected_code_is_shown_with_a_copy_button(client, send_mail):
    from tests.factories import build_eml

    send_mail("otp@mayfly.test", build_eml(to="otp@mayfly.test",
                                           text="Your verification code is 482913."))
    (summary,) = client.get("/api/v1/mailboxes/otp@mayfly.test/messages").json["messages"]
    page = client.get(f"/m/{summary['id']}").get_data(as_text=True)
    assert '<output id="detected-code" class="code">482913</output>' in page
    assert 'data-copy-target="detected-code"' in page


def test_the_session_cookie_stays_small_with_every_list_full(app):
    """Browsers drop a cookie past 4 KB: full grants, Recent and image choices still fit."""
    from secrets import token_hex

    from flask import session

    from app.web import visitor

    with app.test_request_context():
        for i in range(visitor.MAX_GRANTS + 5):
            visitor.unlock((10_000_000 + i, token_hex(16)))
        for i in range(visitor.MAX_RECENT + 5):
            visitor.remember(f"{token_hex(30)}@mayfly.test", 10_000_000 + i)
        for i in range(500):
            visitor.show_images_from(f"{'s' * 200}{i}@newsletters.example", True)
        assert visitor.shows_images_from(f"{'s' * 200}499@NEWSLETTERS.example")
        assert not visitor.shows_images_from(f"{'s' * 200}0@newsletters.example")  # oldest
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    assert len(cookie) < 3500, len(cookie)
