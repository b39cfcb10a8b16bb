"""Build the demo: accounts and the course catalog. Idempotent: a second run changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from assessments.demo import seed_assessment_translations, seed_assessments
from badges.demo import seed_badges
from commerce.demo import northwind_seed
from content.demo import seed_content, seed_translations
from lms.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, users_seed
from organizations.demo import ADMIN_EMAIL as NORTHWIND_ADMIN_EMAIL
from progress.demo import seed_progress


class Command(BaseCommand):
    help = "Load the Stackable demo (accounts, courses). Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        users = users_seed()
        demo = seed_content(instructors=users)
        quizzes, tasks = seed_assessments(demo=demo)
        # The French course is copied once its quizzes and task exist, then each page gets its French text.
        seed_translations(demo=demo)
        seed_assessment_translations(demo=demo)
        # Badges before progress: learner1's completion of Linux for the Cloud then issues the badge
        # through the same signal and task as on the live site.
        badges = seed_badges(users=users, courses=demo.courses)
        enrolments = seed_progress(users=users, courses=demo.courses)
        northwind = northwind_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalog: {len(demo.courses)} courses, {len(quizzes)} quizzes, {len(tasks)} tasks."
            )
        )
        self.stdout.write(
            f"Learners at different stages: {len(enrolments)} enrolments; badge issuer {badges.issuer.name}."
        )
        self.stdout.write(f"In French: {', '.join(course.title for course in demo.french.values())}.")
        self.stdout.write(f"Northwind Networks: {northwind.seats_held} seats held by staff.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            reads = f" (reads the site in {account.language})" if account.language else ""
            self.stdout.write(f"  {account.role:<15} {account.email}{reads}")
        self.stdout.write(f"  {'company admin':<15} {NORTHWIND_ADMIN_EMAIL}")
