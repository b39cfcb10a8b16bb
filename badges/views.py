"""Public verification, machine-readable documents (OB3, OB2, DID, status lists) and the learner's wallet."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from badges import artifacts, ob2, selectors, services
from badges.forms import LookupForm, VerifyForm
from badges.models import Award, BadgeText
from badges.ob3.verify import MAX_BYTES, verify_credential
from lms.client_ip import client_ip

JSON_LD = "application/ld+json"
LOOKUPS_PER_WINDOW = 20
VERIFICATIONS_PER_WINDOW = 10
RATE_WINDOW_SECONDS = 300


def rate_limited(request: HttpRequest, *, scope: str, limit: int) -> bool:
    """True once this client has made `limit` requests of `scope` in the window (a counter in the cache)."""
    key = f"badges:rate:{scope}:{client_ip(request)}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > limit


def _json(text_or_data: str | dict[str, Any], *, status: int = 200, content_type: str = JSON_LD) -> HttpResponse:
    body = text_or_data if isinstance(text_or_data, str) else json.dumps(text_or_data, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type=f"{content_type}; charset=utf-8")
    # Verifiers and wallets in other origins fetch these documents.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _wants_json_ld(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return JSON_LD in accept or "application/vc+ld+json" in accept


# --- looking a code up and verifying a pasted credential ------------------------------------------------


@require_GET
def lookup_view(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "verify_form": VerifyForm(), "not_found": False}
    if not request.GET:
        return render(request, "badges/lookup.html", context)
    if rate_limited(request, scope="lookup", limit=LOOKUPS_PER_WINDOW):
        context["rate_limited"] = True
        return render(request, "badges/lookup.html", context, status=429)
    if form.is_valid():
        code = services.award_code_normalize(form.cleaned_data["code"])
        if code and selectors.award_by_code(code=code) is not None:
            return redirect("badges:credential", code=code)
        context["not_found"] = True
    return render(request, "badges/lookup.html", context, status=404 if context["not_found"] else 400)


@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return redirect("badges:lookup")
    context: dict[str, Any] = {"form": LookupForm(), "verify_form": VerifyForm(request.POST, request.FILES)}
    if rate_limited(request, scope="verify", limit=VERIFICATIONS_PER_WINDOW):
        context["rate_limited"] = True
        return render(request, "badges/lookup.html", context, status=429)
    form = context["verify_form"]
    if not form.is_valid():
        return render(request, "badges/lookup.html", context, status=400)
    document: bytes | str = form.cleaned_data["document"]
    report = verify_credential(
        document,
        did_resolver=selectors.did_resolver,
        status_fetcher=selectors.status_fetcher,
        now=timezone.now(),
        max_bytes=MAX_BYTES,
    )
    context["report"] = report
    return render(request, "badges/lookup.html", context)


# --- one credential -------------------------------------------------------------------------------------


def _award_or_404(code: str) -> Award:
    award = selectors.award_by_code(code=code)
    if award is None:
        raise Http404(_("No credential has this validation code."))
    return award


def _credential_json_or_404(code: str) -> str:
    text = selectors.credential_json_by_code(code=code)
    if text is None:
        raise Http404(_("No credential has this validation code."))
    return text


@require_GET
@vary_on_headers("Accept")
def credential_view(request: HttpRequest, code: str) -> HttpResponse:
    normal = services.award_code_normalize(code)
    if normal and normal != code:
        return redirect("badges:credential", code=normal, permanent=True)
    if _wants_json_ld(request):
        return _json(_credential_json_or_404(code))
    award = selectors.award_for_verification(code=code)
    if award is None:
        raise Http404(_("No credential has this validation code."))
    verification = selectors.verification_for(award=award)  # the live status and name: read on every request
    language = _page_language(request)
    text = selectors.badge_text_for_visitor(award=award, language=language)
    fixed = _credential_fixed_parts(
        award.credential_json,
        code=award.code,
        is_pathway=award.is_pathway,
        awarded_at=award.awarded_at,
        language=language,
        text=text,
        timezone_name=timezone.get_current_timezone_name(),
        site_url=settings.SITE_URL,
    )
    shown = selectors.shown_text(facts=verification.facts, language=language, text=text)
    context = {"v": verification, "award": award, "fixed": fixed, "shown": shown}
    return render(request, "badges/credential.html", context)


def _page_language(request: HttpRequest) -> str:
    """The language of this page: the URL's (`/fr/...`), else the site's default (an unprefixed URL is English)."""
    return translation.get_language_from_path(request.path_info) or str(settings.LANGUAGE_CODE)


@lru_cache(maxsize=256)
def _credential_fixed_parts(
    credential_json: str,
    *,
    code: str,
    is_pathway: bool,
    awarded_at: datetime,
    language: str,
    text: BadgeText | None,
    timezone_name: str,
    site_url: str,
) -> dict[str, SafeString]:
    """The parts of the verification page that never change after issue (what the signed credential says, the
    code, the QR code), rendered once per credential, language and time zone: the arguments are the whole key."""
    facts = selectors.credential_facts(credential_json)
    url = f"{site_url}/credentials/{code}/"
    context = {
        "v": facts,
        "shown": selectors.shown_text(facts=facts, language=language, text=text),
        "award": {"code": code, "url": url, "is_pathway": is_pathway, "awarded_at": awarded_at},
        "qr_svg": artifacts.qr_svg(url, title=_("QR code of this page")),
        "json_url": f"{url.rstrip('/')}.json",
        # The achievement's own image, else the one drawn for it: absolute for link previews (og:image), and from
        # this site in the page (what the content security policy allows, whatever SITE_URL says).
        "image_url": facts.image_url or f"{url}badge.png",
        "image_src": facts.image_url or reverse("badges:badge_image", kwargs={"code": code}),
        "ob2_url": f"{site_url}/ob2/assertions/{code}",
    }
    return {
        part: mark_safe(render_to_string(f"badges/credential.html#{part}", context))  # noqa: S308 (rendered template)
        for part in ("meta", "heading", "image", "body")
    }


@require_GET
def credential_json_view(request: HttpRequest, code: str) -> HttpResponse:
    response = _json(_credential_json_or_404(code))
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{code}.json"'
    return response


@require_GET
def badge_class_view(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """The OB3 Achievement a credential names by id: unsigned, for reading."""
    badge = ob2.badge_class_or_none(kind=kind, slug=slug)
    if badge is None:
        raise Http404
    # The edition of the URL's language: `/fr/achievements/...` is the French one (when the badge has French).
    achievement = services.achievement_document(badge, _page_language(request))
    document = {"@context": [services.CREDENTIALS_V2, services.OB_V3P0], **achievement}
    return _json(document)


# --- issuer documents -------------------------------------------------------------------------------------


@require_GET
@cache_control(public=True, max_age=300)
def did_document_view(request: HttpRequest, slug: str) -> HttpResponse:
    document = selectors.did_document_for(slug=slug)
    if document is None:
        raise Http404
    return _json(document, content_type="application/did+ld+json")


@require_GET
@cache_control(public=True, max_age=60)
def status_list_view(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    text = selectors.status_list_json(slug=slug, number=number)
    if text is None:
        raise Http404
    return _json(text, content_type="application/vc+ld+json")


# --- Open Badges 2.0 hosted ---------------------------------------------------------------------------------


@require_GET
def ob2_issuer_view(request: HttpRequest, slug: str) -> HttpResponse:
    issuer = selectors.issuer_by_slug(slug=slug)
    if issuer is None:
        raise Http404
    return _json(ob2.issuer_document(issuer), content_type="application/json")


@require_GET
def ob2_badge_class_view(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    badge = ob2.badge_class_or_none(kind=kind, slug=slug)
    if badge is None:
        raise Http404
    return _json(ob2.badge_class_document(badge, _page_language(request)), content_type="application/json")


@require_GET
def ob2_assertion_view(request: HttpRequest, code: str) -> HttpResponse:
    award = _award_or_404(code)
    if award.is_revoked:
        return _json(ob2.revoked_document(award), status=410, content_type="application/json")
    return _json(ob2.assertion_document(award), content_type="application/json")


# --- the learner's wallet -------------------------------------------------------------------------------------


@login_required
@require_GET
def wallet_view(request: HttpRequest) -> HttpResponse:
    wallet = selectors.wallet_for_learner(user=request.user)  # type: ignore[arg-type]
    rows = [
        {
            "award": award,
            "linkedin_share_url": selectors.linkedin_share_url(url=award.url),
            "status": selectors.live_status(award),
        }
        for award in wallet.awards
    ]
    return render(request, "badges/wallet.html", {"rows": rows, "pathways": wallet.pathways})


def _own_award(request: HttpRequest, code: str) -> Award:
    award = selectors.learner_award(user=request.user, code=code)  # type: ignore[arg-type]
    if award is None:
        raise Http404
    return award


@login_required
@require_POST
def privacy_view(request: HttpRequest, code: str) -> HttpResponse:
    award = _own_award(request, code)
    services.award_set_name_public(award=award, user=request.user, public=request.POST.get("public") == "1")  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "badges/wallet.html#privacy", {"row": {"award": award}})
    return redirect("badges:wallet")


def _revoked_response(request: HttpRequest, award: Award) -> HttpResponse:
    """410 Gone: a revoked badge is no longer downloaded or shared; the page says why."""
    return render(request, "badges/revoked.html", {"award": award}, status=410)


@login_required
@require_GET
def baked_png_view(request: HttpRequest, code: str) -> HttpResponse:
    award = _own_award(request, code)
    if award.is_revoked:
        return _revoked_response(request, award)
    response = HttpResponse(artifacts.baked_badge(award), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{award.code}.png"'
    return response


@login_required
@require_GET
def certificate_view(request: HttpRequest, code: str) -> HttpResponse:
    award = _own_award(request, code)
    if award.is_revoked:
        return _revoked_response(request, award)
    pdf = artifacts.certificate_pdf(award, learner_name=award.learner.get_full_name())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{award.code}.pdf"'
    return response


@login_required
@require_GET
def linkedin_add_view(request: HttpRequest, code: str) -> HttpResponse:
    """The learner's "Add to LinkedIn profile": a redirect to LinkedIn's form, filled in (CREDENTIALS.md)."""
    award = _own_award(request, code)
    if award.is_revoked:
        return _revoked_response(request, award)
    return redirect(selectors.linkedin_add_to_profile_url(award=award))


@require_GET
@cache_control(public=True, max_age=3600)
def badge_image_view(request: HttpRequest, code: str) -> HttpResponse:
    """The badge's picture for link previews and the verification page: the achievement's image, or a drawn one
    when it has none. Not baked: the credential itself is at the page's JSON link."""
    award = _award_or_404(code)
    return HttpResponse(artifacts.badge_png(award), content_type="image/png")


@login_required
@require_GET
def course_badge_view(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course page's badge panel, polled by htmx while the badge is being issued."""
    badge = selectors.course_badge_for(user=request.user, course_id=course_id)  # type: ignore[arg-type]
    if badge is None:
        raise Http404
    return render(request, "badges/includes/course_badge.html", {"course_badge": badge, "course_id": course_id})
