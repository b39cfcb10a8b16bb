"""Wagtail's user forms for our User: e-mail login and a display name instead of first and last names."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

FIELDS = {"email", "display_name", "is_superuser", "groups"}


class StackableUserCreationForm(UserCreationForm):
    first_name = None
    last_name = None
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)

    class Meta(UserCreationForm.Meta):
        fields = FIELDS


class StackableUserEditForm(UserEditForm):
    first_name = None
    last_name = None
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)

    class Meta(UserEditForm.Meta):
        fields = FIELDS | {"is_active"}
