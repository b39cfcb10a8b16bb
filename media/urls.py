from django.urls import path

from media import views

app_name = "media"
urlpatterns = [path("private/<str:token>/", views.private_file_view, name="private_file")]
