from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from commerce.models import ProviderCode, Province
from content.models import CoursePage
from lms.formatting import format_price
from organizations.models import Organization


class CheckoutForm(forms.Form):
    province = forms.ChoiceField(label=_("Province (for sales tax)"), choices=Province.choices)
    coupon = forms.CharField(label=_("Coupon code"), required=False, max_length=40)
    provider = forms.ChoiceField(label=_("Payment method"), widget=forms.RadioSelect)

    def __init__(self, *args, providers: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].initial = settings.SALES_TAX_DEFAULT_PROVINCE
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)
        provider.choices = [(code, ProviderCode(code).label) for code in providers]
        if providers:
            provider.initial = providers[0]


def _attributes(attrs: dict[str, Any]) -> str:
    """`django/forms/widgets/attrs.html` in Python: False leaves an attribute out, True writes its name alone."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """Django's <select>, with the markup of its `select.html` and `select_option.html`, built in Python: Django
    renders each <option> through a template include, and a list of a thousand courses took 40 ms to render. Escaped
    as the templates escape: every value, and every label that is not already safe."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                attributes = _attributes(option["attrs"]) if option["attrs"] else ""
                label = conditional_escape(option["label"])
                # The option template's own line end, as Django's output has it.
                parts.append(f'\n  <option value="{escape(str(option["value"]))}"{attributes}>{label}</option>\n')
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308  every value and label escaped above


class _PricedCourseChoices(forms.models.ModelChoiceIterator):
    """The courses' ids and labels, read as three columns: a page object a course (45 columns and Wagtail's page
    machinery) for a list of a thousand was half the bundle checkout's time."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, title, price in self.queryset.values_list("pk", "title", "list_price"):
            yield (pk, f"{title} ({format_price(price)})")


class PricedCourseField(forms.ModelChoiceField):
    """A course shown with its list price (its choices' labels are written by `_PricedCourseChoices`)."""

    iterator = _PricedCourseChoices
    widget = QuickSelect


class BundleForm(CheckoutForm):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), to_field_name="slug"
    )
    course = PricedCourseField(label=_("Course"), queryset=CoursePage.objects.none())
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000, initial=5)

    field_order = ["organization", "course", "seats", "province", "coupon", "provider"]

    def __init__(self, *args, organizations: list[Organization], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organization, course = self.fields["organization"], self.fields["course"]
        assert isinstance(organization, forms.ModelChoiceField) and isinstance(course, forms.ModelChoiceField)
        organization.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        if len(organizations) == 1:
            organization.initial = organizations[0].slug
        course.queryset = CoursePage.objects.live().filter(list_price__gt=0).order_by("title")


class RefundForm(forms.Form):
    """A platform admin's refund: the whole order, or some unused seats of one organization line."""

    seats = forms.IntegerField(label=_("Unused seats to refund"), min_value=1)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Kept with the refund, for the books and the buyer's questions."),
        widget=forms.TextInput,
    )

    def __init__(self, *args, seats_left: int | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if seats_left is None:
            del self.fields["seats"]
            return
        seats = self.fields["seats"]
        assert isinstance(seats, forms.IntegerField)
        seats.max_value = seats_left
        seats.widget.attrs["max"] = seats_left
        seats.validators.append(MaxValueValidator(seats_left))
        seats.initial = seats_left
