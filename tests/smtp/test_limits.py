"""Limits that protect the SMTP server: connections in total and per IP, slow DATA."""

from __future__ import annotations

import smtplib
import socket
import time

import pytest

from app.smtp.server import build_controller
from tests.conftest import free_port


@pytest.fixture
def limited(make_app, app):
    def start(**changes):
        limited_app = make_app(**changes)
        controller = build_controller(limited_app, limited_app.config["MAYFLY"], "127.0.0.1",
                                      free_port())
        controller.start()
        started.append(controller)
        return controller

    started = []
    yield start
    for controller in started:
        controller.stop()


GENEROUS = 30  # seconds that only bound a hang; no outcome here depends on them


def greeting(controller) -> bytes:
    sock = socket.create_connection((controller.hostname, controller.port), timeout=GENEROUS)
    sockets.append(sock)
    return sock.recv(200)


sockets: list[socket.socket] = []


@pytest.fixture(autouse=True)
def _close_sockets():
    yield
    while sockets:
        sockets.pop().close()


def test_connections_per_ip_are_capped(limited):
    controller = limited(smtp_max_connections_per_ip=3)
    assert all(greeting(controller).startswith(b"220") for _ in range(3))
    assert greeting(controller).startswith(b"421 4.7.0")
    sockets.pop(0).close()  # one leaves: a new one is let in again, once the server saw it go
    deadline = time.monotonic() + GENEROUS
    while not (answer := greeting(controller)).startswith(b"220"):
        assert answer.startswith(b"421") and time.monotonic() < deadline
        sockets.pop().close()
        time.sleep(0.1)


def test_connections_in_total_are_capped(limited):
    controller = limited(smtp_max_connections=2)
    assert greeting(controller).startswith(b"220")
    assert greeting(controller).startswith(b"220")
    assert greeting(controller).startswith(b"421")


def test_slow_data_is_cut_off_and_nothing_stored(limited, app):
    controller = limited(smtp_data_timeout=1)
    with smtplib.SMTP(controller.hostname, controller.port, timeout=GENEROUS) as smtp:
        smtp.ehlo()
        smtp.mail("a@example.org")
        smtp.rcpt("slow@mayfly.test")
        smtp.putcmd("data")
        assert smtp.getreply()[0] == 354
        smtp.send(b"Subject: trickle\r\n\r\n")  # and never the end of DATA
        with pytest.raises(smtplib.SMTPServerDisconnected) as hung_up:
            smtp.getreply()  # the server hung up without a 250, at SMTP_DATA_TIMEOUT
    assert "timed out" not in str(hung_up.value)  # the server's doing, not our patience
    client = app.test_client()
    assert client.get("/api/v1/mailboxes/slow@mayfly.test").status_code == 404


def test_idle_connection_times_out(limited):
    controller = limited(smtp_timeout=1)
    sock = socket.create_connection((controller.hostname, controller.port), timeout=GENEROUS)
    sockets.append(sock)
    assert sock.recv(200).startswith(b"220")
    assert sock.recv(200) == b""  # said nothing more: the server hung up, at SMTP_TIMEOUT


def test_each_server_keeps_its_own_line_limit(limited):
    """Two servers in one process, each with its settings: a line one refuses, the other takes."""
    strict, lenient = limited(smtp_max_line_length=200), limited(smtp_max_line_length=4000)
    message = b"Subject: wide\r\n\r\n" + b"x" * 1000 + b"\r\n"
    with smtplib.SMTP(strict.hostname, strict.port, timeout=GENEROUS) as smtp, \
            pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail("a@example.org", ["wide@mayfly.test"], message)
    assert refused.value.smtp_code == 500
    with smtplib.SMTP(lenient.hostname, lenient.port, timeout=GENEROUS) as smtp:
        assert smtp.sendmail("a@example.org", ["wide@mayfly.test"], message) == {}
