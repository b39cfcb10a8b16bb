"""Real identity providers on loopback for the single sign-on tests: node-oidc-provider (OpenID Connect) and a
samlify SAML 2.0 IdP (tests/sso/idp/*.mjs), each a Node process on a free port, plus the organization they serve.

The SAML IdP's signing key and certificate are made here at test time (cryptography); none is committed.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from organizations.models import SeatBundle, SingleSignOn
from organizations.services import organization_create
from organizations.services.sso import single_sign_on_save
from tests.factories import make_user
from tests.org_factories import make_bundle

IDP_DIR = Path(__file__).resolve().parent / "idp"
SLUG = "northwind"
DOMAIN = "northwind.test"
CLIENT_ID = "stackable-test"
CLIENT_SECRET = "stackable-test-secret-0123456789"

# The people each provider knows. `active` is the claim/attribute that says whether someone still belongs.
PEOPLE: dict[str, dict] = {
    f"ada@{DOMAIN}": {"given_name": "Ada", "family_name": "Lovelace", "active": True},
    f"bob@{DOMAIN}": {"given_name": "Bob", "family_name": "Builder", "active": True},
    f"carl@{DOMAIN}": {"given_name": "Carl", "family_name": "Gauss", "active": True},
    f"gone@{DOMAIN}": {"given_name": "Gone", "family_name": "Away", "active": False},
    "eve@elsewhere.test": {"given_name": "Eve", "family_name": "Outside", "active": True},
}


@contextmanager
def node_server(script: str, config: dict) -> Iterator[dict]:
    """Start `node script config`; yield the JSON line it prints first; stop it (closing its stdin) afterwards."""
    process = subprocess.Popen(
        ["node", str(IDP_DIR / script), json.dumps(config)],
        cwd=IDP_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{script} did not start (exit code {process.wait(timeout=5)})")
        yield json.loads(line)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def oidc_callback_url(base: str) -> str:
    return f"{base}/accounts/oidc/sso-{SLUG}/login/callback/"


@contextmanager
def oidc_provider(*bases: str) -> Iterator[dict]:
    accounts = {
        email: {"email": email, "email_verified": True, "name": f"{c['given_name']} {c['family_name']}", **c}
        for email, c in PEOPLE.items()
    }
    config = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [oidc_callback_url(base) for base in bases],
        "accounts": accounts,
    }
    with node_server("oidc.mjs", config) as info:
        yield info


def signing_pair(folder: Path) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate for the SAML IdP, written under `folder`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stackable test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "idp-key.pem", folder / "idp-cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@contextmanager
def saml_provider(folder: Path) -> Iterator[dict]:
    key, cert = signing_pair(folder)
    users = {
        email: {"first_name": [c["given_name"]], "last_name": [c["family_name"]], "active": [str(c["active"]).lower()]}
        for email, c in PEOPLE.items()
    }
    with node_server("saml.mjs", {"key": str(key), "cert": str(cert), "users": users}) as info:
        info["x509cert"] = "".join(cert.read_text().strip().splitlines()[1:-1])
        yield info


def organization_with_sso(
    *, provider: str, idp: dict, seats: int = 5, provision_seats: bool = True, required: bool = False, **fields
) -> tuple[SingleSignOn, SeatBundle]:
    """Northwind, its seat bundle, and its single sign-on through `idp` (as a platform admin saves it)."""
    organization = organization_create(name="Northwind", slug=SLUG, admin=make_user(email=f"boss@{DOMAIN}"))
    bundle = make_bundle(organization, seats=seats)
    if provider == "openid_connect":
        settings = {"server_url": idp["issuer"], "oauth_pkce_enabled": True}
        client_id, secret = CLIENT_ID, CLIENT_SECRET
    else:
        settings = {
            "attribute_mapping": {"email": "email", "first_name": "first_name", "last_name": "last_name"},
            "idp": {"entity_id": idp["entity_id"], "sso_url": idp["sso_url"], "x509cert": idp["x509cert"]},
            "advanced": {"want_assertion_signed": True, "allow_single_label_domains": True},
        }
        client_id, secret = "", ""
    sso = single_sign_on_save(
        organization=organization,
        actor=None,
        provider=provider,
        name="Northwind sign-in",
        client_id=client_id,
        secret=secret,
        settings=settings,
        domains=[DOMAIN],
        provision_seats=provision_seats,
        default_bundle=bundle,
        required=required,
        **{"access_claim": "active", "access_value": "true", **fields},
    )
    return sso, bundle


def _form(html: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form[^>]*action="([^"]*)"', html)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    assert action is not None, html[:500]
    return action.group(1).replace("&#38;", "&"), fields


def oidc_authorize(authorize_url: str, email: str, callback_prefix: str) -> str:
    """Go through node-oidc-provider's sign-in and consent pages as `email`, like a browser, until it redirects to
    our callback; return that callback URL (with its code and state)."""
    session = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _step in range(12):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
            if url.startswith(callback_prefix):
                return url
            continue
        action, fields = _form(response.text)
        data = {**fields, "login": email, "password": "any"} if fields.get("prompt") == "login" else fields
        url, method = urljoin(url, action), "POST"
    raise AssertionError("the OpenID provider never sent the browser back")


def saml_sign_in(redirect_url: str, email: str) -> tuple[int, str, dict[str, str]]:
    """Go through the SAML IdP's sign-in page as `email`; return its status, the ACS address it posts to and the
    form fields (SAMLResponse, RelayState)."""
    session = requests.Session()
    page = session.get(redirect_url, timeout=10)
    action, fields = _form(page.text)
    answer = session.post(urljoin(redirect_url, action), data={**fields, "email": email}, timeout=10)
    if answer.status_code != 200:
        return answer.status_code, "", {}
    acs, response_fields = _form(answer.text)
    return answer.status_code, acs, response_fields


def path_and_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlparse(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
