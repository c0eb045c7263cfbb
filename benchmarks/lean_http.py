"""A minimal HTTP/1.1 client on asyncio streams, for load generators on the same machine as the server.

A general client (httpx measured 4.3–4.9 ms of CPU a request here) costs the load generator as much
CPU as the server it measures, and on a 2-core machine that CPU is taken from the server. This one
does only what a benchmark against our own server needs: one connection per client, kept open when
the server allows it, a cookie jar of name=value pairs, JSON and form bodies, responses with a
Content-Length (or ended by closing the connection). Plain HTTP; nothing is verified but the status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
from dataclasses import dataclass
from urllib.parse import urlencode


class HTTPError(Exception):
    """No response: the connection failed, closed early or timed out."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]  # lower-case names; repeated headers other than Set-Cookie keep the last
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> object:
        return jsonlib.loads(self.content)


class Client:
    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        try:
            return await asyncio.wait_for(
                self._exchange(method, path, json, data, headers or {}), self.timeout
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as error:
            await self.aclose()
            raise HTTPError(f"{type(error).__name__}: {error}") from error

    async def _exchange(
        self, method: str, path: str, json: object, data: dict[str, str] | None, headers: dict[str, str]
    ) -> Response:
        body = b""
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers = {"Content-Type": "application/json", **headers}
        elif data is not None:
            body = urlencode(data).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(body)}",
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        lines += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        reused = self._writer is not None
        try:
            head = await self._send(request)
        except (ConnectionError, asyncio.IncompleteReadError):
            if not reused:
                raise
            # The server closed the idle connection before reading this request (as browsers
            # do, send it again on a new one).
            await self.aclose()
            head = await self._send(request)
        status = int(head[0].split(" ", 2)[1])
        received: dict[str, str] = {}
        for line in head[1:]:
            if not line:
                continue
            name, _sep, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _sep, _attributes = value.partition(";")
                cookie_name, _sep, cookie_value = cookie.partition("=")
                self.cookies[cookie_name.strip()] = cookie_value.strip()
            received[name] = value
        if "content-length" in received:
            content = await self._reader.readexactly(int(received["content-length"]))
        else:
            content = await self._reader.read()
        if received.get("connection", "").lower() == "close" or "content-length" not in received:
            await self.aclose()
        return Response(status, received, content)

    async def _send(self, request: bytes) -> list[str]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(request)
        return (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")

    async def aclose(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
