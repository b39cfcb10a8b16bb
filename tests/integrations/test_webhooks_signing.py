"""Standard Webhooks signatures: what the platform sends verifies; a tampered body, another secret, an old
timestamp or a missing header does not."""

from __future__ import annotations

import time

import pytest

from integrations.webhooks.signing import (
    secret_decrypt,
    secret_encrypt,
    secret_generate,
    signature_verify,
    signed_headers,
)
from tests.integrations.webhook_receiver import verify

BODY = b'{"id":"evt_1","type":"seat.assigned","created":"2026-12-05T05:00:00+00:00","data":{"seat_id":7}}'


@pytest.fixture
def secret() -> str:
    return secret_generate()


def test_a_signed_body_verifies_with_the_products_check_and_an_independent_one(secret):
    headers = signed_headers(secret=secret, message_id="evt_1", body=BODY)
    assert headers["webhook-signature"].startswith("v1,")
    assert signature_verify(secret=secret, headers=headers, body=BODY)
    assert verify(secret, headers, BODY)


def test_a_known_vector_gives_the_standard_webhooks_signature():
    # The example of the Standard Webhooks specification (its reference libraries' tests use it).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = signed_headers(
        secret=secret, message_id="msg_p5jXN8AQM9LWM0D4loKWxJek", body=b'{"test": 2432232314}', timestamp=1614265330
    )
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_tampered_body_fails_verification(secret):
    headers = signed_headers(secret=secret, message_id="evt_1", body=BODY)
    tampered = BODY.replace(b'"seat_id":7', b'"seat_id":8')
    assert not signature_verify(secret=secret, headers=headers, body=tampered)
    assert not verify(secret, headers, tampered)


def test_another_secret_an_old_timestamp_or_a_missing_header_fails(secret):
    headers = signed_headers(secret=secret, message_id="evt_1", body=BODY)
    assert not signature_verify(secret=secret_generate(), headers=headers, body=BODY)
    old = signed_headers(secret=secret, message_id="evt_1", body=BODY, timestamp=int(time.time()) - 600)
    assert not signature_verify(secret=secret, headers=old, body=BODY)
    assert not signature_verify(secret=secret, headers={"webhook-id": "evt_1"}, body=BODY)
    changed_id = {**headers, "webhook-id": "evt_2"}
    assert not signature_verify(secret=secret, headers=changed_id, body=BODY)


def test_headers_are_matched_whatever_their_case(secret):
    headers = {name.title(): value for name, value in signed_headers(secret=secret, message_id="e", body=BODY).items()}
    assert signature_verify(secret=secret, headers=headers, body=BODY)


def test_a_secret_is_encrypted_at_rest_and_comes_back(secret):
    token = secret_encrypt(secret)
    assert secret not in token and secret_decrypt(token) == secret
