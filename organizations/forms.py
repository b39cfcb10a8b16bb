from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from content.models import CoursePage
from organizations.models import Organization, Role, SeatBundle, SingleSignOn
from organizations.selectors import bundles_with_counts
from organizations.services.sso import domains_clean, sso_for_email

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

    single_sign_on: SingleSignOn  # set by a valid form

    email = forms.EmailField(
        label=_("Work e-mail address"),
        help_text=_("We send you to your organization's sign-in page."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        single_sign_on = sso_for_email(email)
        if single_sign_on is None:
            raise forms.ValidationError(
                _(
                    "No organization signs in with addresses ending in @%(domain)s. Sign in with your e-mail "
                    "address and password, or ask your organization's administrator."
                )
                % {"domain": email.rpartition("@")[2]}
            )
        self.single_sign_on = single_sign_on
        return email


class _BundleTitleField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SeatBundle) -> str:
        return obj.course.title


class SingleSignOnAdminForm(forms.Form):
    """A platform admin's single sign-on settings for one organization, its allauth SocialApp included."""

    provider = forms.ChoiceField(
        label=_("Protocol"), choices=[("openid_connect", _("OpenID Connect")), ("saml", _("SAML 2.0"))]
    )
    name = forms.CharField(label=_("Name of the identity provider"), max_length=40)
    server_url = forms.URLField(
        label=_("Issuer URL (OpenID Connect)"),
        required=False,
        assume_scheme="https",
        help_text=_("Its discovery document is read at /.well-known/openid-configuration below this address."),
    )
    client_id = forms.CharField(label=_("Client ID (OpenID Connect)"), max_length=191, required=False)
    secret = forms.CharField(
        label=_("Client secret (OpenID Connect)"),
        max_length=191,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the secret already saved."),
    )
    entity_id = forms.CharField(label=_("IdP entity ID (SAML)"), max_length=500, required=False)
    sso_url = forms.URLField(label=_("IdP sign-in URL (SAML)"), required=False, assume_scheme="https")
    x509cert = forms.CharField(
        label=_("IdP signing certificate (SAML)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("PEM, with or without its BEGIN and END lines."),
    )
    email_attribute = forms.CharField(
        label=_("E-mail attribute (SAML)"),
        max_length=200,
        required=False,
        help_text=_("The attribute that carries the address; empty: the NameID is the address."),
    )
    domains = forms.CharField(
        label=_("E-mail domains"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, for example northwind.test. The provider is trusted for these domains only."),
    )
    provision_seats = forms.BooleanField(label=_("Assign a seat at first sign-in"), required=False)
    default_bundle = _BundleTitleField(
        label=_("Default seat bundle"), queryset=SeatBundle.objects.none(), required=False
    )
    required = forms.BooleanField(
        label=_("Single sign-on required"),
        required=False,
        help_text=_("Addresses on these domains cannot sign in or sign up with a password."),
    )
    access_claim = forms.CharField(label=_("Access claim or attribute"), max_length=200, required=False)
    access_value = forms.CharField(label=_("Access value"), max_length=200, required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bundles = self.fields["default_bundle"]
        assert isinstance(bundles, forms.ModelChoiceField)
        bundles.queryset = SeatBundle.objects.filter(organization=organization).select_related("course")

    def clean_domains(self) -> list[str]:
        return domains_clean(self.cleaned_data["domains"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        needed = ["server_url", "client_id"] if data.get("provider") == "openid_connect" else ["entity_id", "sso_url"]
        if data.get("provider") == "saml":
            needed.append("x509cert")
        for name in needed:
            if not data.get(name):
                self.add_error(name, _("Needed for this protocol."))
        return data

    def provider_settings(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["provider"] == "openid_connect":
            return {"server_url": data["server_url"], "oauth_pkce_enabled": True}
        certificate = "".join(
            line.strip() for line in data["x509cert"].strip().splitlines() if "CERTIFICATE-----" not in line
        )
        settings_: dict[str, Any] = {
            "idp": {"entity_id": data["entity_id"], "sso_url": data["sso_url"], "x509cert": certificate},
            "advanced": {"want_assertion_signed": True},
        }
        if data["email_attribute"]:
            settings_["attribute_mapping"] = {"email": data["email_attribute"]}
        else:
            settings_["use_nameid_for_email"] = True
        return settings_

    @classmethod
    def initial_for(cls, sso: Any) -> dict[str, Any]:
        """The form's values for a saved configuration (the secret is never shown)."""
        if sso is None:
            return {"provider": "openid_connect"}
        app = sso.social_app
        idp = app.settings.get("idp", {})
        return {
            "provider": app.provider,
            "name": app.name,
            "server_url": app.settings.get("server_url", ""),
            "client_id": app.client_id if app.provider == "openid_connect" else "",
            "entity_id": idp.get("entity_id", ""),
            "sso_url": idp.get("sso_url", ""),
            "x509cert": idp.get("x509cert", ""),
            "email_attribute": app.settings.get("attribute_mapping", {}).get("email", ""),
            "domains": "\n".join(sso.domains.values_list("domain", flat=True)),
            "provision_seats": sso.provision_seats,
            "default_bundle": sso.default_bundle_id,
            "required": sso.required,
            "access_claim": sso.access_claim,
            "access_value": sso.access_value,
        }
