"""An identity provider on loopback for the authorizer's tests: RSA signing keys and their JWKS
document served over real HTTP, counting the fetches::

    with serving_jwks(lambda: {"keys": [jwk(key, "key-1")]}) as idp:
        idp.url, idp.hits
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    """The public half of ``key`` as a JWK."""
    numbers = key.public_key().public_numbers()

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(numbers.n), "e": b64(numbers.e)}


@dataclass
class Served:
    url: str
    hits: list[str] = field(default_factory=list)


@contextmanager
def serving_jwks(document: Callable[[], dict[str, Any]], path: str = "/jwks.json") -> Iterator[Served]:
    """Serve ``document()`` (read at every fetch) at ``path`` until the block ends."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = json.dumps(document()).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_port}{path}", hits)
    finally:
        server.shutdown()
        server.server_close()
