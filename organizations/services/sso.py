"""Single sign-on: an organization's identity provider, its e-mail domains, and what a sign-in through it does.

allauth runs the protocol (OpenID Connect, SAML); organizations.sso (its adapters) hands each verified sign-in to
`sso_sign_in` here, which applies the organization's rules with the same member and seat services as the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lms.models import User
from lms.roles import user_is_platform_admin
from organizations.models import Membership, Organization, Seat, SeatBundle, SeatState, SingleSignOn, SingleSignOnDomain
from organizations.services.members import membership_add, membership_remove
from organizations.services.rules import NoSeatsLeft, OrganizationError
from organizations.services.seats import seat_assign

# A host name of at least two labels: letters, digits and inner hyphens; no scheme, @, port or path.
_DOMAIN = re.compile(r"^(?=.{4,190}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

PROVIDERS = ("openid_connect", "saml")


class SignInRefused(OrganizationError):
    """The organization's rules refuse this sign-in; the message is for the person signing in."""


@dataclass(frozen=True)
class SignInOutcome:
    membership: Membership
    seat: Seat | None
    # Provisioning was asked for but the default bundle had no seat to give (the admin sees who on the seats page).
    seat_shortfall: bool


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def domains_clean(raw: str | list[str]) -> list[str]:
    """The domains an admin typed (one a line, or separated by commas or spaces), lowercased, each a host name."""
    items = raw if isinstance(raw, list) else re.split(r"[\s,;]+", raw)
    domains: list[str] = []
    for item in items:
        domain = item.strip().lower().lstrip("@")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise ValidationError(_("“%(domain)s” is not an e-mail domain such as northwind.test.") % {"domain": item})
        if domain not in domains:
            domains.append(domain)
    if not domains:
        raise ValidationError(_("Give at least one e-mail domain."))
    return domains


@transaction.atomic
def single_sign_on_save(
    *,
    organization: Organization,
    actor: User | None,
    provider: str,
    name: str,
    client_id: str,
    secret: str,
    settings: dict,
    domains: list[str],
    provision_seats: bool = False,
    default_bundle: SeatBundle | None = None,
    required: bool = False,
    access_claim: str = "",
    access_value: str = "",
) -> SingleSignOn:
    """Create or change the organization's identity provider (its allauth SocialApp) and its domains.

    Platform admins only (actor None: the system). Locks the organization row, so two saves queue. A domain is
    refused if another organization signs in with it (the unique constraint is the last line).
    """
    if actor is not None and not user_is_platform_admin(actor):
        raise PermissionDenied(_("Only a platform administrator may configure single sign-on."))
    if provider not in PROVIDERS:
        raise ValidationError(_("Choose OpenID Connect or SAML."))
    domains = domains_clean(domains)
    if provision_seats and default_bundle is None:
        raise ValidationError(_("Choose the seat bundle that first sign-ins take a seat from."))
    if default_bundle is not None and default_bundle.organization_id != organization.pk:
        raise ValidationError(_("The default seat bundle must be one of this organization's."))
    if bool(access_claim.strip()) != bool(access_value.strip()):
        raise ValidationError(_("Give both the access claim and the value it must hold, or neither."))
    Organization.objects.select_for_update().get(pk=organization.pk)
    taken = (
        SingleSignOnDomain.objects.filter(domain__in=domains)
        .exclude(single_sign_on__organization=organization)
        .values_list("domain", flat=True)
    )
    if taken:
        raise ValidationError(
            _("Another organization already signs in with %(domains)s.") % {"domains": ", ".join(sorted(taken))}
        )
    existing = SingleSignOn.objects.filter(organization=organization).select_related("social_app").first()
    app = existing.social_app if existing is not None else SocialApp()
    # provider_id names the app in allauth's OpenID Connect URLs and in its accounts' `provider`, so that two
    # organizations' SAML apps never look alike; a SAML app's client_id is the slug in allauth's SAML URLs.
    app.provider, app.provider_id = provider, f"sso-{organization.slug}"
    app.name, app.settings = name, settings
    app.client_id = organization.slug if provider == "saml" else client_id
    if secret or existing is None:
        app.secret = secret
    app.save()
    sso = existing or SingleSignOn(organization=organization, social_app=app)
    sso.provision_seats, sso.default_bundle, sso.required = provision_seats, default_bundle, required
    sso.access_claim, sso.access_value = access_claim.strip(), access_value.strip()
    sso.save()
    sso.domains.exclude(domain__in=domains).delete()
    for domain in domains:
        SingleSignOnDomain.objects.get_or_create(single_sign_on=sso, domain=domain)
    return sso


def sso_for_email(email: str) -> SingleSignOn | None:
    """The single sign-on that an address's domain routes to, if any (one query)."""
    domain = email_domain(email)
    if not domain:
        return None
    return (
        SingleSignOn.objects.select_related("organization", "social_app", "default_bundle")
        .filter(domains__domain=domain)
        .first()
    )


def sso_for_app(app: SocialApp) -> SingleSignOn | None:
    return SingleSignOn.objects.select_related("organization", "default_bundle").filter(social_app=app).first()


def password_refused_for(email: str) -> bool:
    """Does this address's organization require single sign-on (so no password sign-in or sign-up)?"""
    domain = email_domain(email)
    return bool(domain) and SingleSignOn.objects.filter(required=True, domains__domain=domain).exists()


def sso_email_allowed(*, single_sign_on: SingleSignOn, email: str) -> bool:
    """The provider is trusted for its organization's own domains only."""
    return single_sign_on.domains.filter(domain=email_domain(email)).exists()


def sso_access_granted(*, single_sign_on: SingleSignOn, values: list[str]) -> bool:
    """Does the claim the provider sent still say that the person belongs? Always, when none is configured."""
    if not single_sign_on.access_claim:
        return True
    wanted = single_sign_on.access_value.strip().lower()
    return any(str(value).strip().lower() == wanted for value in values)


@transaction.atomic
def sso_sign_in(*, single_sign_on: SingleSignOn, user: User, email: str) -> SignInOutcome:
    """A person the provider vouched for signs in: their address is marked verified, they are (still) a member,
    and on joining, when the organization provisions seats, they take a seat of the default bundle.

    The seat goes through `seat_assign` (bundle row locked, never oversold); a full or expired bundle leaves them
    signed in without one. A returning member whose seat an admin reclaimed is not given one again.
    """
    if not sso_email_allowed(single_sign_on=single_sign_on, email=email):
        raise SignInRefused(_("This identity provider may only sign in addresses of its organization."))
    address, _created = EmailAddress.objects.get_or_create(user=user, email__iexact=email, defaults={"email": email})
    if not address.verified:
        EmailAddress.objects.filter(pk=address.pk).update(verified=True)
    if not EmailAddress.objects.filter(user=user, primary=True).exists():
        EmailAddress.objects.filter(pk=address.pk).update(primary=True)
    organization = single_sign_on.organization
    joining = not Membership.objects.filter(organization=organization, user=user).exists()
    membership = membership_add(organization=organization, user=user)
    seat = None
    shortfall = False
    bundle = single_sign_on.default_bundle
    if bundle is not None:
        seat = Seat.objects.filter(bundle=bundle, user=user, state=SeatState.ASSIGNED).first()
        if seat is None and joining and single_sign_on.provision_seats:
            try:
                with transaction.atomic():
                    seat = seat_assign(bundle=bundle, user=user)
            except NoSeatsLeft:
                shortfall = True
    return SignInOutcome(membership=membership, seat=seat, seat_shortfall=shortfall)


@transaction.atomic
def sso_deprovision(*, single_sign_on: SingleSignOn, user: User) -> None:
    """The provider says this person no longer belongs: their membership ends and their unstarted seats are
    reclaimed (membership_remove: the same path as an admin's removal). Idempotent."""
    membership_remove(organization=single_sign_on.organization, user=user)
