"""Where a webhook may be sent: http(s) URLs whose host resolves only to public addresses (SSRF guard).

The check runs when an endpoint is registered and again before every attempt, after resolving the host, and
the attempt then connects to the very address that was checked: a name that resolves to a public address
at registration and to 169.254.169.254 later (DNS rebinding) is refused at delivery time too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

from dues.config import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
RESOLVE_TIMEOUT_SECONDS = 5.0


class UnsafeTarget(Exception):
    """The URL may not receive webhooks; the message says why, for a person."""


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str
    port: int
    # The address to connect to; None when private targets are allowed (then httpx resolves as usual).
    address: IPAddress | None


def parse(url: str) -> httpx.URL:
    """The URL, if it is one webhooks can be sent to at all (before any DNS)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeTarget("is not a valid URL") from exc
    if parsed.scheme not in {"http", "https"}:
        raise UnsafeTarget("must be an http:// or https:// URL")
    if not parsed.host:
        raise UnsafeTarget("must name a host")
    if parsed.userinfo:
        # The URL is listed back to every admin; credentials in it would leak. Receivers check the signature.
        raise UnsafeTarget("must not carry a user name or password")
    if parsed.fragment:
        raise UnsafeTarget("must not have a #fragment")
    return parsed


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    return None


def refusal(ip: IPAddress) -> str | None:
    """Why this address may not receive webhooks, or None when it is a public one."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal(inner)
            return f"{reason} (inside the IPv6 address {ip})" if reason else None
    for flag, words in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
    ):
        if flag:
            return f"{ip} is {words}"
    if not ip.is_global:
        # Shared address space (100.64.0.0/10) and the like: not private by the RFC, not reachable publicly.
        return f"{ip} is not a public address"
    return None


async def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError) as exc:
        raise UnsafeTarget(f"host {host} cannot be resolved") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"); the address is what is checked.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeTarget(f"host {host} cannot be resolved")
    return addresses


async def check(url: str) -> Target:
    """The target to send to, after resolving its host; UnsafeTarget when it is not allowed."""
    parsed = parse(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if get_settings().webhooks_allow_private:
        return Target(parsed, host, port, None)
    addresses = await _resolve(host, port)
    # Every address must be public, not just the first: the connection could go to any of them.
    for address in addresses:
        reason = refusal(address)
        if reason:
            raise UnsafeTarget(f"must not point at a private network: {host} resolves to {reason}")
    return Target(parsed, host, port, addresses[0])
