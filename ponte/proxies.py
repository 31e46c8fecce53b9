"""Who a request came from: forwarded headers are believed only from listed proxies.

A client can write any `X-Forwarded-For` or `X-Forwarded-Proto` it likes. Only a proxy
named in `PONTE_TRUSTED_PROXIES` (addresses or networks; none by default) may say who
its client was or that it spoke HTTPS; from anyone else those headers are set aside,
so the login limit and the loopback-only `/metrics` see the real peer.
"""

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Set aside from an untrusted peer: Django reads the protocol one when a proxy is trusted.
FORWARDING_HEADERS = (b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port")
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def parse_networks(value: str | Iterable[str]) -> tuple[Network, ...]:
    """`"10.0.0.5, 172.16.0.0/12"` → networks; a bad entry raises ValueError at start-up."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items
                 if item.strip())


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5123
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_within(address: str, networks: Iterable[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in networks)


def is_loopback(address: str) -> bool:
    return is_within(address, LOOPBACK)


def real_client(peer: str, forwarded_for: str, trusted: tuple[Network, ...]) -> str:
    """The first hop, from the right, that is not a trusted proxy.

    Proxies append the address they saw, so everything left of the last untrusted
    hop was written by the client and proves nothing.
    """
    if not is_within(peer, trusted):
        return peer
    client = peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not is_within(client, trusted):
            break
    return client


class TrustedProxyMiddleware:
    """ASGI: the peer's address becomes the real client's; untrusted forwarding is dropped."""

    def __init__(self, app, trusted: tuple[Network, ...] | None = None):
        self.app = app
        self.trusted = trusted

    def _trusted(self) -> tuple[Network, ...]:
        if self.trusted is None:
            from django.conf import settings

            self.trusted = parse_networks(settings.PONTE_TRUSTED_PROXIES)
        return self.trusted

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and scope.get("client"):
            scope = self.rewrite(scope)
        await self.app(scope, receive, send)

    def rewrite(self, scope: dict) -> dict:
        peer, port = scope["client"][0], scope["client"][1]
        trusted = self._trusted()
        if is_within(peer, trusted):
            forwarded = b",".join(v for k, v in scope["headers"] if k == b"x-forwarded-for")
            client = real_client(peer, forwarded.decode("latin-1"), trusted)
            return dict(scope, client=(client, port))
        headers = [(k, v) for k, v in scope["headers"] if k not in FORWARDING_HEADERS]
        return dict(scope, headers=headers)
