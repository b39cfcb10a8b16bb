from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from content.models import CoursePage
from organizations.models import Organization, Role, SeatBundle
from organizations.selectors import bundles_with_counts
from organizations.services.sso import sso_for_email

MAX_CSV_BYTES = 2 * 1024 * 1024


class _BundleChoiceField(forms.ModelChoiceField):
    """A seat bundle by its course and the seats still available (`bundles_with_counts`' annotation)."""

    def label_from_instance(self, obj: SeatBundle) -> str:
        return _("%(course)s (%(available)d available)") % {
            "course": obj.course.title,
            "available": obj.seats_available,  # type: ignore[attr-defined]
        }


def _bundle_field(organization: Organization) -> forms.ModelChoiceField:
    return _BundleChoiceField(
        label=_("Seat"),
        queryset=bundles_with_counts(organization=organization),
        required=False,
        empty_label=_("No seat, membership only"),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.MEMBER.value, Role.MEMBER.label), (Role.INSTRUCTOR.value, Role.INSTRUCTOR.label)],
        initial=Role.MEMBER,
        required=False,
        help_text=_("Instructors also write your organization's private courses in the course editor."),
    )

    waive_prerequisites = forms.BooleanField(
        label=_("Waive the course's prerequisites for this seat"),
        required=False,
        help_text=_(
            "A learner who has not completed a course's prerequisites cannot take its seat unless you waive them."
        ),
    )

    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=[("", _("English and French (not known)")), *settings.LANGUAGES],
        required=False,
        help_text=_(
            "The language this person reads. When it is not known, the invitation is written in English and "
            "French; someone who already has an account receives it in the language they chose."
        ),
    )

    def clean_role(self) -> str:
        return self.cleaned_data["role"] or Role.MEMBER

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bundle"] = _bundle_field(organization)
        self.order_fields(["email", "language", "role", "bundle", "waive_prerequisites"])


class InvitationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One e-mail address per line, in the first column. A first row of headings may name a “language” "
            "column: en or fr for each person, empty when not known."
        ),
    )

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bundle"] = _bundle_field(organization)

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from error


class PrivateCourseCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=240, help_text=_("One or two sentences for the catalog."))
    estimated_hours = forms.IntegerField(
        label=_("Estimated hours"), min_value=6, max_value=60, initial=6, help_text=_("Between 6 and 60 hours.")
    )


class PrivateCourseChooseForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=CoursePage.objects.none())

    def __init__(self, *args, courses, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["course"]
        assert isinstance(field, forms.ModelChoiceField)  # declared above
        field.queryset = courses


class SingleSignOnForm(forms.Form):
    """The visitor's work address: its domain routes them to their organization's identity provider."""

    email = forms.EmailField(
        label=_("Work e-mail address"),
        help_text=_("We send you to your organization's sign-in page."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        self.single_sign_on = sso_for_email(email)
        if self.single_sign_on is None:
            raise forms.ValidationError(
                _(
                    "No organization signs in with addresses ending in @%(domain)s. Sign in with your e-mail "
                    "address and password, or ask your organization's administrator."
                )
                % {"domain": email.rpartition("@")[2]}
            )
        return email
