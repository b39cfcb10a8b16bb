"""Fixtures for the badge tests: an issuer with a key, a course with its achievement, a learner."""

from __future__ import annotations

from decimal import Decimal

import pytest

from badges.models import Achievement, Issuer, Pathway, PathwayComponent, PathwayRule
from badges.services import issuer_key_create
from tests.factories import make_course, make_skill, make_user


@pytest.fixture
def issuer(db) -> Issuer:
    issuer = Issuer.objects.create(
        name="Stackable Academy",
        slug="academy",
        url="https://academy.example/",
        email="badges@academy.example",
        linkedin_organization_id="1234567",
    )
    issuer_key_create(issuer=issuer)
    return issuer


def make_achievement(issuer: Issuer, *, course=None, name: str | None = None, **fields) -> Achievement:
    course = course or make_course(
        skills=[
            make_skill(
                f"Skill of {name or 'a course'} {Achievement.objects.count()}",
                framework="O*NET",
                framework_url="https://www.onetonline.org/link/summary/15-1244.00",
                code="15-1244.00",
            )
        ]
    )
    return Achievement.objects.create(
        issuer=issuer,
        course=course,
        slug=f"badge-{course.slug}",
        name=name or course.title,
        description=f"Completed {course.title}.",
        criteria="Complete every lesson and reach the **pass mark**.",
        credits_available=Decimal("1.5"),
        tags="cloud, linux",
        **fields,
    )


@pytest.fixture
def achievement(issuer: Issuer) -> Achievement:
    return make_achievement(issuer, name="Linux for the Cloud")


@pytest.fixture
def learner(db):
    return make_user(email="Learner@Example.test", display_name="Lea Learner")


def make_pathway(issuer: Issuer, achievements: list[Achievement], **fields) -> Pathway:
    pathway = Pathway.objects.create(
        issuer=issuer,
        slug=f"pathway-{Pathway.objects.count() + 1}",
        name="Cloud Systems Specialist",
        description="Stacks the Cloud Systems badges.",
        criteria="Earn the Cloud Systems badges.",
        rule=fields.pop("rule", PathwayRule.ALL),
        **fields,
    )
    for position, achievement in enumerate(achievements):
        PathwayComponent.objects.create(pathway=pathway, achievement=achievement, sort_order=position)
    return pathway
