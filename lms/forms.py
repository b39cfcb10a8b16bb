from django import forms
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from lms.i18n import supported_language
from lms.models import User


class SignupForm(forms.Form):
    """Extra sign-up fields for allauth: the name shown on pages and badges."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        help_text=_("How your name appears on pages and on your badges."),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        # The language of the sign-up page becomes the account's: its e-mails start in it.
        user.language = supported_language(translation.get_language()) or ""
        user.save(update_fields=["display_name", "language"])
