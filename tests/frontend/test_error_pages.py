"""The site's 404 page: in the site's frame and in the reader's language (issue #16)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_under_fr_answers_404_in_french(client):
    response = client.get("/fr/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="fr">' in response.text
    assert "Page introuvable" in response.text


def test_a_missing_page_without_a_prefix_answers_404_in_english(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en-CA")
    assert response.status_code == 404
    assert '<html lang="en">' in response.text
    assert "Page not found" in response.text
