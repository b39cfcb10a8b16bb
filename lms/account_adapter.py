"""allauth's adapter: its login limiter keys on the same client address as every other limiter of ours, and its
e-mails are written in the recipient's language (issue #16), not in the language of the page that caused them."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.core.mail import EmailMessage
from django.http import HttpRequest
from django.urls import translate_url
from django.utils import translation

from lms.client_ip import client_ip
from lms.i18n import supported_language
from lms.models import User


def _recipient(email: str, context: dict[str, Any]) -> Any:
    """The account an allauth e-mail goes to: the context's user, else the one with that address, else None."""
    user = context.get("user")
    if user is not None and getattr(user, "pk", None) is not None:
        return user
    return User.objects.filter(email__iexact=email).first()


def mail_language(email: str, context: dict[str, Any]) -> str:
    """The language of an allauth e-mail: the one saved on the recipient's account, else the page's (the active
    language of the request: someone signing up or asking for a reset of an unknown address reads that page)."""
    user = _recipient(email, context)
    saved = supported_language(getattr(user, "language", "")) if user is not None else None
    return saved or supported_language(translation.get_language()) or "en"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render and send inside the recipient's language; the links allauth built for the request's page
        (`password_reset_url`, `activate_url`, ...) are moved to the same page in that language."""
        language = mail_language(email, context)
        # translate_url resolves a link in the language it was built in (the active one), then reverses it in ours.
        localized = {
            key: translate_url(value, language) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        with translation.override(language):
            super().send_mail(template_prefix, email, localized)

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        """allauth's message, saying which language it is written in (`send_mail` made it the active one)."""
        headers = {"Content-Language": translation.get_language() or "en", **(headers or {})}
        return super().render_mail(template_prefix, email, context, headers)
