"""Codes and links over a corpus of realistic sign-up, reset and magic-link mails."""

from __future__ import annotations

import pytest

from app.mail.codes import extract_codes, extract_links

# (text, html, expected top code or None)
CORPUS = [
    ("Hi Sam,\nYour verification code is 482913. It expires in 10 minutes.\n"
     "Order #123456 shipped. Call 555-1234.", "", "482913"),
    ("Welcome to Acme!\nConfirm your email with this code:\n\n  731 904\n\nThanks, Acme 2026", "",
     "731904"),
    ("", "<p>Use this code to sign in</p><h2>553 219</h2><p>© 2026 Example Inc.</p>", "553219"),
    ("Your one-time password (OTP) is 9981. Do not share it.", "", "9981"),
    ("Tu código de verificación es: 7731\nSi no lo solicitaste, ignora este mensaje.", "", "7731"),
    ("Ihr Bestätigungscode lautet:\nA7K9Q2\nGültig für 15 Minuten.", "", "A7K9Q2"),
    ("Votre code de vérification : 640218", "", "640218"),
    ("Il tuo codice di verifica è 305511", "", "305511"),
    ("Ваш код подтверждения: 118822", "", "118822"),
    ("您的验证码是 660913，5分钟内有效。", "", "660913"),  # noqa: RUF001 - real Chinese punctuation
    ("Your security code: 74-21-93? No: the code is 742193", "", "742193"),
    ("Reset your password\nClick the link below to choose a new password:\n"
     "https://acme.example/reset?token=8f3a9c2e\nThe link expires in 1 hour.", "", None),
    ("", "<p>Hi! Click <a href='https://app.example/magic?t=abc123'>Sign in to App</a>.</p>"
         "<p>This link expires in 15 minutes.</p>", None),
    ("Your order 40981 has shipped. Invoice 2026-11-21. Total $129.99.", "", None),
    ("Meeting on 12/11 at 1530 in room 204.", "", None),
    ("Your login code is 0000 0000? No, your login code is 8802.", "", "8802"),
    ("G-204713 is your Google verification code.", "", "204713"),
    ("Your PIN: 4471\nAccount 9988776655", "", "4471"),
]


@pytest.mark.parametrize(("text", "html", "expected"), CORPUS)
def test_top_code(text, html, expected):
    codes = extract_codes(text, html)
    assert (codes[0].value if codes else None) == expected


def test_precision_on_the_corpus():
    returned = [(extract_codes(t, h), e) for t, h, e in CORPUS]
    answered = [(codes[0].value, e) for codes, e in returned if codes]
    precision = sum(got == expected for got, expected in answered) / len(answered)
    recall = sum(1 for codes, e in returned if codes and codes[0].value == e) / sum(
        1 for _, _, e in CORPUS if e)
    assert precision == 1.0 and recall == 1.0


def test_links_deduplicated_with_anchor_text_and_tracking_left_alone():
    html = ("<a href='https://t.example/click?u=https%3A%2F%2Fapp.example%2Fverify'>Verify</a>"
            "<a href='https://t.example/click?u=https%3A%2F%2Fapp.example%2Fverify'>again</a>"
            "<a href='mailto:help@app.example'>mail us</a><a href='javascript:x'>x</a>")
    text = "Or paste https://app.example/verify?token=1. Also https://app.example/verify?token=1"
    links = extract_links(text, html)
    assert [(link.url, link.text) for link in links] == [
        ("https://t.example/click?u=https%3A%2F%2Fapp.example%2Fverify", "Verify"),
        ("https://app.example/verify?token=1", ""),
    ]


@pytest.mark.parametrize("hostile", ["<a href='https://x", "<a><a><a", "\x00<a href=>"])
def test_links_never_raise(hostile):
    assert isinstance(extract_links(hostile, hostile), list)
