from django.urls import path

from bench import views
from lms.urls import urlpatterns as lms_urlpatterns

# lms.urls uses i18n_patterns, which Django refuses inside include(): its patterns are appended as they are.
urlpatterns = [
    path("bench/bare/", views.bare_view, name="bench_bare"),
    path("bench/write/", views.write_view, name="bench_write"),
    path("bench/rows/<int:count>/", views.rows_view, name="bench_rows"),
    *lms_urlpatterns,
]
handler500 = "lms.views.server_error"
