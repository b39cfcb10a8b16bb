"""The outbox page inside the Wagtail admin follows Wagtail's accessibility conventions (issue #17)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from lms.models import OutboxMessage
from lms.roles import PLATFORM_ADMINS
from tests.admin_a11y import assert_admin_page_accessible
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_outbox_page(client):
    OutboxMessage.objects.create(
        handler="badges.award_notify", payload={}, available_at=timezone.now(), attempts=1, last_error="down"
    )
    admin = make_user()
    admin.groups.add(Group.objects.get(name=PLATFORM_ADMINS))
    client.force_login(admin)
    soup = assert_admin_page_accessible(client.get(reverse("lms_outbox")).content)
    assert soup.select_one("main table caption")
