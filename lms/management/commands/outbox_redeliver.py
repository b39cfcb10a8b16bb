"""Publish the pending outbox messages again: what beat does every OUTBOX_REDELIVER_EVERY seconds in production,
for the embedded default (tasks run here, no beat) and for operators after an outage."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lms.outbox import outbox_redeliver


class Command(BaseCommand):
    help = "Publish again the pending outbox messages that are due (with --all: every pending one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="also those whose backoff has not passed yet")

    def handle(self, *args: Any, **options: Any) -> None:
        published = outbox_redeliver(all_pending=options["all"], batches=1_000_000)
        self.stdout.write(f"Published {published} pending outbox messages.")
