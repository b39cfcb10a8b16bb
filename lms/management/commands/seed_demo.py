"""Build the demo: accounts and the course catalog. Idempotent: a second run changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from content.demo import seed_content
from lms.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, users_seed


class Command(BaseCommand):
    help = "Load the Stackable demo (accounts, courses). Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        users = users_seed()
        demo = seed_content(instructors=users)
        self.stdout.write(self.style.SUCCESS(f"Demo catalog: {len(demo.courses)} courses."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.role:<15} {account.email}")
