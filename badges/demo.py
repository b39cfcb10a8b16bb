"""Demo badges: the Stackable Academy issuer, a badge per course, the Cloud Systems Specialist pathway,
and learner1 holding the Linux badge (really signed) and one lesson away from the Kubernetes one.

Idempotent: everything is found by its slug or its unique constraint, so a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from badges.models import Achievement, Award, Issuer, Pathway, PathwayComponent, PathwayRule, SigningKey
from badges.services import award_issue_for_enrolment, issuer_key_create
from content.models import CoursePage, LessonPage
from lms.models import User

ISSUER_SLUG = "stackable"
CLOUD_SYSTEMS = ("linux-for-the-cloud", "containers-and-kubernetes", "cloud-networking")
PATHWAY_SLUG = "cloud-systems-specialist"
DEMO_LEARNER = "learner1@stackable.test"
DEMO_ADMIN = "admin@stackable.test"


@dataclass
class DemoBadges:
    issuer: Issuer
    achievements: dict[str, Achievement]
    pathway: Pathway
    award: Award | None


@transaction.atomic
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
                    f"grade of at least {course.pass_mark.normalize()}%."
                ),
                "credits_available": (Decimal(course.estimated_hours) / 10).quantize(Decimal("0.1")),
                "tags": course.series,
            },
        )
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
    return issuer, achievements, pathway


def _lessons(course: CoursePage) -> list[LessonPage]:
    return list(LessonPage.objects.live().descendant_of(course).order_by("path"))


def _study(*, learner: User, course: CoursePage, leave_out: int, admin: User) -> int:
    """Enrol (added by the admin: the courses are paid) and complete every lesson but the last `leave_out`."""
    from progress.models import EnrolmentSource
    from progress.services import enrolment_create, lesson_complete

    enrolment = enrolment_create(user=learner, course=course, source=EnrolmentSource.ADMIN, actor=admin)
    if enrolment.completed_at is None:
        lessons = _lessons(course)
        for lesson in lessons[: len(lessons) - leave_out]:
            lesson_complete(user=learner, lesson=lesson)
    return enrolment.pk


def seed_badges(*, users: dict[str, User], courses: dict[str, CoursePage]) -> DemoBadges:
    issuer, achievements, pathway = _catalog(courses=courses)
    learner, admin = users.get(DEMO_LEARNER), users.get(DEMO_ADMIN)
    award = None
    if learner is not None and admin is not None and "linux-for-the-cloud" in courses:
        enrolment_id = _study(learner=learner, course=courses["linux-for-the-cloud"], leave_out=0, admin=admin)
        # Completion already queued the badge; this makes sure it exists even with a remote worker.
        award = award_issue_for_enrolment(enrolment_id=enrolment_id)
        if "containers-and-kubernetes" in courses:
            _study(learner=learner, course=courses["containers-and-kubernetes"], leave_out=1, admin=admin)
    return DemoBadges(issuer=issuer, achievements=achievements, pathway=pathway, award=award)
