"""The client address every limiter keys on, behind none, one or two reverse proxies of ours."""

import pytest
from django.test import RequestFactory

from lms.client_ip import client_ip

PROXY = "10.0.0.2"


def _request(forwarded: str | None = None, **headers: str):
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **headers)


def test_without_trusted_proxies_the_socket_address_stands_and_x_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.7")) == PROXY


def test_behind_one_proxy_the_client_is_the_rightmost_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("203.0.113.7")) == "203.0.113.7"


def test_a_spoofed_leftmost_forwarded_address_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("198.51.100.66, 203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("198.51.100.66, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"


def test_a_request_that_skipped_the_proxy_keeps_its_socket_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request()) == PROXY


def test_a_trusted_client_ip_header_names_the_client(settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(_request("198.51.100.66", HTTP_X_REAL_IP="2001:db8::7")) == "2001:db8::7"


@pytest.mark.parametrize("garbage", ["not-an-address", "<script>"])
def test_a_malformed_forwarded_address_falls_back_to_the_socket_address(settings, garbage):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(garbage)) == PROXY


def test_allauth_is_told_the_same_trusted_proxy_count():
    from django.conf import settings as django_settings

    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TRUSTED_PROXY_COUNT
