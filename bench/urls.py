from django.urls import path

from bench import views
from lms.urls import handler500
from lms.urls import urlpatterns as site_urlpatterns

# The site's patterns spliced in, not included: they hold `i18n_patterns`, which Django allows in the root
# URLconf only (an `include` of lms.urls fails the system check that Celery's worker runs at start-up).
urlpatterns = [
    path("bench/bare/", views.bare_view, name="bench_bare"),
    path("bench/write/", views.write_view, name="bench_write"),
    path("bench/rows/<int:count>/", views.rows_view, name="bench_rows"),
    *site_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
