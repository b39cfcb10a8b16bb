"""The credential: an award's OpenBadgeCredential and its badge's Achievement, built field by field from
allow-lists (CREDENTIALS.md), and the URLs they hold."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django.conf import settings

from badges.models import Achievement, Award, Issuer, Pathway
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


def badge_class_url(badge: Achievement | Pathway) -> str:
    kind = "pathways" if isinstance(badge, Pathway) else "achievements"
    return f"{settings.SITE_URL}/{kind}/{badge.slug}"


def ob2_badge_class_url(badge: Achievement | Pathway) -> str:
    kind = "pathways" if isinstance(badge, Pathway) else "badges"
    return f"{settings.SITE_URL}/ob2/{kind}/{badge.slug}"


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


def achievement_document(badge: Achievement | Pathway) -> dict[str, Any]:
    """The OB3 Achievement of a badge class, field by field from an allow-list."""
    url = badge_class_url(badge)
    achievement: dict[str, Any] = {
        "id": url,
        "type": ["Achievement"],
        "name": badge.name,
        "description": badge.description,
        "criteria": {"narrative": badge.criteria},
        "achievementType": str(badge.achievement_type),
    }
    course = badge.course if isinstance(badge, Achievement) else None
    # Once: a page URL reads the site root paths from the cache (Redis in production).
    page = course_url(course) if course is not None else ""
    if course is not None:
        achievement["criteria"] = {"id": page, "narrative": badge.criteria}
    picture = image_url(badge.image)
    if picture:
        achievement["image"] = {"id": picture, "type": "Image"}
    if course is not None:
        alignments = _alignments(course)
        if alignments:
            achievement["alignment"] = alignments
        achievement["inLanguage"] = course.language
    if isinstance(badge, Achievement) and badge.credits_available is not None:
        achievement["creditsAvailable"] = _decimal_number(badge.credits_available)
    if badge.tag_list:
        achievement["tag"] = badge.tag_list
    if isinstance(badge, Achievement):
        achievement["resultDescription"] = [
            {"id": f"{url}#final-grade", "type": ["ResultDescription"], "name": "Final grade", "resultType": "Percent"}
        ]
    achievement["related"] = [{"id": ob2_badge_class_url(badge), "type": ["Related"], "version": "2.0"}]
    return achievement


def _batch_document(badge: Achievement | Pathway, documents: dict[str, str]) -> dict[str, Any]:
    """The badge's achievement document, built once per batch and handed out as a fresh copy each time."""
    key = f"{type(badge).__name__}:{badge.pk}"
    if key not in documents:
        documents[key] = json.dumps(achievement_document(badge))
    return cast(dict[str, Any], json.loads(documents[key]))


def _alignments(course: Any) -> list[dict[str, Any]]:
    """The course's skills as alignments, by name: only those with a framework's URL (an alignment names a
    framework's entry, never our own page)."""
    alignments = []
    for skill in course.skills.all():
        if not skill.framework_url:
            continue
        alignment: dict[str, Any] = {"type": ["Alignment"], "targetName": skill.name, "targetUrl": skill.framework_url}
        if skill.framework:
            alignment["targetFramework"] = skill.framework
        if skill.code:
            alignment["targetCode"] = skill.code
        alignments.append(alignment)
    return alignments


def identity_hash(email: str, salt: str) -> str:
    """`sha256$` + hex(sha256(e-mail + salt)); the e-mail is trimmed and lower-cased first."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def credential_build(
    *, award: Award, evidence: Sequence[Award] = (), documents: dict[str, str] | None = None
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an award (CREDENTIALS.md), from an allow-list of fields.

    `documents`: a batch's achievement documents as JSON, by badge (`_batch_document`), filled on first use: the
    credentials of a batch share them instead of building each again (URLs, skills, about half a millisecond)."""
    badge = award.badge_class
    assert award.valid_from is not None and award.status_list is not None and award.status_index is not None
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
        "achievement": achievement_document(badge) if documents is None else _batch_document(badge, documents),
    }
    if award.grade is not None and isinstance(badge, Achievement):
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": f"{badge_class_url(badge)}#final-grade",
                "value": str(_decimal_number(award.grade)),
            }
        ]
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": award.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": badge.name,
        "issuer": issuer_profile(badge.issuer),
        "validFrom": format_datetime(award.valid_from),
    }
    if award.valid_until is not None:
        credential["validUntil"] = format_datetime(award.valid_until)
    credential["awardedDate"] = format_datetime(award.awarded_at)
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = [
            {
                "id": component.url,
                "type": ["Evidence"],
                "name": component.badge_class.name,
                "description": f"Badge {component.code}, awarded {format_datetime(component.awarded_at)}",
            }
            for component in evidence
        ]
    credential["credentialStatus"] = status_entry(award.status_list.url, award.status_index)
    return credential
