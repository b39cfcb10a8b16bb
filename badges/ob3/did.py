"""did:web identifiers for issuers and their DID documents (Multikey, Ed25519)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from badges.ob3.loader import DID_V1, MULTIKEY_V1
from badges.ob3.multibase import encode_ed25519_public_key

DID_WEB_PREFIX = "did:web:"
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_FRAGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HOST = re.compile(r"^[a-z0-9.-]+(:[0-9]{1,5})?$")
_PLAIN_HTTP_HOSTS = frozenset({"localhost", "127.0.0.1"})


class DidError(ValueError):
    """A malformed DID, DID URL or did:web input."""


def did_web(site_url: str, slug: str) -> str:
    """`did:web:<host>:issuers:<slug>` for an issuer of the site at `site_url`.

    A port is written `%3A` (`did:web:127.0.0.1%3A8000:issuers:acme`); a path under the site
    (`https://host/app`) becomes more colon-separated segments before `issuers`.
    """
    parts = urlsplit(site_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DidError(f"site URL {site_url!r} is not an http(s) URL with a host")
    if not _SLUG.match(slug):
        raise DidError(f"issuer slug {slug!r} may hold only letters, digits, '.', '_' and '-'")
    host = parts.hostname.lower()
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    segments = [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return ":".join([DID_WEB_PREFIX + host, *segments, "issuers", slug])


def did_web_url(did: str) -> str:
    """The URL a did:web resolves to: https://<host>/<path>/did.json (http only for local hosts)."""
    if not did.startswith(DID_WEB_PREFIX) or "#" in did or "?" in did:
        raise DidError(f"{did!r} is not a did:web DID")
    host_part, *segments = did[len(DID_WEB_PREFIX) :].split(":")
    host = unquote(host_part).lower()
    if not _HOST.match(host):
        raise DidError(f"{did!r} does not name a valid host")
    path_segments = [unquote(segment) for segment in segments]
    if any(not segment or "/" in segment for segment in path_segments):
        raise DidError(f"{did!r} has an empty or invalid path segment")
    hostname = host.split(":", 1)[0]
    scheme = "http" if hostname in _PLAIN_HTTP_HOSTS else "https"
    path = "/".join(quote(segment, safe="") for segment in path_segments) if path_segments else ".well-known"
    return f"{scheme}://{host}/{path}/did.json"


def verification_method_id(did: str, key_id_fragment: str) -> str:
    """The absolute id of a key in a DID document: `<did>#<fragment>`."""
    fragment = key_id_fragment.removeprefix("#")
    if not _FRAGMENT.match(fragment):
        raise DidError(f"key id fragment {key_id_fragment!r} is not a plain fragment like 'key-1'")
    return f"{did}#{fragment}"


def split_did_url(did_url: str) -> tuple[str, str]:
    """`did:web:host:issuers:acme#key-1` -> (`did:web:host:issuers:acme`, `key-1`)."""
    did, sep, fragment = did_url.partition("#")
    if not sep or not did.startswith("did:") or not fragment:
        raise DidError(f"{did_url!r} is not a DID URL with a fragment")
    return did, fragment


def did_document(did: str, public_keys: list[tuple[str, bytes]]) -> dict[str, Any]:
    """The DID document listing every key (old ones included), each one an assertion method.

    `public_keys` holds (fragment such as "key-1", raw 32-byte Ed25519 public key) pairs.
    """
    if not public_keys:
        raise DidError("a DID document needs at least one key")
    methods = [
        {
            "id": verification_method_id(did, fragment),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": encode_ed25519_public_key(raw),
        }
        for fragment, raw in public_keys
    ]
    ids = [method["id"] for method in methods]
    if len(set(ids)) != len(ids):
        raise DidError("two keys share an id")
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def assertion_method(document: dict[str, Any], method_id: str) -> dict[str, Any] | None:
    """The verification method `method_id` if the DID document lists it under assertionMethod."""
    listed = document.get("assertionMethod")
    if not isinstance(listed, list):
        return None
    did = document.get("id")
    for entry in listed:
        if isinstance(entry, dict) and entry.get("id") == method_id:
            return entry
        if isinstance(entry, str) and _absolute(entry, did) == method_id:
            for method in document.get("verificationMethod") or []:
                if isinstance(method, dict) and _absolute(method.get("id"), did) == method_id:
                    return method
    return None


def _absolute(method_id: object, did: object) -> object:
    if isinstance(method_id, str) and method_id.startswith("#") and isinstance(did, str):
        return did + method_id
    return method_id
