"""Reads for the organization pages and reports; each runs a fixed number of queries whatever the size.

By use case: `access` (who may see what, members, private courses), `staff` (the staff table's filters and rows),
`dashboard`, `reports` (the exports), `bundles` (seat bundles and prerequisites).
"""

from organizations.selectors.access import (
    courses_to_make_private,
    learner_memberships,
    members_of,
    organization_for_admin,
    organizations_administered,
    organizations_for_private_courses,
    private_courses_of,
    staff_user_ids,
)
from organizations.selectors.bundles import (
    PrerequisiteGap,
    bundles_for_admin,
    bundles_with_counts,
    prerequisite_gaps,
    prerequisites_lacked_by_address,
    seats_of_bundles,
)
from organizations.selectors.dashboard import (
    ORG_DASHBOARD_HOOK,
    ChartPoint,
    CompletionChart,
    CountedPaginator,
    CourseSeats,
    Dashboard,
    MemberCounts,
    SeatFact,
    StaffRow,
    completion_chart,
    organization_dashboard,
    seat_facts,
    seats_by_course,
    staff_count_matching,
)
from organizations.selectors.reports import (
    REPORT_TIME,
    ZERO,
    report_csv,
    report_header,
    report_query,
    report_rows,
    report_values,
    report_xlsx,
)
from organizations.selectors.sso import sso_members_without_seat
from organizations.selectors.staff import PAGE_SIZE, STATUSES, StaffFilters, staff_rows
from organizations.statements import SORTS, SeatProgress

__all__ = [
    "ORG_DASHBOARD_HOOK",
    "PAGE_SIZE",
    "REPORT_TIME",
    "SORTS",
    "STATUSES",
    "ZERO",
    "ChartPoint",
    "CompletionChart",
    "CountedPaginator",
    "CourseSeats",
    "Dashboard",
    "MemberCounts",
    "PrerequisiteGap",
    "SeatFact",
    "SeatProgress",
    "StaffFilters",
    "StaffRow",
    "bundles_for_admin",
    "bundles_with_counts",
    "completion_chart",
    "courses_to_make_private",
    "learner_memberships",
    "members_of",
    "organization_dashboard",
    "organization_for_admin",
    "organizations_administered",
    "organizations_for_private_courses",
    "prerequisite_gaps",
    "prerequisites_lacked_by_address",
    "private_courses_of",
    "report_csv",
    "report_header",
    "report_query",
    "report_rows",
    "report_values",
    "report_xlsx",
    "seat_facts",
    "seats_by_course",
    "seats_of_bundles",
    "sso_members_without_seat",
    "staff_count_matching",
    "staff_rows",
    "staff_user_ids",
]
