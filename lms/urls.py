from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import views
from lms.i18n import language_set_view

# A database outage answers the 503 outage page, also when the error is raised in a middleware (lms.middleware).
handler500 = views.server_error

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", language_set_view, name="set_language"),
    path("files/", include("media.urls")),
    # The JSON API is versioned by its address, not by a language: outside the language prefixes.
    path("api/v1/", include(("integrations.api.urls", "ninja"), namespace="api-v1")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages people read carry their language: English without a prefix, French under /fr/ (lms.i18n).
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("org/<slug:slug>/webhooks/", include("integrations.webhook_urls")),
    path("", include("integrations.urls")),
    path("org/", include("organizations.urls")),
    path("checkout/", include("commerce.urls")),
    path("learning/", include("assessments.urls")),
    path("", include("progress.urls")),
    path("", include("badges.urls")),
    # Wagtail's page tree serves everything not matched above: keep it last.
    path("", include("content.urls")),
    prefix_default_language=False,
)
