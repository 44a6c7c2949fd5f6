"""Which addresses a webhook may reach: a webhook URL must never become a way into the network
Hearth runs in.

A URL's host is resolved once; the destination is refused if *any* of its addresses is not
globally routable (private, loopback, link-local including 169.254.169.254, CGNAT 100.64/10,
IPv6 unique-local and link-local, IPv4-mapped IPv6, 6to4/NAT64 wrappers of such addresses,
0.0.0.0/8, multicast, reserved). The transport then connects to the address that was checked,
never resolving the name again, so DNS rebinding has no window::

    dest = check_url("https://hooks.example.com/in", resolver=resolve)
    dest.addresses   # (IPv4Address('93.184.215.14'),)

``allowed_networks`` (``HEARTH_WEBHOOK_ALLOWED_NETWORKS``, local and test stages only) lets
local development and the tests deliver to a receiver on loopback.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from hearth.settings import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``resolver(host, port)`` -> the host's addresses (as strings). Injectable for tests.
Resolver = Callable[[str, int], Sequence[str]]

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class InvalidUrl(ValueError):
    """The URL is not one a webhook can be delivered to."""


class BlockedDestination(ValueError):
    """The URL's host is, or resolves to, an address webhooks must not reach."""


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (IPv4 and IPv6, TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


def _ipv6_reason(address: ipaddress.IPv6Address) -> str | None:
    if address.ipv4_mapped is not None:
        return "an IPv4-mapped IPv6 address"
    if address in _NAT64 or address in _NAT64_LOCAL:
        return "a NAT64 address"
    embedded = address.sixtofour or (address.teredo[1] if address.teredo else None)
    inner = blocked_reason(embedded) if embedded is not None else None
    return f"a 6to4/Teredo wrapper of {inner}" if inner else None


#: (test, why), in order: the first that holds names the reason.
_RULES: tuple[tuple[Callable[[IPAddress], bool], str], ...] = (
    (lambda a: a.is_unspecified or (a.version == 4 and a in _THIS_NETWORK), "an unspecified address"),
    (lambda a: a.is_loopback, "a loopback address"),
    (lambda a: a.is_link_local, "a link-local address"),
    (lambda a: a.version == 4 and a in _CGNAT, "a shared (CGNAT) address"),
    (lambda a: a.is_multicast, "a multicast address"),
    (lambda a: a.is_reserved, "a reserved address"),
    (lambda a: a.is_private, "a private address"),
    (lambda a: not a.is_global, "not a globally routable address"),
)


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination, or ``None`` when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        reason = _ipv6_reason(address)
        if reason is not None:
            return reason
    return next((why for test, why in _RULES if test(address)), None)


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    return _networks(tuple(values))


@functools.lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def check_address(address: IPAddress, allowed_networks: Sequence[Network] = ()) -> None:
    """Raise :class:`BlockedDestination` unless ``address`` may be reached."""
    if any(address.version == net.version and address in net for net in allowed_networks):
        return
    reason = blocked_reason(address)
    if reason is not None:
        raise BlockedDestination(f"{address} is {reason}")


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked webhook URL: where to connect (``addresses``) and what to ask for."""

    url: str
    scheme: str
    host: str  # the name for TLS (SNI, certificate) and the Host header
    port: int
    target: str  # path and query
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    url: str
    scheme: str
    host: str
    port: int
    target: str


def parse_url(url: str, *, require_https: bool) -> ParsedUrl:
    """Check the URL's shape (no DNS): scheme, host, port, no credentials or fragment."""
    if len(url) > 2048:
        raise InvalidUrl("must be at most 2048 characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise InvalidUrl("must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidUrl(f"is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidUrl("must be an http(s) URL")
    if require_https and scheme != "https":
        raise InvalidUrl("must use https")
    if parts.username is not None or parts.password is not None:
        raise InvalidUrl("must not carry credentials (the signature authenticates Hearth)")
    if parts.fragment:
        raise InvalidUrl("must not have a fragment")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidUrl("must name a host")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidUrl("has a host name that is not valid") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return ParsedUrl(
        url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), target=target
    )


def check_url(
    url: str,
    *,
    resolver: Resolver = system_resolver,
    allowed_networks: Sequence[Network] = (),
    require_https: bool = True,
) -> Destination:
    """Parse, resolve and check ``url``; the returned destination holds the checked addresses.

    Raises :class:`InvalidUrl` for a malformed URL and :class:`BlockedDestination` when the host
    does not resolve or any of its addresses may not be reached.
    """
    parsed = parse_url(url, require_https=require_https)
    try:
        literal: IPAddress | None = ipaddress.ip_address(parsed.host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            found = resolver(parsed.host, parsed.port)
        except (OSError, UnicodeError) as exc:
            raise BlockedDestination(f"{parsed.host} does not resolve ({exc})") from None
        addresses = []
        for value in found:
            try:
                addresses.append(ipaddress.ip_address(value))
            except ValueError:
                raise BlockedDestination(f"{parsed.host} resolved to an invalid address") from None
        if not addresses:
            raise BlockedDestination(f"{parsed.host} does not resolve")
    for address in addresses:
        check_address(address, allowed_networks)
    return Destination(
        url=parsed.url,
        scheme=parsed.scheme,
        host=parsed.host,
        port=parsed.port,
        target=parsed.target,
        addresses=tuple(addresses),
    )


# -- the configured policy ---------------------------------------------------------------------

_resolvers: list[Resolver] = [system_resolver]


@contextlib.contextmanager
def using_resolver(resolver: Resolver) -> Iterator[None]:
    """Resolve names with ``resolver`` for the duration of the block (tests: no real DNS)."""
    _resolvers.append(resolver)
    try:
        yield
    finally:
        _resolvers.remove(resolver)


def require_https() -> bool:
    """https is required outside local development and tests."""
    return settings().stage not in ("local", "test")


def check(url: str) -> Destination:
    """:func:`check_url` with the configured resolver, allow-list and https rule."""
    return check_url(
        url,
        resolver=_resolvers[-1],
        allowed_networks=parse_networks(settings().webhook_allowed_networks),
        require_https=require_https(),
    )
