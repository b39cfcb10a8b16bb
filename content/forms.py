from django import forms
from django.utils.translation import gettext_lazy as _

from content.models import Language, Level
from content.selectors import DURATION_LABELS, CatalogFilters


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search courses"), required=False, max_length=200)
    skill = forms.SlugField(label=_("Skill"), required=False, max_length=120)
    duration = forms.ChoiceField(
        label=_("Duration"), required=False, choices=[("", _("Any duration")), *DURATION_LABELS.items()]
    )
    price = forms.ChoiceField(
        label=_("Price"), required=False, choices=[("", _("Any price")), ("free", _("Free")), ("paid", _("Paid"))]
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *Language.choices]
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("Any level")), *Level.choices])

    def filters(self) -> CatalogFilters:
        data = self.cleaned_data
        return CatalogFilters(
            q=data["q"].strip(),
            skill=data["skill"],
            duration=data["duration"],
            price=data["price"],
            language=data["language"],
            level=data["level"],
        )
