from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from content.models import MAX_COURSE_HOURS, MIN_COURSE_HOURS, Language, Level
from content.selectors import DURATION_LABELS, CatalogFilters


class CatalogFilterForm(forms.Form):
    q = forms.CharField(label=_("Search courses"), required=False, max_length=200)
    skill = forms.SlugField(label=_("Skill"), required=False, max_length=120)
    duration = forms.ChoiceField(
        label=_("Duration"), required=False, choices=[("", _("Any duration")), *DURATION_LABELS.items()]
    )
    price = forms.ChoiceField(
        label=_("Price"),
        required=False,
        choices=[("", _("Any price")), ("free", _("Free")), ("paid", pgettext_lazy("price filter", "Paid"))],
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *Language.choices]
    )
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", _("Any level")), *Level.choices])
    aid = forms.ChoiceField(
        label=_("Financial aid"),
        required=False,
        choices=[("", _("With or without financial aid")), ("eligible", _("Eligible for financial aid"))],
    )

    page = forms.IntegerField(label=_("Page"), required=False, min_value=1, max_value=10_000)

    def filters(self) -> CatalogFilters:
        data = self.cleaned_data
        return CatalogFilters(
            q=data["q"].strip(),
            skill=data["skill"],
            duration=data["duration"],
            price=data["price"],
            language=data["language"],
            level=data["level"],
            aid=data["aid"],
        )


class CourseStartForm(forms.Form):
    """A new course's first facts; the rest is written in the page editor."""

    title = forms.CharField(label=_("Title"), max_length=255)
    slug = forms.SlugField(
        label=_("Address (slug)"),
        max_length=80,
        required=False,
        help_text=_("The last part of the course's address; left empty, it is made from the title."),
    )
    summary = forms.CharField(label=_("Summary"), max_length=240, widget=forms.Textarea(attrs={"rows": 3}))
    estimated_hours = forms.IntegerField(
        label=_("Estimated hours"),
        min_value=MIN_COURSE_HOURS,
        max_value=MAX_COURSE_HOURS,
        help_text=_("Between 6 and 60 hours of study."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.BEGINNER)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ENGLISH)

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give the course a title."))
        return title

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("title") and not data.get("slug"):
            data["slug"] = slugify(data["title"])[:80]
            if not data["slug"]:
                self.add_error("slug", _("Choose an address made of letters, digits and hyphens."))
        return data
