"""The webhook transport against raw receivers on loopback: kept-alive connections, a connection
the receiver closed while idle, a body larger than what is read, the next checked address when
one refuses, and TLS to a pinned address verified against the URL's host name (a test CA)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hearth.webhooks.engine import ssrf, transport

LOOPBACK = ipaddress.ip_address("127.0.0.1")


class RawReceiver:
    """Answers every request 200 with ``body``; counts connections; with ``close_idle`` it closes
    each connection after answering, without saying so (as a receiver's idle timeout does)."""

    def __init__(
        self,
        body: bytes = b"ok",
        *,
        close_idle: bool = False,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.body = body
        self.close_idle = close_idle
        self.tls = tls
        self.connections = 0
        self.closed = threading.Semaphore(0)  # released each time the receiver closes one
        self.heads: list[dict[str, str]] = []
        self.server_names: list[str | None] = []
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.server_names.append(name)  # type: ignore[assignment]
        self.sock = socket.create_server((host, port))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            reader = conn.makefile("rb")
            while line := reader.readline():
                head = {}
                while (line := reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    head[name.strip().lower()] = value.strip()
                reader.read(int(head.get("content-length", "0")))
                self.heads.append(head)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(self.body) + self.body)
                if self.close_idle:
                    break
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()
            self.closed.release()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw() -> Iterator[Any]:
    made: list[RawReceiver] = []

    def make(*args: Any, **kwargs: Any) -> RawReceiver:
        made.append(RawReceiver(*args, **kwargs))
        return made[-1]

    yield make
    transport.close_all()
    for receiver in made:
        receiver.close()


def destination(port: int, *, scheme: str = "http", host: str = "127.0.0.1", addresses=(LOOPBACK,)):
    return ssrf.Destination(
        url=f"{scheme}://{host}:{port}/hook",
        scheme=scheme,
        host=host,
        port=port,
        target="/hook",
        addresses=tuple(addresses),
    )


def post(dest: ssrf.Destination) -> transport.Result:
    return transport.post(dest, b'{"type":"x"}', {"webhook-id": "msg_1"}, timeout=2)


def test_connections_are_kept_alive(raw):
    receiver = raw()
    results = [post(destination(receiver.port)) for _ in range(3)]
    assert [(r.status, r.body_head, r.error) for r in results] == [(200, "ok", None)] * 3
    assert receiver.connections == 1
    assert receiver.heads[0]["host"] == f"127.0.0.1:{receiver.port}"
    assert receiver.heads[0]["user-agent"] == transport.USER_AGENT


def test_a_connection_the_receiver_closed_while_idle_is_not_used_again(raw):
    receiver = raw(close_idle=True)
    first = post(destination(receiver.port))
    assert receiver.closed.acquire(timeout=5)  # closed while idle in the sender's pool
    second = post(destination(receiver.port))
    assert (first.ok, second.ok, second.error) == (True, True, None)
    assert receiver.connections == 2


def test_only_the_head_of_a_large_body_is_read_and_that_connection_is_dropped(raw):
    receiver = raw(body=b"x" * 100_000)
    result = post(destination(receiver.port))
    assert result.ok
    assert result.body_head == "x" * transport.BODY_LIMIT
    post(destination(receiver.port))
    assert receiver.connections == 2


def test_the_next_checked_address_is_tried_when_one_refuses(raw):
    receiver = raw(host="127.0.0.2")
    refusing = socket.create_server(("127.0.0.1", receiver.port))  # bound, never listening to us
    refusing.close()
    result = post(destination(receiver.port, addresses=(LOOPBACK, ipaddress.ip_address("127.0.0.2"))))
    assert (result.status, result.error) == (200, None)
    alone = post(destination(receiver.port))
    assert alone.status is None
    assert alone.error == "could not connect to 127.0.0.1: connection refused"


# -- TLS --------------------------------------------------------------------------------------------


def _certificate(name: str, key: Any, issuer: x509.Name, issuer_key: Any, *, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A test CA, and a certificate for hooks.example it signed."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hearth test CA")])
    ca = _certificate("Hearth test CA", ca_key, ca_name, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("hooks.example", leaf_key, ca_name, ca_key, ca=False)
    folder = tmp_path_factory.mktemp("tls")
    (folder / "leaf.pem").write_bytes(
        leaf.public_bytes(serialization.Encoding.PEM)
        + leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return folder / "leaf.pem", ca.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def tls_receiver(raw, tls_files, monkeypatch):
    leaf, ca_pem = tls_files
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(leaf)
    monkeypatch.setattr(transport, "_tls_context", lambda: ssl.create_default_context(cadata=ca_pem))
    return raw(tls=server)


def test_tls_goes_to_the_checked_address_and_verifies_the_urls_host_name(tls_receiver):
    dest = destination(tls_receiver.port, scheme="https", host="hooks.example")
    result = post(dest)
    assert (result.status, result.body_head, result.error) == (200, "ok", None)
    assert tls_receiver.server_names == ["hooks.example"]  # SNI names the URL's host, not the IP
    assert tls_receiver.heads[0]["host"] == f"hooks.example:{tls_receiver.port}"


def test_tls_to_a_certificate_for_another_name_is_refused(tls_receiver):
    result = post(destination(tls_receiver.port, scheme="https", host="other.example"))
    assert result.status is None
    assert result.error is not None
    assert result.error.startswith("could not connect to 127.0.0.1: ")
    assert "certificate verify failed" in result.error
    assert tls_receiver.heads == []
