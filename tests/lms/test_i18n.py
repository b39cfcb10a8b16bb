"""The language a person reads the site in: the URL carries it, their preference sends them to it, the switcher
saves it (lms/i18n.py)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from lms.models import User
from tests.factories import make_course, make_user, translate_course

pytestmark = pytest.mark.django_db

PAGE = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}
FRENCH_BROWSER = {**PAGE, "HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9,en;q=0.5"}


def html_lang(response) -> str:
    return BeautifulSoup(response.content, "html.parser").html["lang"]


def test_an_english_browser_reads_unprefixed_pages_in_english(client):
    make_course()
    response = client.get("/courses/", HTTP_ACCEPT_LANGUAGE="en-CA", **PAGE)
    assert response.status_code == 200
    assert html_lang(response) == "en"


def test_a_french_browser_is_sent_to_the_same_page_in_french(client):
    make_course()
    response = client.get("/courses/?level=beginner", **FRENCH_BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/fr/courses/?level=beginner"
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_a_french_page_is_french_with_its_chrome_translated(client):
    make_course()
    response = client.get("/fr/courses/", **PAGE)
    assert response.status_code == 200
    assert html_lang(response) == "fr"
    text = BeautifulSoup(response.content, "html.parser").get_text(" ")
    assert "Passer au contenu principal" in text and "Skip to main content" not in text


def test_the_switchers_cookie_outranks_the_browser(client):
    make_course()
    client.cookies["django_language"] = "en"
    assert client.get("/courses/", **FRENCH_BROWSER).status_code == 200


def test_a_saved_language_outranks_cookie_and_browser(client):
    make_course()
    user = make_user(language="fr")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en", **PAGE)
    assert response.status_code == 302 and response["Location"] == "/fr/dashboard/"


def test_a_saved_english_keeps_a_french_browser_in_english(client):
    client.force_login(make_user(language="en"))
    assert client.get("/dashboard/", **FRENCH_BROWSER).status_code == 200


def test_a_french_link_opens_in_french_whatever_the_preference(client):
    client.force_login(make_user(language="en"))
    response = client.get("/fr/dashboard/", **PAGE)
    assert response.status_code == 200 and html_lang(response) == "fr"


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("get", {"HTTP_ACCEPT": "application/ld+json"}),  # a credential's JSON
        ("get", {**PAGE, "HTTP_HX_REQUEST": "true"}),  # an htmx fragment keeps its page's language
        ("post", PAGE),  # a form post is never redirected
    ],
)
def test_only_page_requests_are_redirected(client, method, headers):
    make_course()
    response = getattr(client, method)("/courses/", HTTP_ACCEPT_LANGUAGE="fr", **headers)
    assert response.status_code != 302


def test_the_admin_stays_where_it_is(client):
    assert client.get("/admin/login/", **FRENCH_BROWSER).status_code == 200


def test_the_switcher_saves_the_choice_on_the_account_and_sends_to_the_page_in_that_language(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/fr/dashboard/"
    assert client.cookies["django_language"].value == "fr"
    assert User.objects.get(pk=user.pk).language == "fr"


def test_the_switcher_keeps_a_visitors_choice_in_a_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/courses/"})
    assert response.status_code == 302 and response["Location"] == "/fr/courses/"
    assert client.cookies["django_language"].value == "fr"


@pytest.mark.parametrize(
    ("language", "next_page", "expected"),
    [
        ("en", "/fr/courses/?level=beginner", "/courses/?level=beginner"),
        ("fr", "/fr/courses/", "/fr/courses/"),  # the switcher's own address, never /fr/fr/
        ("fr", "https://elsewhere.example/", "/fr/"),  # not our site: the home page
    ],
)
def test_the_switcher_sends_to_the_page_in_the_chosen_language(client, language, next_page, expected):
    make_course()
    response = client.post("/i18n/setlang/", {"language": language, "next": next_page})
    assert response.status_code == 302 and response["Location"] == expected


def test_the_switcher_refuses_an_unknown_language_and_changes_nothing(client):
    user = make_user(language="en")
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/dashboard/"})
    assert response.status_code == 400
    assert "English or French" in response.content.decode()
    assert "django_language" not in response.cookies
    assert User.objects.get(pk=user.pk).language == "en"


def test_the_switcher_answers_only_posts(client):
    assert client.get("/i18n/setlang/").status_code == 405


def test_a_translated_page_lists_each_language_for_search_engines_and_the_switcher(client):
    course = make_course(title="Linux")
    french = translate_course(course)
    soup = BeautifulSoup(client.get(french.url, **PAGE).content, "html.parser")
    alternates = {link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate][hreflang]")}
    assert alternates == {
        "en": f"http://127.0.0.1:8000{course.url}",
        "fr": f"http://127.0.0.1:8000{french.url}",
        "x-default": f"http://127.0.0.1:8000{course.url}",
    }
    switcher = soup.select_one(".language-switcher")
    assert switcher.select_one("[aria-current=true]").get_text(strip=True) == "Français"
    assert switcher.select_one("input[name=next]")["value"] == course.url


def test_a_page_in_one_language_gives_search_engines_no_alternate_and_readers_the_other_chrome(client):
    course = make_course()
    soup = BeautifulSoup(client.get(course.url, **PAGE).content, "html.parser")
    assert soup.select("link[rel=alternate][hreflang]") == []
    assert soup.select_one(".language-switcher input[name=next][value^='/fr/']")["value"] == f"/fr{course.url}"
    french = client.get(f"/fr{course.url}", **PAGE)  # the original, in French chrome, its content marked English
    soup = BeautifulSoup(french.content, "html.parser")
    assert french.status_code == 200 and soup.html["lang"] == "fr"
    assert soup.select_one("h1").find_parent(attrs={"lang": True})["lang"] == "en"
