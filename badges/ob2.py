"""Open Badges 2.0 hosted documents for older consumers; each `id` is the URL it is served from."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from badges.models import Achievement, Award, Issuer, Pathway
from badges.services import badge_class_url, course_url, image_url, ob2_badge_class_url

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
DEFAULT_IMAGE = "/static/badges/badge.svg"


def issuer_url(issuer: Issuer) -> str:
    return f"{settings.SITE_URL}/ob2/issuers/{issuer.slug}"


def assertion_url(award: Award) -> str:
    return f"{settings.SITE_URL}/ob2/assertions/{award.code}"


def badge_class_or_none(*, kind: str, slug: str) -> Achievement | Pathway | None:
    model = Pathway if kind == "pathways" else Achievement
    return model.objects.select_related("issuer").filter(slug=slug).first()


def issuer_document(issuer: Issuer) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": issuer_url(issuer),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    logo = image_url(issuer.image)
    if logo:
        document["image"] = logo
    return document


def badge_class_document(badge: Achievement | Pathway, language: str | None = None) -> dict[str, Any]:
    """The BadgeClass in `language` (its own language by default). Each language edition has its own URL
    (`ob2_badge_class_url`), since a document's `id` is the URL it is served from."""
    text = badge.text(language)
    criteria: dict[str, Any] = {"narrative": text.criteria}
    course = badge.course if isinstance(badge, Achievement) else None
    if course is not None:
        criteria["id"] = course_url(course)
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": ob2_badge_class_url(badge, text.language),
        "name": text.name,
        "description": text.description,
        "image": image_url(badge.image) or f"{settings.SITE_URL}{DEFAULT_IMAGE}",
        "criteria": criteria,
        "issuer": issuer_url(badge.issuer),
        "tags": badge.tag_list,
        "related": [{"id": badge_class_url(badge, text.language), "version": "3.0"}],
    }
    other = badge.alternative(language)
    if other is not None:
        document["related"].append({"id": ob2_badge_class_url(badge, other.language), "@language": other.language})
    if course is not None:
        document["alignment"] = [
            {
                "targetName": skill.name,
                "targetUrl": skill.framework_url or f"{course_url(course)}#skills",
                **({"targetFramework": skill.framework} if skill.framework else {}),
                **({"targetCode": skill.code} if skill.code else {}),
            }
            for skill in course.skills.all()
        ]
    return document


def assertion_document(award: Award) -> dict[str, Any]:
    """Built from the signed OB3 credential, so both versions always say the same thing."""
    credential = json.loads(award.credential_json)
    document: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {"type": "email", "hashed": True, "salt": award.salt, "identity": award.identity_hash},
        "badge": credential_badge_class_url(award, credential),
        "verification": {"type": "hosted"},
        "issuedOn": credential["awardedDate"],
    }
    if "validUntil" in credential:
        document["expires"] = credential["validUntil"]
    if credential.get("evidence"):
        document["evidence"] = [{"id": item["id"], "name": item["name"]} for item in credential["evidence"]]
    return document


def credential_badge_class_url(award: Award, credential: dict[str, Any]) -> str:
    """The OB2 BadgeClass in the language the award's credential was written in."""
    language = credential["credentialSubject"]["achievement"].get("inLanguage")
    return ob2_badge_class_url(award.badge_class, language)


def revoked_document(award: Award) -> dict[str, Any]:
    return {"id": assertion_url(award), "revoked": True, "revocationReason": award.revocation_reason}
