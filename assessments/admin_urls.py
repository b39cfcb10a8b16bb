from django.urls import path

from assessments import admin_views

urlpatterns = [
    path("", admin_views.queue_view, name="queue"),
    path("submissions/<int:submission_id>/", admin_views.submission_view, name="submission"),
    path("attempts/<int:attempt_id>/", admin_views.attempt_grade_view, name="attempt"),
    path("quizzes/<int:quiz_id>/import/", admin_views.import_view, name="import"),
    path("quizzes/<int:quiz_id>/export/", admin_views.export_view, name="export"),
    path("quizzes/<int:quiz_id>/analysis/", admin_views.analysis_view, name="analysis"),
    path("quizzes/<int:quiz_id>/analysis.csv", admin_views.analysis_csv_view, name="analysis_csv"),
]
