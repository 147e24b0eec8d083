"""Pipelined SFTP requests: send in one burst every request that does not need an earlier answer.

Customers' servers are far away: over a 200 ms round trip, each request that waits for the previous
answer costs 200 ms. SFTP lets a client keep many requests outstanding, and a server handles the
requests on one handle in the order they were sent. So a file's reads and its close go out
together once its handle is known (open, then reads + close: two round trips for any head), and a
folder's next READDIR requests are sent before the answers to the previous ones arrive.

asyncssh's file object splits a read into blocks from tasks it schedules itself, so a close sent
beside it could overtake the reads. These helpers therefore talk to the client's request handler,
the layer that sends one request per call, in the order of the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import TYPE_CHECKING, Any

import asyncssh

if TYPE_CHECKING:
    from asyncssh.sftp import SFTPClientHandler

#: Read blocks when the server states no limit (the size every SFTP server accepts).
_SAFE_BLOCK = 16 * 1024
#: Largest block asked for even when the server allows more (OpenSSH allows 255 KiB).
_MAX_BLOCK = 256 * 1024
#: Most read requests outstanding at once for one range: bounds memory and the channel window.
_MAX_OUTSTANDING = 16
#: READDIR requests sent ahead: the first burst covers a small folder's names and the
#: end-of-folder answer; a large folder doubles it up to the cap.
_FIRST_READDIRS = 2
_MAX_READDIRS = 16

#: Closes sent without waiting for their answer (kept referenced until they finish).
_background: set[asyncio.Future[Any]] = set()


def handler_of(sftp: asyncssh.SFTPClient) -> SFTPClientHandler:
    """The request layer of an asyncssh SFTP client (one request per call, sent in call order)."""
    # private: the file object reorders requests (see the module docstring)
    return sftp._handler


#: The limits@openssh.com request of each client started by :func:`start_client`, still in flight.
_limits_pending: weakref.WeakKeyDictionary[Any, asyncio.Future[None]] = weakref.WeakKeyDictionary()


async def start_client(conn: asyncssh.SSHClientConnection, *,
                       path_errors: str = "strict") -> asyncssh.SFTPClient:
    """``conn.start_sftp_client()`` without waiting for the server's limits.

    asyncssh asks for the limits (``limits@openssh.com``) after the VERSION answer and waits for
    them before it returns the client: one round trip in which nothing else is asked. Here the
    request goes out at once and its answer is awaited only by the first read that needs the
    read size (:func:`limits_known`), so it travels with the folder's first requests.
    """
    # private: the same steps as asyncssh's SSHClientConnection.start_sftp_client
    from asyncssh.sftp import SFTPClient, SFTPClientHandler

    writer, reader, _ = await conn.open_session(subsystem="sftp", encoding=None)
    handler = SFTPClientHandler(asyncio.get_running_loop(), "strict", reader, writer, 3)
    await handler.start()
    conn.create_task(handler.recv_packets(), handler.logger)
    pending = asyncio.ensure_future(handler.request_limits())
    # Its failure is not the client's: retrieved here so it is never logged as unhandled.
    pending.add_done_callback(lambda done: done.cancelled() or done.exception())
    _limits_pending[handler] = pending
    return SFTPClient(handler, "utf-8", path_errors)


async def limits_known(sftp: asyncssh.SFTPClient) -> None:
    """Wait for the server's limits when :func:`start_client` left them in flight (a failed or
    unanswered request leaves asyncssh's defaults, as asyncssh's own start would have failed)."""
    pending = _limits_pending.get(handler_of(sftp))
    if pending is not None:
        with contextlib.suppress(asyncssh.Error, OSError):
            await asyncio.shield(pending)


def _block_size(handler: SFTPClientHandler) -> int:
    limit = int(getattr(handler.limits, "max_read_len", 0) or 0)
    return min(limit, _MAX_BLOCK) if limit else _SAFE_BLOCK


def close_later(handler: SFTPClientHandler, handle: bytes) -> None:
    """Send CLOSE for ``handle`` now; its answer is not waited for (nothing depends on it)."""
    async def close() -> None:
        with contextlib.suppress(asyncssh.Error, OSError):
            await handler.close(handle)

    task = asyncio.ensure_future(close())
    _background.add(task)
    task.add_done_callback(_background.discard)


async def read_range(sftp: asyncssh.SFTPClient, path: str, offset: int, length: int) -> bytes:
    """Up to ``length`` bytes of ``path`` at ``offset`` in two round trips (open; reads + close).

    Short at the end of the file. Raises asyncssh's SFTP errors (and OSError) like the file API.
    """
    handler = handler_of(sftp)
    handle, _ = await asyncio.gather(
        handler.open(sftp.encode(path), asyncssh.FXF_READ, asyncssh.SFTPAttrs()),
        limits_known(sftp))
    block = _block_size(handler)
    blocks = [(off, min(block, offset + length - off))
              for off in range(offset, offset + length, block)] or [(offset, 0)]
    data = bytearray()
    try:
        for start in range(0, len(blocks), _MAX_OUTSTANDING):
            wave = blocks[start:start + _MAX_OUTSTANDING]
            last = start + _MAX_OUTSTANDING >= len(blocks)
            calls: list[Awaitable[object]] = [handler.read(handle, off, n) for off, n in wave]
            if last:  # the server answers the reads before it closes the handle
                calls.append(handler.close(handle))
            answers = await asyncio.gather(*calls, return_exceptions=True)
            if last:
                answers = answers[:-1]
            if _collect(answers, wave, data):
                if not last:
                    close_later(handler, handle)
                return bytes(data)
    except BaseException:
        close_later(handler, handle)
        raise
    return bytes(data)


def _collect(answers: Sequence[object], wave: Sequence[tuple[int, int]], data: bytearray) -> bool:
    """Append the blocks in order; True when the end of the file was reached."""
    for answer, (_, wanted) in zip(answers, wave, strict=True):
        if isinstance(answer, asyncssh.SFTPEOFError):
            return True
        if isinstance(answer, BaseException):
            raise answer
        chunk: bytes = answer[0]  # type: ignore[index]  # (data, at_end)
        data += chunk
        if len(chunk) < wanted:  # a block past a short one would leave a gap
            return True
    return False


async def iter_dir(sftp: asyncssh.SFTPClient, path: str
                   ) -> AsyncIterator[Sequence[asyncssh.SFTPName]]:
    """The folder ``path``'s names, a READDIR answer at a time (names are ``bytes``).

    READDIR requests are pipelined; closing the iterator early (``aclose``) stops reading. The
    handle's CLOSE is sent without waiting for its answer. Raises asyncssh's SFTP errors for the
    folder itself.
    """
    handler = handler_of(sftp)
    handle = await handler.opendir(sftp.encode(path or "."))
    ahead = _FIRST_READDIRS
    try:
        while True:
            answers = await asyncio.gather(*(handler.readdir(handle) for _ in range(ahead)),
                                           return_exceptions=True)
            for answer in answers:
                if isinstance(answer, asyncssh.SFTPEOFError):
                    return
                if isinstance(answer, BaseException):
                    raise answer
                names, at_end = answer
                yield names
                if at_end:
                    return
            ahead = min(2 * ahead, _MAX_READDIRS)
    finally:
        close_later(handler, handle)
