from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db.models import Model
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


class PricedCourseField(forms.ModelChoiceField):
    """A course shown with its list price."""

    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, CoursePage)
        return f"{obj.title} ({format_price(obj.list_price)})"


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
