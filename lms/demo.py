"""Demo accounts. One password for all of them, printed by `make run`."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from lms.models import User
from lms.roles import COURSE_CREATORS, INSTRUCTORS, PLATFORM_ADMINS, role_groups_ensure

DEMO_PASSWORD = "stackable-demo"  # noqa: S105 - demo accounts on a local machine only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: str
    language: str = ""  # blank: the site follows the browser


DEMO_ACCOUNTS = (
    DemoAccount("admin@stackable.test", "Ada Admin", "platform admin"),
    DemoAccount("instructor1@stackable.test", "Ines Instructor", "instructor"),
    DemoAccount("instructor2@stackable.test", "Omar Instructor", "instructor"),
    DemoAccount("learner1@stackable.test", "Lea Learner", "learner"),
    DemoAccount("learner2@stackable.test", "Noah Learner", "learner"),
    DemoAccount("learner3@stackable.test", "Léa Apprenante", "learner", language="fr"),
)


@transaction.atomic
def users_seed() -> dict[str, User]:
    role_groups_ensure()
    users = {}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(
                account.email,
                DEMO_PASSWORD,
                display_name=account.display_name,
                is_staff=account.role == "platform admin",
                is_superuser=account.role == "platform admin",
                language=account.language,
            )
            EmailAddress.objects.create(user=user, email=account.email, verified=True, primary=True)
            if account.role == "instructor":
                user.groups.add(Group.objects.get(name=INSTRUCTORS), Group.objects.get(name=COURSE_CREATORS))
            if account.role == "platform admin":
                user.groups.add(Group.objects.get(name=PLATFORM_ADMINS))
        users[account.email] = user
    return users
