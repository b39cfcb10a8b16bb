"""The learner's choices about their own awards."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.models import Award
from lms.models import User


@transaction.atomic
def award_set_name_public(*, award: Award, user: User, public: bool) -> Award:
    """The learner shows or hides their name on the public page (the signed credential never holds it)."""
    if award.learner_id != user.pk:
        raise PermissionDenied(_("Only the learner may change this."))
    Award.objects.filter(pk=award.pk).update(name_public=public, updated_at=timezone.now())
    award.name_public = public
    return award
