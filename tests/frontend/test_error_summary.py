"""Failed forms open with an error summary that takes focus, is announced and links to each invalid field."""

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.template import Context, Template

from tests.factories import make_user

pytestmark = pytest.mark.django_db


class ContactForm(forms.Form):
    email = forms.EmailField(label="Email")
    name = forms.CharField(label="Name")

    def clean(self):
        raise forms.ValidationError("These details do not go together.")


def render(form):
    html = Template("{% load frontend_tags %}<form>{% error_summary form %}{{ form.as_p }}</form>").render(
        Context({"form": form})
    )
    return BeautifulSoup(html, "html.parser")


def test_a_valid_or_unbound_form_has_no_summary():
    assert render(ContactForm()).select(".error-summary") == []


def test_the_summary_is_announced_focusable_and_links_to_each_invalid_field():
    soup = render(ContactForm({"email": "not-an-email", "name": ""}))
    summary = soup.select_one("div.error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert summary.has_attr("data-autofocus")
    assert summary.select_one("h2").get_text(strip=True)
    assert summary["aria-labelledby"] == summary.select_one("h2")["id"]
    hrefs = [a["href"] for a in summary.select("a")]
    assert "#id_email" in hrefs and "#id_name" in hrefs
    for field in ("email", "name"):
        widget = soup.select_one(f"#id_{field}")
        assert widget["aria-invalid"] == "true"
        described = widget["aria-describedby"].split()
        assert f"id_{field}_error" in described
        assert soup.find(id=f"id_{field}_error") is not None


def test_an_error_of_the_whole_form_describes_every_field():
    soup = render(ContactForm({"email": "a@example.com", "name": "Ada"}))
    item = soup.select_one(".error-summary li")
    assert item["id"] == "error-summary-form-0"
    assert item.select_one("a")["href"] == "#id_email"
    assert "do not go together" in item.get_text()
    for field in ("email", "name"):
        widget = soup.select_one(f"#id_{field}")
        assert widget["aria-invalid"] == "true"
        assert "error-summary-form-0" in widget["aria-describedby"].split()


def test_a_failed_sign_in_is_summarised_and_tied_to_the_fields(client):
    make_user(email="ada@example.com")
    response = client.post("/accounts/login/", {"login": "ada@example.com", "password": "wrong-password"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    summary = soup.select_one("form .error-summary[role=alert][data-autofocus]")
    assert summary is not None, "the sign-in error is summarised at the top of the form"
    assert summary.select_one("a")["href"] == "#id_login"
    for name in ("login", "password"):
        widget = soup.select_one(f"#id_{name}")
        assert widget["aria-invalid"] == "true"
        assert "error-summary-form-0" in widget["aria-describedby"].split()


def test_a_sign_up_with_a_bad_email_links_to_the_field(client):
    response = client.post("/accounts/signup/", {"email": "nope", "password1": "x", "password2": "y"})
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    summary = soup.select_one(".error-summary")
    assert summary is not None
    assert "#id_email" in [a["href"] for a in summary.select("a")]
    assert soup.select_one("#id_email")["aria-invalid"] == "true"


def test_a_password_reset_for_a_bad_email_links_to_the_field(client):
    response = client.post("/accounts/password/reset/", {"email": "nope"})
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    summary = soup.select_one(".error-summary")
    assert summary is not None
    assert "#id_email" in [a["href"] for a in summary.select("a")]
