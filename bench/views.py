"""Baseline views: each is the floor an operation of the same kind is compared with."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from bench.models import BenchRow


@require_GET
@login_required
def bare_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@require_POST
@login_required
def write_view(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        BenchRow.objects.create(title="written", number=1)
    return HttpResponse("ok")


@require_GET
@login_required
def rows_view(request: HttpRequest, count: int) -> HttpResponse:
    rows = list(BenchRow.objects.filter(number=0).order_by("id")[:count])
    return render(request, "bench/rows.html", {"rows": rows})


@require_GET
def admin_rows_view(request: HttpRequest, count: int) -> HttpResponse:
    """The admin's floor: a Wagtail admin page (menu, header) listing `count` rows from one query. Served under
    /admin/ like the admin's own pages, so Wagtail checks the user's admin access."""
    rows = list(BenchRow.objects.filter(number=0).order_by("id")[:count])
    return render(request, "bench/admin_rows.html", {"rows": rows, "page_title": "Rows", "header_icon": "tasks"})
