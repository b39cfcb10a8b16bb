"""Demo: Northwind Networks, its administrator, and staff on seats at every stage. Idempotent.

The seat bundles themselves are bought by commerce.demo (through the test provider, at a volume tier);
`northwind_ensure` makes the organization and its admin, `northwind_staff_seed` gives out the seats.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from content.models import CatalogPage, CoursePage
from lms.models import User
from organizations.learning import enrolment_started, items_study
from organizations.models import Invitation, Organization, Role, Seat, SeatBundle
from organizations.selectors import private_courses_of
from organizations.services import (
    invitation_create,
    membership_add,
    organization_create,
    private_course_create,
    seat_assign,
)

DEMO_PASSWORD = "stackable-demo"  # noqa: S105 - demo accounts on a local machine only
ORG_SLUG = "northwind"
ADMIN_EMAIL = "orgadmin@northwind.test"


@dataclass(frozen=True)
class DemoStaff:
    email: str
    name: str
    course: str
    stage: str  # "not_started", "in_progress" or "completed"


# In study order: a course's prerequisites (Linux → Containers → Networking) come first for each person.
STAFF = (
    DemoStaff("sam.cloud@northwind.test", "Sam Cloud", "linux-for-the-cloud", "completed"),
    DemoStaff("sam.cloud@northwind.test", "Sam Cloud", "containers-and-kubernetes", "completed"),
    DemoStaff("sam.cloud@northwind.test", "Sam Cloud", "cloud-networking", "in_progress"),
    DemoStaff("ana.route@northwind.test", "Ana Route", "linux-for-the-cloud", "completed"),
    DemoStaff("ana.route@northwind.test", "Ana Route", "containers-and-kubernetes", "in_progress"),
    DemoStaff("lin.pod@northwind.test", "Lin Pod", "linux-for-the-cloud", "completed"),
    DemoStaff("lin.pod@northwind.test", "Lin Pod", "containers-and-kubernetes", "not_started"),
    DemoStaff("priya.shell@northwind.test", "Priya Shell", "linux-for-the-cloud", "in_progress"),
    DemoStaff("joe.vlan@northwind.test", "Joe Vlan", "linux-for-the-cloud", "in_progress"),
    DemoStaff("tom.kernel@northwind.test", "Tom Kernel", "linux-for-the-cloud", "not_started"),
)
PENDING_INVITATION = "new.hire@northwind.test"
INSTRUCTOR_EMAIL = "trainer@northwind.test"
ONBOARDING_TITLE = "Northwind onboarding"


def _verified_user(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


@transaction.atomic
def northwind_ensure() -> tuple[Organization, User]:
    """The organization and its administrator (orgadmin@northwind.test, password stackable-demo)."""
    admin = _verified_user(ADMIN_EMAIL, "Nora Northwind")
    organization = Organization.objects.filter(slug=ORG_SLUG).first()
    if organization is None:
        organization = organization_create(
            name="Northwind Networks", slug=ORG_SLUG, email_domain="northwind.test", email_domain_verified=True
        )
    membership_add(organization=organization, user=admin, role=Role.ADMIN)
    return organization, admin


@transaction.atomic
def northwind_staff_seed(*, organization: Organization, admin: User) -> int:
    """Staff on the bundles' seats: some finished, some studying, some not started; one invitation pending."""
    bundles = {b.course.slug: b for b in SeatBundle.objects.filter(organization=organization).select_related("course")}
    for person in STAFF:
        bundle = bundles.get(person.course)
        if bundle is None:
            continue
        user = _verified_user(person.email, person.name)
        membership_add(organization=organization, user=user)
        if not Seat.objects.filter(bundle=bundle, user=user).exists():
            seat_assign(bundle=bundle, user=user, actor=admin)
        if person.stage != "not_started" and not enrolment_started(user=user, course=bundle.course):
            items_study(user=user, course=bundle.course, count=None if person.stage == "completed" else 3)
    if not Invitation.objects.filter(organization=organization, email=PENDING_INVITATION).exists():
        first = next(iter(bundles.values()), None)
        invitation_create(organization=organization, email=PENDING_INVITATION, actor=admin, bundle=first)
    northwind_private_course_seed(organization=organization)
    return Seat.objects.filter(bundle__organization=organization, state="assigned").count()


@transaction.atomic
def northwind_private_course_seed(*, organization: Organization) -> CoursePage | None:
    """Its trainer (trainer@northwind.test, an instructor of the organization) and its private onboarding course."""
    trainer = _verified_user(INSTRUCTOR_EMAIL, "Tess Trainer")
    membership_add(organization=organization, user=trainer, role=Role.INSTRUCTOR)
    existing = private_courses_of(organization=organization)
    if existing:
        return existing[0]
    if not CatalogPage.objects.exists():
        return None
    course = private_course_create(
        organization=organization,
        title=ONBOARDING_TITLE,
        summary="How we work at Northwind: tools, security rules and who to ask.",
        estimated_hours=6,
        actor=trainer,
    )
    course.save_revision(user=trainer).publish(user=trainer)
    return course
