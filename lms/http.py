from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from lms.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (`request.htmx` is always set)."""

    htmx: HtmxDetails


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a view that requires one (`login_required`, the Wagtail admin), typed as a `User`;
    PermissionDenied (403) should a visitor ever reach it."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user
