"""The SMTP server as Mayfly configures it: limits chosen deliberately, graceful drain."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP
from flask import Flask

from app.config import Settings
from app.services.ingest.faults import Fault
from app.services.runtime import metrics
from app.smtp.committer import GroupCommitter
from app.smtp.data import Outcome, read_data
from app.smtp.handler import MayflyHandler, fault_reply

TOO_MANY = b"421 4.7.0 Too many connections, try again later\r\n"


class Connections:
    """Open connections in this process, in total and per client IP, and DATA under way."""

    def __init__(self, total: int, per_ip: int) -> None:
        self.limit_total, self.limit_per_ip = total, per_ip
        self.by_ip: Counter[str] = Counter()
        self.active_data = 0

    def admit(self, ip: str) -> bool:
        if sum(self.by_ip.values()) >= self.limit_total or self.by_ip[ip] >= self.limit_per_ip:
            return False
        self.by_ip[ip] += 1
        return True

    def release(self, ip: str) -> None:
        self.by_ip[ip] -= 1
        if self.by_ip[ip] <= 0:
            del self.by_ip[ip]


class MayflySMTP(SMTP):
    """aiosmtpd's SMTP session with Mayfly's limits (connections, line length, the whole
    DATA transfer), a DATA reader of bounded memory, and the one point where a fault rule of
    the transaction acts (`_answer_data`)."""

    event_handler: MayflyHandler

    def __init__(self, handler: MayflyHandler, settings: Settings, connections: Connections,
                 **smtp_kwargs: Any) -> None:
        # aiosmtpd's default is RFC 5321's 1,000 octets, but real senders (HTML mail from
        # marketing tools) exceed it; a longer line is refused with 500 and nothing stored.
        # Set before SMTP.__init__, which sizes its stream reader by it.
        self.line_length_limit = settings.smtp_max_line_length
        self._data_timeout = settings.smtp_data_timeout
        self._connections = connections
        self._peer_ip: str | None = None
        super().__init__(handler, **smtp_kwargs)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        ip = peer[0] if peer else "?"
        if not self._connections.admit(ip):
            metrics.smtp_reply("connect", TOO_MANY.decode())
            transport.write(TOO_MANY)  # type: ignore[attr-defined]
            transport.close()
            return
        self._peer_ip = ip
        super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._peer_ip is not None:
            self._connections.release(self._peer_ip)
            self._peer_ip = None
            super().connection_lost(exc)

    async def smtp_DATA(self, arg: str) -> None:
        self._connections.active_data += 1
        try:
            # The idle timeout restarts with every line; this bounds the whole transfer,
            # so a sender trickling a byte at a time cannot hold a session for ever.
            await asyncio.wait_for(self._data(arg), self._data_timeout)
        except TimeoutError:
            # Nothing was stored; hang up, as aiosmtpd does when DATA is cancelled.
            if self.transport is not None:
                self.transport.close()
        finally:
            self._connections.active_data -= 1

    async def _data(self, arg: str) -> None:
        """aiosmtpd's DATA command, reading with bounded memory (app/smtp/data.py)."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        if self.envelope is None or not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            outcome, content = await read_data(self._reader, self.data_size_limit,
                                               self.line_length_limit)
        except asyncio.CancelledError:  # the connection went away during DATA
            self._writer.close()
            raise
        if outcome is not Outcome.OK:
            await self.push(metrics.smtp_reply("data", outcome.value))
            self._set_post_data_state()
            return
        self.envelope.content = self.envelope.original_content = content
        await self._answer_data(await self.event_handler.data_fault(self.envelope))

    async def _answer_data(self, fault: Fault | None) -> None:
        """Store the message and answer, as this transaction's fault rule (if one fired)
        says: drop hangs up unanswered, refuse_data answers its code, delay holds the reply.
        Nothing is stored unless the answer is to be 250 (or held)."""
        if fault is not None and fault.kind == "drop":
            if self.transport is not None:
                self.transport.close()
            return
        if fault is not None and fault.kind == "refuse_data":
            await self.push(metrics.smtp_reply("data", fault_reply(fault.code)))
            self._set_post_data_state()
            return
        received = time.perf_counter()
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        reply = metrics.smtp_reply("data", "250 OK" if status is MISSING else status)
        metrics.DELIVERY_SECONDS.observe(time.perf_counter() - received)
        if fault is not None and fault.seconds:  # delay: the reply waits, the mail is stored
            await asyncio.sleep(fault.seconds)
        await self.push(reply)


class MayflyController(Controller):
    """aiosmtpd's threaded Controller, building Mayfly's SMTP class, able to drain."""

    def __init__(self, app: Flask, settings: Settings, host: str, port: int) -> None:
        self.committer = GroupCommitter(app)
        self.handler_obj = MayflyHandler(app, settings.smtp_max_recipients, self.committer,
                                         settings.smtp_max_transaction_bytes)
        self.connections = Connections(settings.smtp_max_connections,
                                       settings.smtp_max_connections_per_ip)
        self._settings = settings
        super().__init__(
            self.handler_obj, hostname=host, port=port,
            server_hostname=settings.smtp_hostname, ident="Mayfly ESMTP",
            data_size_limit=settings.max_message_size, enable_SMTPUTF8=True,
            decode_data=False, timeout=settings.smtp_timeout)

    def factory(self) -> SMTP:
        return MayflySMTP(self.handler_obj, self._settings, self.connections, **self.SMTP_kwargs)

    def _create_server(self):  # type: ignore[no-untyped-def]
        # SO_REUSEPORT: several SMTP processes share one port and the kernel spreads
        # connections over them, so every core works (the sidecar starts SMTP_PROCESSES).
        return self.loop.create_server(self._factory_invoker, host=self.hostname,
                                       port=self.port, ssl=self.ssl_context, reuse_port=True)

    def _trigger_server(self) -> None:
        # aiosmtpd checks its factory by connecting to the port; with SO_REUSEPORT that
        # connection may reach a sibling process, so build the protocol object directly.
        self._factory_invoker()

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert)
        self.handler_obj.close()
        self.committer.close()

    def drain(self, timeout: float = 30.0) -> None:
        """Stop accepting connections and new transactions; wait for those under way."""
        self.handler_obj.draining = True
        if self.server is not None:
            self.loop.call_soon_threadsafe(self.server.close)
        deadline = time.monotonic() + timeout
        while self.connections.active_data and time.monotonic() < deadline:
            time.sleep(0.05)


def build_controller(app: Flask, settings: Settings, host: str | None = None,
                     port: int | None = None) -> MayflyController:
    return MayflyController(app, settings, host or settings.smtp_host,
                            settings.smtp_port if port is None else port)
