from django.urls import path

from bench import views
from lms.urls import urlpatterns as product_urlpatterns

# The product's patterns are added as they are, not included: its i18n_patterns may only sit in a root URLconf.
urlpatterns = [
    path("bench/bare/", views.bare_view, name="bench_bare"),
    path("bench/write/", views.write_view, name="bench_write"),
    path("bench/rows/<int:count>/", views.rows_view, name="bench_rows"),
    *product_urlpatterns,
]
