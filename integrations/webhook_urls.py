"""The webhooks page of an organization, included at `org/<slug:slug>/webhooks/` (before organizations' `org/`)."""

from django.urls import path

from integrations.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.webhooks_page, name="index"),
    path("endpoints/<int:endpoint_id>/active/", views.endpoint_toggle, name="endpoint_toggle"),
    path("endpoints/<int:endpoint_id>/delete/", views.endpoint_remove, name="endpoint_delete"),
    path("deliveries/<int:delivery_id>/replay/", views.delivery_replay_view, name="delivery_replay"),
]
