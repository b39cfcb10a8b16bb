from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import TokenScope
from integrations.tokens import NAME_MAX


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX,
        help_text=_("What the token is for, such as “HR system”: you will see it in this list."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read token cannot change anything."),
    )
