from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import views

# A database outage answers the 503 outage page, also when the error is raised in a middleware (lms.middleware).
handler500 = views.server_error

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("organizations.urls")),
    path("checkout/", include("commerce.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("files/", include("media.urls")), path("learning/", include("assessments.urls"))]
urlpatterns += [path("", include("progress.urls"))]
urlpatterns += [path("", include("badges.urls"))]

# Wagtail's page tree serves everything not matched above: keep it last.
urlpatterns += [path("", include(wagtail_urls))]
