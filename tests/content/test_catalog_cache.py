"""The catalog at scale (issue 19): pages of results, a catalog lists its own courses, a visitor's catalog is served
from the cache in a fixed number of queries and never stale."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction

from content.models import CatalogPage, CoursePage
from content.selectors import CATALOG_PAGE_SIZE
from tests.factories import catalog, make_course, make_skill

pytestmark = pytest.mark.django_db

# Wagtail: site, home page, route, the catalog itself, view restrictions (one query: content.models); the active
# locale comes from content.translations' cache (content.views.page_route). The visitor's catalog fragment is
# cached: nothing more.
CATALOG_CACHED = 5
# A miss adds the count, one page of courses, their skills, their languages and the skill filter list.
CATALOG_MISS = CATALOG_CACHED + 5


def titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text(strip=True) for a in soup.select(".course-card .card-title a")]


def count_line(response):
    return BeautifulSoup(response.content, "html.parser").select_one("#catalog-count").get_text(strip=True)


def queries(client, url):
    client.get("/courses/?utm_source=warm-up")  # not cached: warms the per-process reads (site roots, locales)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def courses(n, **fields):
    return [make_course(title=f"Course {i:03d}", modules=0, series="S", **fields) for i in range(n)]


@pytest.mark.parametrize(
    ("url", "miss"),
    [
        ("/courses/", CATALOG_MISS),
        ("/courses/?level=beginner&price=free", CATALOG_MISS),
        ("/courses/?q=course", CATALOG_MISS + 1),  # the search's ranking
    ],
)
def test_a_visitors_catalog_runs_the_same_few_queries_for_3_and_30_courses(
    client, url, miss, django_assert_num_queries
):
    courses(3)
    assert queries(client, url) == miss
    with django_assert_num_queries(CATALOG_CACHED):
        client.get(url)
    courses(27)  # publishing courses changes the catalog: the next visitor reads it afresh
    assert queries(client, url) == miss
    with django_assert_num_queries(CATALOG_CACHED):
        assert len(titles(client.get(url))) == CATALOG_PAGE_SIZE


def test_a_long_catalog_is_paged_with_links_that_keep_the_filters(client):
    courses(CATALOG_PAGE_SIZE + 3, level="beginner")
    first = client.get("/courses/?level=beginner")
    assert len(titles(first)) == CATALOG_PAGE_SIZE
    assert count_line(first) == f"{CATALOG_PAGE_SIZE + 3} courses"
    soup = BeautifulSoup(first.content, "html.parser")
    nav = soup.select_one("nav.pagination")
    assert nav["aria-label"] == "Pages of results"
    assert nav.select_one("[aria-current=page]").get_text(strip=True) == "Page 1 of 2"
    following = nav.select_one("a[rel=next]")["href"]
    assert "level=beginner" in following and "page=2" in following
    second = client.get(f"/courses/{following}")
    assert titles(second) == [f"Course {i:03d}" for i in range(CATALOG_PAGE_SIZE, CATALOG_PAGE_SIZE + 3)]
    assert not set(titles(second)) & set(titles(first))


def test_a_filter_link_goes_back_to_the_first_page(client):
    make_skill("Linux")
    courses(CATALOG_PAGE_SIZE + 1)
    soup = BeautifulSoup(client.get("/courses/?page=2").content, "html.parser")
    assert "page=" not in soup.select_one("#filter-level-beginner")["href"]


def test_a_page_past_the_last_shows_the_last(client):
    courses(3)
    response = client.get("/courses/?page=40")
    assert response.status_code == 200
    assert len(titles(response)) == 3


@pytest.mark.parametrize("page", ["0", "two", "-1"])
def test_a_bad_page_number_is_a_400_with_a_message(client, page):
    courses(1)
    response = client.get(f"/courses/?page={page}")
    assert response.status_code == 400
    assert "Page:" in BeautifulSoup(response.content, "html.parser").select_one(".message-error").get_text(" ")


def test_a_catalog_lists_only_the_courses_below_it(client):
    courses(2)
    home = catalog().get_parent()
    other = home.add_child(instance=CatalogPage(title="Partner catalog", slug="partner"))
    theirs = CoursePage(
        title="Partner course", slug="partner-course", summary="s", description="<p>d</p>", estimated_hours=6
    )
    other.add_child(instance=theirs)
    assert titles(client.get("/courses/")) == ["Course 000", "Course 001"]
    assert titles(client.get("/partner/")) == ["Partner course"]


def test_a_cached_catalog_shows_a_new_course_and_forgets_an_unpublished_one(client):
    _first, second = courses(2)
    assert titles(client.get("/courses/")) == ["Course 000", "Course 001"]
    third = make_course(title="Course 002", modules=0, series="S")
    assert titles(client.get("/courses/")) == ["Course 000", "Course 001", "Course 002"]
    second.unpublish()
    assert titles(client.get("/courses/")) == ["Course 000", "Course 002"]
    third.title = "Course 002, renamed"
    third.save_revision().publish()
    assert titles(client.get("/courses/")) == ["Course 000", "Course 002, renamed"]


def test_a_cached_catalog_hides_a_course_made_private_and_shows_a_renamed_skill(client):
    skill = make_skill("Linux")
    _public, private = courses(2, skills=[skill])
    assert titles(client.get("/courses/")) == ["Course 000", "Course 001"]
    restriction = PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Acme staff"))
    assert titles(client.get("/courses/")) == ["Course 000"]
    skill.name = "GNU/Linux"
    skill.save()
    soup = BeautifulSoup(client.get("/courses/").content, "html.parser")
    assert soup.select_one("#filter-skill-linux").get_text(strip=True) == "GNU/Linux"
    restriction.delete()
    assert titles(client.get("/courses/")) == ["Course 000", "Course 001"]


def test_a_member_sees_their_private_course_that_a_cached_visitor_catalog_leaves_out(client, django_user_model):
    _public, private = courses(2)
    group = Group.objects.create(name="Acme staff")
    restriction = PageViewRestriction.objects.create(page=private, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(group)
    assert titles(client.get("/courses/")) == ["Course 000"]
    member = django_user_model.objects.create_user(email="member@example.com", password="x")
    member.groups.add(group)
    client.force_login(member)
    assert titles(client.get("/courses/")) == ["Course 000", "Course 001"]


def test_an_unknown_parameter_is_served_but_not_cached(client, django_assert_num_queries):
    courses(2)
    assert queries(client, "/courses/?utm_source=mail") == CATALOG_MISS


def test_the_restrictions_of_a_page_and_its_ancestors_are_read_in_one_query(django_assert_num_queries):
    (course,) = courses(1)
    restriction = PageViewRestriction.objects.create(
        page=catalog(), restriction_type=PageViewRestriction.PASSWORD, password="open sesame"
    )
    with django_assert_num_queries(1):
        assert list(course.get_view_restrictions()) == [restriction]
    home = catalog().get_parent().specific
    with django_assert_num_queries(1):
        assert list(home.get_view_restrictions()) == []


@pytest.mark.parametrize("restricted", ["home", "catalog", "course", "module", "lesson", "none"])
def test_a_routed_page_names_the_same_restrictions_as_wagtail(rf, restricted):
    """HomePage.route hands the page it found its chain's pages, so get_view_restrictions skips its subquery: the
    restrictions it names are Wagtail's own, wherever in the chain one is set."""
    from content.views import page_route
    from tests.factories import make_course

    course = make_course(modules=1, lessons_per_module=2)
    module = course.get_children().first()
    lesson = module.get_children().last()
    pages = {"home": catalog().get_parent(), "catalog": catalog(), "course": course, "module": module, "lesson": lesson}
    made = []
    if restricted in pages:
        made = [
            PageViewRestriction.objects.create(
                page=pages[restricted], restriction_type=PageViewRestriction.PASSWORD, password="open sesame"
            )
        ]
    routed = page_route(rf.get(lesson.url), lesson.url.strip("/")).page
    assert routed.pk == lesson.pk
    assert "_view_restriction_sources" in routed.__dict__
    assert list(routed.get_view_restrictions()) == made
    assert set(Page.get_view_restrictions(routed)) == set(made)  # Wagtail's own reading of the same page
