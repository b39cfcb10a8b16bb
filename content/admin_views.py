"""Wagtail admin page "New course": a course creator starts a course of their own, as its instructor."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from content.forms import CourseStartForm
from content.models import CatalogPage
from content.services import course_create, user_may_create_courses


def _refused(request: HttpRequest) -> HttpResponse:
    """403 with a page (Wagtail's admin turns a raised PermissionDenied into a redirect home)."""
    return render(request, "content/admin/course_new_refused.html", status=403)


@require_http_methods(["GET", "POST"])
def course_new(request: HttpRequest) -> HttpResponse:
    if not user_may_create_courses(user=request.user):  # type: ignore[arg-type]
        return _refused(request)
    catalog = CatalogPage.objects.first()
    if catalog is None:
        messages.error(request, _("There is no catalog to add the course to: a platform admin creates it first."))
        return redirect("wagtailadmin_home")
    form = CourseStartForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                course = course_create(
                    catalog=catalog,
                    user=request.user,  # type: ignore[arg-type]
                    instructors=[request.user],  # type: ignore[list-item]
                    description=format_html("<p>{}</p>", data["summary"]),
                    publish=False,
                    live=False,
                    **data,
                )
            except PermissionDenied:
                return _refused(request)
            except ValidationError as invalid:
                if not hasattr(invalid, "error_dict"):
                    form.add_error(None, invalid.messages)
                else:
                    for field, errors in invalid.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request,
                    _("%(course)s is a draft: add its modules and lessons, then publish it.")
                    % {"course": course.title},
                )
                return redirect("wagtailadmin_explore", course.pk)
        messages.error(request, _("The course could not be created: correct the fields below."))
    return render(request, "content/admin/course_new.html", {"form": form}, status=status)
