"""Every e-mail the platform sends, written in its recipient's language (issue #16: "never the sender's").

An e-mail is three templates of its app: `<prefix>_subject.txt`, `<prefix>_body.txt` and, when the app has one,
`<prefix>_body.html` (else the HTML part is the text with its links made clickable). `mail_send` renders all
three inside `translation.override(language)`, so the wording comes from the catalog of that language, figures
and dates from lms.formatting's filters in that language, and every link built in the context (a function of the
language, called inside the override: `reverse()`, `page_url()`) points at the pages in that language (`/fr/...`).

The language is the recipient's, read when the e-mail is rendered (by the outbox's worker, from ids):
`recipient_language(user)`. Someone without an account whose language nobody knows gets one message in both
languages (`mail_send(..., language=None)`), English then French, as Canadian public bodies write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from lms.i18n import supported_language

BILINGUAL_ORDER = ("en", "fr")

Context = Mapping[str, Any] | Callable[[str], Mapping[str, Any]]


def recipient_language(user: Any) -> str:
    """The language to write to `user` in: their saved choice, else the site's default."""
    return supported_language(getattr(user, "language", "")) or str(settings.LANGUAGE_CODE)


def absolute(path: str) -> str:
    """`path` on the public site (`SITE_URL`); an absolute URL unchanged."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def page_in(page: Page, language: str) -> Page:
    """The live translation of `page` in `language`, else `page` itself (a course not translated yet)."""
    if page is None or getattr(page, "translation_key", None) is None:
        return page
    found = (
        Page.objects.filter(
            translation_key=page.translation_key, locale__in=Locale.objects.filter(language_code=language), live=True
        )
        .exclude(pk=page.pk)
        .first()
    )
    return found.specific if found is not None else page


def page_url(page: Page, language: str) -> str:
    """The absolute URL of `page` in `language`: its translation's when there is one, else its own."""
    with translation.override(language):
        return absolute(page_in(page, language).url or "")


@dataclass(frozen=True)
class RenderedMail:
    language: str
    subject: str
    text: str
    html: SafeString


def mail_render(*, template: str, language: str, context: Context) -> RenderedMail:
    """The subject, text and HTML body of `template` in `language` (see the module's docstring)."""
    with translation.override(language):
        values = dict(context(language) if callable(context) else context)
        values.setdefault("site_url", settings.SITE_URL)
        values["language"] = language
        subject = " ".join(render_to_string(f"{template}_subject.txt", values).split())
        text = render_to_string(f"{template}_body.txt", values).strip() + "\n"
        try:
            html = mark_safe(render_to_string(f"{template}_body.html", values))  # noqa: S308 (rendered template)
        except TemplateDoesNotExist:
            html = mark_safe(linebreaks(urlize(escape(text))))  # noqa: S308 (escaped first)
    return RenderedMail(language=language, subject=subject, text=text, html=html)


def _bilingual(parts: Sequence[RenderedMail]) -> tuple[str, str]:
    """The subject and text of one message in every language of `parts`, each part headed by its language."""
    subject = " / ".join(part.subject for part in parts)
    separator = "\n" + "-" * 40 + "\n\n"
    heads = []
    for part in parts:
        with translation.override(part.language):
            # Translators: names the language of the text that follows, in that language ("Version française").
            heads.append(_("(English version)") + "\n\n" + part.text)
    return subject, separator.join(heads)


def mail_send(*, to: str, template: str, language: str | None, context: Context) -> None:
    """Render `template` in `language` and send it to the address `to`; in English and French when `language` is
    None (nobody knows the recipient's language). The HTML part carries each language's `lang`."""
    languages = (language,) if language else BILINGUAL_ORDER
    parts = [mail_render(template=template, language=code, context=context) for code in languages]
    if len(parts) == 1:
        subject, text = parts[0].subject, parts[0].text
    else:
        subject, text = _bilingual(parts)
    html = render_to_string(
        "lms/email/layout.html", {"parts": parts, "language": parts[0].language, "subject": subject}
    )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={"Content-Language": ", ".join(part.language for part in parts)},
    )
    message.attach_alternative(html, "text/html")
    message.send()
