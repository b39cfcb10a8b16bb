from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import WebhookEventType
from integrations.webhooks.addresses import AddressRefused, url_check


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("An https:// address of your system that accepts POST requests with a JSON body."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"])
        try:
            url_check(url)
        except AddressRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from None
        return url
