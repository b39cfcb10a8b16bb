from django.urls import path

from organizations import views

app_name = "organizations"

urlpatterns = [
    path("", views.org_index, name="index"),
    # Two segments, so no organization's slug can shadow it.
    path("sso/sign-in/", views.sso_sign_in, name="sso_sign_in"),
    path("invitations/<str:token>/", views.invitation_view, name="invitation_accept"),
    path("<slug:slug>/", views.org_dashboard, name="dashboard"),
    path("<slug:slug>/staff.csv", views.org_export_csv, name="export_csv"),
    path("<slug:slug>/staff.xlsx", views.org_export_xlsx, name="export_xlsx"),
    path("<slug:slug>/seats/", views.org_seats, name="seats"),
    path("<slug:slug>/invite/", views.org_invitations, name="invitations"),
    path("<slug:slug>/invite/imports/<int:job_id>/", views.org_import, name="import"),
]
