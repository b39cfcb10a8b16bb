from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("quizzes/<int:quiz_id>/start/", views.attempt_start_view, name="start"),
    path("attempts/<int:attempt_id>/", views.attempt_view, name="attempt"),
    path("attempts/<int:attempt_id>/save/", views.attempt_save_view, name="save"),
    path("attempts/<int:attempt_id>/check/", views.attempt_check_view, name="check"),
    path("attempts/<int:attempt_id>/answers/", views.attempt_answers_view, name="answers"),
    path("attempts/<int:attempt_id>/submit/", views.attempt_submit_view, name="submit"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result_view, name="result"),
    path("tasks/<int:task_id>/submit/", views.submission_create_view, name="submit_task"),
    path("tasks/<int:task_id>/direct-upload/", views.direct_upload_view, name="direct_upload"),
    path("files/<int:file_id>/", views.submission_file_view, name="file"),
]
