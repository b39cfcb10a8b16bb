"""The credential: an award's OpenBadgeCredential and its badge's Achievement, built field by field from
allow-lists (CREDENTIALS.md), and the URLs they hold.

Two languages. A credential names and describes its achievement in the learner's language
(`User.language_or_default`) when the badge has that wording, else in the badge's own language, and carries the
other language as a linked edition. The form, and why:

- The VC Data Model 2.0 ("Language and base direction") lets `name` and `description` be language value objects,
  `[{"@value": "Web basics", "@language": "en"}, {"@value": "Notions du Web", "@language": "fr"}]`, and the pinned
  contexts define `name`/`description` without a type, so JSON-LD (and the Node verifier) would accept them. But
  the Open Badges 3.0 JSON schema types the credential's and the Achievement's `name` and `description` and the
  criteria's `narrative` as plain strings, our shape check requires the credential's `name` to be a string, and
  wallets show those fields as text. So every one of them stays ONE string, in ONE language.
- That language is stated by the Achievement's `inLanguage` (OB3: the language of the achievement).
- The other language travels the way OB3 provides for "alternate language editions": an entry of the
  Achievement's `related` list, `{"id": <that edition's URL>, "type": ["Related"], "inLanguage": "en"}` (the
  Related class's own context defines `inLanguage`). Each edition has its own https id (`/achievements/<slug>`,
  `/fr/achievements/<slug>`), served as that edition's Achievement JSON (`badges.views.badge_class_view`), so the
  two never merge into one node with two languages. A badge with one language keeps its single id and no such
  entry: its credential is exactly what it was before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from badges.models import FRENCH, Achievement, Award, BadgeText, Issuer, Pathway
from badges.ob3.loader import CREDENTIALS_V2, OB_V3P0
from badges.ob3.proof import format_datetime
from badges.ob3.statuslist import status_entry


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def image_url(image: Any) -> str | None:
    if image is None:
        return None
    return _absolute(image.get_rendition("fill-400x400|format-png").url)


def course_url(course: Any) -> str:
    return _absolute(course.get_url() or course.url_path)


def badge_class_url(badge: Achievement | Pathway, language: str | None = None) -> str:
    """The badge's Achievement URL; with `language`, that language edition's (`/fr/...` for the French one of a
    badge written in both languages)."""
    kind = "pathways" if isinstance(badge, Pathway) else "achievements"
    return f"{settings.SITE_URL}{_edition_prefix(badge, language)}/{kind}/{badge.slug}"


def _edition_prefix(badge: Achievement | Pathway, language: str | None) -> str:
    """`/fr` for the French edition of a badge written in English and French; else nothing (one URL)."""
    return "/fr" if language == FRENCH and badge.language != FRENCH and badge.name_fr else ""


def ob2_badge_class_url(badge: Achievement | Pathway, language: str | None = None) -> str:
    kind = "pathways" if isinstance(badge, Pathway) else "badges"
    return f"{settings.SITE_URL}{_edition_prefix(badge, language)}/ob2/{kind}/{badge.slug}"


def issuer_profile(issuer: Issuer) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": issuer.did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    logo = image_url(issuer.image)
    if logo:
        profile["image"] = {"id": logo, "type": "Image"}
    return profile


def _decimal_number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def achievement_document(
    badge: Achievement | Pathway, language: str | None = None, *, skills: Sequence[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The OB3 Achievement of a badge class in `language` (its own language by default), field by field from an
    allow-list; the other language, when the badge has it, as a `related` edition (see the module's docstring).
    `skills`: the course's skills, when the caller read them with the badge (`_alignments`)."""
    text = badge.text(language)
    other = badge.alternative(language)
    url = badge_class_url(badge, text.language)
    achievement: dict[str, Any] = {
        "id": url,
        "type": ["Achievement"],
        "name": text.name,
        "description": text.description,
        "criteria": {"narrative": text.criteria},
        "achievementType": str(badge.achievement_type),
    }
    course = badge.course if isinstance(badge, Achievement) else None
    # Once: a page URL reads the site root paths from the cache (Redis in production).
    page = course_url(course) if course is not None else ""
    if course is not None:
        achievement["criteria"] = {"id": page, "narrative": text.criteria}
    picture = image_url(badge.image)
    if picture:
        achievement["image"] = {"id": picture, "type": "Image"}
    if course is not None:
        alignments = _alignments(course, skills)
        if alignments:
            achievement["alignment"] = alignments
    if course is not None or other is not None:
        achievement["inLanguage"] = text.language
    if isinstance(badge, Achievement) and badge.credits_available is not None:
        achievement["creditsAvailable"] = _decimal_number(badge.credits_available)
    if badge.tag_list:
        achievement["tag"] = badge.tag_list
    if isinstance(badge, Achievement):
        with translation.override(text.language):
            grade_name = _("Final grade")
        achievement["resultDescription"] = [
            {"id": f"{url}#final-grade", "type": ["ResultDescription"], "name": grade_name, "resultType": "Percent"}
        ]
    achievement["related"] = [{"id": ob2_badge_class_url(badge, text.language), "type": ["Related"], "version": "2.0"}]
    if other is not None:
        achievement["related"].append(_edition(badge, other))
    return achievement


def _edition(badge: Achievement | Pathway, text: BadgeText) -> dict[str, Any]:
    """The `related` entry naming the badge's edition in another language."""
    return {"id": badge_class_url(badge, text.language), "type": ["Related"], "inLanguage": text.language}


def _batch_document(
    badge: Achievement | Pathway, documents: dict[str, str], language: str, skills: Sequence[dict[str, str]] | None
) -> dict[str, Any]:
    """The badge's achievement document in `language`, built once per batch and handed out as a fresh copy each
    time."""
    key = f"{type(badge).__name__}:{badge.pk}:{badge.text(language).language}"
    if key not in documents:
        documents[key] = json.dumps(achievement_document(badge, language, skills=skills))
    return cast(dict[str, Any], json.loads(documents[key]))


def _alignments(course: Any, skills: Sequence[dict[str, str]] | None = None) -> list[dict[str, Any]]:
    """The course's skills as alignments, by name: only those with a framework's URL (an alignment names a
    framework's entry, never our own page). `skills`: their name, framework, framework_url and code, in the order
    `course.skills.all()` gives, when the caller has read them (else one query)."""
    if skills is None:
        fields = ("name", "framework", "framework_url", "code")
        skills = [{name: getattr(skill, name) for name in fields} for skill in course.skills.all()]
    alignments = []
    for skill in skills:
        if not skill["framework_url"]:
            continue
        alignment: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": skill["name"],
            "targetUrl": skill["framework_url"],
        }
        if skill["framework"]:
            alignment["targetFramework"] = skill["framework"]
        if skill["code"]:
            alignment["targetCode"] = skill["code"]
        alignments.append(alignment)
    return alignments


def identity_hash(email: str, salt: str) -> str:
    """`sha256$` + hex(sha256(e-mail + salt)); the e-mail is trimmed and lower-cased first."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def credential_build(
    *,
    award: Award,
    evidence: Sequence[Award] = (),
    documents: dict[str, str] | None = None,
    skills: Sequence[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an award (CREDENTIALS.md), from an allow-list of fields.

    `documents`: a batch's achievement documents as JSON, by badge (`_batch_document`), filled on first use: the
    credentials of a batch share them instead of building each again (URLs, skills, about half a millisecond).
    `skills`: the course's skills, when the caller read them with the award's badge (`_alignments`).

    Written in the learner's language (`User.language_or_default`) where the badge has that wording."""
    badge = award.badge_class
    assert award.valid_from is not None and award.status_list is not None and award.status_index is not None
    language = award.learner.language_or_default
    achievement = (
        achievement_document(badge, language, skills=skills)
        if documents is None
        else _batch_document(badge, documents, language, skills)
    )
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "hashed": True,
                "identityType": "emailAddress",
                "salt": award.salt,
                "identityHash": award.identity_hash,
            }
        ],
        "achievement": achievement,
    }
    if award.grade is not None and isinstance(badge, Achievement):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": f"{achievement['id']}#final-grade",
                "value": str(_decimal_number(award.grade)),
            }
        ]
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": award.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer_profile(badge.issuer),
        "validFrom": format_datetime(award.valid_from),
    }
    if award.valid_until is not None:
        credential["validUntil"] = format_datetime(award.valid_until)
    credential["awardedDate"] = format_datetime(award.awarded_at)
    credential["credentialSubject"] = subject
    if evidence:
        written_in = achievement.get("inLanguage", badge.language)
        with translation.override(written_in):
            credential["evidence"] = [
                {
                    "id": component.url,
                    "type": ["Evidence"],
                    "name": component.badge_class.text(written_in).name,
                    "description": _("Badge %(code)s, awarded %(date)s")
                    % {"code": component.code, "date": format_datetime(component.awarded_at)},
                }
                for component in evidence
            ]
    credential["credentialStatus"] = status_entry(award.status_list.url, award.status_index)
    return credential
