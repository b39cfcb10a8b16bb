"""`manage.py issue_badges <slug> ... | --all [--dry-run]`: issue badges to the completers who do not hold them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from badges.models import Achievement
from badges.selectors import achievement_issue_summary
from badges.services import BadgeError, achievement_awards_issue


class Command(BaseCommand):
    help = (
        "Issue each named badge (by its slug) to the learners who completed its course and do not hold it, in "
        "batches on the task queue: after a badge is attached to a course with completions, or after an outage. "
        "Revoked badges are not issued again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="The achievements' slugs.")
        parser.add_argument("--all", action="store_true", help="Every achievement that belongs to a course.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be issued; queue nothing.")

    def handle(self, *args: Any, slugs: list[str], all: bool, dry_run: bool, **options: Any) -> None:
        if bool(slugs) == all:
            raise CommandError("Name the achievements to issue by their slugs, or give --all (not both).")
        achievements = Achievement.objects.select_related("issuer").filter(course__isnull=False).order_by("slug")
        if slugs:
            found = {achievement.slug: achievement for achievement in achievements.filter(slug__in=slugs)}
            unknown = [slug for slug in slugs if slug not in found]
            if unknown:
                raise CommandError(f"No achievement of a course has the slug(s): {', '.join(unknown)}.")
            chosen = [found[slug] for slug in dict.fromkeys(slugs)]
        else:
            chosen = list(achievements)
        failures = []
        for achievement in chosen:
            summary = achievement_issue_summary(achievement=achievement)
            if dry_run:
                self.stdout.write(
                    f"{achievement.slug}: {summary.pending} of {summary.completed} completers would be issued."
                )
                continue
            try:
                with transaction.atomic():  # queued when this commits
                    queued = achievement_awards_issue(achievement=achievement, user=None)
            except BadgeError as error:
                failures.append(f"{achievement.slug}: {error}")
                continue
            self.stdout.write(f"{achievement.slug}: {queued} of {summary.completed} completers queued.")
        if failures:
            raise CommandError("Nothing was queued for:\n" + "\n".join(failures))
        if not dry_run:
            self.stdout.write(self.style.SUCCESS("Done: each badge is e-mailed to its learner when it is signed."))
