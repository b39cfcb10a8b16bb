"""Bulk staff for size tests: thousands of members on seats, at every stage, in a handful of queries."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from lms.models import User
from organizations.models import Membership, Organization, Seat, SeatBundle
from progress.models import CourseProgress, Enrolment

_batch = itertools.count(1)


def staff_on_seats(organization: Organization, bundle: SeatBundle, count: int) -> None:
    """`count` members holding seats of `bundle`: a third not started, a third studying, a third complete."""
    batch = next(_batch)
    users = User.objects.bulk_create(
        [User(email=f"staff{batch}-{i}@bulk.test", display_name=f"Staff {i:05d}") for i in range(count)],
        batch_size=2000,
    )
    Membership.objects.bulk_create([Membership(organization=organization, user=u) for u in users], batch_size=2000)
    Seat.objects.bulk_create([Seat(bundle=bundle, user=u) for u in users], batch_size=2000)
    SeatBundle.objects.filter(pk=bundle.pk).update(seats_bought=count + 10, seats_used=count)
    now = timezone.now()
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                user=u,
                course_id=bundle.course_id,
                source="seat",
                completed_at=now - timedelta(days=40 * (i % 5)) if i % 3 == 2 else None,
                final_grade=Decimal("88.00") if i % 3 == 2 else None,
            )
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    CourseProgress.objects.bulk_create(
        [
            CourseProgress(
                enrolment=e,
                percent=Decimal(0 if i % 3 == 0 else 50 if i % 3 == 1 else 100),
                items_started=0 if i % 3 == 0 else 1,
                items_done=0 if i % 3 == 0 else 1,
                items_total=2,
            )
            for i, e in enumerate(enrolments)
        ],
        batch_size=2000,
    )
