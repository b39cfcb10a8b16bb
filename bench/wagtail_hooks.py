"""The bench's admin baseline, registered in Wagtail's admin (the bench app is installed only by bench.settings)."""

from django.urls import URLPattern, path
from wagtail import hooks

from bench import views


@hooks.register("register_admin_urls")
def bench_admin_urls() -> list[URLPattern]:
    return [path("bench/rows/<int:count>/", views.admin_rows_view, name="bench_admin_rows")]
