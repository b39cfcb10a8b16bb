from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
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
        self.fields["provider"].choices = [(code, ProviderCode(code).label) for code in providers]
        if providers:
            self.fields["provider"].initial = providers[0]


class BundleForm(CheckoutForm):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), to_field_name="slug"
    )
    course = forms.ModelChoiceField(label=_("Course"), queryset=CoursePage.objects.none())
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000, initial=5)

    field_order = ["organization", "course", "seats", "province", "coupon", "provider"]

    def __init__(self, *args, organizations: list[Organization], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        if len(organizations) == 1:
            self.fields["organization"].initial = organizations[0].slug
        self.fields["course"].queryset = CoursePage.objects.live().filter(list_price__gt=0).order_by("title")
        self.fields["course"].label_from_instance = lambda c: f"{c.title} ({format_price(c.list_price)})"


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
        else:
            self.fields["seats"].max_value = seats_left
            self.fields["seats"].widget.attrs["max"] = seats_left
            self.fields["seats"].validators.append(MaxValueValidator(seats_left))
            self.fields["seats"].initial = seats_left
