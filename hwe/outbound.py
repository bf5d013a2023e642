"""The outbound policy: which addresses the engine may connect to where a tenant chooses the destination.

Every such connection (webhook deliveries, `tools.http.request`) resolves its host, checks each address here, and
connects to the very address that passed (never to the name again), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot lead it elsewhere. Redirects are not followed.

`[outbound] allowed_networks` (HWE_OUTBOUND_ALLOWED_NETWORKS) is a comma-separated list of addresses, networks
(CIDR) and the word `public` (every global unicast address). Empty, it means `public`. When it is set, nothing else
is reachable: `127.0.0.0/8,::1/128` confines the engine to this machine. Link-local and cloud metadata addresses
are refused whatever it says. Connections to the engine's own infrastructure (PostgreSQL, Vault, object storage,
the Kubernetes API), which only the operator configures, are not subject to it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import trio

from hwe import errors

PUBLIC = "public"
SETTING = "[outbound] allowed_networks / HWE_OUTBOUND_ALLOWED_NETWORKS"
_METADATA = ipaddress.ip_network("fd00:ec2::/64")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Policy:
    """The addresses outbound connections may reach: the global ones when `public`, and those in `networks`."""

    public: bool
    networks: tuple[Network, ...]

    def allows(self, address: str) -> bool:
        """Whether a connection may go to this IP address (text, as getaddrinfo gives it)."""
        ip = _address(address)
        if ip.is_link_local or ip in _METADATA:
            return False
        if self.public and ip.is_global and not ip.is_multicast:
            return True
        return any(ip in network for network in self.networks)


def parse_policy(text: str) -> Policy:
    """The policy the setting's text describes; empty is `public`.

    Raises:
        ConfigError: an entry is neither `public` nor an address or network.
    """
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        return Policy(public=True, networks=())
    networks: list[Network] = []
    for entry in entries:
        if entry.lower() == PUBLIC:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as err:
            raise errors.ConfigError(f"{SETTING}: {entry!r} is not an address, a network (CIDR) or {PUBLIC!r}") from err
    return Policy(public=any(entry.lower() == PUBLIC for entry in entries), networks=tuple(networks))


async def allowed_address(policy: Policy, host: str, port: int) -> str | None:
    """The first address of `host` the policy allows, to connect to instead of the name; None when none is.

    Raises:
        OSError: the name does not resolve.
    """
    found = await trio.socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for _family, _type, _proto, _name, sockaddr in found:
        address = str(sockaddr[0])
        if policy.allows(address):
            return address
    return None


def is_link_local_or_metadata(host: str) -> bool:
    """Whether `host` is an IP literal that is never reachable (link-local, cloud metadata)."""
    try:
        ip = _address(host)
    except ValueError:
        return False
    return ip.is_link_local or ip in _METADATA


def _address(text: str) -> Address:
    ip = ipaddress.ip_address(text.partition("%")[0])  # an IPv6 scope ("fe80::1%eth0") names no other address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip
