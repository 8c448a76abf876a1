"""Codes and links over a corpus of realistic sign-up, reset and magic-link mails."""

from __future__ import annotations

import pytest

from app.mail.codes import MAX_SCAN, Link, extract_codes, extract_links, primary_link

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
    # Letters alone count where a code stands: alone under its code word, or after "code:".
    ("Your sign-in code is listed below.\n\nKXQM-TRVA\n\nThanks", "", "KXQMTRVA"),
    ("", "<p>The following <i>one-time code</i> should be used.</p><hr><p>HTRKWMZD</p>",
     "HTRKWMZD"),
    ("Your login code: BDFG-HJKL (valid for 15 minutes)", "", "BDFGHJKL"),
    ("Ваш код для входа указан ниже.\n\nQWRT-ZXCV", "", "QWRTZXCV"),
    # …and never as a capitalised word, nor without a code word.
    ("Your verification code is below.\n\nWELCOME\n\nHELLO", "", None),
    ("Please confirm your address.\n\nKXQM-TRVA", "", None),
    ("IMPORTANT NOTICE ABOUT YOUR ACCOUNT\nREAD THIS", "", None),
    ("Use the discount code below\n\nSAVEBIG", "", None),
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


# (links as (url, text, context), expected main link url or None)
LINK_CASES = [
    # A header logo links home before the button: the button is the main link.
    ([("https://app.example/", "", ""),
      ("https://app.example/verify?t=8f3a9c2e77d041aa", "Verify email", "Welcome to App!"),
      ("https://app.example/unsubscribe", "Unsubscribe", "")],
     "https://app.example/verify?t=8f3a9c2e77d041aa"),
    # Text mail: the URL's line and the line above say what it does.
    ([("https://site.example/accounts/password/reset/key/3-c1ab-9f8e7d6c5b4a/", "",
       "Click the link below to reset your password.")],
     "https://site.example/accounts/password/reset/key/3-c1ab-9f8e7d6c5b4a/"),
    # A revocation link is never the action, even when it is the only one with a token.
    ([("https://auth.example/revoke/one-time-code?id=9f8e7d6c5b4a3210", "Revoke",
       "Revoke this code using the provided links below")], None),
    # An order mail's details link is not an action.
    ([("https://shop.example/order-history/2d851a364655f03828c0", "View order",
       "Thank you for your order")], None),
    # Social and home links around a German button.
    ([("https://twitter.com/acme", "Twitter", ""), ("https://acme.example", "Acme", ""),
      ("https://acme.example/konto/bestaetigen?token=abcdef0123456789", "E-Mail bestätigen",
       "Bitte bestätige deine Adresse")],
     "https://acme.example/konto/bestaetigen?token=abcdef0123456789"),
]


@pytest.mark.parametrize(("links", "expected"), LINK_CASES)
def test_primary_link(links, expected):
    chosen = primary_link([Link(url, text, context) for url, text, context in links])
    assert (chosen.url if chosen else None) == expected


def test_links_carry_the_words_before_them():
    html = ("<a href='https://app.example/'><img alt=''></a><p>Please click the button below "
            "to confirm your email.</p><a href='https://app.example/c?t=0123456789abcdef'>Go</a>")
    text = "Welcome!\nTo reset your password, go to https://app.example/r?t=0123456789abcdef\n"
    links = extract_links(text, html)
    assert links[1].context.endswith("to confirm your email.")
    assert links[2].context == "Welcome! To reset your password, go to"
    assert primary_link(links) == links[1]


def test_a_url_ends_where_cjk_text_begins():
    links = extract_links("確認するには https://app.example/confirm/abc/ をクリック")
    assert [link.url for link in links] == ["https://app.example/confirm/abc/"]
    links = extract_links("https://app.example/confirm/abc/을 방문하여 확인하세요")
    assert [link.url for link in links] == ["https://app.example/confirm/abc/"]


HOSTILE_TEXTS = {
    "digits": "Your code: " + "1" * 1_000_000,
    "digit groups": "code " + "12 " * 333_333,
    "dashes": "code " + "1-" * 500_000,
    "capitals": "code: " + "ABCD-" * 200_000,
    "decimals": "code " + "1," * 500_000,
    "lines": "code\n" + "KXQM-TRVA\n" * 100_000,
    "url": "code https://" + "a" * 1_000_000,
}


@pytest.mark.parametrize("name", HOSTILE_TEXTS)
def test_a_megabyte_of_hostile_text_is_read_only_as_far_as_the_bound(name):
    """Each part is read up to MAX_SCAN characters, so a megabyte costs what a quarter does:
    the work per message is bounded by that length, whatever a sender puts in."""
    big = HOSTILE_TEXTS[name]
    bounded = big[:MAX_SCAN]
    assert extract_codes(big, f"<p>{big}</p>", big) == extract_codes(
        bounded, f"<p>{big}</p>"[:MAX_SCAN], bounded)
    assert extract_links(big, f"<a href='{big[:1000]}'>{big}</a>") == extract_links(
        bounded, f"<a href='{big[:1000]}'>{big}</a>"[:MAX_SCAN])


def test_a_code_or_link_past_the_bound_is_not_read():
    padding = "Thanks for signing up.\n" * (MAX_SCAN // 20)
    tail = "Your verification code: 482913\nhttps://app.example/confirm/abc\n"
    assert [c.value for c in extract_codes(tail + padding)] == ["482913"]
    assert extract_codes(padding + tail) == []
    assert [link.url for link in extract_links(tail + padding)] == ["https://app.example/confirm/abc"]
    assert extract_links(padding + tail) == []
