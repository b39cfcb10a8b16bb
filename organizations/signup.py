"""Sign-up from an invitation accepts it: the invitation link remembers its token in the session, and once the
new account's address is verified (at sign-up, when it is the invited address the link proved; or when its
confirmation link is opened) the invitation is accepted through `invitation_accept`.

allauth's `user_signed_up` and `email_confirmed` signals are connected in OrganizationsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lms.models import User
from organizations.models import Invitation

SESSION_KEY = "organizations_invitation"


def invitation_pending_remember(request: HttpRequest, *, invitation: Invitation) -> None:
    request.session[SESSION_KEY] = invitation.token


def invitation_pending_accept(request: HttpRequest | None, *, user: User) -> None:
    """Accept the invitation this browser came from, once `user`'s invited address is verified; say why not."""
    from organizations.services import OrganizationError, invitation_accept

    if request is None or not hasattr(request, "session"):
        return
    token = request.session.get(SESSION_KEY)
    if not token:
        return
    invitation = Invitation.objects.select_related("organization").filter(token=token).first()
    if invitation is None:
        request.session.pop(SESSION_KEY, None)
        return
    if user.email.lower() != invitation.email.lower():
        request.session.pop(SESSION_KEY, None)
        messages.error(
            request,
            _(
                "The invitation of %(org)s was sent to %(invited)s, not to %(email)s: sign in as %(invited)s "
                "to accept it."
            )
            % {"org": invitation.organization.name, "invited": invitation.email, "email": user.email},
        )
        return
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        return  # accepted when the confirmation link is opened
    request.session.pop(SESSION_KEY, None)
    try:
        invitation_accept(invitation=invitation, user=user)
    except (PermissionDenied, OrganizationError) as refused:
        messages.error(request, str(refused))
        return
    messages.success(request, _("Welcome to %(org)s.") % {"org": invitation.organization.name})


def on_user_signed_up(sender: Any, request: HttpRequest | None = None, user: User | None = None, **kwargs: Any) -> None:
    if user is not None:
        invitation_pending_accept(request, user=user)


def on_email_confirmed(
    sender: Any, request: HttpRequest | None = None, email_address: EmailAddress | None = None, **kwargs: Any
) -> None:
    if email_address is not None:
        invitation_pending_accept(request, user=email_address.user)
