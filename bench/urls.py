from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/bare/", views.bare_view, name="bench_bare"),
    path("bench/write/", views.write_view, name="bench_write"),
    path("bench/rows/<int:count>/", views.rows_view, name="bench_rows"),
    path("", include("lms.urls")),
]
