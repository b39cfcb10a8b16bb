from django.urls import path, re_path

from badges import views

app_name = "badges"

CODE = r"(?P<code>[A-Za-z0-9-]{4,30})"

urlpatterns = [
    path("credentials/", views.lookup_view, name="lookup"),
    path("credentials/verify/", views.verify_view, name="verify"),
    re_path(rf"^credentials/{CODE}\.json$", views.credential_json_view, name="credential_json"),
    re_path(rf"^credentials/{CODE}/$", views.credential_view, name="credential"),
    re_path(r"^(?P<kind>achievements|pathways)/(?P<slug>[-\w]+)$", views.badge_class_view, name="badge_class"),
    path("issuers/<slug:slug>/did.json", views.did_document_view, name="did_document"),
    path("status/<slug:slug>/<int:number>", views.status_list_view, name="status_list"),
    path("ob2/issuers/<slug:slug>", views.ob2_issuer_view, name="ob2_issuer"),
    re_path(r"^ob2/(?P<kind>badges|pathways)/(?P<slug>[-\w]+)$", views.ob2_badge_class_view, name="ob2_badge_class"),
    re_path(rf"^ob2/assertions/{CODE}$", views.ob2_assertion_view, name="ob2_assertion"),
    path("dashboard/badges/", views.wallet_view, name="wallet"),
    re_path(rf"^dashboard/badges/{CODE}/privacy/$", views.privacy_view, name="privacy"),
    re_path(rf"^dashboard/badges/{CODE}/badge\.png$", views.baked_png_view, name="baked_png"),
    re_path(rf"^dashboard/badges/{CODE}/certificate\.pdf$", views.certificate_view, name="certificate"),
    re_path(rf"^dashboard/badges/{CODE}/linkedin/$", views.linkedin_add_view, name="linkedin_add"),
    re_path(rf"^credentials/{CODE}/badge\.png$", views.badge_image_view, name="badge_image"),
    path("dashboard/badges/courses/<int:course_id>/badge/", views.course_badge_view, name="course_badge"),
]
