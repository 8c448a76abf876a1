"""The SMTP server as Mayfly configures it: limits chosen deliberately, graceful drain."""

from __future__ import annotations

import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from flask import Flask

from app.config import Settings
from app.smtp.committer import GroupCommitter
from app.smtp.handler import MayflyHandler


class TransactionCounter:
    """Messages being received or stored right now; the drain waits for zero."""

    def __init__(self) -> None:
        self.active = 0


def _smtp_class(line_length: int, counter: TransactionCounter) -> type[SMTP]:
    class MayflySMTP(SMTP):
        # aiosmtpd's default is RFC 5321's 1,000 octets, but real senders (HTML mail from
        # marketing tools) exceed it; a longer line is refused with 500 and nothing stored.
        line_length_limit = line_length

        async def smtp_DATA(self, arg: str) -> None:
            counter.active += 1
            try:
                await super().smtp_DATA(arg)
            finally:
                counter.active -= 1

    return MayflySMTP


class MayflyController(Controller):
    """aiosmtpd's threaded Controller, building Mayfly's SMTP class, able to drain."""

    def __init__(self, app: Flask, settings: Settings, host: str, port: int) -> None:
        self.committer = GroupCommitter(app)
        self.handler_obj = MayflyHandler(app, settings.smtp_max_recipients, self.committer)
        self.counter = TransactionCounter()
        self._smtp_cls = _smtp_class(settings.smtp_max_line_length, self.counter)
        super().__init__(
            self.handler_obj, hostname=host, port=port,
            server_hostname=settings.smtp_hostname, ident="Mayfly ESMTP",
            data_size_limit=settings.max_message_size, enable_SMTPUTF8=True,
            decode_data=False, timeout=settings.smtp_timeout)

    def factory(self) -> SMTP:
        return self._smtp_cls(self.handler, **self.SMTP_kwargs)

    def _create_server(self):  # type: ignore[no-untyped-def]
        # SO_REUSEPORT: several SMTP processes share one port and the kernel spreads
        # connections over them, so every core works (smtpd_runner starts SMTP_PROCESSES).
        return self.loop.create_server(self._factory_invoker, host=self.hostname,
                                       port=self.port, ssl=self.ssl_context, reuse_port=True)

    def _trigger_server(self) -> None:
        # aiosmtpd checks its factory by connecting to the port; with SO_REUSEPORT that
        # connection may reach a sibling process, so build the protocol object directly.
        self._factory_invoker()

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert)
        self.committer.close()

    def drain(self, timeout: float = 30.0) -> None:
        """Stop accepting connections and new transactions; wait for those under way."""
        self.handler_obj.draining = True
        if self.server is not None:
            self.loop.call_soon_threadsafe(self.server.close)
        deadline = time.monotonic() + timeout
        while self.counter.active and time.monotonic() < deadline:
            time.sleep(0.05)


def build_controller(app: Flask, settings: Settings, host: str | None = None,
                     port: int | None = None) -> MayflyController:
    return MayflyController(app, settings, host or settings.smtp_host,
                            settings.smtp_port if port is None else port)
