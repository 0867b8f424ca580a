"""A TCP relay on loopback between the portal and a service (PostgreSQL, Redis, SMTP) that a test
can freeze or cut.

Frozen, it keeps every connection open and accepts new ones but passes no byte either way, as a
dead network does (no reset, no answer); thawed, it passes bytes again on new connections. Cut, it
closes every connection at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator


class Relay:
    """Listens on a free loopback port and forwards to (host, port) until stopped."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._flowing: asyncio.Event | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None

    def start(self) -> Relay:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(timeout=5)
        return self

    async def _listen(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        self._writers.add(writer)
        await self._flowing.wait()  # a frozen network answers nothing, not even the greeting
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(OSError, RuntimeError):
                writer.close()

    def _call(self, action: str) -> None:
        async def run() -> None:
            assert self._flowing is not None
            if action == "freeze":
                self._flowing.clear()
            elif action == "thaw":
                self._flowing.set()
            elif action == "cut":
                for writer in list(self._writers):
                    writer.transport.abort()
                self._writers.clear()

        asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=5)

    def freeze(self) -> None:
        """Stop passing bytes, silently: no reset, no answer, as a dead network."""
        self._call("freeze")

    def thaw(self) -> None:
        """Pass bytes again; connections frozen meanwhile are dropped, as after a long cut."""
        self._call("cut")
        self._call("thaw")

    def cut(self) -> None:
        """Close every connection at once (a reset)."""
        self._call("cut")

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


@contextlib.contextmanager
def relay_to(host: str, port: int) -> Iterator[Relay]:
    relay = Relay(host, port).start()
    try:
        yield relay
    finally:
        relay.stop()
