"""Recompute learner progress and completion for one course after its rules changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from content.models import CoursePage
from lms.models import User
from progress.services import course_recompute


class Command(BaseCommand):
    help = "Recompute progress and completion of every enrolment of a course, in batches, and report what changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("course_id", type=int)
        parser.add_argument(
            "--actor", help="E-mail of the admin or instructor doing it (default: the first superuser)."
        )
        parser.add_argument(
            "--reset-completion",
            action="store_true",
            help="Withdraw completions that no longer meet the rules (platform admins only).",
        )
        parser.add_argument("--batch-size", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        course = CoursePage.objects.filter(pk=options["course_id"]).first()
        if course is None:
            raise CommandError(f"No course with id {options['course_id']}.")
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"]).first()
        else:
            actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("No actor: pass --actor EMAIL of someone who may edit the course.")
        report = course_recompute(
            course=course, actor=actor, reset_completion=options["reset_completion"], batch_size=options["batch_size"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{course.title}: {report.enrolments} enrolments, {report.progress_changed} changed, "
                f"{report.newly_completed} newly complete, {report.completion_revoked} completions withdrawn, "
                f"{report.grades_changed} final grades updated."
            )
        )
