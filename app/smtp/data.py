"""Reading DATA with memory bounded whatever the client sends.

aiosmtpd 1.4.6 keeps every fragment of an over-long line until a line end arrives, so one
connection that sends hundreds of megabytes without CRLF grows its process by as much.
Here nothing is kept once the message is over MAX_MESSAGE_SIZE or a line over
SMTP_MAX_LINE_LENGTH: the rest is read and dropped until the final dot, and the reply is
552 or 500 as before. A session holds at most one message and one read buffer.
"""

from __future__ import annotations

import asyncio
import enum

END_OF_DATA = b".\r\n"


class Outcome(enum.Enum):
    OK = "ok"
    TOO_LONG = "500 Line too long (see RFC5321 4.5.3.1.6)"
    TOO_MUCH = "552 Error: Too much mail data"


async def read_data(reader: asyncio.StreamReader, size_limit: int | None,
                    line_limit: int) -> tuple[Outcome, bytes]:
    """The message up to the line that is a lone dot, dot-unstuffed (RFC 5321 4.5.2)."""
    lines: list[bytes] = []
    outcome, received, at_line_start = Outcome.OK, 0, True
    current: list[bytes] = []  # fragments of the line being read, while it may still be kept
    while True:
        try:
            piece = await reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError as overrun:
            piece = await reader.read(overrun.consumed)  # part of a line: nothing kept of it
            if outcome is Outcome.OK:
                outcome = Outcome.TOO_LONG
        if at_line_start and piece == END_OF_DATA:
            break
        received += len(piece)
        at_line_start = piece.endswith(b"\r\n")
        if outcome is Outcome.OK and size_limit and received > size_limit:
            outcome = Outcome.TOO_MUCH
        if outcome is not Outcome.OK:
            lines.clear()
            current.clear()
            continue
        current.append(piece)
        if at_line_start:
            line = b"".join(current)
            current.clear()
            if len(line) > line_limit:
                outcome = Outcome.TOO_LONG
                lines.clear()
                continue
            lines.append(line[1:] if line.startswith(b".") else line)
    return outcome, b"".join(lines)
