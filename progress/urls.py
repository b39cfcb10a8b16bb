from django.urls import path

from progress import views

app_name = "progress"

urlpatterns = [
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("learning/courses/<int:course_id>/enrol/", views.enrol_view, name="enrol"),
    path("learning/courses/<int:course_id>/unenrol/", views.unenrol_view, name="unenrol"),
    path("learning/items/<int:item_id>/complete/", views.lesson_complete_view, name="lesson_complete"),
]
