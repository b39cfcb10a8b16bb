"""Generic template helpers. No domain knowledge lives here."""

import uuid
from typing import Any

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ states|get_item:item.id }}`: a dict lookup by a variable key; None when absent."""
    if not mapping:
        return None
    return mapping.get(key)


ADMIN_ACCESS_GENERATION = "frontend:admin-access-generation"
ADMIN_ACCESS_TIMEOUT = 60 * 60


def _admin_access_key(user_pk: Any) -> str:
    return f"frontend:admin-access:{user_pk}"


def admin_access_keys(request: Any) -> list[tuple[str, None]]:
    """The keys `may_access_admin` reads for the request's user (for a page's prefetch: lms.cache.request_keys)."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False) or user.is_superuser:  # type: ignore[union-attr]
        return []
    return [(ADMIN_ACCESS_GENERATION, None), (_admin_access_key(user.pk), None)]  # type: ignore[union-attr]


def admin_access_changed() -> None:
    """Permissions or group memberships changed somewhere: every cached answer of `may_access_admin` is stale."""
    from django.core.cache import cache

    cache.set(ADMIN_ACCESS_GENERATION, uuid.uuid4().hex, timeout=None)


@register.filter
def may_access_admin(user: Any) -> bool:
    """May `user` open the Wagtail admin (and so see the user bar)? Answered from the cache after the first time.

    Superusers and anonymous visitors cost nothing; anyone else costs Django's two permission queries once,
    then a cache read, until a permission or a group membership changes.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from django.core.cache import cache

    key = _admin_access_key(user.pk)
    cached = cache.get_many([ADMIN_ACCESS_GENERATION, key])
    generation = cached.get(ADMIN_ACCESS_GENERATION)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(ADMIN_ACCESS_GENERATION, generation, timeout=None)
        generation = cache.get(ADMIN_ACCESS_GENERATION, generation)
    answer = cached.get(key)
    if answer is not None and answer[0] == generation:
        return bool(answer[1])
    allowed = user.has_perm("wagtailadmin.access_admin")
    cache.set(key, (generation, allowed), timeout=ADMIN_ACCESS_TIMEOUT)
    return allowed


def _visible_fields(form: Any) -> list[Any]:
    return list(form.visible_fields()) if hasattr(form, "visible_fields") else []


def _field_anchor(bound: Any) -> str:
    """The id a summary's link jumps to: the field's input, or the first choice of a radio or checkbox group."""
    if bound.id_for_label:
        return str(bound.id_for_label)
    if bound.auto_id and bound.widget_type in ("radioselect", "checkboxselectmultiple"):
        return f"{bound.auto_id}_0"
    return ""


def _form_error_ids(form: Any) -> list[str]:
    prefix = f"{form.prefix}-" if getattr(form, "prefix", None) else ""
    count = len(form.non_field_errors()) + sum(len(bound.errors) for bound in form.hidden_fields())
    return [f"{prefix}error-summary-form-{index}" for index in range(count)]


@register.simple_tag
def tie_form_errors(form: Any) -> str:
    """`{% tie_form_errors form %}` before a form's fields render: an error of the whole form (a wrong password)
    belongs to no field, so each visible field is marked invalid and described by that error's line in the
    error summary. Django already does this for a field's own errors. Safe to call twice."""
    if form is None or not getattr(form, "is_bound", False) or getattr(form, "_errors_tied", False):
        return ""
    form._errors_tied = True
    ids = " ".join(_form_error_ids(form)) if form.errors else ""
    if not ids:
        return ""
    for bound in _visible_fields(form):
        attrs = bound.field.widget.attrs
        described = bound.aria_describedby or ""
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{described} {ids}".strip()
    return ""


@register.inclusion_tag("components/error_summary.html")
def error_summary(form: Any, title: str = "") -> dict[str, Any]:
    """`{% error_summary form %}` at the top of a form: a focusable summary that links to each invalid field.

    Django already marks a field with an error `aria-invalid="true"` and points its `aria-describedby` at the
    error text. An error of the whole form (a wrong password) belongs to no field, so the visible fields are
    tied to its line of the summary here, before they render: they are announced as invalid, with the reason.
    """
    if form is None or not getattr(form, "is_bound", False) or not form.errors:
        return {"show": False}
    prefix = f"{form.prefix}-" if getattr(form, "prefix", None) else ""
    fields = _visible_fields(form)
    first_id = next((f.id_for_label for f in fields if f.id_for_label), "")
    texts = list(form.non_field_errors()) + [error for bound in form.hidden_fields() for error in bound.errors]
    form_errors = [{"id": id_, "text": text} for id_, text in zip(_form_error_ids(form), texts, strict=True)]
    if form_errors:
        tie_form_errors(form)
    field_errors = [
        {"href": f"#{_field_anchor(bound)}" if _field_anchor(bound) else "", "label": bound.label, "text": error}
        for bound in fields
        for error in bound.errors
    ]
    return {
        "show": True,
        "title": title,
        "summary_id": f"{prefix}error-summary",
        "first_href": f"#{first_id}" if first_id else "",
        "form_errors": form_errors,
        "field_errors": field_errors,
    }


@register.simple_tag(takes_context=True)
def language_alternates(context: Any) -> list[dict[str, Any]]:
    """This page in each of the site's languages: [{code, name, url, current, translated}], for the switcher and
    hreflang.

    A Wagtail page gives its live translations' own addresses (`translated`); in a language it has no
    translation in, the same address under that language's prefix serves the original with the chrome in that
    language (not `translated`: no hreflang for it). Other pages exist in every language.
    """
    request = context.get("request")
    if request is None:
        return []
    current = translation.get_language()
    page = context.get("page")
    path = request.get_full_path()
    translations: dict[str, str] | None = None
    if page is not None and hasattr(page, "language_alternates"):
        translations = page.language_alternates(request)
    alternates = []
    for code, _name in settings.LANGUAGES:
        translated = translations is None or code in translations
        url = translations[code] if translations and code in translations else translate_url(path, code)
        alternates.append(
            {
                "code": code,
                "name": translation.get_language_info(code)["name_local"],
                "url": url,
                "current": code == current,
                "translated": translated,
            }
        )
    return alternates


@register.simple_tag
def absolute_url(path: str) -> str:
    """`path` on the public site (SITE_URL), for hreflang and canonical links."""
    return path if "://" in path else settings.SITE_URL + path


@register.inclusion_tag("components/hreflang.html")
def hreflang_links(alternates: list[dict[str, Any]]) -> dict[str, Any]:
    """`<link rel="alternate" hreflang>` for each language a page really exists in, when it exists in more than
    one; `x-default` is the site's default language."""
    translated = [alternate for alternate in alternates if alternate["translated"]]
    return {"alternates": translated if len(translated) > 1 else [], "default": settings.LANGUAGE_CODE}
