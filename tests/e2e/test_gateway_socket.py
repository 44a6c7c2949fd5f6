"""The local gateway's listening socket: its connections have ``TCP_NODELAY``, so a keep-alive
answer written in two parts (head, then body) is not held ~40 ms for the client's delayed ACK.

asyncio (and so uvicorn) sets the option only on connections of a socket made with
``IPPROTO_TCP`` named; a socket made with the default protocol (0) got none."""

from __future__ import annotations

import asyncio
import socket

from hearth_dev.local.stack import listening_socket


def test_accepted_connections_send_without_delay() -> None:
    sock = listening_socket("127.0.0.1")
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    host, port = sock.getsockname()[:2]

    async def accept_one() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            accepted: socket.socket = writer.get_extra_info("socket")
            seen.set_result(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(on_connection, sock=sock)
        async with server:
            _reader, writer = await asyncio.open_connection(host, port)
            try:
                return await asyncio.wait_for(seen, 10)
            finally:
                writer.close()

    assert asyncio.run(accept_one()) != 0
