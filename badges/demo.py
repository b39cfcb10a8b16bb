"""Demo badges: the Stackable Academy issuer, a badge per course, the Cloud Systems Specialist pathway,
and learner1's Linux badge, really signed (progress's demo has them complete the course).

Idempotent: everything is found by its slug or its unique constraint, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from badges.models import Achievement, Award, Issuer, Pathway, PathwayComponent, PathwayRule, SigningKey
from badges.services import award_issue_for_enrolment, issuer_key_create, pathway_evaluate_all
from content.demo import FRENCH, FRENCH_COURSES, load_translation
from content.models import CoursePage
from lms.formatting import format_percent
from lms.models import User

ISSUER_SLUG = "stackable"
CLOUD_SYSTEMS = ("linux-for-the-cloud", "containers-and-kubernetes", "cloud-networking")
PATHWAY_SLUG = "cloud-systems-specialist"
DEMO_LEARNER = "learner1@stackable.test"


@dataclass
class DemoBadges:
    issuer: Issuer
    achievements: dict[str, Achievement]
    pathway: Pathway
    award: Award | None


@transaction.atomic
def _french_text(*, achievement: Achievement, course: CoursePage, slug: str) -> None:
    """The badge's French name, description and criteria, from the course's French text (`<slug>.fr.json`)."""
    text = load_translation(slug, FRENCH)["badge"]
    achievement.name_fr, achievement.description_fr = text["name"], text["description"]
    achievement.criteria_fr = text["criteria"] % {"pass_mark": format_percent(course.pass_mark, language=FRENCH)}
    achievement.save(update_fields=["name_fr", "description_fr", "criteria_fr"])


def _catalog(*, courses: dict[str, CoursePage]) -> tuple[Issuer, dict[str, Achievement], Pathway]:
    issuer, _ = Issuer.objects.get_or_create(
        slug=ISSUER_SLUG,
        defaults={"name": "Stackable Academy", "url": f"{settings.SITE_URL}/", "email": "badges@stackable.test"},
    )
    if not SigningKey.objects.filter(issuer=issuer).exists():
        issuer_key_create(issuer=issuer)
    achievements = {}
    for slug, course in courses.items():
        achievement, _ = Achievement.objects.get_or_create(
            course=course,
            defaults={
                "issuer": issuer,
                "slug": slug,
                "name": course.title,
                "description": course.summary,
                "criteria": (
                    f"Complete every required lesson, quiz and task of *{course.title}* and reach a weighted "
                    f"grade of at least {format_percent(course.pass_mark, language='en')}."
                ),
                "credits_available": (Decimal(course.estimated_hours) / 10).quantize(Decimal("0.1")),
                "tags": course.series,
            },
        )
        if slug in FRENCH_COURSES and not achievement.name_fr:
            _french_text(achievement=achievement, course=course, slug=slug)
        achievements[slug] = achievement
    pathway, created = Pathway.objects.get_or_create(
        slug=PATHWAY_SLUG,
        defaults={
            "issuer": issuer,
            "name": "Cloud Systems Specialist",
            "description": "Administers Linux servers, runs containerised workloads on Kubernetes and designs "
            "cloud networks.",
            "criteria": "Earn the three Cloud Systems badges: Linux for the Cloud, Containers and Kubernetes, "
            "and Cloud Networking.",
            "rule": PathwayRule.ALL,
            "tags": "Cloud Systems",
        },
    )
    if created:
        for position, slug in enumerate(slug for slug in CLOUD_SYSTEMS if slug in achievements):
            PathwayComponent.objects.create(pathway=pathway, achievement=achievements[slug], sort_order=position)
        pathway_evaluate_all(pathway=pathway, user=None)
    return issuer, achievements, pathway


def seed_badges(*, users: dict[str, User], courses: dict[str, CoursePage]) -> DemoBadges:
    """Run after progress's demo (`seed_progress`); without it, this runs it first (it is idempotent too)."""
    from progress.demo import seed_progress
    from progress.models import Enrolment

    issuer, achievements, pathway = _catalog(courses=courses)
    award = None
    learner, linux = users.get(DEMO_LEARNER), courses.get("linux-for-the-cloud")
    if learner is not None and linux is not None:
        completed = Enrolment.objects.filter(user=learner, course=linux, completed_at__isnull=False)
        if not completed.exists():
            seed_progress(users=users, courses=courses)
        enrolment = completed.first()
        if enrolment is not None:
            # Completion queued the badge when the course had one; this issues it when it did not yet.
            award = award_issue_for_enrolment(enrolment_id=enrolment.pk)
    return DemoBadges(issuer=issuer, achievements=achievements, pathway=pathway, award=award)
