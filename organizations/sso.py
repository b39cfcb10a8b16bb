"""allauth's adapters for single sign-on per organization (settings SOCIALACCOUNT_ADAPTER and ACCOUNT_ADAPTER).

The social adapter trusts an organization's identity provider for that organization's own e-mail domains only:
it refuses any other address, links an existing account with the same address, ends the membership of someone
the provider no longer vouches for, and hands every accepted sign-in to `organizations.services.sso`. The account
adapter refuses password sign-in and sign-up for the domains of an organization that requires single sign-on.
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthProcess
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from lms.account_adapter import AccountAdapter as LmsAccountAdapter
from lms.models import User
from organizations.models import SingleSignOn
from organizations.services.sso import (
    SignInRefused,
    password_refused_for,
    sso_access_granted,
    sso_deprovision,
    sso_email_allowed,
    sso_for_app,
    sso_sign_in,
)


def _refuse(request: HttpRequest, message: str) -> ImmediateHttpResponse:
    response = render(request, "organizations/sso_refused.html", {"message": message}, status=403)
    return ImmediateHttpResponse(response)


def _email(sociallogin: SocialLogin) -> str:
    if sociallogin.email_addresses:
        return sociallogin.email_addresses[0].email.strip()
    return (getattr(sociallogin.user, "email", "") or "").strip()


def claim_values(sociallogin: SocialLogin, claim: str) -> list[str]:
    """The values the provider sent for `claim`: a SAML attribute (a list), or an OpenID Connect claim of the
    userinfo answer or ID token (a string, a boolean or a list)."""
    data: dict[str, Any] = sociallogin.account.extra_data or {}
    if sociallogin.provider.id == "saml":
        raw: Any = data.get(claim)
    else:
        raw = (data.get("userinfo") or {}).get(claim)
        if raw is None:
            raw = (data.get("id_token") or {}).get(claim)
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    return [("true" if value else "false") if isinstance(value, bool) else str(value) for value in values]


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def _single_sign_on(self, request: HttpRequest, sociallogin: SocialLogin) -> SingleSignOn:
        sso = sso_for_app(sociallogin.provider.app)
        if sso is None:
            raise _refuse(request, _("This identity provider signs in no organization."))
        return sso

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Every sign-in the provider vouched for, before allauth signs anyone in or up."""
        sso = self._single_sign_on(request, sociallogin)
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # Signing in through the organization links the account already; connecting from another account's
            # settings could tie the provider to the wrong person.
            raise _refuse(request, _("Sign out, then use “Sign in with your organization”."))
        email = _email(sociallogin)
        if not email or not sso_email_allowed(single_sign_on=sso, email=email):
            raise _refuse(
                request,
                _("%(organization)s's identity provider may only sign in addresses of %(organization)s.")
                % {"organization": sso.organization.name},
            )
        # The organization's own provider is trusted for its own domains (checked just above).
        for address in sociallogin.email_addresses:
            address.verified = sso_email_allowed(single_sign_on=sso, email=address.email)
        user = sociallogin.user if sociallogin.is_existing else User.objects.filter(email__iexact=email).first()
        if sso.access_claim and not sso_access_granted(
            single_sign_on=sso, values=claim_values(sociallogin, sso.access_claim)
        ):
            if user is not None and user.pk is not None:
                sso_deprovision(single_sign_on=sso, user=user)
            raise _refuse(
                request,
                _("%(organization)s no longer gives you access through its identity provider. Ask its administrator.")
                % {"organization": sso.organization.name},
            )
        if not sociallogin.is_existing and user is not None:
            sociallogin.connect(request, user)
        if sociallogin.is_existing:
            self._sign_in(request, sso, sociallogin.user, email)

    def _sign_in(self, request: HttpRequest, sso: SingleSignOn, user: Any, email: str) -> None:
        try:
            sso_sign_in(single_sign_on=sso, user=user, email=email)
        except SignInRefused as error:
            raise _refuse(request, str(error)) from error

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        # pre_social_login let through only an address of the organization's domains: nothing to ask the person.
        return True

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        """A first sign-in: allauth creates the account (no usable password), then the organization's rules."""
        user = super().save_user(request, sociallogin, form)
        self._sign_in(request, self._single_sign_on(request, sociallogin), user, _email(sociallogin))
        return user


class AccountAdapter(LmsAccountAdapter):
    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        email = credentials.get("email") or ""
        if email and password_refused_for(email):
            raise ValidationError(
                _("Your organization signs you in: use “Sign in with your organization” with %(email)s.")
                % {"email": email}
            )
        super().pre_authenticate(request, **credentials)

    def validate_unique_email(self, email: str) -> str:
        """The sign-up form's check of its address (not `clean_email`: allauth also cleans the addresses a social
        login brings with it, and refusing there would drop the address of the organization's own sign-in)."""
        if password_refused_for(email):
            raise ValidationError(
                _(
                    "Your organization signs you in through its identity provider: use “Sign in with your "
                    "organization” instead of making a password."
                )
            )
        return super().validate_unique_email(email)
