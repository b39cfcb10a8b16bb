"""Every change to organizations, members, seats and invitations goes through here.

Locks: `seat_assign`, `seat_reclaim`, `invitation_create` and `invitation_accept` lock the seat bundle row
(`select_for_update`) before they count seats; `invitation_accept` and `invitation_revoke` lock the invitation
row first (invitation, then bundle: never the other way round). The check constraint seats_used ≤ seats_bought
and the unique (bundle, user) seat are the last line.

Reservations: an open invitation (not accepted, revoked or expired) onto a bundle reserves one of its seats, so
seats available = bought − used − reserved. An admin's assignment never takes a reserved seat; the invitee
takes theirs on accepting; expiry or revocation frees it (nothing to write: the count only reads open ones).

By use case: `rules` (errors, who administers), `members`, `private_courses`, `seats` (bundles and seats),
`invitations`, `imports` (invitations from a CSV file), `sso` (single sign-on: the organization's identity
provider, its domains, and what a sign-in through it does).
"""

from organizations.services.imports import (
    MAX_IMPORT_ROWS,
    PROGRESS_EVERY,
    RowProblem,
    invitations_import_csv,
    invitations_import_start,
)
from organizations.services.invitations import (
    invitation_accept,
    invitation_create,
    invitation_problem,
    invitation_revoke,
    invitation_send,
    invitation_url,
)
from organizations.services.members import (
    membership_add,
    membership_remove,
    organization_create,
    organization_group_ensure,
    organization_instructors_ensure,
)
from organizations.services.private_courses import (
    course_make_private,
    course_make_public,
    is_org_instructor,
    may_manage_private_courses,
    private_course_create,
    private_course_owner,
)
from organizations.services.rules import (
    ROLE_RANK,
    InvitationUnusable,
    NoSeatsLeft,
    OrganizationError,
    SeatRefused,
    SeatStarted,
    is_org_admin,
)
from organizations.services.seats import (
    seat_assign,
    seat_bundle_create,
    seat_bundle_reduce,
    seat_reclaim,
    seats_reserved,
)
from organizations.services.sso import (
    SignInRefused,
    domains_clean,
    password_refused_for,
    single_sign_on_save,
    sso_access_granted,
    sso_deprovision,
    sso_email_allowed,
    sso_for_app,
    sso_for_email,
    sso_sign_in,
)

__all__ = [
    "MAX_IMPORT_ROWS",
    "PROGRESS_EVERY",
    "ROLE_RANK",
    "InvitationUnusable",
    "NoSeatsLeft",
    "OrganizationError",
    "RowProblem",
    "SeatRefused",
    "SeatStarted",
    "SignInRefused",
    "course_make_private",
    "course_make_public",
    "domains_clean",
    "invitation_accept",
    "invitation_create",
    "invitation_problem",
    "invitation_revoke",
    "invitation_send",
    "invitation_url",
    "invitations_import_csv",
    "invitations_import_start",
    "is_org_admin",
    "is_org_instructor",
    "may_manage_private_courses",
    "membership_add",
    "membership_remove",
    "organization_create",
    "organization_group_ensure",
    "organization_instructors_ensure",
    "password_refused_for",
    "private_course_create",
    "private_course_owner",
    "seat_assign",
    "seat_bundle_create",
    "seat_bundle_reduce",
    "seat_reclaim",
    "seats_reserved",
    "single_sign_on_save",
    "sso_access_granted",
    "sso_deprovision",
    "sso_email_allowed",
    "sso_for_app",
    "sso_for_email",
    "sso_sign_in",
]
