"""The real client address: forwarded headers count only when a listed proxy sent them."""

import pytest

from ponte.proxies import TrustedProxyMiddleware, parse_networks, real_client

PROXIES = parse_networks("10.0.0.0/8, 127.0.0.1")


@pytest.mark.parametrize(("peer", "forwarded", "client"), [
    ("203.0.113.7", "1.2.3.4", "203.0.113.7"),          # not a proxy: its header is ignored
    ("127.0.0.1", "203.0.113.7", "203.0.113.7"),        # our proxy says who it saw
    ("127.0.0.1", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own claim stays left
    ("127.0.0.1", "203.0.113.7, 10.1.2.3", "203.0.113.7"),  # two proxies of ours in a row
    ("127.0.0.1", "", "127.0.0.1"),                     # a local request, no header
    ("127.0.0.1", "not-an-address", "127.0.0.1"),       # garbage is never an address
])
def test_the_client_is_the_last_hop_that_is_not_our_proxy(peer, forwarded, client):
    assert real_client(peer, forwarded, PROXIES) == client


def test_no_proxy_is_trusted_by_default(settings):
    assert parse_networks(settings.PONTE_TRUSTED_PROXIES) == ()
    assert real_client("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


def test_an_untrusted_peer_cannot_claim_https():
    scope = {"type": "http", "client": ("203.0.113.7", 5000),
             "headers": [(b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"1.2.3.4")]}
    seen = TrustedProxyMiddleware(None, PROXIES).rewrite(scope)
    assert seen["client"] == ("203.0.113.7", 5000)
    assert (b"x-forwarded-proto", b"https") not in seen["headers"]


def test_a_trusted_proxy_passes_the_client_and_its_protocol():
    scope = {"type": "http", "client": ("10.0.0.2", 5000),
             "headers": [(b"x-forwarded-proto", b"https"), (b"x-forwarded-for", b"203.0.113.9")]}
    seen = TrustedProxyMiddleware(None, PROXIES).rewrite(scope)
    assert seen["client"] == ("203.0.113.9", 5000)
    assert (b"x-forwarded-proto", b"https") in seen["headers"]
