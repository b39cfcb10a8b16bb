"""The Wagtail admin works with our e-mail User and is closed to learners."""

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/users/", "/admin/users/new/", "/admin/pages/", "/admin/snippets/content/skill/"]
)
def test_admin_pages_open_for_a_platform_admin(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_a_platform_admin_creates_a_user_by_email(admin_client):
    from lms.models import User

    response = admin_client.post(
        "/admin/users/new/",
        {"email": "new@example.test", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email="new@example.test").exists()


def test_a_learner_is_kept_out_of_the_admin(client):
    client.force_login(make_user())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
