"""Where a webhook may go: http(s) only, and never to a private, loopback or link-local address (server-side
request forgery would reach the platform's own services), unless WEBHOOKS_ALLOW_PRIVATE_ADDRESSES says so
(development and tests, whose receivers listen on loopback). Checked when an endpoint is registered and again
before each request (a name may be pointed elsewhere after registration)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class AddressRefused(ValueError):
    """The URL may not receive webhooks; the message says why, for the admin."""


def url_check(url: str) -> None:
    """Raise AddressRefused unless `url` is http(s) and every address its host resolves to may be reached."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused(_("This is not a valid address.")) from None
    if parts.scheme not in {"http", "https"}:
        raise AddressRefused(_("Only http:// and https:// addresses can receive webhooks."))
    host = parts.hostname
    if not host:
        raise AddressRefused(_("Give the full address, with its host name."))
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(_("The host %(host)s could not be found.") % {"host": host}) from None
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False):
        return
    for *_rest, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not (mapped or address).is_global:
            raise AddressRefused(
                _("%(host)s is a private or local address: webhooks go only to public addresses.") % {"host": host}
            )
