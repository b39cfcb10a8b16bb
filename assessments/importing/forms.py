"""The upload step of a question import: a GIFT or Aiken file (or pasted text), read as UTF-8 text."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from assessments.models import ImportFormat

MAX_IMPORT_BYTES = 1_000_000


class QuestionImportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ImportFormat.choices,
        initial=ImportFormat.GIFT,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose GIFT or Aiken."),
            "invalid_choice": _("Choose GIFT or Aiken: “%(value)s” is not a format we can import."),
        },
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".txt,.gift"}),
        error_messages={"empty": _("The file is empty.")},
    )
    text = forms.CharField(
        label=_("Or paste the questions"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 12})
    )

    def clean_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("file")
        if upload is not None and (upload.size or 0) > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is too large to import: at most %(limit)s."),
                params={"limit": filesizeformat(MAX_IMPORT_BYTES)},
            )
        return upload

    def clean_text(self) -> str:
        text: str = self.cleaned_data.get("text", "")
        if len(text.encode()) > MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The text is too large to import: at most %(limit)s."),
                params={"limit": filesizeformat(MAX_IMPORT_BYTES)},
            )
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "file" not in cleaned or "text" not in cleaned:
            return cleaned
        upload: UploadedFile | None = cleaned["file"]
        if upload is None and not cleaned["text"].strip():
            raise ValidationError(_("Choose a file to import, or paste the questions."))
        if upload is not None:
            cleaned["text"] = self._read(upload)
        cleaned["source_name"] = upload.name if upload is not None else ""
        return cleaned

    @staticmethod
    def _read(upload: UploadedFile) -> str:
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text: save it as UTF-8 and upload it again.")) from None
        if "\x00" in text:
            raise ValidationError(_("The file is not a text file."))
        if not text.strip():
            raise ValidationError(_("The file is empty."))
        return text
