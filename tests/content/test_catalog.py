"""The catalog: filters alone and combined, search, empty results, bad input, htmx fragments."""

import pytest
from bs4 import BeautifulSoup

from tests.factories import make_course, make_skill

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses():
    linux = make_skill("Linux")
    k8s = make_skill("Kubernetes", framework="ESCO", framework_url="http://data.europa.eu/esco/skill/x")
    return {
        "linux": make_course(title="Linux for the Cloud", hours=8, price="0.00", level="beginner", skills=[linux]),
        "kube": make_course(
            title="Containers and Kubernetes", hours=14, price="249.00", level="intermediate", skills=[k8s, linux]
        ),
        "sem": make_course(
            title="Search Engine Marketing",
            hours=30,
            price="99.00",
            level="beginner",
            language="fr",
            financial_aid_eligible=True,
        ),
    }


def titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return sorted(a.get_text(strip=True) for a in soup.select(".course-card .card-title a"))


def test_the_catalog_lists_every_published_course(client, courses):
    response = client.get("/courses/")
    assert response.status_code == 200
    assert titles(response) == ["Containers and Kubernetes", "Linux for the Cloud", "Search Engine Marketing"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=intermediate", ["Containers and Kubernetes"]),
        ("price=free", ["Linux for the Cloud"]),
        ("price=paid", ["Containers and Kubernetes", "Search Engine Marketing"]),
        ("language=fr", ["Search Engine Marketing"]),
        ("duration=short", ["Linux for the Cloud"]),
        ("duration=medium", ["Containers and Kubernetes"]),
        ("duration=long", ["Search Engine Marketing"]),
        ("skill=linux", ["Containers and Kubernetes", "Linux for the Cloud"]),
        ("aid=eligible", ["Search Engine Marketing"]),
    ],
)
def test_each_filter_narrows_the_list(client, courses, query, expected):
    assert titles(client.get(f"/courses/?{query}")) == expected


def test_filters_combine(client, courses):
    assert titles(client.get("/courses/?skill=linux&price=paid&level=intermediate")) == ["Containers and Kubernetes"]


def test_search_finds_a_course_by_title_word(client, courses):
    assert titles(client.get("/courses/?q=kubernetes")) == ["Containers and Kubernetes"]


def test_search_combines_with_filters(client, courses):
    assert titles(client.get("/courses/?q=cloud&price=free")) == ["Linux for the Cloud"]
    assert titles(client.get("/courses/?q=kubernetes&price=free")) == []


def test_no_match_shows_an_empty_state_with_a_way_back(client, courses):
    response = client.get("/courses/?q=underwater+basket+weaving")
    assert response.status_code == 200
    assert titles(response) == []
    assert "No course matches these filters yet." in response.content.decode()


def test_an_unknown_filter_value_is_a_400_with_a_message(client, courses):
    response = client.get("/courses/?level=wizard")
    assert response.status_code == 400
    assert "Some filters were not understood" in response.content.decode()


def test_an_htmx_request_gets_only_the_catalog_fragment(client, courses):
    response = client.get("/courses/?level=beginner", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="catalog")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="catalog"')
    assert "<html" not in body
    assert titles(response) == ["Linux for the Cloud", "Search Engine Marketing"]


def test_filter_links_work_without_javascript(client, courses):
    soup = BeautifulSoup(client.get("/courses/").content, "html.parser")
    link = soup.find("a", string="Intermediate")
    assert link["href"] == "?level=intermediate"
    assert titles(client.get("/courses/" + link["href"])) == ["Containers and Kubernetes"]


def test_the_financial_aid_filter_is_a_plain_link_that_keeps_the_other_filters(client, courses):
    soup = BeautifulSoup(client.get("/courses/?price=paid").content, "html.parser")
    link = soup.find("a", string="Eligible for financial aid")
    assert link["href"] == "?price=paid&aid=eligible"
    assert titles(client.get("/courses/" + link["href"])) == ["Search Engine Marketing"]


def test_the_financial_aid_filter_answers_htmx_with_the_fragment(client, courses):
    response = client.get("/courses/?aid=eligible", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="catalog")
    assert response.content.decode().lstrip().startswith('<div id="catalog"')
    assert titles(response) == ["Search Engine Marketing"]


def test_an_unknown_financial_aid_value_is_a_400(client, courses):
    assert client.get("/courses/?aid=maybe").status_code == 400


def test_a_card_shows_hours_level_price_language_and_skills(client, courses):
    soup = BeautifulSoup(client.get("/courses/?level=intermediate").content, "html.parser")
    card = soup.select_one(".course-card").get_text(" ", strip=True)
    for text in ("14 hours", "Intermediate", "$249.00", "English", "Kubernetes", "Linux"):
        assert text in card


def test_the_result_count_is_a_live_region_outside_what_htmx_replaces(client, courses):
    soup = BeautifulSoup(client.get("/courses/").content, "html.parser")
    catalog = soup.select_one("#catalog")
    assert catalog["hx-target"] == "#catalog-results"
    assert "#catalog-count:innerHTML" in catalog["hx-select-oob"]
    count = soup.select_one("#catalog-count")
    assert count["role"] == "status" and count["aria-live"] == "polite"
    assert count.get_text(strip=True) == "3 courses"
    for swapped in ("#catalog-results", "#catalog-filters", "#catalog-search"):
        assert soup.select_one(swapped) is not None
        assert count not in soup.select_one(swapped).descendants
    # When the control that had focus is replaced, focus goes to the visible count line, never <body>.
    assert soup.select_one("[data-focus-fallback]")["tabindex"] == "-1"
    # Each filter link has an id, so htmx puts focus back on the chosen link after the swap.
    links = soup.select("#catalog-filters li a")
    assert links and all(link.get("id") for link in links)
    assert len({link["id"] for link in links}) == len(links)


def test_the_results_target_gets_the_fragment_with_the_new_count(client, courses):
    response = client.get("/courses/?level=beginner", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="catalog-results")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="catalog"')
    assert "<html" not in body
    assert BeautifulSoup(body, "html.parser").select_one("#catalog-count").get_text(strip=True) == "2 courses"
