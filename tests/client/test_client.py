"""The Python client against a live Mayfly: the README's ten-line sign-up test, for real."""

from __future__ import annotations

import threading

import pytest

from mayfly_client import Mayfly, MayflyError, extract_code, extract_links
from tests.factories import build_eml


@pytest.fixture
def sign_up(send_mail):
    """Stands for the system under test: it mails a code a moment after sign-up."""

    def sign_up(address: str) -> None:
        threading.Timer(0.5, send_mail, args=(address,), kwargs={
            "sender": "Acme <no-reply@acme.example>", "subject": "Confirm your Acme account",
            "text": "Your verification code is 482913.\nOr open https://acme.example/v?t=9"}).start()

    return sign_up


def test_sign_up_flow_in_ten_lines(live_server, sign_up):
    mayfly = Mayfly(live_server)
    box = mayfly.create_mailbox()
    sign_up(box.address)
    message = mayfly.wait_for_message(box.address, subject="Confirm", timeout=10)
    assert extract_code(message) == "482913"
    assert extract_links(message) == ["https://acme.example/v?t=9"]


def test_wait_filters_by_subject_and_sender(live_server, send_mail):
    mayfly = Mayfly(live_server)
    box = mayfly.create_mailbox(protected=True)  # the client keeps the token itself
    send_mail(box.address, subject="Newsletter", sender="news@example.org")
    threading.Timer(0.5, send_mail, args=(box.address,), kwargs={
        "subject": "Reset your password", "sender": "Acme <security@acme.example>"}).start()
    message = mayfly.wait_for_message(box.address, subject="reset", sender="acme", timeout=10)
    assert message["subject"] == "Reset your password"
    assert [m["subject"] for m in mayfly.messages(box.address, sender="news")] == ["Newsletter"]


def test_wait_times_out(live_server):
    mayfly = Mayfly(live_server)
    box = mayfly.create_mailbox()
    with pytest.raises(TimeoutError):
        mayfly.wait_for_message(box.address, timeout=1)


def test_errors_carry_status_and_code(live_server):
    with pytest.raises(MayflyError) as info:
        Mayfly(live_server).create_mailbox("postmaster")
    assert (info.value.status, info.value.code) == (403, "reserved")


def test_api_key_owned_mailboxes(live_server, make_user, api_key_for, send_mail):
    make_user("dev@example.org")
    mayfly = Mayfly(live_server, api_key=api_key_for("dev@example.org"))
    box = mayfly.create_mailbox("ci-signup")
    send_mail(box.address, build_eml(to=box.address, text="Your login code is 8802."))
    assert extract_code(mayfly.wait_for_message(box.address, timeout=5)) == "8802"
    with pytest.raises(MayflyError) as info:
        Mayfly(live_server).messages(box.address)  # without the key: not there
    assert info.value.status == 404
