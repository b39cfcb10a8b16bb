from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from badges.artifacts import unbake_png
from badges.ob3.verify import MAX_BYTES


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Validation code"),
        max_length=30,
        help_text=_("As printed on the certificate, for example 7K4M-QX2P-9HJD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label=_("Paste a credential (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    file = forms.FileField(
        label=_("Or upload a credential file"),
        required=False,
        help_text=_("A .json credential or a baked badge .png, up to 64 KB."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = (data.get("credential") or "").strip()
        if upload:
            if upload.size > MAX_BYTES * 8:
                raise forms.ValidationError(_("The file is too large to be a credential."))
            content = upload.read(MAX_BYTES * 8 + 1)
            if content.startswith(b"\x89PNG"):
                try:
                    baked = unbake_png(content)
                except (ValueError, IndexError):
                    baked = None
                if baked is None:
                    raise forms.ValidationError(_("This image has no credential baked into it."))
                content = baked.encode("utf-8")
            document: bytes | str = content
        elif text:
            document = text
        else:
            raise forms.ValidationError(_("Paste a credential or choose a file."))
        if len(document if isinstance(document, bytes) else document.encode("utf-8")) > MAX_BYTES:
            raise forms.ValidationError(_("Credentials over 64 KB are not checked."))
        data["document"] = document
        return data
