"""The client's address, the one rule every limiter keys on.

Behind reverse proxies the socket address is the nearest proxy's. `TRUSTED_PROXY_COUNT` says how many proxies
we run in front of the site; each appends the address it received the request from to X-Forwarded-For, so the
client is the Nth entry from the right. Entries further left were written by the client and are ignored.
`TRUSTED_CLIENT_IP_HEADER` (e.g. X-Real-IP) names a header our proxy overwrites with the client address instead.
With neither set, the socket address stands and forwarding headers are ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The address of the client that sent `request`, as far as our own proxies vouch for it."""
    remote = _clean(request.META.get("REMOTE_ADDR", "") or "")
    header = getattr(settings, "TRUSTED_CLIENT_IP_HEADER", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if header:
        return _clean(request.headers.get(header, "")) or remote or UNKNOWN
    if proxies > 0:
        forwarded = [entry for entry in request.headers.get("X-Forwarded-For", "").split(",") if entry.strip()]
        if forwarded:
            # Fewer entries than proxies: the request entered the chain part-way; its leftmost entry was still
            # written by one of ours.
            return _clean(forwarded[-min(proxies, len(forwarded))]) or remote or UNKNOWN
    return remote or UNKNOWN
