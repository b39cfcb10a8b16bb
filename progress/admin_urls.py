from django.urls import path

from progress import admin_views

urlpatterns = [
    path("", admin_views.courses_view, name="courses"),
    path("courses/<int:course_id>/", admin_views.report_view, name="report"),
    path("courses/<int:course_id>/learners.csv", admin_views.report_csv_view, name="report_csv"),
    path("courses/<int:course_id>/recompute/", admin_views.recompute_view, name="recompute"),
]
