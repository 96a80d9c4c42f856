"""Which network address a request comes from, for the rate limits. The direct peer, unless
that peer is a reverse proxy listed in DSF_TRUSTED_PROXIES: then X-Forwarded-For is read from
the right, past every trusted proxy, to the first address no trusted proxy vouches for. Anyone
can send the header, so it is believed only from a proxy the operator named.

The limits count a client by `counted_as`: an IPv4 address, or an IPv6 address's /64, since
one home, office or server is given a whole /64 and can send from any address in it."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.requests import Request

from dsf_app.settings import get_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPV6_CLIENT_PREFIX = 64


def client_address(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    return behind_proxies(
        peer, request.headers.getlist("x-forwarded-for"), get_settings().trusted_proxy_networks
    )


def behind_proxies(
    peer: str | None, forwarded: Sequence[str], trusted: Sequence[Network]
) -> str | None:
    """The client's address given the direct peer, the X-Forwarded-For header lines and the
    trusted proxies' networks."""
    if peer is None or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for line in forwarded for hop in line.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        if _parsed(hop) is None:
            break  # a trusted proxy passed on something that is not an address: stop here
        client = hop
        if not _within(hop, trusted):
            break
    return client


def counted_as(address: str | None) -> str:
    """The client the rate limits count `address` as: itself for IPv4 (also when mapped into
    IPv6), its /64 for IPv6, "unknown" without one."""
    parsed = _parsed(address) if address else None
    if parsed is None:
        return address or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)


def _parsed(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def _within(address: str, networks: Sequence[Network]) -> bool:
    parsed = _parsed(address)
    return parsed is not None and any(parsed in network for network in networks)
