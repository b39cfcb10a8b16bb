from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("org/<slug:slug>/api-tokens/", views.org_tokens, name="org_tokens"),
    path("org/<slug:slug>/api-tokens/<int:token_id>/revoke/", views.org_token_revoke, name="org_token_revoke"),
    # A learner's own tokens sit with their account's pages (allauth's are under /accounts/, which it owns).
    path("account/api-tokens/", views.learner_tokens, name="learner_tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", views.learner_token_revoke, name="learner_token_revoke"),
]
