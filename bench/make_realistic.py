"""Write bench/data/realistic.eml: a typical sign-up mail, multipart/alternative, ~3.8 KB.

    .venv/bin/python bench/make_realistic.py
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

TEXT = ("Hi there,\n\nThanks for signing up for Acme. Your verification code is 482913.\n\n"
        "Or confirm your address with this link:\nhttps://acme.example/verify?token=3f9a1c7e2b\n\n"
        "If you did not sign up, ignore this email.\n\nThe Acme team\n")
FOOTER = ("<p style='color:#888;font-size:12px'>You received this because someone signed up "
          "with this address. If it was not you, ignore this message. Acme Inc., 1 Example Way, "
          "Springfield.</p>")
HTML = ("<!doctype html><html><head><style>body{font-family:Arial,sans-serif}</style></head>"
        "<body><table width='100%' cellpadding='0' cellspacing='0' style='background:#f4f4f4'>"
        "<tr><td align='center'><table width='600' style='background:#ffffff;padding:24px'><tr><td>"
        "<h1 style='color:#333333;font-size:22px'>Confirm your email</h1>"
        "<p style='color:#555555;font-size:15px;line-height:22px'>Thanks for signing up for Acme. "
        "Your verification code is <strong style='font-size:20px'>482913</strong>.</p>"
        "<p><a href='https://acme.example/verify?token=3f9a1c7e2b' style='background:#0b6bcb;"
        "color:#fff;padding:12px 20px;border-radius:4px;text-decoration:none'>Confirm email</a></p>"
        + FOOTER * 11 +
        "<img src='https://t.acme.example/open.gif?u=12345' width='1' height='1'></td></tr></table>"
        "</td></tr></table></body></html>")


def build() -> bytes:
    message = EmailMessage()
    message["From"] = "Acme Accounts <no-reply@accounts.acme.example>"
    message["To"] = "bench@mayfly.test"
    message["Subject"] = "Confirm your email address for Acme"
    message["Date"] = format_datetime(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    message["Message-ID"] = "<20261121100000.12345@accounts.acme.example>"
    message["List-Unsubscribe"] = "<https://acme.example/unsubscribe?u=12345>"
    message.set_content(TEXT)
    message.add_alternative(HTML, subtype="html")
    return message.as_bytes(policy=SMTP)


if __name__ == "__main__":
    path = Path(__file__).parent / "data" / "realistic.eml"
    path.write_bytes(build())
    print(f"{path}: {path.stat().st_size} bytes")
