"""The Python client against a live Mayfly: the README's ten-line sign-up test, for real."""

from __future__ import annotations

import smtplib
import threading

import pytest

from mayfly_client import Mayfly, MayflyError, extract_code, extract_links, main_link
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
    message = mayfly.wait_for_message(box.address, subject="Confirm", timeout=30)
    assert extract_code(message) == "482913"
    assert extract_links(message) == ["https://acme.example/v?t=9"]


def test_main_link_is_the_button_not_the_logo(live_server, send_mail):
    """The API's main_link: the link the mail asks its reader to follow, wherever it stands."""
    mayfly = Mayfly(live_server)
    box = mayfly.create_mailbox()
    send_mail(box.address, subject="Verify your email", html=(
        '<a href="https://acme.example/"><img alt="Acme" src="cid:logo"></a>'
        "<p>Thanks for signing up. Please confirm your email address.</p>"
        '<a href="https://acme.example/verify?t=77">Verify email</a>'
        '<p><a href="https://acme.example/unsubscribe">Unsubscribe</a></p>'))
    message = mayfly.wait_for_message(box.address, timeout=30)
    assert extract_links(message)[0] == "https://acme.example/"
    assert main_link(message) == "https://acme.example/verify?t=77"
    assert message["main_link"]["text"] == "Verify email"


def test_a_mail_without_an_action_link_has_no_main_link(live_server, send_mail):
    mayfly = Mayfly(live_server)
    box = mayfly.create_mailbox()
    send_mail(box.address, subject="Weekly news", text="Read more at https://news.example/")
    assert main_link(mayfly.wait_for_message(box.address, timeout=30)) is None


def test_wait_filters_by_subject_and_sender(live_server, send_mail):
    mayfly = Mayfly(live_server)
    box = mayfly.create_mailbox(protected=True)  # the client keeps the token itself
    send_mail(box.address, subject="Newsletter", sender="news@example.org")
    threading.Timer(0.5, send_mail, args=(box.address,), kwargs={
        "subject": "Reset your password", "sender": "Acme <security@acme.example>"}).start()
    message = mayfly.wait_for_message(box.address, subject="reset", sender="acme", timeout=30)
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
    assert extract_code(mayfly.wait_for_message(box.address, timeout=30)) == "8802"
    with pytest.raises(MayflyError) as info:
        Mayfly(live_server).messages(box.address)  # without the key: not there
    assert info.value.status == 404


def test_faults_and_tags_through_the_client(live_server, make_user, api_key_for, send_mail):
    make_user("retry@example.org")
    mayfly = Mayfly(live_server, api_key=api_key_for("retry@example.org"))
    box = mayfly.create_mailbox("retry-run")
    rule = mayfly.add_fault(box.address, "refuse_rcpt", code=452, count=1)
    local, domain = box.address.split("@")
    tagged = f"{local}+test_7@{domain}"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send_mail(tagged)
    assert refused.value.recipients[tagged][0] == 452  # refused once, as asked
    send_mail(tagged, subject="Second try")
    (report,) = mayfly.faults(box.address)
    assert (report["id"], report["fired"], report["remaining"]) == (rule["id"], 1, 0)
    message = mayfly.wait_for_message(box.address, tag="test_7", timeout=30)
    assert message["subject"] == "Second try" and message["tag"] == "test_7"
    assert mayfly.messages(box.address, tag="other") == []
    mayfly.delete_fault(box.address, rule["id"])
    assert mayfly.faults(box.address) == []


def test_search_across_mailboxes(live_server, make_user, api_key_for, send_mail):
    make_user("finder@example.org")
    mayfly = Mayfly(live_server, api_key=api_key_for("finder@example.org"))
    first, second = mayfly.create_mailbox("find-a"), mayfly.create_mailbox("find-b")
    for n in range(3):
        send_mail(first.address, subject=f"Receipt {n}", sender="shop@store.example")
    send_mail(second.address, subject="Password reset", text="Reset code 5521")
    send_mail("stranger@mayfly.test", subject="Receipt elsewhere")  # not the user's
    assert [m["subject"] for m in mayfly.search("receipt")] == [
        "Receipt 2", "Receipt 1", "Receipt 0"]
    assert len(mayfly.search("from:store", limit=2)) == 2
    (reset,) = mayfly.search('"reset code"')
    assert reset["mailbox"] == second.address
    assert mayfly.search("receipt", mailbox=second.address) == []
