"""Which language a person reads the site in, and how it is kept.

The URL carries the language: English pages have no prefix (`/courses/...`), French pages live under `/fr/`
(`i18n_patterns` in lms.urls), so a link or a search engine keeps the language it was given. A person's
preference decides where an unprefixed page sends them: their saved choice when signed in (`User.language`),
else the switcher's cookie, else the browser's `Accept-Language`. A prefixed URL always wins: a French link
opens in French for everybody.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lms.models import User

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def supported_language(value: str | None) -> str | None:
    """`value` as one of the site's language codes (`fr-CA` → `fr`), or None."""
    if not value:
        return None
    code = value.replace("_", "-").lower().split("-")[0]
    return code if code in LANGUAGE_CODES else None


def preferred_language(request: HttpRequest) -> str:
    """The language this person asked for: saved on the account, else the switcher's cookie, else the browser."""
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and supported_language(user.language):
        return str(supported_language(user.language))
    return translation.get_language_from_request(request, check_path=False)


def _is_page_request(request: HttpRequest) -> bool:
    """A browser asking for a page (not htmx, not a JSON or file client, not a form post)."""
    if request.method not in {"GET", "HEAD"} or request.headers.get("HX-Request"):
        return False
    return "text/html" in request.headers.get("Accept", "")


class LanguagePreferenceMiddleware:
    """Sends a page request without a language prefix to the same page in the person's language.

    Runs after LocaleMiddleware (which reads the prefix) and AuthenticationMiddleware (the saved choice).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        redirect = self._redirect(request)
        if redirect is not None:
            return redirect
        response = self.get_response(request)
        if _is_page_request(request) and not translation.get_language_from_path(request.path_info):
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    @staticmethod
    def _redirect(request: HttpRequest) -> HttpResponse | None:
        if not _is_page_request(request) or translation.get_language_from_path(request.path_info):
            return None
        language = preferred_language(request)
        if language == settings.LANGUAGE_CODE:
            return None
        target = translate_url(request.get_full_path(), language)
        if target == request.get_full_path():
            return None  # not a page that has a translated address (the admin, a file, a JSON document)
        response = HttpResponseRedirect(target)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


@require_POST
def language_set_view(request: HttpRequest) -> HttpResponse:
    """The switcher: the language in a cookie (as Django's set_language keeps it) and, for a signed-in person, saved
    on the account, so e-mails and their next visit follow it; then the page in that language (`next`)."""
    language = request.POST.get("language", "")
    if language not in LANGUAGE_CODES:  # Django's own would take any language it has a catalog for
        return HttpResponseBadRequest(_("Choose one of the site's languages: English or French."))
    # The switcher posts the page's address in that language already (frontend's `language_alternates`). Another
    # address is translated from the language its prefix names: Django's set_language reads it in the switcher's
    # own language and made `/fr/fr/...` of a French page.
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    source = translation.get_language_from_path(target) or settings.LANGUAGE_CODE
    if source != language:
        with translation.override(source):
            target = translate_url(target, language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language
    return response
