"""`manage.py create_issuer_key <slug>`: a new signing key for an issuer (the first one, or a rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.models import Issuer
from badges.services import issuer_key_create


class Command(BaseCommand):
    help = "Create a new Ed25519 signing key for the issuer; older keys stay in its DID document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The issuer's slug.")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        issuer = Issuer.objects.filter(slug=slug).first()
        if issuer is None:
            raise CommandError(f"No issuer has the slug {slug!r}.")
        key = issuer_key_create(issuer=issuer)
        # The public half only: private keys never reach a terminal or a log.
        self.stdout.write(self.style.SUCCESS(f"{issuer.name} now signs with {key.verification_method}."))
