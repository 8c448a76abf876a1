"""The SMTP sidecar's table of periodic jobs, and the watches that stop a sidecar whose worker
died and a worker whose sidecar died (run over real processes in tests/smtp/test_runner.py)."""

from __future__ import annotations

import os
import threading

from app.run import smtp_sidecar, smtp_worker


def job_names(app, stop) -> list[str]:
    table = smtp_sidecar.jobs(app, stop)
    try:
        return [job.name for job in table]
    finally:
        stop.set()
        for job in table:
            if job.finish is not None:
                job.finish()  # closes the webhook dispatcher's pool


def test_the_sidecar_runs_purge_webhooks_and_sender_checks(app):
    assert job_names(app, threading.Event()) == ["purge", "webhooks", "sender-checks"]


def test_no_sender_check_job_when_they_are_off(make_app):
    off = make_app(auth_results=False)
    assert job_names(off, threading.Event()) == ["purge", "webhooks"]


class FakeWorker:
    def __init__(self, code: int | None) -> None:
        self.code = code

    def poll(self) -> int | None:
        return self.code


def test_a_worker_that_exited_stops_the_sidecar():
    lost, stop = threading.Event(), threading.Event()
    smtp_sidecar.watch_workers([FakeWorker(None), FakeWorker(None)], lost, stop)  # type: ignore[list-item]
    assert not (lost.is_set() or stop.is_set())
    smtp_sidecar.watch_workers([FakeWorker(None), FakeWorker(1)], lost, stop)  # type: ignore[list-item]
    assert lost.is_set() and stop.is_set()


def test_a_worker_stops_once_its_sidecar_is_gone():
    stop = threading.Event()
    smtp_worker.watch_parent(os.getppid(), stop)
    assert not stop.is_set()
    smtp_worker.watch_parent(-1, stop)  # adopted: its parent is no longer the sidecar
    assert stop.is_set()
